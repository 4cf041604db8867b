"""Query node types of our own, which :mod:`search.querying.evaluation` evaluates on the postings.

:class:`AdjacentTerms` is a Whoosh query for terms at fixed relative positions: the "adjacent
tokens" of one query word. :class:`Alternatives` are the ways one query word can match;
:class:`CoordinatedOr` is the ``Or`` of a relaxed query, with Lucene's coordination factor.

Whoosh's ``Phrase`` checks positions through generic span objects (``SpanNear2``), which made
phrase-heavy Japanese queries take 40–160 ms on 510 posts. :class:`AdjacentTerms` does the same
job — intersect the terms' postings, then keep a document only if some position ``p`` has
``terms[i]`` at ``p + offsets[i]`` for every ``i`` — with one set intersection per term.
Offsets come straight from the query's own analysis, so ``東京の観光`` (offsets 0, 2: a particle
between) matches where something stands between the two words, and ``東京都`` (0, 1) only where
東京 and 都 are next to each other.
"""

from __future__ import annotations

import itertools

from whoosh import matching
from whoosh import query as wq
from whoosh.matching import binary
from whoosh.query.spans import SpanWrappingMatcher
from whoosh.util import make_binary_tree


class AdjacentTerms(wq.Phrase):
    """Matches documents where ``words[i]`` stands at ``p + offsets[i]`` for some position ``p``.

    :param fieldname: a field indexed with positions.
    :param words: the terms, in query order.
    :param offsets: each term's position relative to the first (``offsets[0] == 0``),
        increasing; ``None`` means ``0, 1, 2, …`` (strictly adjacent).
    :param boost: multiplies the score (the sum of the terms' BM25F scores).
    :param checked: positions are always checked, even where another way of matching the same
        query word already matched (``search.querying.evaluation.Evaluator`` otherwise takes the order as
        given there): for a spelling whose terms can stand in a post without being in this order
        (a user-dictionary word's pieces share its position).
    """

    def __init__(self, fieldname: str, words: list[str], offsets: list[int] | None = None, boost: float = 1.0,
                 checked: bool = False):
        super().__init__(fieldname, list(words), slop=1, boost=boost)
        if offsets is None:
            offsets = list(range(len(words)))
        base = offsets[0]
        self.offsets = tuple(o - base for o in offsets)
        self.checked = checked

    def __eq__(self, other: object) -> bool:
        return (super().__eq__(other) and getattr(other, "offsets", None) == self.offsets
                and getattr(other, "checked", False) == self.checked)

    def __hash__(self) -> int:
        return super().__hash__() ^ hash((self.offsets, self.checked))

    def __repr__(self) -> str:
        return f"AdjacentTerms({self.fieldname!r}, {self.words!r}, {self.offsets!r}, boost={self.boost})"

    def matcher(self, searcher, context=None):
        fieldname = self.fieldname
        if fieldname not in searcher.schema:
            return matching.NullMatcher()
        field = searcher.schema[fieldname]
        reader = searcher.reader()
        matchers = []
        for word in self.words:
            btext = field.to_bytes(word)
            if (fieldname, btext) not in reader:
                return matching.NullMatcher()
            matchers.append(wq.Term(fieldname, word).matcher(searcher, context))
        if len(matchers) == 1:
            m = matchers[0]
        else:
            m = _AdjacentMatcher(matchers, self.offsets)
        if self.boost != 1.0:
            m = matching.WrappingMatcher(m, boost=self.boost)
        return m


class _AdjacentMatcher(SpanWrappingMatcher):
    """Intersection of term matchers, filtered by the relative positions of the terms."""

    def __init__(self, matchers, offsets: tuple[int, ...]):
        self.ms = matchers
        self.offsets = offsets
        super().__init__(make_binary_tree(binary.IntersectionMatcher, matchers))

    def copy(self):
        return self.__class__([m.copy() for m in self.ms], self.offsets)

    def _replacement(self, newchild):
        return self  # the child tree is rebuilt from self.ms; never swap it out

    def replace(self, minquality=0):
        if not self.is_active():
            return matching.NullMatcher()
        return self

    def _get_spans(self):
        starts = set(self.ms[0].value_as("positions"))
        for m, offset in zip(self.ms[1:], self.offsets[1:]):
            if not starts:
                break
            starts.intersection_update(p - offset for p in m.value_as("positions"))
        return sorted(starts)


class AdjacentChoices(wq.Query):
    """Matches documents where some term of ``choices[i]`` stands at ``p + offsets[i]`` for every
    ``i``: a phrase with alternatives at each position, as Lucene's ``MultiPhraseQuery``. One
    node stands for every way of spelling a word piece by piece (ロードマップ: ``[ロード, load,
    road] [マップ, map]``), where a phrase per combination read and checked the same terms again.

    :param fieldname: a field indexed with positions.
    :param choices: per position, the terms any of which may stand there (at least two positions).
    :param offsets: each position's offset from the first; None: ``0, 1, 2, …``.
    :param boost: multiplies the score (per position, the sum of the BM25F scores of the terms
        of that position a document holds).
    """

    def __init__(self, fieldname: str, choices, offsets=None, boost: float = 1.0) -> None:
        self.fieldname = fieldname
        self.choices = tuple(tuple(terms) for terms in choices)
        offsets = list(range(len(self.choices))) if offsets is None else list(offsets)
        self.offsets = tuple(o - offsets[0] for o in offsets)
        self.boost = boost

    def __eq__(self, other: object) -> bool:
        return (type(other) is type(self) and other.fieldname == self.fieldname and other.choices == self.choices
                and other.offsets == self.offsets and other.boost == self.boost)

    def __hash__(self) -> int:
        return hash((self.fieldname, self.choices, self.offsets, self.boost))

    def __repr__(self) -> str:
        return f"AdjacentChoices({self.fieldname!r}, {self.choices!r}, {self.offsets!r}, boost={self.boost})"

    def phrases(self) -> list[AdjacentTerms]:
        """One :class:`AdjacentTerms` per combination of the choices."""
        return [AdjacentTerms(self.fieldname, list(words), list(self.offsets), boost=self.boost)
                for words in itertools.product(*self.choices)]

    def matcher(self, searcher, context=None):
        """Whoosh's matcher for the same documents (a document holding several combinations
        scores each one, where the evaluator scores each term once)."""
        return wq.Or(self.phrases()).matcher(searcher, context)


class Alternatives(wq.Or):
    """The ways one query word can match (as a word, as n-grams, by reading): scored like ``Or``;
    a post that matched one of them is taken to hold the others' terms in order where it holds
    them at all (:meth:`search.querying.evaluation.Evaluator._adjacent`), which spares checking positions."""


class CoordinatedOr(wq.Or):
    """``Or`` of a relaxed query: a post must have one of the first ``coordinated`` branches (the
    query's words); the rest (word pairs, character bigrams) only add to its score, which is
    scaled by (matched of those ``coordinated`` ÷ ``coordinated``) ** ``power`` — the
    coordination factor of Lucene's classic similarity, so a post with most of the words ranks
    above one with a single rare word. Whoosh's own matcher ignores both rules."""

    def __init__(self, subqueries, coordinated: int, power: float, boost: float = 1.0) -> None:
        super().__init__(subqueries, boost=boost)
        self.coordinated = coordinated
        self.power = power
        self.matcher_type = wq.Or.DEFAULT_MATCHER

    def __eq__(self, other) -> bool:
        return (super().__eq__(other) and getattr(other, "coordinated", None) == self.coordinated
                and getattr(other, "power", None) == self.power)

    def __hash__(self) -> int:
        return super().__hash__() ^ hash((self.coordinated, self.power))


def covering_terms(words, offsets) -> list[tuple[str, int]]:
    """The ``(term, offset)`` pairs whose positions must be checked for ``words`` to stand at
    ``offsets``: used alike to match a phrase and to highlight it. In a chain of overlapping
    character bigrams (``セッ ッテ テイ`` at 0, 1, 2) every other bigram and the last one already
    spell the whole string (``セッ`` at 0 and ``テイ`` at 2 make セッテイ), so the bigrams between
    them are implied; any other list of terms is checked whole."""
    pairs = list(zip(words, offsets))
    chain = all(len(w) == 2 for w in words) and all(
        a[1] == b[0] and o2 == o1 + 1 for (a, o1), (b, o2) in zip(pairs, pairs[1:]))
    if not chain or len(pairs) < 3:
        return pairs
    kept = pairs[::2]
    return kept if kept[-1] == pairs[-1] else kept + [pairs[-1]]
