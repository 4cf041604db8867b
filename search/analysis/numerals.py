"""Numbers written in kanji or in digits: 第五章 / 第5章 / 第５章, 二〇二四年 / 2024年, 百円 / 100円.

A number is matched by its value only where it counts something: after the prefix 第 or その, or
before a counter (IPADIC's ``名詞,接尾,助数詞``: 章, 回, 年, 円, ヶ国, …; :attr:`Morpheme.counter`),
% or another noun (二十世紀, 4月), as Janome cuts the text. So 一緒, 一般, 統一 and 一番 (one
dictionary word each) are left alone, and so is 一人前 (a word of its own, "full-fledged", whose
counter 人前 is in :data:`NOT_COUNTED`). A date (2018-05-03, 2018/5/3, 2018年5月3日) is one key.

Such a number is filed in the reading fields, beside the readings, under a **number key**
(:func:`number_keys`: ``#2024`` for 2024 and 二〇二四, ``#100`` for 百) at the position of its last
morpheme, on posts and queries alike; a query word's spelling alternatives
(:func:`search.analysis.query_analysis.spelling_alternatives`) put it where the number stands. The
key holds the whole value, so 第5章 never finds 第15章 (``#15``), nor 1回 二十一回.

Kanji numerals are read with ``kanjize`` (PyPI, MIT): it reads both the positional form (二〇二四)
and the one with units (二千二十四, 十五) — a maintained library rather than a parser of our own.
"""

from __future__ import annotations

import datetime
import functools
import re

from kanjize import kanji2number

from search.analysis.janome_tokenizers import janome_tokens
from search.analysis.morphemes import Morpheme
from search.analysis.normalize import fold_reading, to_katakana

#: Kanji that make up numerals (〇 and 零 for zero).
KANJI_DIGITS = "〇零一二三四五六七八九十百千万億"
_KANJI_NUMERAL = re.compile(f"[{KANJI_DIGITS}]+")
_DIGITS = re.compile(r"[0-9]+")
#: Digits with kanji multipliers (1万, 3千, 1億2000万), as prices are written.
_MIXED = re.compile(r"[0-9]+[十百千万億](?:[0-9]+[十百千万億]?)*")

#: Counters that make a word of their own with the number before them (一人前: full-fledged).
NOT_COUNTED = frozenset({"人前"})
#: Kanji numerals that make idioms with the plain noun after them (一定数, 一工夫, 一体型, 一択 in
#: the corpus), counted only before a counter (一回) or after 第 (第一引数).
IDIOM_NUMERALS = frozenset({"一"})
#: Words before a number that make it an ordinal as 第 does (連載のその三: part three).
PREFIXES = ("第", "その")
#: Counters read otherwise after a number than alone (月 is ツキ alone, ガツ in 四月), symbols
#: that count (10% is 10パーセント), and つ, the native counter of 一つ…九つ, which IPADIC has only
#: in words of kanji numerals (二つ, フタツ) and Janome tags as an auxiliary verb after digits (2つ).
COUNTER_READINGS = {"月": "ガツ", "%": "パーセント", "つ": "ツ"}
_MULTIPLIERS = re.compile("[十百千万億]")
#: One IPADIC word that is a number and a counter (四月, 十二月, 八章).
_NUMBERED_WORD = re.compile(f"([{KANJI_DIGITS}]+)([^{KANJI_DIGITS}]{{1,3}})")

#: Largest number keyed (beyond a year or a price a number is no count a reader types in another script).
MAX_NUMBER = 10 ** 8


def is_number_term(term: str) -> bool:
    """True for a term that is a number, in digits or kanji numerals (``17``, ``十七``, ``二〇二四``)."""
    return bool(term) and (term.isdigit() or bool(_KANJI_NUMERAL.fullmatch(term)))


@functools.lru_cache(maxsize=1 << 16)  # asked of every noun
def _is_numeral(surface: str) -> bool:
    return bool(_KANJI_NUMERAL.fullmatch(surface) or _DIGITS.fullmatch(surface))


#: Marks a number key (never in a reading, which is all katakana, nor in a spelling key).
NUMBER_MARK = "#"


def number_value(surface: str) -> int | None:
    """The value of a number written in digits or kanji numerals, or None (too large, unreadable)."""
    if _DIGITS.fullmatch(surface):
        value = int(surface)
    elif _KANJI_NUMERAL.fullmatch(surface) or _MIXED.fullmatch(surface):
        try:
            value = kanji2number(surface)
        except Exception:  # kanjize raises bare ValueError/KeyError on what it cannot read
            return None
    else:
        return None
    return value if 0 <= value < MAX_NUMBER else None


def _numeral(morpheme: Morpheme) -> bool:
    return morpheme.pos == "名詞" and _is_numeral(morpheme.surface)


def _multiplier(morpheme: Morpheme) -> bool:
    return morpheme.pos == "名詞" and bool(_MULTIPLIERS.fullmatch(morpheme.surface))


def _adjacent(first: Morpheme, second: Morpheme) -> bool:
    return second.start == first.end


def _runs(morphemes: list[Morpheme]) -> list[tuple[int, int, int]]:
    """``(first, end, value)`` of each number of ``morphemes`` (``morphemes[first:end]``): adjacent
    numeral morphemes, all kanji (二〇二四, 二 十), or digits then kanji multipliers (1 万, 3 千);
    a number too large or unreadable is left out."""
    found: list[tuple[int, int, int]] = []
    i, n = 0, len(morphemes)
    while i < n:
        if not _numeral(morphemes[i]):
            i += 1
            continue
        digits = morphemes[i].surface.isdigit()
        j = i + 1
        while j < n and _adjacent(morphemes[j - 1], morphemes[j]) and (
                (_numeral(morphemes[j]) and morphemes[j].surface.isdigit() == digits)
                or (digits and _multiplier(morphemes[j]))):
            j += 1
        value = number_value("".join(m.surface for m in morphemes[i:j]))
        if value is not None:
            found.append((i, j, value))
        i = j
    return found


def _counter_reading(counter: Morpheme) -> str:
    if counter.surface in COUNTER_READINGS:
        return fold_reading(COUNTER_READINGS[counter.surface])
    # read as a counter wherever it stands (章 after 九十九 is read アキラ, a name)
    return _counter_word_reading(counter.surface) or fold_reading(to_katakana(counter.reading or counter.surface))


def _counter_after(morphemes: list[Morpheme], end: int) -> Morpheme | None:
    """The morpheme right after a number if it counts it: a counter (IPADIC's 助数詞), a symbol of
    :data:`COUNTER_READINGS` (%), or a noun (二十世紀, 四月: IPADIC tags 世紀 and 月 as nouns) —
    not a word that makes an idiom with the number (:data:`NOT_COUNTED`)."""
    if end >= len(morphemes) or not _adjacent(morphemes[end - 1], morphemes[end]):
        return None
    after = morphemes[end]
    if after.surface in NOT_COUNTED or after.piece:
        return None
    if after.surface in COUNTER_READINGS or after.counter:
        return after
    if after.pos == "名詞" and not after.is_stop and not _numeral(after) and not _multiplier(after):
        return after
    return None


def _dates(morphemes: list[Morpheme], runs: list[tuple[int, int, int]]) -> list[tuple[int, int, str]]:
    """Calendar dates: a year of four digits, a month and a day, joined by one ``-`` or ``/``
    (2018-05-03, 2018/5/3: ISO 8601 and the slash form Japanese writes) or written 2018年5月3日;
    ``(first, last, key)`` with the key ``#2018-05-03`` (the date checked with :class:`datetime.date`)."""
    found: list[tuple[int, int, str]] = []
    for k in range(len(runs) - 2):
        (a, a_end, year), (b, b_end, month), (c, c_end, day) = runs[k:k + 3]
        parts = [morphemes[a:a_end], morphemes[b:b_end], morphemes[c:c_end]]
        if not (a_end - a == 1 and len(morphemes[a].surface) == 4 and morphemes[a].surface.isdigit()):
            continue
        between = [morphemes[a_end:b], morphemes[b_end:c]]
        last = c_end - 1
        if all(len(gap) == 1 and gap[0].surface in "-/" for gap in between) and \
                between[0][0].surface == between[1][0].surface:
            pass
        elif [g[0].surface if len(g) == 1 else "" for g in between] == ["年", "月"] and \
                c_end < len(morphemes) and morphemes[c_end].surface == "日":
            last = c_end
        elif (not between[0] and not between[1] and parts[1][0].start - parts[0][-1].end == 1
              and parts[2][0].start - parts[1][-1].end == 1 and all(len(p) == 1 and p[0].surface.isdigit() for p in parts)
              and len(parts[1][0].surface) <= 2 and len(parts[2][0].surface) <= 2):
            pass  # a query word's separators were dropped as stop tokens: 2018/5/3 is 2018 5 3 there
        else:
            continue
        if not all(_adjacent(x, y) or y.start - x.end == 1 for x, y in zip(morphemes[a:last], morphemes[a + 1:last + 1])):
            continue
        try:
            when = datetime.date(year, month, day)
        except ValueError:
            continue
        found.append((a, last, f"{NUMBER_MARK}{when.isoformat()}"))
    return found


def _numbered_word_key(morpheme: Morpheme) -> str | None:
    """The number key of one dictionary word that is a number and its counter (四月, 八章), or
    None: a word with another reading (九分 クブ, 二分 ニブン), or of 一 and a counter (一番, 一部:
    idioms, :data:`IDIOM_NUMERALS`), stays a word."""
    match = _NUMBERED_WORD.fullmatch(morpheme.surface) if morpheme.pos == "名詞" else None
    value = number_value(match.group(1)) if match else None
    if value is None:
        return None
    counter = match.group(2)
    if counter in COUNTER_READINGS:
        return f"{NUMBER_MARK}{value}/{fold_reading(COUNTER_READINGS[counter])}"
    reading = _counter_word_reading(counter)
    if not reading or match.group(1) in IDIOM_NUMERALS or \
            not fold_reading(to_katakana(morpheme.reading)).endswith(reading):
        return None
    return f"{NUMBER_MARK}{value}/{reading}"


@functools.lru_cache(maxsize=1024)
def _counter_word_reading(text: str) -> str:
    """The folded reading of ``text`` as a counter (what Janome tags ``名詞,接尾,助数詞`` after a
    digit: 章 in 3章), or ``""`` if it is none."""
    tokens = janome_tokens(f"3{text}")
    if len(tokens) != 2 or tokens[1].surface != text or "助数詞" not in tokens[1].part_of_speech:
        return ""
    return fold_reading(to_katakana(tokens[1].reading if tokens[1].reading != "*" else text))


def number_keys(morphemes: list[Morpheme], *, inner: bool = True) -> list[tuple[int, int, str]]:
    """The counted numbers and dates of a morpheme list: ``(first, last, key)`` — indexes into
    ``morphemes`` of the expression's first morpheme (第, その, or the number's first) and its last
    (the counter, or the number's last) — and its key ``#`` + ``第``/``その`` if written + value +
    ``/`` + the counter's reading: ``#第17/ワ`` for 第十七話 and 第17話, ``#3/カコク`` for 3ヶ国,
    三か国 and 3カ国, ``#10000/エン`` for 1万円, 一万円 and 10,000円, ``#4/ガツ`` for 4月 and 四月,
    ``#その3/`` for その三; a date's key is ``#2018-05-03`` (:func:`_dates`). A number is a run of
    adjacent numeral morphemes (:func:`_runs`) preceded by 第 or その or followed by a counter
    (:func:`_counter_after`). One key for the whole expression, because a number takes one
    position in digits and several in kanji (二〇二四 is four morphemes).

    :param inner: also the keys of a date's year, month and day (2018年 in 2018年5月3日), as a
        post is indexed; a query's date is looked for as the date alone.
    """
    found: list[tuple[int, int, str]] = []
    runs = _runs(morphemes)
    for i, j, value in runs:
        before = morphemes[i - 1] if i > 0 and _adjacent(morphemes[i - 1], morphemes[i]) else None
        counter = _counter_after(morphemes, j)
        if counter is not None and not (counter.counter or counter.surface in COUNTER_READINGS) and \
                "".join(m.surface for m in morphemes[i:j]) in IDIOM_NUMERALS:
            counter = None  # 一定数, 一工夫, 一体型: 一 before a plain noun makes a word, not a count
        prefix = before.surface if before is not None and before.surface in PREFIXES else ""
        if counter is not None or prefix:
            found.append((i - 1 if prefix else i, j if counter is not None else j - 1,
                          f"{NUMBER_MARK}{prefix}{value}/{_counter_reading(counter) if counter is not None else ''}"))
    for k, morpheme in enumerate(morphemes):  # 四月, 十二月, 八章: one IPADIC word each
        key = _numbered_word_key(morpheme) if morpheme.surface[:1] in KANJI_DIGITS else None
        if key is not None:
            found.append((k, k, key))
    dates = _dates(morphemes, runs)
    if not inner:
        found = [key for key in found if not any(a <= key[0] and key[1] <= b for a, b, _ in dates)]
    return sorted(found + dates)


def outside_numbers(morphemes: list[Morpheme]) -> list[Morpheme]:
    """``morphemes`` without the numbers and what makes them counts or dates (第, the counter, 年月日
    of a date): the words a query is about beside its numbers (``2018年5月3日`` is about none)."""
    covered = {k for first, last, _ in number_keys(morphemes) for k in range(first, last + 1)}
    return [m for k, m in enumerate(morphemes) if k not in covered]
