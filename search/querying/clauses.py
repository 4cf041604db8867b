"""A query word's clause: the Whoosh queries that match one word of a query, as whole words, as
adjacent n-gram fragments and by reading (:class:`WordClause`, :func:`build_clause`).

The terms come from the same analyzers as the index's (:mod:`search.analysis.analyzers`): the word's
Janome morphemes (:func:`word_morphemes`, with the index's user dictionary), its character bigrams
and, for a word in kana, the readings of the index it can be cut into
(:class:`ReadingLexicon`). Whole words weigh most, fragments :data:`FRAGMENT_WEIGHT`, readings
:data:`READING_WEIGHT`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable

from whoosh import query as wq

from search.querying.nodes import AdjacentTerms
from search.analysis.morphemes import NAME_POS, Morpheme
from search.analysis.symbols import name_parts
from search.analysis.ngrams import is_cjk, is_kana, ngrams
from search.analysis.analyzers import query_terms, unique
from search.analysis.readings import reading_segmentations
from search.analysis.romaji import romaji_alternatives
from search.analysis.dictionary import USER_POS
from search.querying.nodes import Alternatives
from search.querying.highlight import Pattern
from search.analysis.normalize import kanji_spellings, normalize_query, to_katakana
from search.querying.postings import field_lexicon
from search.querying.parser import Word
from search.indexing.schema import (LEXICON_FIELDS, NGRAM_FIELDS, READING_FIELDS, WORD_FIELDS)


#: Weight of a match by n-gram fragments relative to a match by whole words.
FRAGMENT_WEIGHT = 0.4

#: Weight of a match by reading relative to a match by whole words.
READING_WEIGHT = 0.2

#: Weight of a Latin word's match by a reading it is romaji for (``sushi`` finding 寿司), below
#: any post holding the Latin word itself.
ROMAJI_WEIGHT = 0.2

#: A Latin word is read as romaji only while fewer posts than this hold it as written: a word the
#: site writes often (``URI``, ``Time``) is the site's own word, not romaji typed by mistake.
ROMAJI_BELOW_POSTS = 10


def first_segmentation(morphemes: list[Morpheme]) -> list[Morpheme]:
    """Drop the pieces a user-dictionary word brings along: a query matches the whole word,
    which the index holds at that position too."""
    return [m for m in morphemes if not m.piece]


def is_kana_text(text: str) -> bool:
    kana = to_katakana(text)
    return bool(kana) and all("\u30a1" <= c <= "\u30fe" or c == "ー" for c in kana)


def or_query(parts: list[wq.Query], boost: float = 1.0, kind: type = wq.Or) -> wq.Query:
    """``Or`` that always uses Whoosh's union matcher: its "preloaded" array matcher, which Whoosh
    picks for indexes under 5,000 documents, scores wrongly when nested inside another ``Or``
    (measured: JSQuAD MRR@10 fell from 0.86 to 0.32)."""
    query = kind(parts, boost=boost)
    query.matcher_type = wq.Or.DEFAULT_MATCHER
    return query


def _phrase(fieldname: str, terms: list[str], positions: list[int], boost: float, checked: bool = False) -> wq.Query:
    if len(terms) == 1:
        return wq.Term(fieldname, terms[0], boost=boost)
    return AdjacentTerms(fieldname, terms, positions, boost=boost, checked=checked)


@dataclass
class WordClause:
    """The Whoosh queries and highlight patterns of one query word."""

    word: Word
    words: wq.Query | None = None       # matched as whole words
    fragments: wq.Query | None = None   # matched as adjacent n-grams
    readings: wq.Query | None = None    # matched by reading
    patterns: list[Pattern] = field(default_factory=list)
    analysis: dict = field(default_factory=dict)
    alternatives: list["WordClause"] = field(default_factory=list)  # synonyms
    segmentations: list[list[str]] = field(default_factory=list)  # a kana word read as index words

    def query(self, *, fragments: bool = True, readings: bool = True) -> wq.Query | None:
        ways = [self.words, self.fragments if fragments else None, self.readings if readings else None]
        ways = [w for w in ways if w is not None]
        parts = [ways[0] if len(ways) == 1 else or_query(ways, kind=Alternatives)] if ways else []
        parts += [alt.query(fragments=fragments, readings=readings) for alt in self.alternatives]
        parts = [p for p in parts if p is not None]
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else or_query(parts)


def _without_spaces_beside_cjk(text: str) -> str:
    """``text`` without the spaces next to a kana or kanji: Japanese is written without them, so
    a phrase typed ``"生成 AI"`` or ``"猫 カフェ"`` is also looked for as 生成AI, 猫カフェ."""
    return "".join(char for i, char in enumerate(text)
                   if not (char.isspace() and ((i > 0 and is_cjk(text[i - 1])) or (i + 1 < len(text) and is_cjk(text[i + 1])))))


def _spelled_apart(morphemes: list[Morpheme]) -> list[Morpheme] | None:
    """The query word's morphemes with each user-dictionary word cut as the system dictionary cuts
    it, at consecutive positions, so ``生成AI`` also finds a post that writes ``生成 AI`` (Janome
    sees the user word only where its characters stand together), and each name of
    :mod:`search.analysis.symbols` cut into its parts (``CI/CD`` also finds ``CI / CD``:
    :func:`~search.analysis.symbols.name_parts`); None if nothing was cut."""
    apart: list[Morpheme] = []
    shift = 0
    for morpheme in morphemes:
        if morpheme.pos == NAME_POS:
            parts = [replace(morpheme, surface=part, base_form=part, pos="名詞", position=k)
                     for k, part in enumerate(name_parts(morpheme.surface))]
        else:
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


class ReadingLexicon:
    """The reading terms of an index's reading fields, for reading kana queries.

    Called with a folded katakana reading, tells whether the index holds it (answers are
    remembered for the life of the object); :meth:`completions` lists the readings a few kana
    typed may be the start of. The fields of :data:`LEXICON_FIELDS` are asked in memory
    (:func:`search.querying.postings.field_lexicon`), so a reading that is no term costs one lookup in the
    term table, not one a field.

    :param reader: a Whoosh index reader, open while this is used.
    """

    def __init__(self, reader) -> None:
        self._reader = reader
        self._fields = [f for f in READING_FIELDS if f in reader.schema]
        self._kept = [field_lexicon(reader, f) for f in self._fields if f in LEXICON_FIELDS]
        self._looked_up = [f for f in self._fields if f not in LEXICON_FIELDS]
        self._known: dict[str, bool] = {}

    def __call__(self, term: str) -> bool:
        known = self._known.get(term)
        if known is None:
            btext = term.encode("utf-8")
            known = self._known[term] = (any(btext in lexicon for lexicon in self._kept)
                                         or any((f, btext) in self._reader for f in self._looked_up))
        return known

    def word_posts(self, term: str) -> int:
        """How many posts hold ``term`` (folded) in the body or the title word field, at most."""
        return max((self._reader.doc_frequency(f, term) for f in ("body", "title") if f in self._reader.schema),
                   default=0)

    def completions(self, prefix: str, limit: int) -> list[str]:
        """Readings longer than ``prefix`` (folded katakana) that start with it, those of the most
        posts first (document frequencies summed over the reading fields), at most ``limit``;
        reads the terms in that range of the term index once per field."""
        posts: dict[str, int] = {}
        for fieldname in self._fields:
            for btext in self._reader.expand_prefix(fieldname, prefix):
                term = btext.decode("utf-8")
                if len(term) > len(prefix):
                    posts[term] = posts.get(term, 0) + self._reader.doc_frequency(fieldname, btext)
        return sorted(posts, key=lambda term: (-posts[term], term))[:limit]


def reading_lexicon(reader) -> ReadingLexicon:
    """The :class:`ReadingLexicon` of ``reader``'s reading fields."""
    return ReadingLexicon(reader)


def build_clause(word: Word, *, readings: bool = True, dictionary: str | None = None,
                 lexicon: Callable[[str], bool] | None = None) -> WordClause:
    """Whoosh queries for one query word (see the module docstring).

    :param dictionary: the index's user dictionary, so the query is segmented as posts were.
    :param lexicon: whether a folded katakana reading is a term of the index's reading fields
        (:func:`reading_lexicon`), to read a kana word as words; None: the word is one reading.
    """
    clause = WordClause(word)
    if word.field in ("tag", "category", "author"):
        value = word.text
        if word.field == "author":  # kept as written (髙橋) while the query is folded (高橋)
            spellings = [wq.Term("author", spelling) for spelling in kanji_spellings(value)]
            clause.words = spellings[0] if len(spellings) == 1 else or_query(spellings)
        else:
            clause.words = or_query([wq.Term(word.field, value), wq.Term(word.field, value.casefold()),
                                wq.Term(word.field, value.upper())])
        if word.field in ("tag", "category"):
            terms = [m.term for m in query_terms(value, dictionary)]
            if terms:
                positions = [m.position for m in query_terms(value, dictionary)]
                clause.words = or_query([clause.words, _phrase("tags_text", terms, positions, 1.0)])
        clause.analysis = {"text": value, "field": word.field}
        return clause
    title_only = word.field == "title"
    morphemes = word_morphemes(word.text, dictionary)
    grams = ngrams(word.text, query=True)
    kana = is_kana_text(word.text)
    terms = [m.term for m in morphemes]
    positions = [m.position for m in morphemes]
    if not terms and not (kana and len(word.text) >= 3):
        clause.analysis = {"text": word.text, "ignored": "only particles, symbols or stop words"}
        return clause  # only particles/symbols: matches nothing, and does not make the query fail
    word_fields = {"title": WORD_FIELDS["title"]} if title_only else WORD_FIELDS
    ngram_fields = {"title_ngram": NGRAM_FIELDS["title_ngram"]} if title_only else NGRAM_FIELDS
    if terms and not word.phrase:
        ways = []
        for spelling, checked in [(morphemes, False), (_spelled_apart(morphemes), True)]:
            if not spelling:
                continue
            texts, offsets = [m.term for m in spelling], [m.position for m in spelling]
            ways += [_phrase(f, texts, offsets, w / len(texts), checked) for f, w in word_fields.items()]
            clause.patterns += [Pattern(f, tuple(texts), tuple(offsets)) for f in ("title", "body", "tags_text")]
        clause.words = or_query(ways)
    if grams:
        gram_texts = [g.text for g in grams]
        if len(grams) == 1 and len(gram_texts[0]) == 1 and is_kana(gram_texts[0]):
            clause.fragments = or_query([wq.Prefix(f, gram_texts[0], boost=FRAGMENT_WEIGHT * w) for f, w in ngram_fields.items()])
            clause.patterns += [Pattern(f, (gram_texts[0],), prefix=True) for f in ("title_ngram", "body_ngram")]
        else:
            spellings = [grams]
            joined = ngrams(_without_spaces_beside_cjk(word.text), query=True) if word.phrase else []
            if [(g.text, g.position) for g in joined] != [(g.text, g.position) for g in grams] and joined:
                spellings.append(joined)  # "猫 カフェ" also as 猫カフェ (生成 AI is 生成AI already)
            ways = []
            for spelling in spellings:
                texts, offsets = [g.text for g in spelling], [g.position for g in spelling]
                boost = FRAGMENT_WEIGHT / len(spelling)
                ways += [_phrase(f, texts, offsets, boost * w) for f, w in ngram_fields.items()]
                clause.patterns += [Pattern(f, tuple(texts), tuple(offsets)) for f in ("title_ngram", "body_ngram")]
            clause.fragments = or_query(ways)
    segmentations: list[list[str]] = []
    if readings and kana and not title_only and not word.phrase and len(word.text) >= 2:
        segmentations = reading_segmentations(word.text, lexicon or (lambda _: True))
        ways = [_phrase(f, pieces, list(range(len(pieces))), READING_WEIGHT / len(pieces) * w)
                for pieces in segmentations for f, w in READING_FIELDS.items()]
        clause.readings = or_query(ways) if ways else None
        clause.segmentations = segmentations
        clause.patterns += [Pattern(f, tuple(pieces)) for pieces in segmentations for f in READING_FIELDS]
    romaji: list[str] = []
    if (readings and isinstance(lexicon, ReadingLexicon) and not kana and not title_only and not word.phrase
            and len(terms) == 1 and lexicon.word_posts(terms[0]) < ROMAJI_BELOW_POSTS):
        romaji = romaji_alternatives(word.text, lexicon)
        if romaji:
            clause.readings = or_query([wq.Term(f, reading, boost=ROMAJI_WEIGHT * w)
                                        for reading in romaji for f, w in READING_FIELDS.items()])
            clause.patterns += [Pattern(f, (reading,)) for reading in romaji for f in READING_FIELDS]
    clause.analysis = {
        "text": word.text,
        **({"field": word.field} if word.field else {}),
        **({"phrase": True} if word.phrase else {}),
        "terms": {"word": terms if not word.phrase else [], "ngram": [g.text for g in grams],
                  **({"reading": segmentations} if segmentations else {}),
                  **({"romaji": romaji} if romaji else {})},
    }
    return clause


def reading_pieces(clause: WordClause) -> list[str]:
    """The words a kana query word reads as (its first segmentation), one-kana pieces (particles,
    mostly) left out; [] for any other word."""
    if not clause.segmentations or clause.word.field is not None:
        return []
    return unique(piece for piece in clause.segmentations[0] if len(piece) > 1)

