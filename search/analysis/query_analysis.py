"""Query-side analysis of one query word: the mirror of the index-side analyzers.

Everything a query word may match as comes from here, so :mod:`search.querying` only plans,
escalates and ranks:

* its **terms** as the word fields hold them (:func:`word_morphemes`; :func:`spelled_apart` for a
  user-dictionary word written in pieces), and its **fragments** (character n-grams,
  :func:`search.analysis.ngrams.ngrams`; :func:`without_spaces_beside_cjk` for a quoted phrase);
* its **readings**, for a word typed in kana (:func:`search.analysis.readings.reading_segmentations`);
* its **variants** (:func:`word_variants`): the site's synonyms, then every kind registered in
  :mod:`search.analysis.expansions` (numbers: :mod:`search.analysis.numerals`);
* its **other spellings** the index holds — okurigana written or left out, kanji or kana
  (:func:`spelling_alternatives`, by the keys of :mod:`search.analysis.spellings`).

Katakana loanword spellings (:mod:`search.analysis.kana`) and names with or without a middle dot
are folded alike on both sides, so they need nothing here.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from typing import Callable, Iterable

from search.analysis import numerals  # noqa: F401  (registers the "number" expander)
from search.analysis.analyzers import query_terms, unique
from search.analysis.dictionary import USER_POS
from search.analysis.expansions import Variant, variants
from search.analysis.morphemes import INFLECTED_TAGS, Morpheme
from search.analysis.ngrams import is_cjk
from search.analysis.normalize import normalize_query, to_katakana
from search.analysis.spellings import SEPARATOR, compatible, skeleton, spelling_key, split_key

#: Weight of a synonym from the site's synonym file (the same word to the site owner).
SYNONYM_WEIGHT = 1.0

#: Most other spellings kept for one morpheme, and most spellings of one query word in all.
MAX_SPELLINGS_PER_TERM = 6
MAX_SPELLINGS = 8


def first_segmentation(morphemes: list[Morpheme]) -> list[Morpheme]:
    """Drop the pieces a user-dictionary word brings along: a query matches the whole word,
    which the index holds at that position too."""
    return [m for m in morphemes if not m.piece]


def is_kana_text(text: str) -> bool:
    """True if ``text`` is all hiragana or katakana (the long-vowel mark included)."""
    kana = to_katakana(text)
    return bool(kana) and all("\u30a1" <= c <= "\u30fe" or c == "ー" for c in kana)


def without_spaces_beside_cjk(text: str) -> str:
    """``text`` without the spaces next to a kana or kanji: Japanese is written without them, so
    a phrase typed ``"生成 AI"`` or ``"猫 カフェ"`` is also looked for as 生成AI, 猫カフェ."""
    return "".join(char for i, char in enumerate(text)
                   if not (char.isspace() and ((i > 0 and is_cjk(text[i - 1])) or (i + 1 < len(text) and is_cjk(text[i + 1])))))


def spelled_apart(morphemes: list[Morpheme]) -> list[Morpheme] | None:
    """The query word's morphemes with each user-dictionary word cut as the system dictionary cuts
    it, at consecutive positions, so ``生成AI`` also finds a post that writes ``生成 AI`` (Janome
    sees the user word only where its characters stand together); None if nothing was cut."""
    apart: list[Morpheme] = []
    shift = 0
    for morpheme in morphemes:
        parts = query_terms(morpheme.surface) if morpheme.pos == USER_POS else []
        if len(parts) < 2:
            apart.append(replace(morpheme, position=morpheme.position + shift))
            continue
        apart += [replace(part, position=morpheme.position + shift + part.position) for part in parts]
        shift += parts[-1].position
    return apart if len(apart) > len(morphemes) else None


def word_morphemes(text: str, dictionary: str | None = None) -> list[Morpheme]:
    """The content morphemes of one query word as the word fields match them (one segmentation).

    Kana typed for a word is segmented in katakana, so りんご, リンゴ and ﾘﾝｺﾞ are analyzed alike
    (in hiragana Janome reads れべる as the verb れる plus an ending, とうきょうと as three words).
    """
    morphemes: list[Morpheme] = first_segmentation(query_terms(text, dictionary))
    if morphemes and is_kana_text(text):
        katakana = to_katakana(normalize_query(text))
        morphemes = first_segmentation(query_terms(katakana, dictionary)) or morphemes
    return morphemes


def word_variants(text: str, synonyms=None) -> list[Variant]:
    """The other spellings a query word is also looked for as: the synonyms the site lists for it
    (:class:`search.analysis.synonyms.Synonyms`, None: none), then the registered kinds
    (:func:`search.analysis.expansions.variants`), without repeats."""
    found = [Variant(alt, "synonym", SYNONYM_WEIGHT) for alt in (synonyms.alternatives(text) if synonyms else ())]
    seen = {v.text for v in found} | {text}
    found += [v for v in variants(text) if v.text not in seen]
    return found


def spelling_alternatives(morphemes: list[Morpheme], keys_of: Callable[[str], Iterable[str]]
                          ) -> list[tuple[list[str], list[int]]]:
    """Other spellings of a query word that the index holds, as sequences of spelling keys.

    Each content morpheme of the word is replaced by the index's keys of the same reading whose
    kanji skeleton is :func:`search.analysis.spellings.compatible` with its own (受付 → the key
    ``ウケツケ/受付`` of 受け付け; 綺麗 → ``キレイ/`` of きれい; 公園 → not 講演's ``コウエン/講演``).
    Only words with a kanji are expanded (a kana word finds kanji spellings by reading already),
    and only when every content morpheme has a key.

    :param morphemes: the word's content morphemes (:func:`word_morphemes`).
    :param keys_of: the index's keys that start with a reading and :data:`SEPARATOR`, most
        frequent first (a term-table prefix scan).
    :returns: ``(keys, positions)`` per spelling — positions relative to the first morpheme —
        the word's own key first (it is shared by every spelling that differs only in okurigana:
        受け付け and 受付 are both ``ウケツケ/受付``); ``[]`` when the index has none.
    """
    if not morphemes or not any(skeleton(m.surface) for m in morphemes):
        return []
    choices: list[list[str]] = []
    own: list[str] = []
    for morpheme in morphemes:
        key = spelling_key(morpheme)
        if not key:
            return []
        found = [key]
        written = spelling_key(morpheme, as_written=True) if morpheme.pos in INFLECTED_TAGS else ""
        for own_key in unique([key, written] if written else [key]):
            reading, kanji = split_key(own_key)
            found += [k for k in keys_of(reading + SEPARATOR) if compatible(kanji, split_key(k)[1])]
        found = unique(found)
        own.append(key)
        choices.append(found[:MAX_SPELLINGS_PER_TERM])
    base = morphemes[0].position
    positions = [m.position - base for m in morphemes]
    spellings = [list(keys) for keys in itertools.islice(itertools.product(*choices), MAX_SPELLINGS)]
    if spellings == [own] and not any(keys_of(key) for key in own):
        return []  # no spelling of the word in the index at all
    return [(keys, positions) for keys in spellings]
