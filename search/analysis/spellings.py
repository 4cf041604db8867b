"""Spelling keys: one word written with or without okurigana, in kanji or in kana (表記ゆれ).

A Japanese word is written many ways: 申し込み / 申込み / 申込 (okurigana written or left out,
文化庁「送り仮名の付け方」 allows both), 友達 / 友だち / ともだち, 綺麗 / きれい / キレイ (kanji or
kana). Words that only sound alike (公園 / 講演 / 公演, 意外 / 以外) are different words. The rule
(issue 17): two spellings are the same word when they read the same and no kanji of one is replaced
by a different kanji in the other — kana may stand for a kanji or be added as okurigana, so the
kanji of one spelling are a subsequence of the other's (:func:`compatible`).

Index side, every content word is also filed in the reading fields under its **spelling key**
(:func:`spelling_key`): the reading of its dictionary form and its kanji skeleton,
``モウシコミ/申込`` for all of 申し込み, 申込み and 申込; ``キレイ/`` for きれい and キレイ. Query
side, a word's key is compared with the index's keys of the same reading
(:func:`search.analysis.query_analysis.spelling_alternatives`).
"""

from __future__ import annotations

from typing import Iterable

from search.analysis.morphemes import HAS_KANJI, INFLECTED_TAGS, Morpheme
from search.analysis.normalize import expand_iteration_marks, fold_reading, to_katakana

#: Between the reading and the skeleton of a key; never in a reading, which is all katakana.
SEPARATOR = "/"

#: Shortest reading, in kana, of a word filed under a key (one-kana words are mostly grammar).
MIN_KEY_READING = 2


def _is_kana(text: str) -> bool:
    return bool(text) and all("\u30a1" <= c <= "\u30fe" for c in to_katakana(text))


def base_reading(morpheme: Morpheme) -> str:
    """The katakana reading of the form a morpheme is indexed under (its dictionary form for verbs
    and adjectives: 出来た → 出来 + た, base 出来る, reads デキル), or ``""`` when unknown.

    The base form's reading is the surface's reading with the surface's kana ending replaced by
    the base form's (conjugation changes only the kana after the stem).
    """
    reading = to_katakana(morpheme.reading or morpheme.surface)
    if not _is_kana(reading):
        return ""
    if morpheme.pos not in INFLECTED_TAGS or morpheme.base_form == morpheme.surface:
        return fold_reading(reading)
    surface, base = morpheme.surface, morpheme.base_form
    common = 0
    while common < min(len(surface), len(base)) and surface[common] == base[common]:
        common += 1
    surface_tail, base_tail = surface[common:], base[common:]
    if (surface_tail and not _is_kana(surface_tail)) or (base_tail and not _is_kana(base_tail)):
        return ""
    if len(surface_tail) > len(reading):
        return ""
    stem = reading[:len(reading) - len(surface_tail)]
    return fold_reading(stem + to_katakana(base_tail))


def skeleton(text: str) -> str:
    """The kanji of ``text`` in order (``申し込み`` → ``申込``; ``人々`` → ``人人``)."""
    return "".join(c for c in expand_iteration_marks(text) if HAS_KANJI.match(c))


def spelling_key(morpheme: Morpheme, *, as_written: bool = False) -> str:
    """The spelling key of a content morpheme (``reading/skeleton``), or ``""`` for a stop token,
    a word without a reading or one shorter than :data:`MIN_KEY_READING` kana.

    :param as_written: key the surface rather than the dictionary form (申込み as the noun
        モウシコミ rather than the verb 申込む, モウシコム): a query's conjugated form may be a noun.
    """
    if morpheme.is_stop:
        return ""
    if as_written:
        reading = to_katakana(morpheme.reading or morpheme.surface)
        reading = fold_reading(reading) if _is_kana(reading) else ""
    else:
        reading = base_reading(morpheme)
    if len(reading) < MIN_KEY_READING and not morpheme.counter:  # 話 (ワ) counts in 第7話
        return ""
    form = morpheme.base_form if morpheme.pos in INFLECTED_TAGS and not as_written else morpheme.surface
    return reading + SEPARATOR + skeleton(form)


def _is_hiragana(char: str) -> bool:
    return "\u3041" <= char <= "\u309f"


def has_inner_okurigana(text: str) -> bool:
    """True if ``text`` has hiragana between two kanji (``書き込み``, ``打ち合せ``, ``入り口``): a
    compound whose okurigana 文化庁「送り仮名の付け方」通則6 allows to leave out (書込, 打合せ, 入口)."""
    chars = expand_iteration_marks(text)
    kanji = [i for i, c in enumerate(chars) if HAS_KANJI.match(c)]
    return any(j > i + 1 and all(_is_hiragana(c) for c in chars[i + 1:j]) for i, j in zip(kanji, kanji[1:]))


def skeleton_key(morpheme: Morpheme) -> str:
    """The **skeleton key** (``/`` and the kanji skeleton: ``/書込``) of a content morpheme whose
    dictionary form has okurigana between two kanji (書き込み, 読み取る), else ``""``.

    Filed in the reading fields beside the spelling key, so a query of the kanji alone (書込,
    読取, 払戻: 通則6 許容, which Janome often reads differently or not at all) finds the word by
    its kanji, however the okurigana are written; the same kanji in the same order never spell a
    homophone of another word.
    """
    if morpheme.is_stop:
        return ""
    form = morpheme.base_form if morpheme.pos in INFLECTED_TAGS else morpheme.surface
    if not has_inner_okurigana(form):
        return ""
    return SEPARATOR + skeleton(form)


def prefixed_key(prefix: Morpheme, noun: Morpheme) -> str:
    """The spelling key of a noun with the honorific prefix お or ご written in kana before it
    (お + 勧め → ``オススメ/勧``, as おすすめ, one word to Janome, is keyed ``オススメ/``), or ``""``."""
    if prefix.pos != "接頭詞" or not _is_kana(prefix.surface) or noun.pos != "名詞" or noun.start != prefix.end:
        return ""
    key = spelling_key(noun)
    if not key:
        return ""
    return fold_reading(to_katakana(prefix.surface)) + key


#: Parts of speech a compound of :func:`compound_skeleton` is made of.
COMPOUND_TAGS = frozenset({"名詞", "動詞", "接頭詞"})


def compound_skeleton(morphemes: list[Morpheme]) -> str:
    """The kanji skeleton of a query word that is one compound written with or without its
    okurigana (書き込み, 読込, 引落し, 払い戻し → 書込, 読込, 引落, 払戻), or ``""``.

    It needs two kanji or more, only kanji and hiragana, nouns and verbs written together with no
    particle between them (positions in a row), and each verb but the last in its 連用形, as in a
    compound (高い山, 大きな木, 書く人 are phrases, not 高山, 大木, 書人).

    :param morphemes: the word's content morphemes (stop tokens removed).
    """
    if not morphemes or any(m.pos not in COMPOUND_TAGS for m in morphemes):
        return ""
    for before, after in zip(morphemes, morphemes[1:]):
        if after.start != before.end or after.position != before.position + 1:
            return ""
        if before.pos in INFLECTED_TAGS and before.surface == before.base_form:
            return ""
    text = expand_iteration_marks("".join(m.surface for m in morphemes))
    if not all(HAS_KANJI.match(c) or _is_hiragana(c) for c in text):
        return ""
    kanji = skeleton(text)
    return kanji if len(kanji) >= 2 else ""


def split_skeleton_key(first: Morpheme, second: Morpheme) -> str:
    """The skeleton key of a compound Janome cut in two after its okurigana (貼り + 付け, 立ち +
    上げ → ``/貼付``, ``/立上``): the first part a noun or a verb's 連用形 with kanji that ends in
    hiragana, the second written right after it and starting with a kanji; else ``""``."""
    if (first.pos not in COMPOUND_TAGS or second.pos not in COMPOUND_TAGS or first.pos == "接頭詞"
            or second.start != first.end or second.position != first.position + 1):
        return ""
    if not HAS_KANJI.search(first.surface) or not _is_hiragana(first.surface[-1]) or not HAS_KANJI.match(second.surface):
        return ""
    if first.pos in INFLECTED_TAGS and first.surface == first.base_form:
        return ""  # 書く人 is a phrase; only a verb's 連用形 (貼り) begins a compound
    return SEPARATOR + skeleton(first.surface + second.surface)


#: Kana of the イ段 and the ウ段 kana of the same consonant (a godan verb's 連用形 ending → its
#: 終止形 ending: 込み → 込む).
_I_TO_U = str.maketrans("イキギシチニビミリ", "ウクグスツヌブムル")
_I_ROW = frozenset("イキギシジチニヒビピミリ")
_E_ROW = frozenset("エケゲセゼテデネヘベペメレ")


def verb_readings(reading: str) -> list[str]:
    """The readings of the verbs whose 連用形 ``reading`` may be (a noun made of a verb's 連用形:
    モウシコミ → モウシコム for 申込む, ウチアワセ → ウチアワセル for 打ち合せる), longest match
    first; ``[]`` for a reading that ends in no イ段 or エ段 kana.

    Janome reads a compound noun written with all its okurigana (申し込み) as a noun and the one
    written without some (申込み, 打ち合せ) as the verb, whose key is its 終止形."""
    if len(reading) < MIN_KEY_READING:
        return []
    last = reading[-1]
    found = []
    if last in _I_ROW and last.translate(_I_TO_U) != last:
        found.append(reading[:-1] + last.translate(_I_TO_U))
    if last in _I_ROW or last in _E_ROW:
        found.append(reading + "ル")
    return found


def one_word(keys: Iterable[str]) -> bool:
    """True if the spelling keys spell one word: their kanji skeletons are pairwise
    :func:`compatible` (デキル/ and デキル/出来, not コウエン/公園 and コウエン/講演), at least one key
    has kanji and none is a skeleton key alone (``/書込``) or a number key."""
    skeletons = set()
    for key in keys:
        reading, kanji = split_key(key)
        if not reading or not is_key(key) or key.startswith("#"):
            return False
        if kanji:
            skeletons.add(kanji)
    return bool(skeletons) and all(compatible(a, b) for a in skeletons for b in skeletons)


def split_key(key: str) -> tuple[str, str]:
    """``(reading, skeleton)`` of a key."""
    reading, _, kanji = key.partition(SEPARATOR)
    return reading, kanji


def is_key(term: str) -> bool:
    """True for a spelling key (as opposed to a plain reading) of a reading field."""
    return SEPARATOR in term


def _subsequence(short: str, long: str) -> bool:
    chars = iter(long)
    return all(c in chars for c in short)


def compatible(first: str, second: str) -> bool:
    """True when two skeletons may spell one word: the kanji of one are a subsequence of the
    other's (``友`` and ``友達``; ``""`` and anything), so no kanji is replaced by another."""
    if len(first) > len(second):
        first, second = second, first
    return _subsequence(first, second)
