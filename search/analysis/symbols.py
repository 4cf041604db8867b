"""Terms written with symbols: tech names (``C#``, ``Node.js``, ``@types/node``) and emoji
(``👍🏽``, ``🇯🇵``, ``1️⃣``, ``👨‍👩‍👧``), found in a text before Janome sees it, plus the
grapheme-cluster boundaries snippets are cut at.

Janome cuts ``C#`` into ``C`` and the symbol ``#`` (a stop token), so ``C#`` was searched as
``C`` and found ``C言語``; it cuts emoji sequences into code points and tags them as symbols,
so an emoji was no term at all. :func:`symbol_spans` finds both kinds in a (normalized) text;
:mod:`search.analysis.morphemes` makes each span one morpheme (one term, one position) and
:mod:`search.analysis.ngrams` one gram, so index and query analyse them alike.

* A **name** is a known name of ``data/tech_names.txt`` (``C#``, ``C++17``, ``.NET``), or, by the
  general rule, two Latin words (each starting with a letter) joined by ``.`` ``#`` ``+`` ``-``
  ``/`` ``@``, or a Latin word and a version after a hyphen (``GPT-4``, ``GPT-4o``, ``UTF-8``), or
  one word, optionally led by ``.`` or ``@`` and ended by ``#``, ``++`` or ``+`` — with
  at least one symbol (``Objective-C``, ``ASP.NET``, ``TCP/IP``, ``F#``, ``@types/node``). Longer
  chains are file and host names (``ruby-2.1.0.tar.gz``, ``www.ruby-lang.org``), left to Janome as
  before: as one term with pieces they lengthened release posts and cost known-item rank. Its term is the folded name;
  its parts of two or more characters (or digits: a version) are *pieces* at the same position
  (``Node.js`` is also ``node`` and ``js``; ``C#`` is no ``c``; ``ASP.NET`` is no ``asp``:
  :func:`symbol_pieces`), so a part still finds the name but a one-letter name never matches
  another (``C#`` ≠ ``C1`` ≠ ``C言語``), and so is its joined form (``Wi-Fi`` is also ``wifi``:
  :func:`joined_name`), which finds it for ``WiFi``. ``♯`` is folded to ``#`` beforehand
  (:mod:`search.analysis.normalize`), so ``C♯`` is ``C#``.
* An **emoji** is an extended grapheme cluster (Unicode UAX #29, the ``regex`` module's ``\\X``)
  holding an emoji: a character of ``Emoji_Presentation``, a pictograph of the emoji planes, a
  regional-indicator flag, a keycap (U+20E3), an ``Emoji`` character of the Miscellaneous Symbols
  and Dingbats blocks (``❤``, ``☀``, ``✈``, written without U+FE0F as often as with it), or any
  ``Emoji`` character made emoji by U+FE0F. Text-style symbols (``©``, ``™``, ``↔``, ``★``,
  ``▶``) stay punctuation. Its term drops the variation
  selectors (``❤️`` and ``❤`` are one term); one with a skin tone also has the toneless emoji
  as a piece (``👍🏽`` finds ``👍🏽``; ``👍`` finds both).

Library: ``regex`` (PyPI, kept current with Unicode) for ``\\X`` and the Emoji properties;
Python's ``re`` knows neither.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import regex

#: Known names written with symbols, one per line (``#`` at the start of a line is a comment).
TECH_NAMES_FILE = Path(__file__).with_name("data") / "tech_names.txt"

#: Longest name, in characters, taken as one term (longer runs are paths or URLs: left to Janome).
MAX_NAME_CHARS = 64

#: Shortest part of a name indexed as a piece of it (one letter is no word: ``C`` of ``C#``).
MIN_PIECE_CHARS = 2

NAME = "name"
EMOJI = "emoji"

_WORD = r"[A-Za-z][A-Za-z0-9]*"
_GENERAL_NAME = regex.compile(
    rf"(?<![A-Za-z0-9_.@\-/+#])(?:[.@](?={_WORD}))?{_WORD}(?:[.#+\-/@]{_WORD}|-[0-9][A-Za-z0-9]*)?"
    r"(?:\#(?![\ufe0f\u20e3])|\+\+|\+)?"
    r"(?![A-Za-z0-9_]|[.#+\-/@][A-Za-z0-9])")
_SYMBOL = regex.compile(r"[.#+\-/@]")
_PART = regex.compile(r"[A-Za-z0-9]+")
_SKIN_TONES = regex.compile("[\U0001F3FB-\U0001F3FF]")
_VARIATION_SELECTORS = regex.compile("[\ufe0e\ufe0f]")
#: A character that may belong to an emoji cluster (a cheap test before any cluster is cut).
_MAYBE_EMOJI = regex.compile(r"[\p{Emoji_Presentation}\p{Extended_Pictographic}\u20e3\ufe0f\U0001F1E6-\U0001F1FF]")
_EMOJI_CLUSTER = regex.compile(
    r"\p{Emoji_Presentation}|[\p{Extended_Pictographic}--\x00-\U0001EFFF]|[\U0001F1E6-\U0001F1FF]|\u20e3"
    r"|\p{Emoji}\ufe0f|[\p{Emoji}&&[\u2600-\u27bf\u2b00-\u2bff]]", regex.V1)
_CLUSTER = regex.compile(r"\X")
_OTHER = regex.compile(r"\p{Grapheme_Cluster_Break=Other}")


@dataclass(frozen=True, slots=True)
class SymbolSpan:
    """``text[start:end]`` is one name or emoji; ``kind`` is :data:`NAME` or :data:`EMOJI`."""

    start: int
    end: int
    kind: str


def _read_names(path: Path) -> list[str]:
    names = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not (line.startswith("#") and len(line) > 1 and line[1] in " #"):
            names.append(line)
    return names


@functools.cache
def _known_names() -> regex.Pattern:
    names = sorted(_read_names(TECH_NAMES_FILE), key=len, reverse=True)
    alternatives = "|".join(regex.escape(name) for name in names)
    return regex.compile(rf"(?<![A-Za-z0-9_.@])(?:{alternatives})(?![A-Za-z0-9_#+])", regex.IGNORECASE)


def symbol_spans(text: str) -> list[SymbolSpan]:
    """The names and emoji of ``text`` (NFKC-normalized), in order, not overlapping.

    :returns: spans indexing ``text``; ``[]`` when it has none (the usual case, found with two
        regular-expression scans).
    """
    spans: list[SymbolSpan] = []
    if _MAYBE_EMOJI.search(text):  # an emoji first: the # of a keycap #️⃣ ends no name
        spans = [SymbolSpan(start, end, EMOJI) for start, end in _emoji_clusters(text)]
    if any(c in text for c in ".#+-/@"):
        taken: list[tuple[int, int]] = [(span.start, span.end) for span in spans]
        names: list[tuple[int, int]] = []
        for match in [*_known_names().finditer(text), *_GENERAL_NAME.finditer(text)]:
            start, end = match.span()
            if end - start <= MAX_NAME_CHARS and _SYMBOL.search(match.group()) and \
                    not any(s < end and start < e for s, e in taken):
                taken.append((start, end))
                names.append((start, end))
        spans += [SymbolSpan(start, end, NAME) for start, end in names]
    return sorted(spans, key=lambda span: span.start)


@functools.lru_cache(maxsize=4)
def text_symbol_spans(text: str) -> tuple[SymbolSpan, ...]:
    """:func:`symbol_spans` of a whole text, kept for the last few texts: the word fields take each
    line's spans from it and the n-gram field the text's. No span crosses a line break (names are
    letters, digits and symbols; a grapheme cluster breaks around one), so a line's spans are the
    spans :func:`symbol_spans` finds in the line alone."""
    return tuple(symbol_spans(text))


def spans_by_line(text: str, lines: list[str]) -> Iterator[list[SymbolSpan]]:
    """For each of ``lines`` (``text.split("\\n")``), :func:`symbol_spans` of the line alone, from
    :func:`text_symbol_spans` of the text."""
    spans = iter(text_symbol_spans(text))
    span = next(spans, None)
    line_start = 0
    for line in lines:
        found = []
        while span is not None and span.start < line_start + len(line):
            found.append(SymbolSpan(span.start - line_start, span.end - line_start, span.kind))
            span = next(spans, None)
        yield found
        line_start += len(line) + 1


def _emoji_clusters(text: str) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    cursor = 0
    for match in _MAYBE_EMOJI.finditer(text):
        if match.start() < cursor:
            continue
        start, end = cluster_at(text, match.start())
        cursor = end
        if _EMOJI_CLUSTER.search(text, start, end):
            found.append((start, end))
    return found


def symbol_term(surface: str, kind: str) -> str:
    """The term a name or emoji is indexed under: the name case-folded (``ASP.NET`` →
    ``asp.net``), the emoji without variation selectors (``❤️`` → ``❤``)."""
    if kind == EMOJI:
        return _VARIATION_SELECTORS.sub("", surface)
    return surface.casefold()


def symbol_pieces(surface: str, kind: str) -> list[tuple[str, int, int]]:
    """``(term, start, end)`` of the pieces indexed beside a name or emoji at its position:
    a name's Latin/digit parts of :data:`MIN_PIECE_CHARS` or more (``@types/node`` → ``types``,
    ``node``) and its :func:`joined_name` (``Wi-Fi`` → ``wifi``, so ``WiFi`` finds it), an emoji
    without its skin tones (``👍🏽`` → ``👍``); offsets index ``surface``.

    A dotted name is one product, not its parts: ``ASP.NET`` is no ``ASP`` (a different, older
    technology), so of ``X.Y`` only ``Y`` is a piece (``net``: it is a .NET technology) — except
    a ``.js`` name, whose base names the same library (``Node.js`` is also ``node``, as its
    authors call it)."""
    if kind == EMOJI:
        toneless = _SKIN_TONES.sub("", symbol_term(surface, kind))
        return [(toneless, 0, len(surface))] if toneless and toneless != symbol_term(surface, kind) else []
    matches = list(_PART.finditer(surface))
    dotted = len(matches) == 2 and surface[matches[0].end():matches[1].start()] == "."
    if dotted and matches[1].group().casefold() != "js":
        matches = matches[1:]
    parts = [(m.group().casefold(), m.start(), m.end()) for m in matches
             if len(m.group()) >= MIN_PIECE_CHARS or m.group().isdigit()]  # a version: GPT-4 is also 4
    parts = parts if len(parts) > 1 or (parts and parts[0][0] != surface.casefold()) else []
    joined = joined_name(surface).casefold()
    if joined and all(joined != part for part, _, _ in parts):
        parts.append((joined, 0, len(surface)))
    return parts


#: Separators a name is also written without (``Wi-Fi``/``WiFi``, ``Node.js``/``NodeJS``, ``A/B``/``AB``).
_JOINERS = frozenset(".-/")


def joined_name(surface: str) -> str:
    """A name written without the separators between its Latin/digit parts (``Node.js`` →
    ``Nodejs``, ``Objective-C`` → ``ObjectiveC``, ``A/B`` → ``AB``, ``GPT-4`` → ``GPT4``), or
    ``""`` for a name with no such separator (``C#``, ``C++``, ``.NET``, ``@types``)."""
    matches = list(_PART.finditer(surface))
    if len(matches) < 2 or surface[:matches[0].start()] or \
            any(surface[a.end():b.start()] not in _JOINERS for a, b in zip(matches, matches[1:])):
        return ""
    return "".join(m.group() for m in matches)


def name_parts(surface: str) -> list[str]:
    """A name's Latin/digit parts, folded, when it has two or more and each has at least
    :data:`MIN_PIECE_CHARS` characters (``CI/CD`` → ``ci``, ``cd``); else ``[]`` (``C#``,
    ``Objective-C``: a part would be one letter, which is no word of its own). A query also
    looks for such a name written apart (``CI / CD``), its parts as adjacent words."""
    parts = [m.group().casefold() for m in _PART.finditer(surface)]
    return parts if len(parts) > 1 and all(len(p) >= MIN_PIECE_CHARS for p in parts) else []


# -- grapheme clusters --------------------------------------------------------------------------

#: How far back, in characters, a cluster boundary is looked for before cutting from the text's start.
_ANCHOR_SEARCH_CHARS = 64


def _anchor(text: str, i: int) -> int:
    """A position ≤ ``i`` that is surely a cluster boundary: the text's start, just after a line
    break, or between two characters of Grapheme_Cluster_Break=Other (UAX #29 rule GB999)."""
    j = i
    while j > 0 and i - j < _ANCHOR_SEARCH_CHARS:
        before, at = text[j - 1], text[j] if j < len(text) else "\n"
        if before == "\n" or (_OTHER.match(before) and _OTHER.match(at)):
            return j
        j -= 1
    return j if j == 0 else 0


def cluster_at(text: str, i: int) -> tuple[int, int]:
    """``(start, end)`` of the extended grapheme cluster (UAX #29) holding ``text[i]``.

    :raises IndexError: ``i`` is not an index of ``text``.
    """
    if not 0 <= i < len(text):
        raise IndexError(i)
    position = _anchor(text, i)
    while True:
        match = _CLUSTER.match(text, position)
        if match.end() > i:
            return match.start(), match.end()
        position = match.end()


def _plain(char: str) -> bool:
    """A character no grapheme-cluster rule joins to its neighbours (UAX #29: neither Extend,
    SpacingMark, ZWJ, Prepend, Hangul nor a regional indicator): Latin before the combining marks,
    kana and CJK ideographs (U+3040–U+9FFF) but the combining kana voicing marks U+3099–U+309A."""
    return char < "\u0300" or ("\u3040" <= char <= "\u9fff" and char not in "\u3099\u309a")


def _plain_boundary(text: str, i: int) -> bool:
    """Whether ``i`` (``0 < i < len(text)``) is a cluster boundary between two plain characters."""
    before, at = text[i - 1], text[i]
    return _plain(before) and _plain(at) and not (before == "\r" and at == "\n")


def cluster_floor(text: str, i: int) -> int:
    """The greatest grapheme-cluster boundary ≤ ``i`` (``0 ≤ i ≤ len(text)``)."""
    if i <= 0 or i >= len(text):
        return max(0, min(i, len(text)))
    if _plain_boundary(text, i):  # most text: no cluster to look for
        return i
    return cluster_at(text, i)[0]


def cluster_ceil(text: str, i: int) -> int:
    """The least grapheme-cluster boundary ≥ ``i`` (``0 ≤ i ≤ len(text)``)."""
    if i <= 0 or i >= len(text):
        return max(0, min(i, len(text)))
    if _plain_boundary(text, i):
        return i
    start, end = cluster_at(text, i)
    return i if start == i else end
