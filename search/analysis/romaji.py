"""Romaji typed without the input method (``sushi``, ``sinkansen``, ``tokyo``): the katakana
readings a Latin query word may stand for (:func:`romaji_readings`), to be looked up in the
reading fields (:mod:`search.analysis.readings`), which hold what Janome reads each word as.

Conversion: ``jaconv.alphabet2kana`` (PyPI, pure Python, the kana converter NOTES names; it reads
Hepburn and kunrei-shiki alike: ``shi``/``si``, ``tsu``/``tu``, ``fu``/``hu``, ``ja``/``zya``,
``cha``/``tya``, doubled consonants as っ). Chosen over ``romkan`` (last release 2013) and
``cutlet``/``pykakasi`` (they go the other way, kana → romaji). Around it, this module adds what
a reader's romaji leaves out or spells otherwise:

* **long vowels**, which Hepburn as commonly typed drops (``tokyo`` for とうきょう) or marks with a
  macron or circumflex (``tōkyō``, ``tôkyô``): each vowel may stand for itself, a doubled vowel
  (お → おう, え → えい, others twice) or a katakana ``ー`` (``ramen`` → ラーメン);
* ``n`` before a vowel, which may be ん or the start of な…の (``konnichiwa``), and a lone ``n``
  before a vowel or ``y``, where Hepburn writes ``n'`` and a reader leaves the apostrophe out
  (``honyaku`` ほんやく, ``genin`` げんいん): read as ん only where the word as typed is no word of
  the site (``kani`` is かに, not かんい);
* a long ``o`` typed as ``oo`` (``kooshin`` こうしん), beside ``ou`` and ``o``;
* **what is no romaji at all** is refused, so English is not turned into kana: a word that is not
  a sequence of romaji syllables (letters romaji does not use: ``l``, ``q``, ``x``, ``c`` outside
  ``ch``; consonants that make no syllable: ``test``, ``JSON``, ``gem``, ``Prize``), and a word that is only a particle, auxiliary or other function word
  in kana (``made`` → まで, ``are`` → あれ: :func:`is_function_word`).

Which spellings a word stands for is asked of the index (:func:`romaji_alternatives`): the
spellings as typed first, long vowels only where the word as typed is no word of the site, and
then only the cheapest that is (so ``sushi`` never becomes すうし, 数詞). The kana found are
looked for as a kana query word is (:func:`search.analysis.query_analysis.romaji_variants`), so a
post written in kana only (しんかんせん) is found as well as one in kanji (新幹線).
"""

from __future__ import annotations

import functools
import itertools
import re
from typing import Callable

import jaconv

from search.analysis.janome_tokenizers import janome_tokens
from search.analysis.morphemes import STOP_TAGS
from search.analysis.normalize import fold_term, to_katakana

#: Longest Latin word read as romaji, in letters.
MAX_ROMAJI_CHARS = 30
#: Fewest kana a reading must have (one kana is mostly a particle).
MIN_READING_KANA = 2
#: Most candidate readings of one word (each is one term lookup in the reading fields).
MAX_READINGS = 24
#: Most spellings of one word looked for as text in a row (a post in kana) when none is a reading.
MAX_TEXT_LOOKUPS = 12
#: Most ``n`` of one word tried as a syllabic ん before a vowel or ``y`` (:func:`_syllabic_n`).
MAX_SYLLABIC_N = 3

_MACRONS = str.maketrans({"ā": "aa", "ī": "ii", "ū": "uu", "ē": "ee", "ō": "ou",
                          "â": "aa", "î": "ii", "û": "uu", "ê": "ee", "ô": "ou"})
#: A word romaji can spell, syllable by syllable (Hepburn, kunrei-shiki): a consonant or digraph
#: and a vowel, ``n`` (``n'`` before a vowel), ``m`` before b/m/p, a doubled consonant (``tch``).
_SYLLABLE = (r"(?:(?:ch|sh|ts|[kgsztdnhbpmr]y|j|[kgsztdnhbpmyrwf])?[aiueo]|n'|n(?![aiueoy])|m(?=[bmp])"
             r"|([kgstdhbpfjz])(?=\1)|[tc](?=ch)|(?<=[aiueo])-)")
_ROMAJI = re.compile(rf"(?:{_SYLLABLE})+")
_HIRAGANA = re.compile(r"[\u3041-\u3096ー]+")
_SMALL = "ゃゅょぁぃぅぇぉ"
_BAD_SOKUON = re.compile(r"っ(?:$|[っあいうえおんゃゅょぁぃぅぇぉー])")
_VOWEL_OF = {}
for _row, _kana in {"あ": "あかさたなはまやらわがざだばぱぁゃ", "い": "いきしちにひみりぎじぢびぴぃ",
                    "う": "うくすつぬふむゆるぐずづぶぷぅゅゔ", "え": "えけせてねへめれげぜでべぺぇ",
                    "お": "おこそとのほもよろをごぞどぼぽぉょ"}.items():
    for _k in _kana:
        _VOWEL_OF[_k] = _row
#: How a vowel may be lengthened: お by う (とうきょう), え by い (せんせい), the others doubled.
_LENGTHENER = {"あ": "あ", "い": "い", "う": "う", "え": "い", "お": "う"}
#: Parts of speech of a function word: a romaji word that reads as one of these alone is English.
FUNCTION_TAGS = STOP_TAGS | {"感動詞", "連体詞"}
_FUNCTION_SUBTAGS = ("代名詞", "非自立", "接尾")


def romaji_kana(word: str) -> list[str]:
    """The hiragana a Latin word spells as romaji, before long vowels: one spelling, or two when
    an ``n`` before a vowel may be ん (``konnichiwa`` → こんにちわ, こんいちわ); ``[]`` when the
    word is no romaji (see the module docstring).

    :param word: one query word (any case; macrons and circumflexes read as long vowels).
    """
    text = word.casefold().translate(_MACRONS)
    if not 2 <= len(text) <= MAX_ROMAJI_CHARS or not _ROMAJI.fullmatch(text):
        return []
    spellings = [text]
    if re.search(r"nn[aiueoy]", text):
        spellings.append(re.sub(r"nn(?=[aiueoy])", "n'n", text))
    found = []
    for spelling in spellings:
        kana = jaconv.alphabet2kana(spelling.replace("n'", "nn'")).replace("'", "")
        if _HIRAGANA.fullmatch(kana) and not _BAD_SOKUON.search(kana) and kana not in found:
            found.append(kana)
    return found


#: What lengthening a vowel costs: お by う (とうきょう), え by い (せんせい) and any vowel by ー (a
#: katakana word's ラーメン) are how Hepburn as commonly typed drops a long vowel; a doubled vowel
#: (おおさか, しゅうり) is rarer, and costs as much as two of those.
_COST = {"kana": 1, "bar": 1, "double": 2}
#: Most lengthening cost of one spelling (two common long vowels, or one doubled vowel).
MAX_COST = 2


def _lengthening(kana: str) -> list[list[str]]:
    """``kana`` and its spellings with vowels lengthened, by cost (:data:`_COST`): ``[[kana],
    [cost 1…], [cost 2…]]``, at most :data:`MAX_READINGS` × 4 in all."""
    places = [i for i, char in enumerate(kana) if char in _VOWEL_OF
              and not (i + 1 < len(kana) and kana[i + 1] in (_LENGTHENER[_VOWEL_OF[char]], "ー", *_SMALL))]
    places.sort(key=lambda i: kana[i] not in "ゅょ")  # きょう, しゅう: the long vowels typed short most
    tiers: list[list[str]] = [[kana]] + [[] for _ in range(MAX_COST)]
    total = 1

    def marks_of(i: int) -> list[tuple[str, str]]:
        vowel = _VOWEL_OF[kana[i]]
        if _LENGTHENER[vowel] != vowel:  # お by う, also by お (おおさか); え by い, also by え (ねえさん)
            return [("kana", _LENGTHENER[vowel]), ("bar", "ー"), ("double", vowel)]
        return [("bar", "ー"), ("double", vowel)]  # ああ, いい, うう

    for count in range(1, MAX_COST + 1):
        for chosen in itertools.combinations(places, count):
            for marks in itertools.product(*(marks_of(i) for i in chosen)):
                cost = sum(_COST[kind] for kind, _ in marks)
                if cost > MAX_COST:
                    continue
                chars = list(kana)
                for i, (_, mark) in sorted(zip(chosen, marks), reverse=True):
                    chars.insert(i + 1, mark)
                tiers[cost].append("".join(chars))
                total += 1
                if total >= MAX_READINGS * 4:
                    return tiers
    return tiers


@functools.lru_cache(maxsize=4096)
def is_function_word(kana: str) -> bool:
    """True if Janome reads ``kana`` (hiragana) as one function word: a particle, auxiliary,
    conjunction, interjection, adnominal, pronoun, suffix or dependent noun (まで, です, あれ, その)."""
    tokens = janome_tokens(kana)
    if len(tokens) != 1:
        return False
    tags = tokens[0].part_of_speech.split(",")
    return tags[0] in FUNCTION_TAGS or any(sub in tags[1:3] for sub in _FUNCTION_SUBTAGS)


def _barred(kana: str) -> str:
    """``kana`` with each vowel typed twice written as a long-vowel mark, as a loanword in
    katakana has it (``insutooru`` いんすとおる → いんすとーる, インストール)."""
    chars = list(kana)
    for i in range(1, len(chars)):
        if chars[i] in _LENGTHENER and _VOWEL_OF.get(chars[i - 1]) == chars[i] and chars[i - 1] != chars[i]:
            chars[i] = "ー"
    return "".join(chars)


def _syllabic_n(word: str) -> list[str]:
    """The hiragana of ``word`` with an ``n`` typed once before a vowel or ``y`` read as ん: Hepburn
    writes ``n'`` there (``hon'yaku`` ほんやく, ``gen'in`` げんいん), and a reader typing leaves the
    apostrophe out (``honyaku``, which :func:`romaji_kana` reads ほにゃく). Each such ``n`` after a
    vowel may be one; at most :data:`MAX_SYLLABIC_N` of them are tried, each alone and all at once."""
    text = word.casefold().translate(_MACRONS)
    places = [m.start() for m in re.finditer(r"(?<=[aiueo])n(?=[aiueoy])", text)
              if not (m.start() + 1 < len(text) and text[m.start() + 1] == "n")][:MAX_SYLLABIC_N]
    if not romaji_kana(word) or not places:
        return []
    choices = [(i,) for i in places] + ([tuple(places)] if len(places) > 1 else [])
    found = []
    for chosen in choices:
        spelling = "".join(char + ("'" if i in chosen else "") for i, char in enumerate(text))
        for kana in romaji_kana(spelling):
            if kana not in found:
                found.append(kana)
    return found


def _long_o_typed(kana: str) -> list[str]:
    """``kana`` with an お typed after an o-row kana read as the う of a long vowel: ``oo`` is how
    some write ō (``kooshin`` こおしん → こうしん, ``Oono``), beside ``ou`` and ``o``. Each such お
    alone, and all at once."""
    places = [i for i in range(1, len(kana)) if kana[i] == "お" and _VOWEL_OF.get(kana[i - 1]) == "お"]
    choices = [(i,) for i in places] + ([tuple(places)] if len(places) > 1 else [])
    return ["".join("う" if i in chosen else char for i, char in enumerate(kana)) for chosen in choices]


def _add_lengthened(tiers: list[list[str]], kana: str, besides: list[list[str]] = ()) -> bool:
    """Add ``kana`` and its spellings with long vowels (:func:`_lengthening`) to ``tiers`` by cost,
    without repeats, nor spellings already in ``besides``; False (nothing added) for a word of fewer
    than :data:`MIN_READING_KANA` kana or a function word."""
    if len(kana) < MIN_READING_KANA or is_function_word(kana):
        return False
    for cost, spellings in enumerate(_lengthening(kana)):
        while len(tiers) <= cost:
            tiers.append([])
        tiers[cost] += [s for s in spellings if s not in tiers[cost] and all(s not in t for t in besides)]
    return True


def romaji_spellings(word: str) -> list[list[str]]:
    """The hiragana spellings a Latin query word may be romaji for, by how much they add to what
    was typed: the spellings as typed first, then with long vowels (:func:`_lengthening`; a vowel
    typed twice as a long-vowel mark, :func:`_barred`, or ``oo`` as おう, :func:`_long_o_typed`,
    costs as much as one added), each tier without repeats (``sushi`` → ``[["すし"], ["すーし",
    "すしー"], ["すうし", "すしい", …]]``). A hyphen after a vowel is a long-vowel mark as typed
    (``insuto-ru`` → いんすとーる). A lone ``n`` read as ん (:func:`_syllabic_n`) adds a tier after
    each (``honyaku`` → ``[["ほにゃく"], ["ほんやく"], ["ほうにゃく", …], ["ほうんやく", …], …]``);
    empty tiers are dropped then.

    :returns: ``[]`` for a word that is no romaji, reads as a function word alone or as fewer than
        :data:`MIN_READING_KANA` kana.
    """
    tiers: list[list[str]] = []
    for kana in romaji_kana(word):
        if not _add_lengthened(tiers, kana):
            continue
        barred = _barred(kana)
        if barred != kana and barred not in tiers[1]:
            tiers[1].insert(0, barred)
        for long_o in _long_o_typed(kana):
            if long_o not in tiers[1]:
                tiers[1].insert(0, long_o)
    # An ん typed as a lone n comes after the spelling as typed (``kani`` stays かに where the site
    # has the word) and before a long vowel added to it (``genin`` is げんいん, 原因, before げいにん):
    # each tier of its spellings right after the tier of the same long vowels as typed.
    syllabic: list[list[str]] = []
    for kana in _syllabic_n(word):
        _add_lengthened(syllabic, kana, besides=tiers)
    if not syllabic:
        return tiers
    while len(tiers) < len(syllabic):
        tiers.append([])
    return [tier for cost, as_typed in enumerate(tiers)
            for tier in (as_typed, syllabic[cost] if cost < len(syllabic) else []) if tier or cost == 0]


def romaji_readings(word: str) -> list[str]:
    """The folded katakana readings a Latin query word may be romaji for, most literal first
    (``sushi`` → スシ, …; ``tokyo`` → トキョ, …, トウキョウ, トーキョー; ``test`` → none).

    :returns: at most :data:`MAX_READINGS` readings of :data:`MIN_READING_KANA` or more kana, each
        folded like a reading term (:func:`search.analysis.normalize.fold_term`); ``[]`` for a word
        that is no romaji or reads as a function word alone.
    """
    readings = [fold_term(to_katakana(s)) for tier in romaji_spellings(word) for s in tier]
    return list(dict.fromkeys(readings))[:MAX_READINGS]


def romaji_alternatives(word: str, is_reading: Callable[[str], bool],
                        occurs: Callable[[str], bool] | None = None,
                        reads: Callable[[str], bool] | None = None) -> list[str]:
    """The kana a romaji word stands for on this site: the spellings of the cheapest tier of
    :func:`romaji_spellings` that is a word's reading in the index (``is_reading``), else of the
    cheapest tier that some post reads as adjacent words (``reads``: a compound), else of the
    cheapest tier whose kana stand in some post as written (``occurs``: a post in kana only).
    Words come before text, so the start of a longer kana word (かいはつかんきょ in
    かいはつかんきょう) does not hide the compound a long vowel makes (開発環境).

    A long vowel is thus added only where the word as typed is no word of the site: ``sushi`` is
    すし (寿司) and never すうし (数詞, スウシ), ``tokyo`` is とうきょう where no post has ときょ, and
    ``shoyu`` しょうゆ (醤油) before the rarer doubled vowel of しょゆう (所有).

    :param is_reading: whether a folded katakana reading is a term of the index's reading fields.
    :param occurs: whether the index's n-gram fields hold a kana text (katakana) in a row.
    :param reads: whether some post holds words in a row whose readings spell a katakana text.
    :returns: hiragana spellings (at most :data:`MAX_READINGS`); ``[]`` for a word that is no
        romaji or that no post holds in any spelling.
    """
    tiers = [tier[:MAX_READINGS] for tier in romaji_spellings(word)]
    for tier in tiers:
        found = [kana for kana in tier if is_reading(fold_term(to_katakana(kana)))]
        if found:
            return found
    for holds in (reads, occurs):
        budget = MAX_TEXT_LOOKUPS  # each is a positional lookup: the literal spellings first
        for tier in tiers if holds is not None else ():
            found = [kana for kana in tier[:budget] if holds(to_katakana(kana))]
            budget -= len(tier)
            if found:
                return found
            if budget <= 0:
                break
    return []
