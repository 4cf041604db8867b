"""Searching: a query string → ranked, highlighted hits, with match escalation.

Data flow: ``q`` --:func:`search.queries.parse_query`--> query tree --:class:`QueryPlan`-->
Whoosh queries, one per escalation step --:mod:`search.evaluation`--> :class:`Hit` list in a
:class:`ResultPage`.

Each query word matches a post when its terms stand next to each other in a word field (Janome
terms: ``投資した`` finds ``投資する``), *or* its character bigrams stand next to each other in an
n-gram field (``キャプチャ`` inside ``キャプチャツール``, ``東京都`` inside ``東京都庁``), *or* — for a
word in kana — its reading matches (``とうし`` → 投資), as one word's reading or several words' in
a row (``とうきょうと`` → 東京 都). Word matches weigh most, fragments less,
readings least (BM25F, Robertson & Zaragoza 2009, title weighted). Escalation, reported as
``match_mode``:

1. ``exact`` / ``fragment`` / ``reading`` — every word matched (AND); the mode names the weakest
   kind of match any hit needed. Readings are consulted only when a kana query's spelling found
   fewer than :data:`READING_STEP_BELOW` posts (matching by reading is the costly step);
2. ``relaxed`` — nothing matched every word: the content words of the whole query are ORed and
   ranked, so a question typed as a sentence still finds its post (best-matching first);
3. ``reading`` — a single kana word that matched nothing, read as the start of a longer word
   (``とうきょ`` → 東京: half a word typed before converting it), like a completion;
4. ``none`` — nothing at all.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Callable

from whoosh import query as wq

from search.adjacency import AdjacentTerms
from search.analysis import Morpheme, is_cjk, is_kana, ngrams, query_terms, reading_segmentations, unique
from search.dictionary import USER_POS
from search.errors import QueryError, QueryErrorReason
from search.evaluation import Alternatives, CoordinatedOr, Evaluator, Matches, SearchCache, evaluator_for
from search.facets import Filters, facet_counts
from search.highlight import Pattern, load_occurrences, make_snippet, mark_html, match_spans, merge_spans
from search.index import SearchIndex
from search.normalize import fold_term, kanji_spellings, normalize_query, to_katakana
from search.postings import field_lexicon
from search.queries import And, Node, Not, Or, Word, parse_query, words_of
from search.synonyms import Synonyms
from search.schema import (LEXICON_FIELDS, NGRAM_FIELDS, READING_FIELDS, SNIPPET_FIELD, SNIPPET_SOURCE_FIELDS,
                           TITLE_SOURCE_FIELDS, WORD_FIELDS, stored_date)

#: Largest page size a caller may ask for.
MAX_PER_PAGE = 50
#: Largest 1-based page number a caller may ask for.
MAX_PAGE = 1000
#: Weight of a match by n-gram fragments relative to a match by whole words.
FRAGMENT_WEIGHT = 0.4
#: Weight of a match by reading relative to a match by whole words.
READING_WEIGHT = 0.2
#: A plain query (no operators) of at least FILL_MIN_WORDS words typed apart, or as many content
#: terms other than numbers typed together, that matched fewer than FILL_BELOW posts word for word
#: is followed by the posts with most of its words (a title typed whole, where the post meant may
#: word one of them differently). Known-item MRR@10 (``bench/relevance``, titles withheld), words
#: typed apart only -> typed together too: mamezou 0.543 -> 0.617, ruby-lang 0.806 -> 0.811.
FILL_BELOW = 10
FILL_MIN_WORDS = 3
#: A kana query is also matched by reading when its spelling alone matched fewer posts than this.
READING_STEP_BELOW = 10
#: A kana word that matched nothing is read as the start of a longer word from this many kana on
#: (:meth:`QueryPlan.reading_prefix`), as half a word typed before the input method converted it;
#: fewer kana begin too many words (きょう: 共有, 競争, …) to guess which one was meant.
READING_PREFIX_MIN_CHARS = 4
#: Most readings such a start stands for.
MAX_READING_COMPLETIONS = 8


@dataclass(frozen=True)
class RelaxedWeights:
    """How a relaxed (ranked OR) query scores a post besides its words' BM25F.

    :ivar grams: weight of the query's character bigrams (0: left out).
    :ivar coordination: power of the share of the query's words a post has, scaling its score
        (0: off).
    :ivar pairs: weight of two query words found next to each other, as in the query.
    """

    grams: float
    coordination: float
    pairs: float


#: Relaxed step weights, chosen on the first 600 JSQuAD questions (``bench/relevance``):
#: MRR@10 0.893 -> 0.933 with the steps in README "Which design choices moved which number".
RELAXED = RelaxedWeights(grams=1.5, coordination=1.0, pairs=2.0)
#: A long query with fewer than FILL_BELOW exact hits and at least TOPICAL_MIN_TERMS content terms
#: (numbers aside) ranks its exact hits among the other posts by TOPICAL weights: the few posts
#: holding a long title word for word are mostly other posts quoting or linking it, and they are
#: the ones that coordination and word pairs reward, while the post meant is the one most about
#: the words (BM25F and bigrams summed). Known-item MRR@10 (``bench/relevance``, titles withheld):
#: mamezou 0.617 -> 0.697, ruby-lang 0.811 -> 0.814; the first 600 JSQuAD questions unchanged.
TOPICAL = RelaxedWeights(grams=3.0, coordination=0.0, pairs=0.5)
TOPICAL_MIN_TERMS = 5
#: Terms a question is made of that say nothing about its topic (interrogatives, light verbs,
#: formal nouns); a relaxed query leaves them out. Folded forms, as in the index.
RELAXED_SKIP_TERMS = frozenset(fold_term(t) for t in (
    "何", "なに", "なん", "どこ", "誰", "だれ", "いつ", "どの", "どれ", "なぜ", "どう", "どんな", "いくつ", "どちら",
    "どうして", "いくら", "する", "ある", "いる", "なる", "ない", "いう", "こと", "もの", "の", "よう", "ため",
    "それ", "これ", "あれ", "その", "この", "とき",
    # auxiliary verbs and endings a sentence carries (れる of 開かれる, ます, た, …)
    "れる", "られる", "せる", "させる", "ます", "です", "た", "だ", "う", "よう", "たい", "ぬ", "ん", "てる"))
SORTS = {"relevance": None, "newest": ("date", True), "oldest": ("date", False)}


@dataclass(frozen=True)
class Hit:
    """One matching post, copied out of the searcher.

    :ivar date: timezone-aware, in the offset written in the post (as Jekyll shows it).
    :ivar score: BM25F score (higher is better; 0 when sorted by date).
    :ivar title_html: the title, HTML-escaped, matches in ``<mark>``.
    :ivar snippet_html: up to ``SNIPPET_MAX_CHARS`` characters of the body, HTML-escaped,
        matches in ``<mark>``.
    """

    post_id: str
    url: str
    title: str
    title_html: str
    date: datetime | None
    tags: tuple[str, ...]
    categories: tuple[str, ...]
    author: str
    excerpt: str
    score: float
    snippet_html: str

    def to_json(self) -> dict:
        """The hit as the JSON API returns it (``date`` in ISO 8601 with the post's own offset)."""
        return {
            "id": self.post_id,
            "url": self.url,
            "title": self.title,
            "title_html": self.title_html,
            "date": self.date.isoformat() if self.date else None,
            "tags": list(self.tags),
            "categories": list(self.categories),
            "author": self.author,
            "score": round(self.score, 4),
            "snippet_html": self.snippet_html,
        }


@dataclass(frozen=True)
class ResultPage:
    """One page of results for a query.

    :ivar page: 1-based page number; ``per_page`` hits per page; ``total`` hits in all.
    :ivar took_ms: time spent in :func:`search_posts`, milliseconds.
    :ivar match_mode: ``exact``, ``fragment``, ``reading``, ``relaxed`` or ``none``.
    :ivar query_analysis: how the query was understood (normalized text, terms per field).
    """

    q: str
    total: int
    page: int
    per_page: int
    took_ms: float
    match_mode: str
    hits: list[Hit]
    query_analysis: dict = field(default_factory=dict)
    sort: str = "relevance"
    facets: dict = field(default_factory=dict)
    filters: Filters = field(default_factory=Filters)

    @property
    def page_count(self) -> int:
        """Number of pages (0 when there are no hits)."""
        return (self.total + self.per_page - 1) // self.per_page

    def to_json(self) -> dict:
        """The page as the JSON API returns it."""
        return {
            "query": self.q,
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "page_count": self.page_count,
            "sort": self.sort,
            "took_ms": round(self.took_ms, 2),
            "match_mode": self.match_mode,
            "query_analysis": self.query_analysis,
            "filters": self.filters.to_json(),
            "facets": self.facets,
            "hits": [hit.to_json() for hit in self.hits],
        }


def _first_segmentation(morphemes: list[Morpheme]) -> list[Morpheme]:
    """Drop the pieces a user-dictionary word brings along: a query matches the whole word,
    which the index holds at that position too."""
    return [m for m in morphemes if not m.piece]


def _is_kana(text: str) -> bool:
    kana = to_katakana(text)
    return bool(kana) and all("\u30a1" <= c <= "\u30fe" or c == "ー" for c in kana)


def _or(parts: list[wq.Query], boost: float = 1.0, kind: type = wq.Or) -> wq.Query:
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
        parts = [ways[0] if len(ways) == 1 else _or(ways, kind=Alternatives)] if ways else []
        parts += [alt.query(fragments=fragments, readings=readings) for alt in self.alternatives]
        parts = [p for p in parts if p is not None]
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else _or(parts)


def _without_spaces_beside_cjk(text: str) -> str:
    """``text`` without the spaces next to a kana or kanji: Japanese is written without them, so
    a phrase typed ``"生成 AI"`` or ``"猫 カフェ"`` is also looked for as 生成AI, 猫カフェ."""
    return "".join(char for i, char in enumerate(text)
                   if not (char.isspace() and ((i > 0 and is_cjk(text[i - 1])) or (i + 1 < len(text) and is_cjk(text[i + 1])))))


def _spelled_apart(morphemes: list[Morpheme]) -> list[Morpheme] | None:
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
    morphemes: list[Morpheme] = _first_segmentation(query_terms(text, dictionary))
    if morphemes and _is_kana(text):
        katakana = to_katakana(normalize_query(text))
        morphemes = _first_segmentation(query_terms(katakana, dictionary)) or morphemes
    return morphemes


class ReadingLexicon:
    """The reading terms of an index's reading fields, for reading kana queries.

    Called with a folded katakana reading, tells whether the index holds it (answers are
    remembered for the life of the object); :meth:`completions` lists the readings a few kana
    typed may be the start of. The fields of :data:`LEXICON_FIELDS` are asked in memory
    (:func:`search.postings.field_lexicon`), so a reading that is no term costs one lookup in the
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
            clause.words = spellings[0] if len(spellings) == 1 else _or(spellings)
        else:
            clause.words = _or([wq.Term(word.field, value), wq.Term(word.field, value.casefold()),
                                wq.Term(word.field, value.upper())])
        if word.field in ("tag", "category"):
            terms = [m.term for m in query_terms(value, dictionary)]
            if terms:
                positions = [m.position for m in query_terms(value, dictionary)]
                clause.words = _or([clause.words, _phrase("tags_text", terms, positions, 1.0)])
        clause.analysis = {"text": value, "field": word.field}
        return clause
    title_only = word.field == "title"
    morphemes = word_morphemes(word.text, dictionary)
    grams = ngrams(word.text, query=True)
    kana = _is_kana(word.text)
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
        clause.words = _or(ways)
    if grams:
        gram_texts = [g.text for g in grams]
        if len(grams) == 1 and len(gram_texts[0]) == 1 and is_kana(gram_texts[0]):
            clause.fragments = _or([wq.Prefix(f, gram_texts[0], boost=FRAGMENT_WEIGHT * w) for f, w in ngram_fields.items()])
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
            clause.fragments = _or(ways)
    segmentations: list[list[str]] = []
    if readings and kana and not title_only and not word.phrase and len(word.text) >= 2:
        segmentations = reading_segmentations(word.text, lexicon or (lambda _: True))
        ways = [_phrase(f, pieces, list(range(len(pieces))), READING_WEIGHT / len(pieces) * w)
                for pieces in segmentations for f, w in READING_FIELDS.items()]
        clause.readings = _or(ways) if ways else None
        clause.segmentations = segmentations
        clause.patterns += [Pattern(f, tuple(pieces)) for pieces in segmentations for f in READING_FIELDS]
    clause.analysis = {
        "text": word.text,
        **({"field": word.field} if word.field else {}),
        **({"phrase": True} if word.phrase else {}),
        "terms": {"word": terms if not word.phrase else [], "ngram": [g.text for g in grams],
                  **({"reading": segmentations} if segmentations else {})},
    }
    return clause


@dataclass
class QueryPlan:
    """The Whoosh queries of every escalation step for one parsed query."""

    tree: Node | None
    clauses: dict[int, WordClause]
    normalized: str
    dictionary: str | None = None
    lexicon: ReadingLexicon | None = None

    @classmethod
    def from_string(cls, q: str, dictionary: str | None = None, synonyms: Synonyms | None = None,
                    lexicon: Callable[[str], bool] | None = None) -> "QueryPlan":
        """Parse ``q`` and build every word's clause, segmenting with the index's user dictionary
        and expanding words found in ``synonyms`` (quoted phrases and field values excepted);
        ``lexicon`` tells the index's readings (see :func:`build_clause`)."""
        tree = parse_query(q)
        if synonyms is not None:
            tree = _join_synonym_phrases(tree, synonyms)
        clauses = {}
        for group, word in enumerate(words_of(tree, negated=True)):
            clause = build_clause(word, dictionary=dictionary, lexicon=lexicon)
            if synonyms is not None and not word.phrase and word.field in (None, "title"):
                alternatives = synonyms.alternatives(word.text)
                clause.alternatives = [build_clause(Word(alt, field=word.field), dictionary=dictionary, lexicon=lexicon)
                                       for alt in alternatives]
                clause.patterns += [p for alt in clause.alternatives for p in alt.patterns]
                if alternatives:
                    clause.analysis["synonyms"] = list(alternatives)
            clause.patterns = [replace(p, group=group) for p in clause.patterns]
            clauses[id(word)] = clause
        return cls(tree, clauses, normalize_query(q), dictionary, lexicon if isinstance(lexicon, ReadingLexicon) else None)

    def strict(self, *, fragments: bool = True, readings: bool = True) -> wq.Query | None:
        """Every word must match (the query tree with AND/OR/NOT as written)."""
        return self._build(self.tree, fragments=fragments, readings=readings)

    def _build(self, node: Node | None, *, fragments: bool, readings: bool) -> wq.Query | None:
        if node is None:
            return None
        if isinstance(node, Word):
            return self.clauses[id(node)].query(fragments=fragments, readings=readings)
        if isinstance(node, Not):
            return None  # handled by the And/top level via exclusions()
        children = [c for c in node.children if not isinstance(c, Not)]
        built = [self._build(c, fragments=fragments, readings=readings) for c in children]
        built = [b for b in built if b is not None]
        if isinstance(node, Or):
            return _or(built) if len(built) > 1 else (built[0] if built else None)
        if not built:
            return None
        positive = wq.And(built) if len(built) > 1 else built[0]
        excluded = [self.clauses[id(w)].query(readings=False) for c in node.children if isinstance(c, Not)
                    for w in words_of(c.child)]
        excluded = [e for e in excluded if e is not None]
        if excluded:
            return wq.AndNot(positive, _or(excluded))
        return positive

    def exclusions(self) -> wq.Query | None:
        """Words the query excludes with ``-`` at its top level (kept in every step)."""
        if isinstance(self.tree, Not):
            nots = [self.tree]
        elif isinstance(self.tree, And):
            nots = [c for c in self.tree.children if isinstance(c, Not)]
        else:
            nots = []
        excluded = [self.clauses[id(w)].query(readings=False) for n in nots for w in words_of(n.child)]
        excluded = [e for e in excluded if e is not None]
        return _or(excluded) if excluded else None

    def relaxed(self, *, fragments: bool = True, weights: RelaxedWeights | None = None
                ) -> tuple[wq.Query | None, list[Pattern]]:
        """Any content word of the query, ranked (BM25F sums what matched).

        Each Janome term of each positive word counts as a whole word (BM25F across the word
        fields); two words that stood together count again where they do in a post
        (``weights.pairs``); with ``fragments``, every character bigram of the query counts too
        (``weights.grams``) — credit where a word is written or cut differently in the post; the
        sum is scaled by the share of the words a post has (``weights.coordination``), so most
        words beat one rare word.

        :param weights: :data:`RELAXED` unless given (:data:`TOPICAL` for a long query's fill).
        """
        weights = weights or RELAXED
        words: list[wq.Query] = []  # one per content word: the coordination factor counts them
        parts: list[wq.Query] = []
        patterns: list[Pattern] = []
        seen: set[str] = set()
        grams: dict[str, None] = {}
        for word in words_of(self.tree):
            pieces = _reading_pieces(self.clauses[id(word)]) if fragments else []
            if len(pieces) > 1:
                # A kana word read as several words (かいはつしゃかいぎ: 開発 者 会議): each counts
                # on its own, like the words of a word typed in kanji.
                clause = self.clauses[id(word)]
                words += [_or([wq.Term(f, piece, boost=READING_WEIGHT * w) for f, w in READING_FIELDS.items()])
                          for piece in pieces]
                whole = clause.query(fragments=True, readings=True)
                parts += [whole] if whole is not None else []  # the word as typed counts too
                patterns += clause.patterns
                continue
            if word.field in ("tag", "category", "author") or _is_kana(word.text):
                clause = self.clauses[id(word)]
                query = clause.query(fragments=fragments, readings=fragments)
                if query is not None:
                    words.append(query)
                    patterns += clause.patterns
                continue
            word_fields = {"title": WORD_FIELDS["title"]} if word.field == "title" else WORD_FIELDS
            content = [m for m in _first_segmentation(query_terms(word.text, self.dictionary))
                       if m.term not in RELAXED_SKIP_TERMS]
            for morpheme in content:
                if morpheme.term in seen:
                    continue
                seen.add(morpheme.term)
                words.append(_or([wq.Term(f, morpheme.term, boost=w) for f, w in word_fields.items()]))
                sub = build_clause(Word(morpheme.surface, field=word.field), readings=False, dictionary=self.dictionary)
                patterns += [replace(p, group=len(seen)) for p in sub.patterns]
            # Sequential dependence (Metzler & Croft 2005): two query words that stood together
            # (a particle between them allowed, as in the query) score again where they do in a post.
            for first, second in zip(content, content[1:]):
                offsets = [0, second.position - first.position]
                parts += [AdjacentTerms(f, [first.term, second.term], offsets, boost=weights.pairs * w)
                          for f, w in word_fields.items() if f in ("title", "anchors", "body")]
            if fragments:
                grams.update((g.text, None) for g in ngrams(word.text, query=True) if len(g.text) > 1)
        if grams and weights.grams > 0:
            parts.append(_or([wq.Term(f, g, boost=w) for g in grams for f, w in NGRAM_FIELDS.items()],
                             boost=weights.grams))
        if not words and not parts:
            return None, []
        relaxed: wq.Query = CoordinatedOr(words + parts, coordinated=len(words), power=weights.coordination)
        excluded = self.exclusions()
        if excluded is not None:
            relaxed = wq.AndNot(relaxed, excluded)
        return relaxed, patterns

    def patterns(self) -> list[Pattern]:
        """Highlight patterns of every positive word."""
        return [p for w in words_of(self.tree) for p in self.clauses[id(w)].patterns]

    def reading_prefix(self) -> tuple[wq.Query | None, list[Pattern]]:
        """A query of one kana word that matched nothing, read as the start of a longer word: the
        readings it begins (``とうきょ`` → トウキョウ 東京, トウキョク 当局), those of the most posts
        first (:data:`MAX_READING_COMPLETIONS`), like the completions offered while typing.

        Only for a plain word of at least :data:`READING_PREFIX_MIN_CHARS` kana (fewer begin too
        many words); ``(None, [])`` otherwise. The word's ``query_analysis`` lists the readings.
        """
        word = self.tree
        if (not isinstance(word, Word) or word.phrase or word.field is not None or self.lexicon is None
                or not _is_kana(word.text)):
            return None, []
        prefix = fold_term(to_katakana(normalize_query(word.text)))
        if len(prefix) < READING_PREFIX_MIN_CHARS:
            return None, []
        readings = self.lexicon.completions(prefix, MAX_READING_COMPLETIONS)
        if not readings:
            return None, []
        clause = self.clauses[id(word)]
        clause.analysis.setdefault("terms", {})["reading_prefix"] = readings
        query = _or([wq.Term(f, reading, boost=READING_WEIGHT * w) for reading in readings
                     for f, w in READING_FIELDS.items()])
        return query, [Pattern(f, (reading,)) for reading in readings for f in READING_FIELDS]

    def analysis(self) -> dict:
        """``query_analysis`` for the JSON API."""
        positive = {id(w) for w in words_of(self.tree)}
        return {
            "normalized": self.normalized,
            "words": [{**self.clauses[id(w)].analysis, **({} if id(w) in positive else {"negated": True})}
                      for w in words_of(self.tree, negated=True)],
        }


#: Most query words a synonym of several words (``Amazon Web Services``) is looked up across.
MAX_SYNONYM_WORDS = 4


def _join_synonym_phrases(node: Node | None, synonyms: Synonyms) -> Node | None:
    """Runs of plain words that together are a synonym (``Amazon Web Services``) become one word,
    so the synonym applies (``AWS``) and the words must stand together; longest runs first."""
    if isinstance(node, (And, Or)):
        children = [_join_synonym_phrases(c, synonyms) for c in node.children]
        if isinstance(node, And):
            joined, i = [], 0
            while i < len(children):
                for j in range(min(len(children), i + MAX_SYNONYM_WORDS), i + 1, -1):
                    run = children[i:j]
                    if all(isinstance(c, Word) and not c.phrase and c.field is None for c in run):
                        text = " ".join(c.text for c in run)
                        if synonyms.alternatives(text):
                            joined.append(Word(text))
                            i = j
                            break
                else:
                    joined.append(children[i])
                    i += 1
            children = joined
            if len(children) == 1:
                return children[0]
        return type(node)(tuple(children))
    if isinstance(node, Not):
        return Not(_join_synonym_phrases(node.child, synonyms))
    return node


def _check_paging(page: int, per_page: int, sort: str) -> None:
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise QueryError(f"per_page must be between 1 and {MAX_PER_PAGE}.", QueryErrorReason.PER_PAGE, MAX_PER_PAGE)
    if page < 1:
        raise QueryError(f"page must be between 1 and {MAX_PAGE}.", QueryErrorReason.PAGE_TOO_SMALL, 1)
    if page > MAX_PAGE:
        raise QueryError(f"page must be between 1 and {MAX_PAGE}.", QueryErrorReason.PAGE_TOO_LARGE, MAX_PAGE)
    if sort not in SORTS:
        raise QueryError(f"sort must be one of: {', '.join(SORTS)}.", QueryErrorReason.SORT)


def _split_keywords(value: str | None) -> tuple[str, ...]:
    return tuple(v for v in (value or "").split(",") if v)


def _to_hit(docnum: int, score: float, stored: dict, occurrences, patterns: list[Pattern],
            sorted_by_date: bool) -> Hit:
    body = stored.get(SNIPPET_FIELD, "")
    title = stored.get("title", "")
    body_patterns = [p for p in patterns if p.field in SNIPPET_SOURCE_FIELDS]
    title_patterns = [p for p in patterns if p.field in TITLE_SOURCE_FIELDS]
    body_spans = match_spans(occurrences, docnum, body_patterns) if body else []
    title_spans = match_spans(occurrences, docnum, title_patterns) if title else []
    date = stored_date(stored)
    snippet_source = body or stored.get("excerpt", "")
    return Hit(
        post_id=stored["post_id"],
        url=stored.get("url", ""),
        title=title,
        title_html=mark_html(title, merge_spans(title_spans)),
        date=date,
        tags=_split_keywords(stored.get("tag")),
        categories=_split_keywords(stored.get("category")),
        author=stored.get("author", ""),
        excerpt=stored.get("excerpt", ""),
        score=0.0 if sorted_by_date else score,
        snippet_html=make_snippet(snippet_source, body_spans if body else []),
    )


def search_posts(index: SearchIndex, q: str, *, page: int = 1, per_page: int = 10,
                 sort: str = "relevance", filters: Filters | None = None, facets: bool = True,
                 synonyms: Synonyms | None = None, fields: str = "all") -> ResultPage:
    """Run a query and return one page of highlighted hits.

    :param index: an open index (:func:`search.index.open_index`).
    :param q: the query as typed (see :mod:`search.queries` for the syntax). An empty ``q`` with
        ``filters`` lists the posts the filters select (``match_mode`` ``browse``), as a reader who
        clicks a tag with an empty search box expects.
    :param page: 1-based page number, at most :data:`MAX_PAGE`.
    :param per_page: hits per page, 1 to :data:`MAX_PER_PAGE`.
    :param sort: ``relevance``, ``newest`` or ``oldest``.
    :param filters: restrict hits to posts with these tags, categories, authors, years or dates.
    :param facets: count tags, categories, authors and years among all hits (``ResultPage.facets``).
    :param synonyms: query-time synonyms (:mod:`search.synonyms`); None: none.
    :param fields: ``all``, or ``words`` to match whole words only (no n-gram fragments, no
        readings) — the ablation the relevance benchmark reports as ``ours-words``.
    :raises QueryError: bad paging or sort, or a query over the limits of :mod:`search.queries`.
    :raises IndexNotBuiltError, StaleIndexError: the index cannot be used.
    """
    started = time.perf_counter()
    _check_paging(page, per_page, sort)
    if fields not in ("all", "words"):
        raise QueryError("fields must be 'all' or 'words'.")
    extra = fields == "all"
    sortedby = SORTS[sort]
    filters = filters or Filters()
    hits: list[Hit] = []
    total = 0
    mode = "none"
    counts: dict = {}
    with index.searcher() as searcher:
        plan = QueryPlan.from_string(q, index.dictionary, synonyms, reading_lexicon(searcher.reader()))
        evaluator = evaluator_for(searcher)
        cache = SearchCache()  # shared by the steps, the match-mode check and the highlights
        allowed = evaluator.evaluate(filters.query(), cache).mask if not filters.is_empty() else None
        step, matches, patterns = _escalate(evaluator, cache, plan, allowed, extra)
        if matches is not None:
            total = matches.count()
            if facets:
                counts = facet_counts(searcher, index.cache_key, matches.docnums())
            shown = matches.page(page, per_page, evaluator.sort_keys(*sortedby) if sortedby else None)
            docnums = [docnum for docnum, _ in shown]
            occurrences = load_occurrences(searcher, docnums, patterns, cache.postings)
            hits = [_to_hit(docnum, score, searcher.stored_fields(docnum), occurrences, patterns, bool(sortedby))
                    for docnum, score in shown]
            if step == "filled":  # strict hits first: name the mode by the hits shown
                strict_shown = [d for d in docnums if matches.first[d]]
                step = "strict" if len(strict_shown) == len(docnums) else "relaxed"
            mode = _strict_mode(evaluator, cache, plan, docnums) if step == "strict" else step
    return ResultPage(
        q=q, total=total, page=page, per_page=per_page, took_ms=(time.perf_counter() - started) * 1000,
        match_mode=mode, hits=hits, query_analysis=plan.analysis(), sort=sort, facets=counts, filters=filters,
    )


def _escalate(evaluator: Evaluator, cache: SearchCache, plan: QueryPlan, allowed, extra: bool
              ) -> tuple[str, Matches | None, list[Pattern]]:
    """The first escalation step with hits: ``(step, matches, highlight patterns)``, or
    ``("none", None, [])``. Steps: every word as a word or fragment; then, while that found fewer
    than :data:`READING_STEP_BELOW` posts, also by reading; then relaxed (any word, ranked). An
    empty query with filters lists what they select (``browse``)."""
    def run(query: wq.Query) -> Matches:
        matches = evaluator.evaluate(query, cache)
        if allowed is not None:
            matches.restrict(allowed)
        return matches

    if plan.tree is None:
        return ("browse", run(wq.Every()), []) if allowed is not None else ("none", None, [])
    matches = None
    strict = plan.strict(fragments=extra, readings=False)
    if strict is not None:
        matches = run(strict)
    with_readings = plan.strict(fragments=extra, readings=extra)
    if with_readings is not None and with_readings != strict and (matches is None or matches.count() < READING_STEP_BELOW):
        matches = run(with_readings)
    relaxed, relaxed_patterns = plan.relaxed(fragments=extra)
    if matches is not None and matches.count():
        if matches.count() < FILL_BELOW and relaxed is not None and _is_long_plain_query(plan, relaxed):
            # A long query (a title, a sentence) that few posts match word for word: the posts
            # with most of its words follow, as the post meant may word one of them differently.
            if len(_topic_terms(plan)) >= TOPICAL_MIN_TERMS:
                topical, topical_patterns = plan.relaxed(fragments=extra, weights=TOPICAL)
                if topical is not None:
                    return "filled", matches.ranked_by(run(topical)), plan.patterns() + topical_patterns
            filled = matches.followed_by(run(relaxed))
            if filled.count() > matches.count():
                return "filled", filled, plan.patterns() + relaxed_patterns
        return "strict", matches, plan.patterns()
    if relaxed is not None and _has_several_terms(plan):
        matches = run(relaxed)
        if matches.count():
            return "relaxed", matches, relaxed_patterns
    if extra:
        prefix, prefix_patterns = plan.reading_prefix()
        if prefix is not None:
            matches = run(prefix)
            if matches.count():
                return "reading", matches, prefix_patterns
    return "none", None, []


def _is_long_plain_query(plan: QueryPlan, relaxed: wq.Query) -> bool:
    """No operator but groups (quotes, field, ``OR`` or ``-`` say exactly what to match), and either
    :data:`FILL_MIN_WORDS` words typed apart, each with a content term, or one word of as many
    content terms other than numbers (a title copied whole: ``東京都 猫`` is two words, not one
    query of three terms)."""
    words = _plain_words(plan.tree)
    if words is None:
        return False
    if len(words) >= FILL_MIN_WORDS and getattr(relaxed, "coordinated", 0) >= FILL_MIN_WORDS:
        return True
    return _most_terms_typed_together(plan) >= FILL_MIN_WORDS


def _most_terms_typed_together(plan: QueryPlan) -> int:
    """The most distinct content terms other than numbers in one run of the query typed without
    a space (parentheses inside it included: ``Rubyの（新しいリリース）`` has three)."""
    most = 0
    for run in plan.normalized.split():
        terms = [m.term for piece in re.split(r"[()]", run) if piece
                 for m in word_morphemes(piece, plan.dictionary)]
        most = max(most, len(unique(t for t in terms if not t.isdigit() and t not in RELAXED_SKIP_TERMS)))
    return most


def _plain_words(node: Node) -> list[Word] | None:
    """The words of a query made only of words and groups of them (``Deno 第4回 (FFI の利用)``,
    as a title copied whole often is), or None if it has an operator."""
    if isinstance(node, Word):
        return [node] if not node.phrase and node.field is None else None
    if isinstance(node, And):
        words = [_plain_words(child) for child in node.children]
        return None if None in words else [w for group in words for w in group]
    return None


def _topic_terms(plan: QueryPlan) -> list[str]:
    """The query's distinct content terms other than numbers (``Ruby 3.2.5 リリース`` has two);
    a name from the synonym file (``Amazon Web Services``) counts as one."""
    terms = []
    for word in words_of(plan.tree):
        if plan.clauses[id(word)].alternatives:
            terms.append(word.text)
            continue
        terms += [m.term for m in word_morphemes(word.text, plan.dictionary)
                  if not m.term.isdigit() and m.term not in RELAXED_SKIP_TERMS]
    return unique(terms)


def _has_several_terms(plan: QueryPlan) -> bool:
    """Relaxing only helps when the query has more than one content term (a kana word read as
    several words counts as those)."""
    terms = [m.term for w in words_of(plan.tree) for m in word_morphemes(w.text, plan.dictionary)]
    return (len(unique(terms)) > 1 or len(words_of(plan.tree)) > 1
            or any(len(_reading_pieces(plan.clauses[id(w)])) > 1 for w in words_of(plan.tree)))


def _reading_pieces(clause: WordClause) -> list[str]:
    """The words a kana query word reads as (its first segmentation), one-kana pieces (particles,
    mostly) left out; [] for any other word."""
    if not clause.segmentations or clause.word.field is not None:
        return []
    return unique(piece for piece in clause.segmentations[0] if len(piece) > 1)


def _strict_mode(evaluator: Evaluator, cache: SearchCache, plan: QueryPlan, docnums: list[int]) -> str:
    """The weakest kind of match the given hits needed: ``exact``, ``fragment`` or ``reading``."""
    words_only = plan.strict(fragments=False, readings=False)
    if words_only is not None and evaluator.evaluate(words_only, cache).mask[docnums].all():
        return "exact"
    no_readings = plan.strict(readings=False)
    if no_readings is not None and evaluator.evaluate(no_readings, cache).mask[docnums].all():
        return "fragment"
    return "reading"
