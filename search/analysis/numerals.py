"""Numbers written in kanji or in digits: 第五章 / 第5章 / 第５章, 二〇二四年 / 2024年, 百円 / 100円.

A number is a variant only where it counts something: after the prefix 第 or before a counter
(IPADIC's ``名詞,接尾,助数詞``: 章, 回, 年, 円, ヶ国, …), as Janome cuts the query word. So 一緒,
一般, 統一 and 一番 (one dictionary word each) are left alone, and so is 一人前 (a word of its own,
"full-fledged", whose counter 人前 is listed in :data:`NOT_COUNTED`). Kanji numerals are read with
``kanjize`` (PyPI, MIT): it reads both the positional form (二〇二四) and the one with units
(二千二十四, 十五), and writes the latter — a maintained library rather than a numeral parser of
our own. A number in digits also gets its digit-by-digit kanji (二〇二四) when it names a year.
The n-grams and terms of ``5`` and ``15`` differ, so 第5章 never finds 第15章.
"""

from __future__ import annotations

import re
from typing import Iterator

from kanjize import kanji2number, number2kanji

from search.analysis.expansions import Variant, expander
from search.analysis.morphemes import janome_tokens

#: Kanji that make up numerals (〇 and 零 for zero).
KANJI_DIGITS = "〇零一二三四五六七八九十百千万億"
_KANJI_NUMERAL = re.compile(f"[{KANJI_DIGITS}]+")
_POSITIONAL = "〇一二三四五六七八九"
_DIGITS = re.compile(r"[0-9]+")

#: Counters that make a word of their own with the number before them (一人前: full-fledged).
NOT_COUNTED = frozenset({"人前"})

#: Largest number rewritten (kanjize writes up to 10^72; beyond a year or a price it is no counter).
MAX_NUMBER = 10 ** 8


def _is_numeral(surface: str) -> bool:
    return bool(_KANJI_NUMERAL.fullmatch(surface) or _DIGITS.fullmatch(surface))


def _numeral_runs(text: str) -> list[tuple[int, int, str]]:
    """(start, end, counter-or-prefix) of each number run in ``text`` that counts something."""
    tokens = janome_tokens(text)
    runs: list[tuple[int, int, str]] = []
    cursor = 0
    spans = []
    for token in tokens:
        start = text.find(token.surface, cursor)
        if start < 0:
            return []
        cursor = start + len(token.surface)
        spans.append((start, cursor, token))
    i = 0
    while i < len(spans):
        start, end, token = spans[i]
        if not (_is_numeral(token.surface) and token.part_of_speech.startswith("名詞,数")):
            i += 1
            continue
        j = i + 1
        while (j < len(spans) and spans[j][0] == spans[j - 1][1] and _is_numeral(spans[j][2].surface)
               and spans[j][2].part_of_speech.startswith("名詞,数")):
            j += 1
        run_start, run_end = start, spans[j - 1][1]
        before = spans[i - 1][2] if i > 0 and spans[i - 1][1] == run_start else None
        after = spans[j][2] if j < len(spans) and spans[j][0] == run_end else None
        counter = ""
        if after is not None and "助数詞" in after.part_of_speech and after.surface not in NOT_COUNTED:
            counter = after.surface
        elif before is not None and before.surface == "第":
            counter = "第"
        if counter:
            runs.append((run_start, run_end, counter))
        i = j
    return runs


def _spellings(number: str, counter: str) -> list[str]:
    """Other spellings of one number (its digits or kanji) before ``counter``."""
    if _DIGITS.fullmatch(number):
        value = int(number)
        if value >= MAX_NUMBER:
            return []
        spellings = [number2kanji(value)] if value else ["〇"]
        if counter.startswith("年") and len(number) == 4:
            spellings.append("".join(_POSITIONAL[int(d)] for d in number))  # 二〇二四年
        return spellings
    try:
        value = kanji2number(number)
    except Exception:  # kanjize raises bare ValueError/KeyError on what it cannot read
        return []
    if not 0 <= value < MAX_NUMBER:
        return []
    other = [str(value)]
    canonical = number2kanji(value) if value else "〇"
    if canonical != number:
        other.append(canonical)  # 二〇二四 → 二千二十四 too
    return other


@expander("number")
def number_variants(text: str) -> Iterator[Variant]:
    """``第3回`` → ``第三回``; ``二〇二四年`` → ``2024年``, ``二千二十四年``; ``百円`` → ``100円``.

    Each counting number of the word is rewritten on its own (the others kept as typed).
    """
    if not (_DIGITS.search(text) or _KANJI_NUMERAL.search(text)):
        return
    for start, end, counter in _numeral_runs(text):
        for spelling in _spellings(text[start:end], counter):
            yield Variant(text[:start] + spelling + text[end:], "number")
