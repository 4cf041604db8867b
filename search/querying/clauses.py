"""A query word's clause: the Whoosh queries that match one word of a query, as whole words, as
adjacent n-gram fragments, by reading and by its other spellings (:class:`WordClause`,
:func:`build_clause`).

What to match comes from the query-side analysis (:mod:`search.analysis.query_analysis`, the
mirror of the index's analyzers): the word's Janome morphemes with the index's user dictionary,
its character bigrams, for a word in kana the readings of the index it can be cut into
(:class:`ReadingLexicon`), and the spelling and number keys of the index that spell the same word
(:func:`search.analysis.query_analysis.spelling_alternatives`). This module only builds queries:
whole words weigh most, fragments :data:`FRAGMENT_WEIGHT`, readings :data:`READING_WEIGHT`, other
spellings :data:`SPELLING_WEIGHT`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Callable

from whoosh import query as wq

from search.querying.nodes import AdjacentChoices, AdjacentTerms
from search.analysis.ngrams import is_kana, ngrams
from search.analysis.analyzers import query_terms, unique
from search.analysis.query_analysis import (conjunction_reading, counts_in_kanji, is_kana_text, kana_word,
                                            longer_loanwords, loose_alternatives, spelled_apart,
                                            spelling_alternatives, without_spaces_beside_cjk, word_morphemes)
from search.analysis.spellings import one_word, spelling_key
from search.analysis.readings import reading_segmentations
from search.querying.nodes import Alternatives
from search.querying.highlight import Pattern
from search.analysis.kana import has_loanword_spelling
from search.analysis.normalize import kanji_spellings, normalize_query, to_katakana
from search.querying.parser import Word
from search.indexing.schema import (NGRAM_FIELDS, READING_FIELDS, WORD_FIELDS)


#: Weight of a match by n-gram fragments relative to a match by whole words.
FRAGMENT_WEIGHT = 0.4

#: Weight of a match by reading relative to a match by whole words.
READING_WEIGHT = 0.2

#: Weight of a match by another spelling of the word (spelling keys in the reading fields)
#: relative to the word as typed; the fields weigh as the word fields they mirror.
SPELLING_WEIGHT = 0.8
SPELLING_FIELDS = {"title_reading": WORD_FIELDS["title"] * SPELLING_WEIGHT,
                   "anchors_reading": WORD_FIELDS["anchors"] * SPELLING_WEIGHT,
                   "body_reading": WORD_FIELDS["body"] * SPELLING_WEIGHT}


#: Weight of a katakana word's match by its loose key (another spelling of the loanword,
#: :func:`search.analysis.kana.loose_key`) relative to a match by another spelling.
LOOSE_WEIGHT = 0.75

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
    spellings: wq.Query | None = None   # the word's other spellings in the index (spelling keys)
    loose: wq.Query | None = None       # a katakana word's spellings by its loose key
    patterns: list[Pattern] = field(default_factory=list)
    analysis: dict = field(default_factory=dict)
    alternatives: list["WordClause"] = field(default_factory=list)  # synonyms and variants
    segmentations: list[list[str]] = field(default_factory=list)  # a kana word read as index words
    weight: float = 1.0  # of a variant's matches, relative to the word as typed
    unambiguous: bool = False  # a kana word's spellings all spell one word (できる: 出来る only)
    respelling: bool = False  # a variant that is the same word spelled otherwise (not a synonym)

    def query(self, *, fragments: bool = True, readings: bool = True, kana_spellings: bool = True) -> wq.Query | None:
        """The word's ways of matching, ORed: as typed, as fragments (``fragments``), by reading
        (``readings``), by its other spellings and its variants'. A kana word's spellings are
        matched with its readings, or without them while ``kana_spellings`` when they spell one
        word only (:attr:`unambiguous`)."""
        ways = [self.words, self.fragments if fragments else None, self.readings if readings else None]
        ways = [w for w in ways if w is not None]
        parts = [ways[0] if len(ways) == 1 else or_query(ways, kind=Alternatives)] if ways else []
        first = parts[0] if parts else None
        if self.spellings is not None and (readings or (self.unambiguous and kana_spellings)
                                           or not is_kana_text(self.word.text)):
            # A kana word's spellings are by reading (found with readings, as its readings are),
            # unless the index spells its reading with one word's kanji only (しらべる: 調べる).
            # Only for the posts that lack the word as typed, which its own ways score already
            # (a reading is not the word as typed: 試す scores as ためす's spelling, not as a reading).
            typed = [w for w in ways if w is not self.readings]
            own = (typed[0] if len(typed) == 1 else or_query(typed, kind=Alternatives)) if typed else None
            parts.append(wq.AndNot(self.spellings, own) if own is not None else self.spellings)
        if self.loose is not None:  # a loanword's other spellings: precise enough for every step
            parts.append(wq.AndNot(self.loose, first) if first is not None else self.loose)
        for alt in self.alternatives:
            query = alt.query(fragments=fragments, readings=readings, kana_spellings=kana_spellings)
            if query is not None and alt.weight != 1.0:
                query = or_query([query], boost=alt.weight)
            if query is not None and alt.respelling and first is not None:
                # The same word spelled otherwise scores the posts without it as typed; a post
                # that holds both (java-jwt, filed as javajwt too) is not counted twice.
                query = wq.AndNot(query, first)
            parts.append(query)
        parts = [p for p in parts if p is not None]
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else or_query(parts)


def build_clause(word: Word, *, readings: bool = True, dictionary: str | None = None,
                 lexicon: Callable[[str], bool] | None = None) -> WordClause:
    """Whoosh queries for one query word (see the module docstring).

    :param dictionary: the index's user dictionary, so the query is segmented as posts were.
    :param lexicon: whether a folded katakana reading is a term of the index's reading fields
        (:func:`reading_lexicon`), to read a kana word as words; None: the word is one reading.
    """
    clause = WordClause(word)
    keys_of = getattr(lexicon, "spelling_keys", None)
    spelling_keys: list[list[str]] = []
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
    conjunction = conjunction_reading(word.text, dictionary) if not terms else ""
    if not terms and not conjunction and not (kana and len(word.text) >= 3):
        clause.analysis = {"text": word.text, "ignored": "only particles, symbols or stop words"}
        return clause  # only particles/symbols: matches nothing, and does not make the query fail
    word_fields = {"title": WORD_FIELDS["title"]} if title_only else WORD_FIELDS
    ngram_fields = {"title_ngram": NGRAM_FIELDS["title_ngram"]} if title_only else NGRAM_FIELDS
    if terms and not word.phrase:
        ways = []
        for spelling, checked in [(morphemes, False), (spelled_apart(morphemes), True)]:
            if not spelling:
                continue
            texts, offsets = [m.term for m in spelling], [m.position for m in spelling]
            ways += [_phrase(f, texts, offsets, w / len(texts), checked) for f, w in word_fields.items()]
            clause.patterns += [Pattern(f, tuple(texts), tuple(offsets)) for f in ("title", "body", "tags_text")]
        clause.words = or_query(ways)
    if terms and not word.phrase and keys_of is not None:
        others = spelling_alternatives(morphemes, keys_of)
        whole = kana_word(word.text, dictionary) if kana else []
        if whole and [m.term for m in whole] != terms:
            others += [o for o in spelling_alternatives(whole, keys_of) if o not in others]
        fields = {f: w for f, w in SPELLING_FIELDS.items() if not title_only or f == "title_reading"}
        ways = []
        queried = [o for o in others if not _the_word_itself(o, morphemes, lexicon)]
        for segments in queried:
            count = sum(len(keys) for keys, _ in segments)
            for f, w in fields.items():
                parts = [_phrase(f, keys, offsets, w / count) for keys, offsets in segments]
                ways.append(parts[0] if len(parts) == 1 else wq.And(parts))
        clause.spellings = or_query(ways) if ways else None
        clause.patterns += [Pattern(f, tuple(keys), tuple(offsets)) for segments in queried
                            for keys, offsets in segments for f in ("title_reading", "body_reading")]
        spelling_keys = [[key for keys, _ in segments for key in keys] for segments in others]
        clause.unambiguous = kana and one_word(key for keys in spelling_keys for key in keys)
        loose = loose_alternatives(word.text, keys_of)
        if loose:
            clause.loose = or_query([wq.Term(f, key, boost=w * LOOSE_WEIGHT) for key in loose for f, w in fields.items()])
            clause.patterns += [Pattern(f, (key,)) for key in loose for f in ("title_reading", "body_reading")]
            spelling_keys += [loose]
    if grams:
        gram_texts = [g.text for g in grams]
        if len(grams) == 1 and len(gram_texts[0]) == 1 and is_kana(gram_texts[0]):
            clause.fragments = or_query([wq.Prefix(f, gram_texts[0], boost=FRAGMENT_WEIGHT * w) for f, w in ngram_fields.items()])
            clause.patterns += [Pattern(f, (gram_texts[0],), prefix=True) for f in ("title_ngram", "body_ngram")]
        else:
            spellings = [grams]
            joined = ngrams(without_spaces_beside_cjk(word.text), query=True) if word.phrase else []
            if [(g.text, g.position) for g in joined] != [(g.text, g.position) for g in grams] and joined:
                spellings.append(joined)  # "猫 カフェ" also as 猫カフェ (生成 AI is 生成AI already)
            ways = []
            for spelling in spellings if clause.words is None else [s for s in spellings if not _gap_between_ascii(s)]:
                texts, offsets = [g.text for g in spelling], [g.position for g in spelling]
                boost = FRAGMENT_WEIGHT / len(spelling)
                ways += [_phrase(f, texts, offsets, boost * w) for f, w in ngram_fields.items()]
                clause.patterns += [Pattern(f, tuple(texts), tuple(offsets)) for f in ("title_ngram", "body_ngram")]
            clause.fragments = or_query(ways)
    longer = longer_loanwords(word.text, keys_of) if keys_of is not None and clause.fragments is not None else []
    if longer:  # サーバ's fragments are inside サーバル, another word
        clause.fragments = wq.AndNot(clause.fragments, or_query([wq.Term(f, key) for key in longer for f in READING_FIELDS]))
    if clause.spellings is not None and counts_in_kanji(morphemes):
        clause.words = clause.fragments = None  # the number key alone is exact (一回 is not in 十一回)
    segmentations: list[list[str]] = []
    if (readings and kana and not title_only and not word.phrase and len(word.text) >= 2
            and not has_loanword_spelling(to_katakana(normalize_query(word.text)))):  # no kanji to read as
        segmentations = reading_segmentations(word.text, lexicon or (lambda _: True))
        ways = [_phrase(f, pieces, list(range(len(pieces))), READING_WEIGHT / len(pieces) * w)
                for pieces in segmentations for f, w in READING_FIELDS.items()]
        clause.readings = or_query(ways) if ways else None
        clause.segmentations = segmentations
        clause.patterns += [Pattern(f, tuple(pieces)) for pieces in segmentations for f in READING_FIELDS]
    if readings and conjunction and not title_only and not word.phrase:
        clause.readings = or_query([wq.Term(f, conjunction, boost=READING_WEIGHT * w) for f, w in READING_FIELDS.items()])
        clause.patterns += [Pattern(f, (conjunction,)) for f in READING_FIELDS]
    clause.analysis = {
        "text": word.text,
        **({"field": word.field} if word.field else {}),
        **({"phrase": True} if word.phrase else {}),
        "terms": {"word": terms if not word.phrase else [], "ngram": [g.text for g in grams],
                  **({"reading": segmentations} if segmentations else {}),
                  **({"spelling": spelling_keys} if spelling_keys else {})},
    }
    return clause


def _gap_between_ascii(grams) -> bool:
    """Whether two Latin or digit grams stand apart (a separator the n-gram fields do not index
    between them: ``9.1``, ``3.2.5``). Such a phrase matches whatever fills the gap in a post
    (9月1日, 3と2と5), so the word is left to the word fields, which hold it whole."""
    return any(b.position - a.position > 1 and a.text.isascii() and b.text.isascii()
               and a.text.isalnum() and b.text.isalnum() for a, b in zip(grams, grams[1:]))


def _the_word_itself(segments: list[tuple[list[str], list[int]]], morphemes, lexicon) -> bool:
    """Whether a spelling is the word's own keys and each is filed only with its word
    (:meth:`ReadingLexicon.filed_with`): it matches the posts the word matches, no other."""
    keys = [key for keys, _ in segments for key in keys]
    return (hasattr(lexicon, "filed_with") and len(keys) == len(morphemes)
            and all(key == spelling_key(m) and lexicon.filed_with(key, m.term) for key, m in zip(keys, morphemes)))


#: Most combinations of an :class:`AdjacentChoices` marked by their own highlight patterns.
MAX_PATTERN_COMBINATIONS = 16


def one_phrase(alternatives: list[WordClause]) -> WordClause | None:
    """The alternatives (other spellings of one word, each matched only as words: the
    translations of a loanword piece by piece) as one clause whose phrase has, per field and
    position, every alternative's term there (:class:`AdjacentChoices`); None when they differ
    in shape (fields, lengths, offsets, weights) or match in other ways too. It also matches the
    combinations none of them spelled (ロードマップ's ``load map`` and ``road マップ`` give ``road
    map``), as each position is spelled independently.
    """
    if len(alternatives) < 2:
        return None
    shapes = []
    for alt in alternatives:
        ways = [alt.fragments, alt.readings, alt.spellings, alt.loose]
        if alt.words is None or any(w is not None for w in ways) or alt.alternatives or not alt.respelling:
            return None
        phrases = getattr(alt.words, "subqueries", [alt.words])
        if not all(type(q) is AdjacentTerms and not q.checked and len(q.words) > 1 for q in phrases):
            return None
        shapes.append({(q.fieldname, q.offsets, q.boost): q.words for q in phrases})
    first = shapes[0]
    if any(shape.keys() != first.keys() for shape in shapes) or len({alt.weight for alt in alternatives}) > 1:
        return None
    nodes = []
    for key in first:
        fieldname, offsets, boost = key
        choices = [unique(shape[key][i] for shape in shapes) for i in range(len(offsets))]
        nodes.append(AdjacentChoices(fieldname, choices, offsets, boost=boost))
    combinations = 1
    for terms in nodes[0].choices:
        combinations *= len(terms)
    patterns = [p for alt in alternatives for p in alt.patterns]
    if combinations <= MAX_PATTERN_COMBINATIONS:
        fields = unique(p.field for p in patterns)
        patterns = [Pattern(f, tuple(words), nodes[0].offsets) for words in itertools.product(*nodes[0].choices)
                    for f in fields]
    return WordClause(alternatives[0].word, words=or_query(nodes), patterns=patterns, analysis=alternatives[0].analysis,
                      weight=alternatives[0].weight, respelling=True)


def reading_pieces(clause: WordClause) -> list[str]:
    """The words a kana query word reads as (its first segmentation), one-kana pieces (particles,
    mostly) left out; [] for any other word."""
    if not clause.segmentations or clause.word.field is not None:
        return []
    return unique(piece for piece in clause.segmentations[0] if len(piece) > 1)

