"""English and its katakana (issue 17, kind 10): a query word in English is also looked for as the
katakana loanword Japanese posts write for it (``visual`` → ビジュアル), and a katakana word as the
English it comes from (``ビジュアルモード`` → ``visual モード``, ``visual mode``).

The pairs come from a dictionary, not from transliteration: UniDic's 外来語 lemmas, which name the
word each loanword comes from (``コード-code``), in ``search/analysis/data/loanwords.tsv``
(built by ``bench/unidic_loanwords.py``; 17,642 English words). A katakana word is looked up by
its loose key (:func:`search.analysis.kana.loose_key`), so ウィンドウ finds UniDic's ウインドー
(window) and クエリ its クエリー (query). Only words of :data:`MIN_KATAKANA` or more kana are
looked up from katakana: shorter ones stand for too many English words (ビル: bill, building).

Query side only: the variants are registered with :mod:`search.analysis.expansions` (kind
``english``) and searched like the word itself at :data:`ENGLISH_WEIGHT`, so the index does not
grow (a post's English word and its katakana are found from either side by the query's variant).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from search.analysis.expansions import Variant, expander
from search.analysis.kana import is_katakana_word, loose_key
from search.analysis.normalize import fold_term, normalize_query, to_katakana

LOANWORDS_FILE = Path(__file__).with_name("data") / "loanwords.tsv"

#: Weight of a match by the English word of a katakana query word, or the reverse: well below the
#: word as typed (known-item MRR@10 on ruby-lang.org's posts: 0.804 at 0.8, 0.819 at 0.3).
ENGLISH_WEIGHT = 0.3

#: Fewest kana of a katakana word (or of a piece of one) looked up as English.
MIN_KATAKANA = 3

#: Most English words one katakana word stands for (コード: chord, code, cord), and most
#: katakana spellings of one English word, used as variants.
MAX_SENSES = 3

#: Most pieces a katakana compound is cut into to find the English of each (ビジュアル + モード).
MAX_PIECES = 3

_LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
_HIRAGANA_WORD = re.compile(r"[\u3041-\u3096ー]+")
#: What may stand between the English and katakana parts of one translated query word.
_JOINERS = re.compile(r"[\s・=･\-_.]+")
_RUNS = re.compile(r"[A-Za-z]+|[\u30a1-\u30fa\u30fc]+|[^A-Za-z\u30a1-\u30fa\u30fc]+")


def _is_word(text: str) -> bool:
    return text.isascii() and text.isalpha() or is_katakana_word(text)


def _katakana_key(katakana: str) -> str:
    return loose_key(katakana) or fold_term(katakana)


@functools.cache
def _tables() -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """(English → katakana, katakana key → English) from :data:`LOANWORDS_FILE`.

    :raises ValueError: a line is not ``english<TAB>katakana[,katakana]``.
    """
    to_katakana_: dict[str, tuple[str, ...]] = {}
    to_english: dict[str, list[str]] = {}
    for number, line in enumerate(LOANWORDS_FILE.read_text(encoding="utf-8").splitlines(), 1):
        if not line or line.startswith("#"):
            continue
        english, tab, katakana = line.partition("\t")
        if not tab or not english or not katakana:
            raise ValueError(f"{LOANWORDS_FILE}:{number}: expected an English word, a tab and katakana: {line!r}")
        spellings = tuple(katakana.split(","))
        to_katakana_[english] = spellings
        for spelling in spellings:
            if len(spelling) >= MIN_KATAKANA:
                to_english.setdefault(_katakana_key(spelling), []).append(english)
    return to_katakana_, {key: tuple(words) for key, words in to_english.items()}


def katakana_of(english: str) -> tuple[str, ...]:
    """The katakana loanwords of an English word (``visual`` → ``("ビジュアル",)``), a plural
    looked up as its singular (``files`` → ファイル); ``()`` when the dictionary has none."""
    table = _tables()[0]
    word = english.casefold()
    for form in (word, word[:-1] if word.endswith("s") else "", word[:-3] + "y" if word.endswith("ies") else ""):
        if form and form in table:
            return table[form][:MAX_SENSES]
    return ()


def english_of(katakana: str) -> tuple[str, ...]:
    """The English words a katakana word of :data:`MIN_KATAKANA` or more kana comes from, by loose
    key (``ウィンドウ`` → ``("window",)``, ``コード`` → chord, code, cord); ``()`` if none."""
    katakana = to_katakana(katakana)
    if len(katakana) < MIN_KATAKANA or not is_katakana_word(katakana):
        return ()
    return _tables()[1].get(_katakana_key(katakana), ())[:MAX_SENSES]


def _pieces(katakana: str) -> list[tuple[str, tuple[str, ...]]] | None:
    """``katakana`` cut into the fewest (2..:data:`MAX_PIECES`) loanwords the dictionary knows,
    each with its English; None if it cannot be."""
    n = len(katakana)
    best: list[list[tuple[str, tuple[str, ...]]] | None] = [None] * (n + 1)
    best[n] = []
    for i in range(n - MIN_KATAKANA, -1, -1):
        for j in range(n, i + MIN_KATAKANA - 1, -1):
            rest = best[j]
            if rest is None or (best[i] is not None and len(best[i]) <= len(rest) + 1):
                continue
            english = english_of(katakana[i:j])
            if english:
                best[i] = [(katakana[i:j], english)] + rest
    found = best[0]
    return found if found is not None and 2 <= len(found) <= MAX_PIECES else None


def written_in_katakana(text: str) -> str:
    """Words typed apart, each an English word with a katakana loanword or a katakana word, as the
    one katakana word a post may write for them (``Visual モード`` → ``ビジュアルモード``, ``visual
    mode`` → ``ビジュアルモード``: Janome keeps that one token, so its pieces are no terms); ``""``
    for any other text, or where no word is English."""
    words = normalize_query(text).split(" ")
    if len(words) < 2:
        return ""
    spelled, translated = [], False
    for word in words:
        if _LATIN_WORD.fullmatch(word):
            katakana = katakana_of(word)
            if not katakana:
                return ""
            spelled.append(katakana[0])
            translated = True
        elif is_katakana_word(word):
            spelled.append(word)
        else:
            return ""
    return "".join(spelled) if translated else ""


@expander("english")
def english_variants(text: str):
    """Variants of a query word made of English words and katakana only (a word with kanji, kana
    or digits is a phrase whose words count one by one: none) with its English in katakana and its
    katakana (or hiragana typed for it) in English (see the module docstring): the word with every translatable part
    translated, then with one part translated at a time (``ビジュアルモード`` → ``visual mode``, ``visual モード``,
    ``ビジュアル mode``)."""
    text = normalize_query(text)
    if _HIRAGANA_WORD.fullmatch(text):  # a loanword typed without conversion (さいず: サイズ, size)
        text = to_katakana(text)
    parts: list[tuple[str, tuple[str, ...]]] = []
    for run in _RUNS.findall(text):
        if _LATIN_WORD.fullmatch(run):
            parts.append((run, katakana_of(run)))
        elif is_katakana_word(run):
            english = english_of(run)
            pieces = None if english else _pieces(run)
            parts += pieces if pieces else [(run, english)]
        elif _JOINERS.fullmatch(run):
            parts.append((run, ()))
        else:  # kanji, hiragana, digits: a phrase or a sentence, whose words count one by one
            return
    translatable = [i for i, (_, others) in enumerate(parts) if others]
    if not translatable:
        return

    def spelled(choices: dict[int, str]) -> str:
        out, previous = "", ""
        for i, (run, _) in enumerate(parts):
            piece = choices.get(i, run)
            if previous and _is_word(piece) and _is_word(previous) and (piece.isascii() or previous.isascii()):
                out += " "  # visual モード, visual mode: English apart from its neighbours, as posts write it
            out, previous = out + piece, piece
        return out

    for sense in range(MAX_SENSES):
        whole = {i: parts[i][1][sense] for i in translatable if sense < len(parts[i][1])}
        if whole:
            yield Variant(spelled(whole), "english", ENGLISH_WEIGHT, fragments=False, code=False)
    if len(translatable) > 1:
        for i in translatable:
            yield Variant(spelled({i: parts[i][1][0]}), "english", ENGLISH_WEIGHT, fragments=False, code=False)
