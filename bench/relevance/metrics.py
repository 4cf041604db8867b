"""Rank metrics over top-10 result lists.

Every system returns, per query, its first ``K`` document ids in rank order (an empty list when
nothing matched). With one relevant document per query (JSQuAD, known-item), R@k is the share of
queries whose document is in the top k. P@10 divides by 10 even when fewer than 10 came back.
"""

from __future__ import annotations

from collections.abc import Sequence

K = 10


def reciprocal_rank(ranked: Sequence[str], relevant: frozenset[str], k: int = K) -> float:
    for i, doc_id in enumerate(ranked[:k], start=1):
        if doc_id in relevant:
            return 1.0 / i
    return 0.0


def recall(ranked: Sequence[str], relevant: frozenset[str], k: int) -> float:
    if not relevant:
        return 0.0
    return len(relevant.intersection(ranked[:k])) / len(relevant)


def precision(ranked: Sequence[str], relevant: frozenset[str], k: int = K) -> float:
    return len(relevant.intersection(ranked[:k])) / k


def evaluate(runs: Sequence[Sequence[str]], qrels: Sequence[frozenset[str]],
             names: Sequence[str]) -> dict[str, float]:
    """Mean of each metric in ``names`` (``mrr@10``, ``r@1``, ``r@10``, ``p@10``, ``zero``)."""
    if len(runs) != len(qrels):
        raise ValueError(f"{len(runs)} result lists for {len(qrels)} queries")
    n = len(qrels) or 1
    out: dict[str, float] = {}
    for name in names:
        if name == "mrr@10":
            v = sum(reciprocal_rank(r, q) for r, q in zip(runs, qrels))
        elif name.startswith("r@"):
            k = int(name[2:])
            v = sum(recall(r, q, k) for r, q in zip(runs, qrels))
        elif name == "p@10":
            v = sum(precision(r, q) for r, q in zip(runs, qrels))
        elif name == "zero":
            v = sum(1 for r in runs if not r)
        else:
            raise ValueError(f"unknown metric {name!r}")
        out[name] = v / n
    return out
