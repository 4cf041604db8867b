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

from functools import lru_cache
from itertools import repeat

_V_PAIRS = {"ヴァ": "バ", "ヴィ": "ビ", "ヴェ": "ベ", "ヴォ": "ボ", "ヴゥ": "ブ"}
#: ヴ before a small ャ ュ ョ is ビ (インタヴュー is インタビュー, 外来語の表記 第2表).
_V_YOON = frozenset("ャュョ")
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
        term = term.replace("ヴャ", "ビャ").replace("ヴュ", "ビュ").replace("ヴョ", "ビョ")
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
        if char == "ヴ" and i + 1 < n and chars[i + 1] in _V_YOON:
            out.append(("ビ", 1))
        else:
            out.append((char.translate(CHAR_FOLDS) if char in _FOLDED else char, 1))
        i += 1
    return out


# -- the loose key: spellings of one loanword that differ by more than Groonga folds ------------

#: Marks a loose key among the terms of the reading fields (never in a reading, a spelling key or
#: a number key).
LOOSE_MARK = "~"

#: Fewest characters of a katakana word (as written) that gets a loose key: shorter words differ
#: by a long vowel only too often (ビル / ビール, ボル / ボール).
LOOSE_MIN_CHARS = 3

_VOWEL_KANA = "アイウエオ"
#: Rows of the kana before a vowel written for a long vowel (after unify_katakana: no small vowels).
_E_ROW = "エケセネヘメレゲゼベペ"  # テイ, デイ are ティ, ディ (パーテイ, デイスク), not a long e
_O_ROW = "オコソトノホモヨロゴゾドボポョ"
_U_ROW = "ウクスツヌフムユルグズブプュ"
_I_ROW = "イキシチニヒミリギジビピ"
_F_ROW = {"ア": "ハ", "イ": "ヒ", "エ": "ヘ", "オ": "ホ"}
#: A loose key of fewer characters than this keeps its long vowels (ウェブ / ウェーブ, メール).
LOOSE_DROP_MIN_CHARS = 4
_KATAKANA_TERM = frozenset(chr(c) for c in range(0x30A1, 0x30FB)) | {"ー"}


def is_katakana_word(text: str) -> bool:
    """True if ``text`` is all katakana (ァ..ヺ and the long-vowel mark ー)."""
    return bool(text) and _KATAKANA_TERM.issuperset(text)


def _loose_chars(word: str) -> str:
    """:func:`loose_key`'s folds of a word :func:`unify_katakana` has folded already (so that two
    spellings it folds alike, ティ and テイ, get one key)."""
    out: list[str] = []
    n = len(word)
    i = 0
    while i < n:
        char = word[i]
        following = word[i + 1] if i + 1 < n else "・"  # no kana after the last
        after = word[i + 2] if i + 2 < n else "・"
        before = out[-1] if out else "・"  # no kana before the first
        if char == "テ" and following == "イ":  # ティーム / チーム
            out.append("チ")
            i += 2
            continue
        if char in "ツデ" and following == "イ" and after == "ア":  # ベネツィア / ベネチア, アイディア / アイデア
            out.append("チ" if char == "ツ" else "デ")
            i += 2
            continue
        if char == "フ" and following in _F_ROW and out:  # スマートフォン / スマートホン (not word-initial)
            out.append(_F_ROW[following])
            i += 2
            continue
        if char == "ウ" and before in "クグ" and following in "アイエオ":  # スクウェア / スクエア
            i += 1
            continue
        if char == "ウ" and before in _O_ROW and following not in _VOWEL_KANA:  # ウィンドウ / ウィンドー
            char = "ー"
        elif char == "イ" and before in _E_ROW and following not in _VOWEL_KANA:  # メイル / メール
            char = "ー"
        elif char == "ヤ" and before in _I_ROW:  # ピヤノ / ピアノ, ダイヤ / ダイア
            char = "ア"
        elif char == "ワ" and (before in _U_ROW or (before == "ー" and len(out) > 1 and out[-2] in _U_ROW)):
            char = "ア"  # レビューワー / レビューアー
        out.append(char)
        i += 1
    return "".join(out)


@lru_cache(maxsize=1 << 16)  # a blog repeats its katakana words
def loose_key(word: str) -> str:
    """The loose key of a katakana word: its spellings that 内閣告示「外来語の表記」(1991) allows
    beyond what :func:`unify_katakana` folds get one key, or ``""`` for a word that is not all
    katakana or is shorter than :data:`LOOSE_MIN_CHARS`.

    Folded on top of :func:`unify_katakana` (so spellings it folds alike share a key): the long vowel written ー, ウ after an o-row kana
    or イ after an e-row kana, or (in keys of :data:`LOOSE_DROP_MIN_CHARS` or more kana besides
    the long vowels) left out (ウィンドウ / ウィンドー, メイル / メール, パラメータ /
    パラメタ, インターフェース / インタフェイス: 留意事項その2, 3 長音); ティ and ツィ as チ
    (チーム / ティーム) and ツィア as チア (ベネツィア / ベネチア); ファ フィ フェ フォ after the first kana as ハ ヒ
    ヘ ホ (スマートフォン / スマートホン, セロファン / セロハン); ディア as デア (アイディア /
    アイデア); ア after an i-row kana written ヤ (ピアノ / ピヤノ, ダイヤモンド / ダイアモンド);
    ア after a u-row kana written ワ (レビューワー / レビューアー); ウ before a vowel after ク or
    グ left out (スクウェア / スクエア). Small ャ ュ ョ ッ stay: フィーチャー and
    フューチャー keep different keys. The key is a search key only, never shown.

    :param word: NFKC text, hiragana already katakana or not (it is turned into katakana).
    :returns: the key, prefixed with :data:`LOOSE_MARK`; ``""`` when the word has none.
    """
    from search.analysis.normalize import to_katakana  # normalize imports this module
    word = to_katakana(word)
    if len(word) < LOOSE_MIN_CHARS or not _KATAKANA_TERM.issuperset(word):
        return ""
    key = _loose_chars(unify_katakana(word)).rstrip("ー")
    short = key.replace("ー", "")
    if len(short) >= LOOSE_DROP_MIN_CHARS:
        key = short
    return LOOSE_MARK + key if key else ""
