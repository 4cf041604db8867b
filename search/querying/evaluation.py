"""Query evaluation on Whoosh's postings, one dense array per query node.

Whoosh scores a query by stepping a tree of matcher objects one posting at a time; on our
queries (every word asked of 4–6 fields, n-gram and reading terms at fixed offsets) that Python
loop was most of a search: 40–250 ms on 1,406 posts. :class:`Evaluator` computes the same
result differently: each term's postings are read a block at a time into NumPy arrays, each
query node becomes a pair of arrays over all documents — which match (``bool[N]``) and their
score (``float[N]``) — and ``Or``/``And``/``AndNot`` are array operations. Scores are the ones
Whoosh's matchers give for the same tree (sums of boosted BM25F term scores, :mod:`search.indexing.ranking`),
so ranking is unchanged; only the time differs.

Positions are decoded only where every term of an :class:`~search.querying.nodes.AdjacentTerms`
is present. Query types not handled here fall back to Whoosh's own matcher for that node.
Field lengths and deletions are read once per searcher (one per thread and index generation,
:class:`search.indexing.index.SearchIndex`).
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

import numpy as np
from whoosh import query as wq

from search.querying.nodes import AdjacentChoices, AdjacentTerms, Alternatives, CoordinatedOr, covering_terms
from search.querying.postings import prefix_terms
from search.querying.search_cache import SearchCache
from search.indexing.ranking import RankingModel


#: Score a word asked of several fields as one BM25F term (see :meth:`Evaluator._bm25f`).
BM25F = True
@dataclass
class Matches:
    """Which documents a query matches and their scores, indexed by document number.

    :ivar mask: ``bool[N]``, N = documents in the index (deleted ones included, never set).
    :ivar scores: ``float64[N]``, 0 where ``mask`` is False.
    """

    mask: np.ndarray
    scores: np.ndarray

    def docnums(self) -> np.ndarray:
        """Matching document numbers, ascending."""
        return np.flatnonzero(self.mask)

    #: For :meth:`followed_by` and :meth:`ranked_by` results: ``bool[N]``, the documents of the first query.
    first: np.ndarray | None = None

    def followed_by(self, other: "Matches") -> "Matches":
        """These documents first (by their scores), then ``other``'s that are not among them
        (by theirs): scores of the first are raised above every score of the second."""
        extra = other.mask & ~self.mask
        offset = (other.scores[extra].max() if extra.any() else 0.0) + 1.0
        scores = np.where(self.mask, self.scores + offset, np.where(extra, other.scores, 0.0))
        return Matches(self.mask | extra, scores, first=self.mask.copy())

    def ranked_by(self, other: "Matches") -> "Matches":
        """These documents and ``other``'s together, all ranked by ``other``'s scores (these
        documents score 0 where ``other`` does not match them); ``first`` marks these."""
        scores = np.where(self.mask & ~other.mask, 0.0, other.scores)
        return Matches(self.mask | other.mask, scores, first=self.mask.copy())

    def count(self) -> int:
        return int(self.mask.sum())

    def restrict(self, allowed: np.ndarray) -> None:
        """Keep only the documents ``allowed`` (``bool[N]``) also holds."""
        self.mask &= allowed
        self.scores[~self.mask] = 0.0

    def page(self, page: int, per_page: int, sort_keys: np.ndarray | None = None) -> list[tuple[int, float]]:
        """``(docnum, score)`` of the hits on 1-based ``page``: by score (highest first), or by
        ``sort_keys`` (ascending; negate for descending); ties by document number. Empty past the
        last page."""
        docnums = self.docnums()
        primary = -self.scores[docnums] if sort_keys is None else sort_keys[docnums]
        start = (page - 1) * per_page
        if start >= len(docnums):
            return []
        end = start + per_page
        if end < len(docnums) // 4:  # only the top of a long list needs ordering
            top = np.argpartition(primary, end - 1)[:end]
            top = top[np.lexsort((docnums[top], primary[top]))]
        else:
            top = np.lexsort((docnums, primary))
        chosen = top[start:end]
        return [(int(docnums[i]), float(self.scores[docnums[i]])) for i in chosen]


class Evaluator:
    """Evaluates query trees on one searcher (see the module docstring).

    :param searcher: a Whoosh searcher whose weighting is a :class:`search.indexing.ranking.RankingModel`.
    """

    def __init__(self, searcher) -> None:
        self.searcher = searcher
        self.size = searcher.doc_count_all()
        weighting = searcher.weighting
        if not isinstance(weighting, RankingModel):
            raise TypeError("the searcher must score with search.indexing.ranking.RankingModel")
        self.K1, self.B = weighting.K1, weighting.B
        self.leaves = [(leaf.reader(), offset) for leaf, offset in searcher.leaf_searchers()]
        self._lengths: dict[str, np.ndarray] = {}
        self._sort_keys: dict[tuple[str, bool], np.ndarray] = {}
        live = np.ones(self.size, dtype=bool)
        for reader, offset in self.leaves:
            if reader.has_deletions():
                for docnum in range(reader.doc_count_all()):
                    if reader.is_deleted(docnum):
                        live[offset + docnum] = False
        self.live = live

    # -- public -----------------------------------------------------------------------------

    def evaluate(self, query: wq.Query, cache: "SearchCache | None" = None) -> Matches:
        """The documents ``query`` matches, with Whoosh's scores for them.

        :param cache: what the same search already read and computed (its escalation steps
            share most sub-queries and terms); None: a fresh one.
        """
        self._cache = cache if cache is not None else SearchCache()
        found = self._node(query)
        mask = found.mask & self.live
        return Matches(mask, np.where(mask, found.scores, 0.0))

    def none(self) -> Matches:
        return Matches(np.zeros(self.size, dtype=bool), np.zeros(self.size))

    def sort_keys(self, fieldname: str, reverse: bool = False) -> np.ndarray:
        """``float64[N]``: each document's value of a sortable field (a date), negated if
        ``reverse``, for :meth:`Matches.page`; documents without one sort last."""
        keys = self._sort_keys.get((fieldname, reverse))
        if keys is None:
            keys = np.full(self.size, np.inf)
            absent = getattr(self.searcher.schema[fieldname], "default", None)  # Whoosh's "no value"
            for reader, offset in self.leaves:
                column = reader.column_reader(fieldname, translate=False) if reader.has_column(fieldname) else None
                if column is None:
                    continue
                for docnum in range(reader.doc_count_all()):
                    value = column[docnum]
                    if value is not None and value != absent:
                        keys[offset + docnum] = -float(value) if reverse else float(value)
            self._sort_keys[(fieldname, reverse)] = keys
        return keys

    # -- nodes ------------------------------------------------------------------------------

    def _node(self, query: wq.Query, implied: np.ndarray | None = None) -> Matches:
        """A node's result; never modified afterwards (results are shared through the cache).

        :param implied: inside an ``Or``, the documents its earlier branches matched: an
            :class:`AdjacentTerms` below takes its terms' order there as given instead of
            decoding positions (see :meth:`_adjacent`).
        """
        key = self._cache.node_key(query) if implied is None else None
        if key is not None:
            found = self._cache.nodes.get(key)
            if found is not None:
                return found
        if isinstance(query, (AdjacentTerms, AdjacentChoices)):
            matches = self._adjacent(query, None if getattr(query, "checked", False) else implied)
        elif isinstance(query, wq.Term):
            matches = self._term(query.fieldname, query.text)
        elif isinstance(query, CoordinatedOr):
            matches = self._coordinated(query)
        elif isinstance(query, wq.Or):
            matches = self._union(query.subqueries, implied, alternatives=isinstance(query, Alternatives))
        elif isinstance(query, wq.And):
            matches = self._sum([self._node(q) for q in query.subqueries], need_all=True)
        elif isinstance(query, wq.AndNot):
            kept, excluded = self._node(query.a), self._node(query.b)
            mask = kept.mask & ~excluded.mask
            matches = Matches(mask, np.where(mask, kept.scores, 0.0))
        elif isinstance(query, wq.Prefix):
            matches = self._prefix(query)
        elif isinstance(query, wq.Every):
            matches = Matches(self.live.copy(), np.where(self.live, 1.0, 0.0))
        else:
            matches = self._whoosh(query)
        boost = getattr(query, "boost", 1.0)
        if boost != 1.0:
            matches = Matches(matches.mask, matches.scores * boost)
        if key is not None:
            self._cache.nodes[key] = matches
        return matches

    def _union(self, subqueries: list[wq.Query], implied: np.ndarray | None, *, alternatives: bool) -> Matches:
        """Scores summed. Of :class:`Alternatives`, phrase-like branches are evaluated last, so
        they can lean on what the others matched (``implied``, see :meth:`_adjacent`)."""
        cheap = [q for q in subqueries if not _positional(q)]
        costly = [q for q in subqueries if _positional(q)]
        parts = []
        if BM25F:
            fields_of: dict[str, list[wq.Term]] = {}
            for q in cheap:
                if type(q) is wq.Term and q.fieldname in self.searcher.schema and self.searcher.schema[q.fieldname].scorable:
                    fields_of.setdefault(q.text, []).append(q)
            for text, terms in fields_of.items():
                if len({t.fieldname for t in terms}) > 1:
                    parts.append(self._bm25f(text, terms))
                    cheap = [q for q in cheap if not any(q is t for t in terms)]
        parts += [self._node(q) for q in cheap]
        for query in costly:
            matched = self._sum(parts, need_all=False).mask if parts and alternatives else None
            if implied is not None:
                matched = implied if matched is None else (matched | implied)
            parts.append(self._node(query, matched))
        return self._sum(parts, need_all=False)

    def _coordinated(self, query: "CoordinatedOr") -> Matches:
        """Documents matching at least one of the first ``coordinated`` branches (the query's
        words; the other branches only add to the score): the sum of every branch's score, times
        the share of those branches a document matched, to the power ``power``."""
        parts = [self._node(q) for q in query.subqueries]
        union = self._sum(parts, need_all=False)
        words = parts[:query.coordinated]
        if not words:
            return union
        share = np.sum([part.mask for part in words], axis=0) / len(words)
        mask = union.mask & (share > 0)
        return Matches(mask, np.where(mask, union.scores * share ** query.power, 0.0))

    def _bm25f(self, text: str, terms: list[wq.Term]) -> Matches:
        """One term in several fields, scored as one: each field's frequency, length-normalized
        and weighted by its boost, summed, then saturated once (BM25F: Robertson, Zaragoza &
        Taylor, "Simple BM25 extension to multiple weighted fields", CIKM 2004), with the IDF of
        the documents holding the term in any of the fields."""
        pseudo = np.zeros(self.size)
        for term in terms:
            docnums, tf = self._postings(term.fieldname, text)
            if not len(docnums):
                continue
            avgfl = self.searcher.avg_field_length(term.fieldname) or 1
            lengths = self._field_lengths(term.fieldname)[docnums]
            pseudo[docnums] += term.boost * tf / ((1 - self.B) + self.B * lengths / avgfl)
        mask = pseudo > 0
        df = int((mask & self.live).sum())
        idf = np.log(1 + (self.size - df + 0.5) / (df + 0.5))
        return Matches(mask, np.where(mask, idf * pseudo * (self.K1 + 1) / (pseudo + self.K1), 0.0))

    def _sum(self, parts: list[Matches], *, need_all: bool) -> Matches:
        if not parts:
            return self.none()
        mask = parts[0].mask.copy()
        scores = parts[0].scores.copy()
        for part in parts[1:]:
            if need_all:
                mask &= part.mask
            else:
                mask |= part.mask
            scores += part.scores
        scores[~mask] = 0.0
        return Matches(mask, scores)

    def _term(self, fieldname: str, text: str) -> Matches:
        docnums, weights = self._postings(fieldname, text)
        matches = self.none()
        if len(docnums):
            matches.mask[docnums] = True
            matches.scores[docnums] = self._bm25(fieldname, text, docnums, weights)
        return matches

    def _prefix(self, query: wq.Prefix) -> Matches:
        """An ``Or`` of the terms the prefix begins (scores summed), as Whoosh expands it, but of
        its commonest terms only, within what the search has left of its budget
        (:func:`search.querying.postings.prefix_terms`, the cost bound of a query);
        :attr:`SearchCache.limited` tells when terms were left out."""
        if query.fieldname not in self.searcher.schema:
            return self.none()
        cache = self._cache
        words, limited = prefix_terms(self.searcher.reader(), query.fieldname, query.text, cache.expansions_left)
        cache.limited = cache.limited or limited
        cache.expansions_left -= len(words)
        cache.expansions[(query.fieldname, query.text)] = words
        return self._sum([self._term(query.fieldname, w) for w in words], need_all=False)

    def _adjacent(self, query: AdjacentTerms | AdjacentChoices, implied: np.ndarray | None = None) -> Matches:
        """Documents where every term (of :class:`AdjacentChoices`: some term of each position)
        stands at its offset from the first; score: the sum of the terms' BM25F scores, as
        Whoosh's intersection matcher gives.

        Documents in ``implied`` that hold every term are kept without checking positions: they
        are already in the enclosing ``Or``, so only their score could differ, and for our
        queries it does not — a post that has a query word as a word also has its characters
        (n-grams) and its reading in that order. Checking positions is most of a search's time.
        """
        fieldname = query.fieldname
        if isinstance(query, AdjacentChoices):
            choices = query.choices
            covering = list(zip(choices, query.offsets))
        elif len(query.words) == 1:
            return self._term(fieldname, query.words[0])
        else:
            choices = [(word,) for word in query.words]
            covering = [((word,), shift) for word, shift in covering_terms(query.words, query.offsets)]
        matches = self._sum([self._sum([self._term(fieldname, word) for word in words], need_all=False)
                             if len(words) > 1 else self._term(fieldname, words[0]) for words in choices],
                            need_all=True)
        unchecked = matches.mask & ~implied if implied is not None else matches.mask
        candidates = np.flatnonzero(unchecked)
        field = self.searcher.schema[fieldname]
        keep = matches.mask & implied if implied is not None else np.zeros(self.size, dtype=bool)
        for reader, offset in self.leaves:
            local = candidates[(candidates >= offset) & (candidates < offset + reader.doc_count_all())] - offset
            if not len(local):
                continue
            postings = []
            for words, shift in covering:
                held = [term for word in words
                        if (term := self._cache.postings.term(reader, fieldname, field.to_bytes(word))) is not None]
                if not held:
                    break
                postings.append((held, shift))
            else:
                keep[offset + np.asarray(_aligned(postings, local.tolist()), dtype=np.int64)] = True
        mask = matches.mask & keep
        return Matches(mask, np.where(mask, matches.scores, 0.0))

    def _whoosh(self, query: wq.Query) -> Matches:
        """Any other query: Whoosh's own matcher, one posting at a time."""
        matches = self.none()
        for leaf, offset in self.searcher.leaf_searchers():
            matcher = query.matcher(leaf)
            while matcher.is_active():
                docnum = offset + matcher.id()
                matches.mask[docnum] = True
                matches.scores[docnum] = matcher.score()
                matcher.next()
        return matches

    # -- postings and scores ----------------------------------------------------------------

    def _postings(self, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(document numbers, term frequencies) of one term across segments."""
        if fieldname not in self.searcher.schema:
            return np.empty(0, dtype=np.int64), np.empty(0)
        btext = self.searcher.schema[fieldname].to_bytes(text)
        id_parts: list[np.ndarray] = []
        weight_parts: list[np.ndarray] = []
        for reader, offset in self.leaves:
            term = self._cache.postings.term(reader, fieldname, btext)
            if term is not None:
                id_parts.append(term.ids + offset)
                weight_parts.append(term.weights)
        if not id_parts:
            return np.empty(0, dtype=np.int64), np.empty(0)
        return np.concatenate(id_parts), np.concatenate(weight_parts)

    def _bm25(self, fieldname: str, text: str, docnums: np.ndarray, tf: np.ndarray) -> np.ndarray:
        """Whoosh's ``bm25()`` (``whoosh.scoring``) over arrays: the same formula and inputs."""
        field = self.searcher.schema[fieldname]
        if not field.scorable:
            return np.where(tf > 0, tf, 0.0)  # Whoosh scores unscorable fields by weight alone
        btext = field.to_bytes(text)
        idf = self.searcher.idf(fieldname, btext)
        avgfl = self.searcher.avg_field_length(fieldname) or 1
        lengths = self._field_lengths(fieldname)[docnums]
        return idf * ((tf * (self.K1 + 1)) / (tf + self.K1 * ((1 - self.B) + self.B * lengths / avgfl)))

    def _field_lengths(self, fieldname: str) -> np.ndarray:
        lengths = self._lengths.get(fieldname)
        if lengths is None:
            lengths = np.ones(self.size)
            for reader, offset in self.leaves:
                for docnum in range(reader.doc_count_all()):
                    lengths[offset + docnum] = reader.doc_field_length(docnum, fieldname, 1) or 1
            self._lengths[fieldname] = lengths
        return lengths


_evaluators: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_evaluators_lock = threading.Lock()


def _aligned(postings: list[tuple[list, int]], wanted: list[int]) -> list[int]:
    """Of the documents ``wanted``, those where some position ``p`` has, for every
    ``(terms, shift)``, one of ``terms`` at ``p + shift``. The rarest position is decoded first:
    each next one only in the documents where those before it still line up."""
    postings.sort(key=lambda item: sum(len(term.ids) for term in item[0]))
    starts: dict[int, set[int]] | None = None
    for terms, shift in postings:
        positions = terms[0].positions(wanted)
        for term in terms[1:]:
            for docnum, found in term.positions(wanted).items():
                positions[docnum] = [*positions.get(docnum, ()), *found]
        if starts is None:
            starts = {d: set(found) if not shift else set(map(shift.__rsub__, found))
                      for d, found in positions.items()}
        else:
            starts = {d: kept for d, found in positions.items()
                      if (kept := starts[d].intersection(found if not shift else map(shift.__rsub__, found)))}
        wanted = list(starts)
        if not wanted:
            break
    return wanted


def _positional(query: wq.Query) -> bool:
    """Whether evaluating ``query`` means checking positions (an ``Or`` of phrases included)."""
    if isinstance(query, AdjacentTerms):
        return len(query.words) > 1
    if isinstance(query, AdjacentChoices):
        return True
    if isinstance(query, wq.Or):
        return any(_positional(q) for q in query.subqueries)
    return False


def evaluator_for(searcher) -> Evaluator:
    """The :class:`Evaluator` of ``searcher``, made once and kept as long as the searcher lives
    (its field lengths and sort keys are read on first use). Only the searcher's thread uses it."""
    evaluator = _evaluators.get(searcher)
    if evaluator is None:
        evaluator = Evaluator(searcher)
        with _evaluators_lock:
            _evaluators[searcher] = evaluator
    return evaluator


