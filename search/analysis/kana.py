"""Katakana spelling variants of one word, folded to one spelling (表記ゆれ of loanwords).

Loanwords are written several ways in katakana (内閣告示「外来語の表記」, 1991, allows both the
"first" and the "second" table's spellings): ヴァイオリン / バイオリン, ウィンドウ / ウインドウ,
ウォーター / ウオーター, ボランティア / ボランテイア, and small ヶ / ヵ beside か for a counter
(3ヶ国, 3ヵ国, 3か国). The rules follow Groonga's ``NormalizerNFKC`` options of the same names
(https://groonga.org/docs/reference/normalizers/normalizer_nfkc.html):

* ``unify_katakana_v_sounds``: ヴァ ヴィ ヴ ヴェ ヴォ → バ ビ ブ ベ ボ (ヷ ヸ ヹ ヺ likewise);
* ``unify_kana_case``, restricted to the small vowels ァ ィ ゥ ェ ォ and ヶ ヵ: ウィ → ウイ,
  ティ → テイ, ウォ → ウオ, ヶ → カ. The small ャ ュ ョ ッ are kept: they tell フィーチャー
  (feature) from フューチャー (future) and キッテ from キテ;
* ``unify_katakana_di_sound`` / ``unify_katakana_du_sound``: ヂ → ジ, ヅ → ズ.

Applied to terms (:func:`unify_katakana`, may shorten a term) and, one character or one ヴ pair at
a time, to the characters the n-grams are cut from (:func:`unified_kana_chars`). Readings are not
unified: a reading is Janome's, in the standard spelling, and ファン must not read as 不安.
"""

from __future__ import annotations

from itertools import repeat

_V_PAIRS = {"ヴァ": "バ", "ヴィ": "ビ", "ヴェ": "ベ", "ヴォ": "ボ", "ヴゥ": "ブ"}
#: One-for-one folds (katakana; hiragana is folded to katakana before).
CHAR_FOLDS = str.maketrans({"ヴ": "ブ", "ヷ": "バ", "ヸ": "ビ", "ヹ": "ベ", "ヺ": "ボ",
                            "ァ": "ア", "ィ": "イ", "ゥ": "ウ", "ェ": "エ", "ォ": "オ",
                            "ヶ": "カ", "ヵ": "カ", "ヂ": "ジ", "ヅ": "ズ"})
_FOLDED = frozenset("ヴヷヸヹヺァィゥェォヶヵヂヅ")


_LOANWORD_MARKS = frozenset("ヴヷヸヹヺァィゥェォ")


def has_loanword_spelling(katakana: str) -> bool:
    """True if a katakana text holds ヴ or a small vowel ァィゥェォ, which only loanwords use: no
    native word, hence no kanji word's reading, is spelled with them."""
    return not _LOANWORD_MARKS.isdisjoint(katakana)


def needs_unifying(text: str) -> bool:
    """True if :func:`unify_katakana` would change ``text``."""
    return not _FOLDED.isdisjoint(text)


def unify_katakana(term: str) -> str:
    """The one spelling of a katakana term's variants (see the module docstring).

    >>> unify_katakana("ヴァイオリン"), unify_katakana("ウィンドウ"), unify_katakana("フューチャー")
    ('バイオリン', 'ウインドウ', 'フューチャー')
    """
    if _FOLDED.isdisjoint(term):
        return term
    if "ヴ" in term:
        for pair, single in _V_PAIRS.items():
            term = term.replace(pair, single)
    return term.translate(CHAR_FOLDS)


def unified_kana_chars(chars: list[str]) -> list[tuple[str, int]]:
    """``chars`` (folded, one character each) with :func:`unify_katakana` applied: a list of
    ``(character, how many input characters it stands for)`` — 2 for a ヴ pair, else 1."""
    if _FOLDED.isdisjoint(chars):  # most text: nothing to fold
        return list(zip(chars, repeat(1)))
    out: list[tuple[str, int]] = []
    i, n = 0, len(chars)
    while i < n:
        char = chars[i]
        if char == "ヴ" and i + 1 < n and (char + chars[i + 1]) in _V_PAIRS:
            out.append((_V_PAIRS[char + chars[i + 1]], 2))
            i += 2
            continue
        out.append((char.translate(CHAR_FOLDS) if char in _FOLDED else char, 1))
        i += 1
    return out
