"""Query-side analysis of one query word: the mirror of the index-side analyzers.

Everything a query word may match as comes from here, so :mod:`search.querying` only plans,
escalates and ranks:

* its **terms** as the word fields hold them (:func:`word_morphemes`; :func:`spelled_apart` for a
  user-dictionary word written in pieces), and its **fragments** (character n-grams,
  :func:`search.analysis.ngrams.ngrams`; :func:`without_spaces_beside_cjk` for a quoted phrase);
* its **readings**, for a word typed in kana (:func:`search.analysis.readings.reading_segmentations`);
* its **variants** (:func:`word_variants`): the site's synonyms, then every kind registered in
  :mod:`search.analysis.expansions`, then for a Latin word the kana it is romaji for
  (:func:`romaji_variants`: ``sushi`` → すし);
* its **other spellings** the index holds — okurigana written or left out, kanji or kana, a
  number in kanji or digits (:func:`spelling_alternatives`, by the keys of
  :mod:`search.analysis.spellings` and :mod:`search.analysis.numerals`).

Katakana loanword spellings (:mod:`search.analysis.kana`) and names with or without a middle dot
are folded alike on both sides; spellings that folding leaves apart share a loose key
(:func:`loose_alternatives`).
"""

from __future__ import annotations

import itertools
import re

import jaconv
from typing import Callable, Iterable, Protocol

from search.analysis.analyzers import query_terms, unique
from search.analysis.dictionary import USER_POS
from search.analysis import name_variants  # noqa: F401 (registers the "name" expander)
from search.analysis.expansions import Variant, variants
from search.analysis.morphemes import HAS_KANJI, INFLECTED_TAGS, NAME_POS, Morpheme
from search.analysis.morphemes import morphemes as morphemes_of
from search.analysis.kana import is_katakana_word, loose_key
from search.analysis import loanwords  # noqa: F401  (registers the "english" variants)
from search.analysis.ngrams import is_cjk
from search.analysis.numerals import number_keys
from search.analysis.readings import reading_of
from search.analysis.romaji import romaji_alternatives, romaji_kana
from search.analysis.normalize import fold_reading, normalize_query, to_katakana
from search.analysis.spellings import (SEPARATOR, compatible, skeleton, spelling_key, split_key,
                                      verb_readings)
from search.analysis.symbols import name_parts
from search.analysis import okurigana as _okurigana, respellings as _respellings  # noqa: F401  (register expanders)

#: Weight of a synonym from the site's synonym file (the same word to the site owner).
SYNONYM_WEIGHT = 1.0

#: Most content morphemes of a query word looked up by spelling (a longer word is a sentence:
#: its words' spellings count in the relaxed step, one by one).
MAX_SPELLING_TERMS = 4

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


def is_katakana_name(text: str) -> bool:
    """True if ``text`` is katakana words joined by a middle dot or ``＝`` (ティム・バーナーズ＝リー):
    one name, whose parts are no words of their own (ティム does not stand for it)."""
    parts = [p for p in re.split("[・=･]", to_katakana(normalize_query(text)))]
    return len(parts) > 1 and all(is_katakana_word(p) for p in parts)


def without_spaces_beside_cjk(text: str) -> str:
    """``text`` without the spaces next to a kana or kanji: Japanese is written without them, so
    a phrase typed ``"生成 AI"`` or ``"猫 カフェ"`` is also looked for as 生成AI, 猫カフェ."""
    return "".join(char for i, char in enumerate(text)
                   if not (char.isspace() and ((i > 0 and is_cjk(text[i - 1])) or (i + 1 < len(text) and is_cjk(text[i + 1])))))


def spelled_apart(morphemes: list[Morpheme]) -> list[Morpheme] | None:
    """The query word's morphemes with each user-dictionary word cut as the system dictionary cuts
    it, at consecutive positions, so ``生成AI`` also finds a post that writes ``生成 AI`` (Janome
    sees the user word only where its characters stand together), and each name of
    :mod:`search.analysis.symbols` cut into its parts (``CI/CD`` also finds ``CI / CD``:
    :func:`~search.analysis.symbols.name_parts`); None if nothing was cut."""
    apart: list[Morpheme] = []
    shift = 0
    for morpheme in morphemes:
        if morpheme.pos == NAME_POS:
            parts = [morpheme._replace(surface=part, base_form=part, pos="名詞", position=k)
                     for k, part in enumerate(name_parts(morpheme.surface))]
        else:
            parts = query_terms(morpheme.surface) if morpheme.pos == USER_POS else []
        if len(parts) < 2:
            apart.append(morpheme._replace(position=morpheme.position + shift))
            continue
        apart += [part._replace(position=morpheme.position + shift + part.position) for part in parts]
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


def kana_word(text: str, dictionary: str | None = None) -> list[Morpheme]:
    """A query word typed in hiragana read as one word (``しらべる`` → the verb しらべる, whose key
    finds 調べる), or ``[]`` if Janome cuts it or it holds katakana. :func:`word_morphemes` segments kana in
    katakana, where Janome reads a native word as loanwords (シラベル → シ + ラベル), so a kana
    word's spellings are also looked up by this reading."""
    hiragana = normalize_query(text)
    if jaconv.kata2hira(hiragana) != hiragana:
        return []  # typed in katakana: a loanword more likely than a native word (メス is not 召す)
    found = first_segmentation(query_terms(hiragana, dictionary))
    return found if len(found) == 1 and found[0].surface == hiragana else []


def conjunction_reading(text: str, dictionary: str | None = None) -> str:
    """The folded reading of a query word that is one conjunction written with kanji (例えば →
    タトエバ, 又は → マタハ), else ``""``. Conjunctions are stop tokens of the word fields, so such a
    word is matched by its fragments and, like the conjunction written in kana, by this reading."""
    found = [m for m in morphemes_of(text, dictionary) if not m.is_mark]
    if len(found) != 1 or found[0].pos != "接続詞" or not HAS_KANJI.search(found[0].surface):
        return ""
    reading = to_katakana(found[0].reading)
    return fold_reading(reading) if is_kana_text(reading) else ""


#: Weight of a Latin word's match by the kana it is romaji for (``sushi`` finding 寿司, すし),
#: below any post holding the Latin word itself.
ROMAJI_WEIGHT = 0.2

#: A Latin word is read as romaji only while fewer posts than this hold it as written: a word the
#: site writes often (``URI``, ``Time``) is the site's own word, not romaji typed by mistake.
ROMAJI_BELOW_POSTS = 10


class IndexWords(Protocol):
    """What query analysis asks of the index (:class:`search.querying.reading_lexicon.ReadingLexicon`)."""

    def __call__(self, reading: str) -> bool:
        """Whether a folded katakana reading is a term of the reading fields."""

    def occurs(self, katakana: str) -> bool:
        """Whether the n-gram fields hold a katakana text in a row (a post written in kana)."""

    def reads(self, katakana: str) -> bool:
        """Whether some post holds words in a row whose readings spell a katakana text (a compound)."""

    def word_posts(self, term: str) -> int:
        """How many posts hold a folded term in the body or title word field."""

    def spelling_keys(self, prefix: str) -> list[str]:
        """The spelling keys of the reading fields that start with ``prefix``, most frequent first."""


def romaji_variants(text: str, index: IndexWords | None) -> list[Variant]:
    """A Latin query word as the kana it is romaji for (:func:`search.analysis.romaji.romaji_alternatives`),
    each a variant of kind ``romaji`` weighing :data:`ROMAJI_WEIGHT`, analyzed as a kana word is
    (so ``shinkansen`` finds 新幹線 by reading and しんかんせん as written); ``[]`` without an index,
    for a word that spells no romaji, or one that :data:`ROMAJI_BELOW_POSTS` or more posts hold
    as typed (its first term: the whole word, ``insuto-ru`` with its hyphen)."""
    if index is None or is_kana_text(text) or not romaji_kana(text):  # no romaji: Janome not asked
        return []
    terms = [m.term for m in query_terms(text)]
    if not terms or index.word_posts(terms[0]) >= ROMAJI_BELOW_POSTS:
        return []
    return [Variant(kana, "romaji", ROMAJI_WEIGHT)
            for kana in romaji_alternatives(text, index, getattr(index, "occurs", None), getattr(index, "reads", None))]


def word_variants(text: str, synonyms=None, index: IndexWords | None = None) -> list[Variant]:
    """The other spellings a query word is also looked for as: the synonyms the site lists for it
    (:class:`search.analysis.synonyms.Synonyms`, None: none), then the registered kinds
    (:func:`search.analysis.expansions.variants`), then the kana a Latin word is romaji for
    (:func:`romaji_variants`, which asks ``index``), without repeats."""
    found = [Variant(alt, "synonym", SYNONYM_WEIGHT) for alt in (synonyms.alternatives(text) if synonyms else ())]
    seen = {v.text for v in found} | {text}
    native = native_word(text, getattr(index, "spelling_keys", None))
    for variant in variants(text) + romaji_variants(text, index):
        if native and variant.kind == "english":
            continue
        if variant.text not in seen:
            seen.add(variant.text)
            found.append(variant)
    return found


def spelling_alternatives(morphemes: list[Morpheme], keys_of: Callable[[str], Iterable[str]]
                          ) -> list[list[tuple[list[str], list[int]]]]:
    """Other spellings of a query word that the index holds, as sequences of spelling keys.

    Each content morpheme of the word is replaced by the index's keys of the same reading whose
    kanji skeleton is :func:`search.analysis.spellings.compatible` with its own (受付 → the key
    ``ウケツケ/受付`` of 受け付け; 綺麗 → ``キレイ/`` of きれい; 公園 → not 講演's ``コウエン/講演``).
    A kana word gets every key of its reading (an inflected form's key is its dictionary form's:
    うれしい finds 嬉しかった, which the reading field holds as ウレシカッ). Only words of at most
    :data:`MAX_SPELLING_TERMS` content morphemes, each with a key, are expanded.

    :param morphemes: the word's content morphemes (:func:`word_morphemes`).
    :param keys_of: the index's keys that start with a reading and :data:`SEPARATOR`, most
        frequent first (a term-table prefix scan).
    :returns: per spelling, the segments that must all match, each ``(keys, positions)`` with
        positions relative to the segment's first key (a counted number is a segment of its own:
        :func:`search.analysis.numerals.number_keys`) — the word's own keys first (it is shared by every spelling that differs only in okurigana:
        受け付け and 受付 are both ``ウケツケ/受付``); ``[]`` when the index has none.
    """
    numbers = {first: (last, key) for first, last, key in number_keys(morphemes, inner=False)}
    # (the morpheme a key stands at, a number key or ""): a counted number (第十七話) is one unit
    units: list[tuple[Morpheme, str]] = []
    i = 0
    while i < len(morphemes):
        if i in numbers:
            last, key = numbers[i]
            units.append((morphemes[last], key))
            i = last + 1
        else:
            units.append((morphemes[i], ""))
            i += 1
    by_kanji = [[([key], [0])] for key in _skeleton_keys(morphemes, keys_of)]
    if not units or len(units) > MAX_SPELLING_TERMS:
        return by_kanji
    choices: list[list[str]] = []
    own: list[str] = []
    for morpheme, number in units:
        if number:
            own.append(number)
            choices.append([number])
            continue
        key = spelling_key(morpheme)
        if not key and numbers and own:  # 目 of 二日目, 語 of 二か国語: one kana, no key; its reading
            key = reading_of(morpheme)    # stands next to the number key all the same
            if key:
                own.append(key)
                choices.append([key])
                continue
        if not key:
            return by_kanji
        found = [key]
        for own_key in _own_keys(morpheme, key):
            reading, kanji = split_key(own_key)
            found += [k for k in keys_of(reading + SEPARATOR) if compatible(kanji, split_key(k)[1])]
        found = unique(found)
        own.append(key)
        choices.append(found[:MAX_SPELLINGS_PER_TERM])
    together = _joined_keys(morphemes, keys_of)
    joined = [[([key], [0])] for key in together] + by_kanji
    if together and is_kana_text("".join(m.surface for m in morphemes)):
        # a kana word the index holds as one word is that word, not its pieces' homophones
        # (こうかい: 公開, 後悔; not コウ/高 + カイ/回)
        return [_segments(own, units)] + joined
    spellings = [list(keys) for keys in itertools.islice(itertools.product(*choices), MAX_SPELLINGS)]
    if spellings == [own] and not numbers and not any(keys_of(key) for key in own):
        return joined  # no spelling of the word in the index at all but, maybe, as one word
    return [_segments(keys, units) for keys in spellings] + joined


def _own_keys(morpheme: Morpheme, key: str) -> list[str]:
    """The keys a morpheme's other spellings may be filed under: its own; an inflected word's as
    written too (申込み, a verb to Janome, may be the noun); a noun written with its okurigana the
    verb's whose 連用形 it is (申し込み → 申込む's モウシコム: :func:`verb_readings`)."""
    keys = [key]
    if morpheme.pos in INFLECTED_TAGS:
        keys.append(spelling_key(morpheme, as_written=True))
    elif morpheme.pos == "名詞" and HAS_KANJI.search(morpheme.surface) and is_kana_text(morpheme.surface[-1]):
        reading, kanji = split_key(key)
        keys += [verb + SEPARATOR + kanji for verb in verb_readings(reading)]
    return unique(k for k in keys if k)


def _skeleton_keys(morphemes: list[Morpheme], keys_of: Callable[[str], Iterable[str]]) -> list[str]:
    """The skeleton key of the word (``/書込``: :func:`search.analysis.spellings.skeleton_key`), if
    the index holds it: words spelled with okurigana between the same kanji. Janome may cut a
    spelling without some okurigana oddly (引落とし: 引落 + と + し), so the word's kanji are
    looked up whenever it is written in kanji and hiragana only: only one word, with okurigana
    between those very kanji, is ever filed under the key."""
    text = "".join(m.surface for m in morphemes)
    kanji = skeleton(text) if len(morphemes) <= MAX_SPELLING_TERMS and all(
        HAS_KANJI.match(c) or "\u3041" <= c <= "\u309f" for c in text) else ""
    key = SEPARATOR + kanji
    return [key] if kanji and key in keys_of(key) else []


_HIRAGANA_ONLY = re.compile("[\u3041-\u3096]+")


def native_word(text: str, keys_of: Callable[[str], Iterable[str]] | None) -> bool:
    """True if ``text`` is typed in hiragana (no long-vowel mark) and the index holds a word of
    that reading written with kanji: a spelling key with a kanji skeleton (こうどう → ``コウドウ/行動``,
    こうど → ``コウド/高度``). The reader means that word, not a loanword that sounds alike (コード,
    which hiragana writes こーど): such a word gets no loose katakana key
    (:func:`loose_alternatives`) and no English (:func:`word_variants`)."""
    if keys_of is None or not _HIRAGANA_ONLY.fullmatch(text := normalize_query(text)):
        return False
    return any(split_key(key)[1] for key in keys_of(fold_reading(to_katakana(text)) + SEPARATOR))


def loose_alternatives(text: str, keys_of: Callable[[str], Iterable[str]]) -> list[str]:
    """The loose key of a query word written all in katakana (:func:`search.analysis.kana.loose_key`,
    the key :func:`search.analysis.readings.katakana_run_keys` files each katakana run under) when
    the index holds it and it is not the word's only spelling there; ``[]`` otherwise.

    ``インタフェース`` → ``["~インタヘス"]``, which finds インターフェース and インターフェイス.
    """
    katakana = to_katakana(normalize_query(text))
    if not is_katakana_word(katakana) or native_word(text, keys_of):
        return []
    key = loose_key(katakana)
    return [key] if key and key in keys_of(key) else []


def longer_loanwords(text: str, keys_of: Callable[[str], Iterable[str]]) -> list[str]:
    """Loose keys of the index's katakana words that are a katakana query word plus one kana
    (サーバ → サーバル, インタビュー → インタビュアー): other words, which the query's character
    n-grams would find inside them; the searcher keeps its fragments out of those words. Only for
    a query word that is a word of the index itself: one that is not is half a word, and the longer
    word is the one it stands for (インスト → インストール, whose loose key drops the ー).
    """
    katakana = to_katakana(normalize_query(text))
    if not is_katakana_word(katakana):
        return []
    key = loose_key(katakana)
    if not key or key not in keys_of(key):
        return []
    return [k for k in keys_of(key) if len(k.replace("ー", "")) == len(key.replace("ー", "")) + 1]


def counts_in_kanji(morphemes: list[Morpheme]) -> bool:
    """True if the word holds a counted number written in kanji (第十一回): its own terms and
    n-grams would also match inside a longer number (一回 in 第十一回), so only its number key
    should."""
    return any(not morphemes[first + (morphemes[first].surface == "第")].surface.isdigit()
               for first, _, _ in number_keys(morphemes))


def _segments(keys: list[str], units: list[tuple[Morpheme, str]]) -> list[tuple[list[str], list[int]]]:
    """``keys`` (one per unit) cut into runs that keep their relative positions: a number key
    starts a run of its own, since the words before it are a different number of positions away
    in digits and in kanji (the words after it are not: the key stands at the counter's position)."""
    segments: list[tuple[list[str], list[int]]] = []
    run: list[tuple[str, int]] = []
    for key, (morpheme, number) in zip(keys, units):
        if number and run:
            segments.append(([k for k, _ in run], [p - run[0][1] for _, p in run]))
            run = []
        run.append((key, morpheme.position))
    if run:
        segments.append(([k for k, _ in run], [p - run[0][1] for _, p in run]))
    return segments


def _joined_keys(morphemes: list[Morpheme], keys_of: Callable[[str], Iterable[str]]) -> list[str]:
    """Keys of words the index holds as one morpheme where the query word was cut in several
    (勿体無い is 勿体 + 無い to Janome, もったいない one word): the readings of the pieces joined
    (the last one's in dictionary form), with the whole word's kanji."""
    if len(morphemes) < 2 or any(m.is_stop for m in morphemes):
        return []
    last = spelling_key(morphemes[-1])
    written = [spelling_key(m, as_written=True) for m in morphemes[:-1]]
    if not last or not all(written):
        return []
    reading = "".join(split_key(key)[0] for key in written) + split_key(last)[0]
    kanji = "".join(skeleton(m.surface) for m in morphemes)
    return [key for key in keys_of(reading + SEPARATOR) if compatible(kanji, split_key(key)[1])][:MAX_SPELLINGS_PER_TERM]
