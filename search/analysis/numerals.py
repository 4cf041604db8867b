"""Numbers written in kanji or in digits: 第五章 / 第5章 / 第５章, 二〇二四年 / 2024年, 百円 / 100円.

A number is matched by its value only where it counts something: after the prefix 第 or before a
counter (IPADIC's ``名詞,接尾,助数詞``: 章, 回, 年, 円, ヶ国, …; :attr:`Morpheme.counter`), as
Janome cuts the text. So 一緒, 一般, 統一 and 一番 (one dictionary word each) are left alone, and
so is 一人前 (a word of its own, "full-fledged", whose counter 人前 is in :data:`NOT_COUNTED`).

Such a number is filed in the reading fields, beside the readings, under a **number key**
(:func:`number_keys`: ``#2024`` for 2024 and 二〇二四, ``#100`` for 百) at the position of its last
morpheme, on posts and queries alike; a query word's spelling alternatives
(:func:`search.analysis.query_analysis.spelling_alternatives`) put it where the number stands. The
key holds the whole value, so 第5章 never finds 第15章 (``#15``), nor 1回 二十一回.

Kanji numerals are read with ``kanjize`` (PyPI, MIT): it reads both the positional form (二〇二四)
and the one with units (二千二十四, 十五) — a maintained library rather than a parser of our own.
"""

from __future__ import annotations

import re

from kanjize import kanji2number

from search.analysis.morphemes import Morpheme
from search.analysis.normalize import fold_reading, to_katakana

#: Kanji that make up numerals (〇 and 零 for zero).
KANJI_DIGITS = "〇零一二三四五六七八九十百千万億"
_KANJI_NUMERAL = re.compile(f"[{KANJI_DIGITS}]+")
_DIGITS = re.compile(r"[0-9]+")

#: Counters that make a word of their own with the number before them (一人前: full-fledged).
NOT_COUNTED = frozenset({"人前"})

#: Largest number keyed (beyond a year or a price a number is no count a reader types in another script).
MAX_NUMBER = 10 ** 8


def is_number_term(term: str) -> bool:
    """True for a term that is a number, in digits or kanji numerals (``17``, ``十七``, ``二〇二四``)."""
    return bool(term) and (term.isdigit() or bool(_KANJI_NUMERAL.fullmatch(term)))


def _is_numeral(surface: str) -> bool:
    return bool(_KANJI_NUMERAL.fullmatch(surface) or _DIGITS.fullmatch(surface))


#: Marks a number key (never in a reading, which is all katakana, nor in a spelling key).
NUMBER_MARK = "#"


def number_value(surface: str) -> int | None:
    """The value of a number written in digits or kanji numerals, or None (too large, unreadable)."""
    if _DIGITS.fullmatch(surface):
        value = int(surface)
    elif _KANJI_NUMERAL.fullmatch(surface):
        try:
            value = kanji2number(surface)
        except Exception:  # kanjize raises bare ValueError/KeyError on what it cannot read
            return None
    else:
        return None
    return value if 0 <= value < MAX_NUMBER else None


def _numeral(morpheme: Morpheme) -> bool:
    return morpheme.pos == "名詞" and _is_numeral(morpheme.surface)


def number_keys(morphemes: list[Morpheme]) -> list[tuple[int, int, str]]:
    """The counted numbers of a morpheme list: ``(first, last, key)`` — indexes into ``morphemes``
    of the expression's first morpheme (第, or the number's first) and its last (the counter, or
    the number's last) — and its key ``#`` + ``第`` if written + value + ``/`` + the counter's
    reading: ``#第17/ワ`` for 第十七話 and 第17話, ``#3/カコク`` for 3ヶ国, 三か国 and 3カ国. A
    number is a run of adjacent numeral morphemes, all digits or all kanji, preceded by 第 or
    followed by a counter (:data:`NOT_COUNTED` aside). One key for the whole expression, because a
    number takes one position in digits and several in kanji (二〇二四 is four morphemes)."""
    found: list[tuple[int, int, str]] = []
    i, n = 0, len(morphemes)
    while i < n:
        if not _numeral(morphemes[i]):
            i += 1
            continue
        digits = morphemes[i].surface.isdigit()
        j = i + 1
        while (j < n and _numeral(morphemes[j]) and morphemes[j].start == morphemes[j - 1].end
               and morphemes[j].surface.isdigit() == digits):
            j += 1
        after = morphemes[j] if j < n and morphemes[j].start == morphemes[j - 1].end else None
        before = morphemes[i - 1] if i > 0 and morphemes[i - 1].end == morphemes[i].start else None
        counter = after if after is not None and after.counter and after.surface not in NOT_COUNTED else None
        dai = before is not None and before.surface == "第"
        value = number_value("".join(m.surface for m in morphemes[i:j])) if counter or dai else None
        if value is not None:
            reading = fold_reading(to_katakana(counter.reading or counter.surface)) if counter else ""
            found.append((i - 1 if dai else i, j if counter else j - 1,
                          f"{NUMBER_MARK}{'第' if dai else ''}{value}/{reading}"))
        i = j
    return found
