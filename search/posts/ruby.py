"""Furigana (ruby): the base text stays in the body, the reading is kept beside it.

``<ruby>薔薇<rt>ばら</rt></ruby>`` (with or without ``<rp>(</rp>`` fallbacks, ``<rb>``, several
base/``<rt>`` pairs in one ``<ruby>``) and the ``{薔薇|ばら}`` / ``{東京|とう|きょう}`` form of
Hatena Blog and DenDenMarkdown themes show 薔薇 with ばら above it: a reader sees 薔薇, so the
body (and every snippet cut from it) holds 薔薇 alone, and ばら is recorded as its reading
(:class:`Ruby`), which the reading fields index at the word's position
(:class:`search.analysis.analyzers.ReadingTokenizer`).

While Markdown is turned into text (:mod:`search.posts.markdown`), an annotation is carried
inline with the Unicode interlinear annotation characters made for this (U+FFF9 anchor, U+FFFA
separator, U+FFFB terminator: ``\\ufff9薔薇\\ufffaばら\\ufffb``), so it survives line joining and
the removal of repeated passages unchanged; :func:`strip_ruby` then removes the readings and
gives their offsets in the final text.
"""

from __future__ import annotations

import re
from typing import NamedTuple

ANCHOR = "\ufff9"
SEPARATOR = "\ufffa"
TERMINATOR = "\ufffb"
MARKS = ANCHOR + SEPARATOR + TERMINATOR

_KANA = "\u3041-\u309f\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f"
#: ``{base|reading}`` or ``{base|re|a|ding}``: a base with a kanji, a reading in kana.
_CURLY = re.compile(r"(?<!\{)\{(?![{%])([^{}|\n]*[\u3400-\u9fff\uf900-\ufaff々〆ヶ][^{}|\n]*)"
                    rf"((?:\|[{_KANA}]+)+)\}}(?!\}})")
_ANNOTATION = re.compile(f"{ANCHOR}([^{MARKS}]*){SEPARATOR}([^{MARKS}]*){TERMINATOR}")
_STRAY = re.compile(f"[{MARKS}]")


class Ruby(NamedTuple):
    """``text[start:end]`` (the base, in the text without readings) is read ``reading``."""

    start: int
    end: int
    reading: str


def annotate(base: str, reading: str) -> str:
    """``base`` with ``reading`` attached, in the inline form :func:`strip_ruby` reads."""
    return f"{ANCHOR}{base}{SEPARATOR}{reading}{TERMINATOR}"


def curly_ruby(text: str) -> str:
    """``{薔薇|ばら}`` and ``{東京|とう|きょう}`` (a base with a kanji, readings in kana) → the inline
    annotation; anything else in braces (Liquid's ``{{``, ``{%``, code-like text) is left as it is."""
    if "{" not in text:
        return text
    return _CURLY.sub(lambda m: annotate(m.group(1), m.group(2).replace("|", "")), text)


def strip_ruby(text: str) -> tuple[str, tuple[Ruby, ...]]:
    """``text`` without its readings, and each annotated base's offsets and reading in it.

    An annotation with an empty base or reading keeps its base and records nothing; stray marks
    (a ``<ruby>`` left open) are removed.
    """
    if not any(mark in text for mark in MARKS):
        return text, ()
    out: list[str] = []
    found: list[Ruby] = []
    length = 0
    cursor = 0
    for match in _ANNOTATION.finditer(text):
        before = _STRAY.sub("", text[cursor:match.start()])
        out.append(before)
        length += len(before)
        base, reading = match.group(1), match.group(2).strip()
        stripped = base.strip()
        if stripped and reading:
            lead = len(base) - len(base.lstrip())
            found.append(Ruby(length + lead, length + lead + len(stripped), reading))
        out.append(base)
        length += len(base)
        cursor = match.end()
    out.append(_STRAY.sub("", text[cursor:]))
    return "".join(out), tuple(found)
