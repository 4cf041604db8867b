"""Ranking: BM25 with a probabilistic IDF that lets very common terms weigh almost nothing.

Whoosh's stock ``BM25F`` uses ``idf = log(N / (df + 1)) + 1``, so a term found in every post
still counts about 1 — enough for する, ある or 何 in a question to outweigh the one rare word
that matters. :class:`RankingModel` keeps Whoosh's BM25 term scoring (Robertson & Zaragoza,
"The Probabilistic Relevance Framework: BM25 and Beyond", 2009) with the IDF Lucene's
``BM25Similarity`` uses, ``log(1 + (N - df + 0.5) / (df + 0.5))``. Field weights are applied
at query time as boosts (:mod:`search.querying.searcher`), never baked into the index.

A word asked of several fields (title, tags, body, code) is scored as one BM25F term
(:meth:`search.querying.evaluation.Evaluator._bm25f`: Robertson, Zaragoza & Taylor 2004): the fields'
length-normalized frequencies, weighted, are summed before the one saturation, so a topic word
found in a post's title *and* body does not count twice over the words that tell its paragraphs
apart (JSQuAD MRR@10 +0.011 on 600 questions, ``python -m bench.relevance``).
"""

from __future__ import annotations

from math import log

from whoosh.scoring import BM25F

#: BM25 term-frequency saturation (Lucene's 1.2 less a little: JSQuAD MRR@10 +0.005 at 0.9).
K1 = 0.9
#: BM25 length normalization (0: none, 1: full).
B = 0.75


class RankingModel(BM25F):
    """Whoosh ``BM25F`` with Lucene's probabilistic IDF (see the module docstring)."""

    def __init__(self, B: float = B, K1: float = K1, **kwargs) -> None:
        super().__init__(B=B, K1=K1, **kwargs)

    def idf(self, searcher, fieldname, text) -> float:
        parent = searcher.get_parent()
        df = parent.doc_frequency(fieldname, text)
        n = parent.doc_count_all()
        return log(1 + (n - df + 0.5) / (df + 0.5))
