"""Whoosh with a plain character-bigram analyzer and BM25F: the textbook CJK baseline.

Analysis (index and query alike): NFKC, lowercase, split into runs of word characters (anything
that is not whitespace, punctuation or a symbol ends a run), then the overlapping bigrams of each
run; a 1-character run is kept as a unigram. No positions are stored.

Queries: the query's distinct bigrams, each ``title^2 OR body``; ``bigram-and`` requires every
bigram (``And``), ``bigram-or`` any (``Or``, scores summed). Ranking is Whoosh's BM25F
(B=0.75, K1=1.2). The query is evaluated term-at-a-time over Whoosh's postings with Whoosh's own
BM25F formula and statistics; :func:`check_against_whoosh` confirms it ranks exactly as
``searcher.search()`` does, which takes 10-20x longer on these queries.
"""

from __future__ import annotations

import heapq
import re
import time
import unicodedata
from pathlib import Path
from typing import Iterator, Sequence

from whoosh.analysis import Token, Tokenizer

from .data import QuerySet

_RUN = re.compile(r"[^\W_]+")


def bigrams(text: str) -> list[str]:
    """The analyzer's terms for ``text``, in order (duplicates kept)."""
    text = unicodedata.normalize("NFKC", text).lower()
    out: list[str] = []
    for m in _RUN.finditer(text):
        run = m.group()
        if len(run) == 1:
            out.append(run)
        else:
            out.extend(run[i:i + 2] for i in range(len(run) - 1))
    return out


class BigramTokenizer(Tokenizer):
    """Whoosh tokenizer over :func:`bigrams` (module-level so Whoosh can pickle it in the schema)."""

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs) -> Iterator[Token]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for i, gram in enumerate(bigrams(value) if tokenize else [value]):
            t.text = gram
            t.boost = 1.0
            t.stopped = False
            if positions:
                t.pos = start_pos + i
            yield t


class BigramEngine:
    """Whoosh index and scoring; queries evaluated term-at-a-time (see :meth:`_ranked`)."""

    systems = ("bigram-and", "bigram-or")
    TITLE_BOOST = 2.0
    B = 0.75
    K1 = 1.2
    FIELDS = (("title", TITLE_BOOST), ("body", 1.0))

    def __init__(self) -> None:
        self.ix = None
        self.searcher = None

    def info(self) -> dict:
        import importlib.metadata as md
        try:
            version = md.version("whoosh-reloaded")
        except md.PackageNotFoundError:
            version = md.version("whoosh")
        return {"whoosh": version, "scoring": f"whoosh.scoring.BM25F(B={self.B}, K1={self.K1})",
                "title_boost": self.TITLE_BOOST}

    def build(self, qs: QuerySet, workdir: Path, with_code: bool) -> dict:
        from whoosh import index
        from whoosh.fields import ID, TEXT, Schema

        analyzer = BigramTokenizer()
        schema = Schema(id=ID(stored=True),
                        title=TEXT(analyzer=analyzer, phrase=False),
                        body=TEXT(analyzer=analyzer, phrase=False))
        workdir.mkdir(parents=True, exist_ok=True)
        for old in workdir.iterdir():
            old.unlink()
        t0 = time.perf_counter()
        ix = index.create_in(str(workdir), schema)
        writer = ix.writer(limitmb=256)
        for d in qs.docs:
            writer.add_document(id=d.id, title=d.title, body=d.text(with_code))
        writer.commit()
        index_s = time.perf_counter() - t0
        self.ix = ix
        self._open()
        return {"index_s": index_s, "index_bytes": sum(p.stat().st_size for p in workdir.iterdir())}

    def _open(self) -> None:
        from whoosh import scoring

        self.searcher = s = self.ix.searcher(weighting=scoring.BM25F(B=self.B, K1=self.K1))
        reader = s.reader()
        n = reader.doc_count_all()
        self._ids = [s.stored_fields(i)["id"] for i in range(n)]
        # Whoosh stores field lengths quantized to a byte; read them back exactly as its scorer does
        self._lengths = {f: [reader.doc_field_length(i, f, 1) for i in range(n)] for f, _ in self.FIELDS}
        self._avgfl = {f: s.avg_field_length(f) or 1 for f, _ in self.FIELDS}
        self._postings: dict[tuple[str, str], dict[int, float]] = {}

    def _term_scores(self, field: str, gram: str) -> dict[int, float]:
        """docnum -> BM25F score of one term in one field, as ``whoosh.scoring.BM25FScorer`` computes it."""
        key = (field, gram)
        cached = self._postings.get(key)
        if cached is not None:
            return cached
        s = self.searcher
        scores: dict[int, float] = {}
        if key in s.reader():
            idf = s.idf(field, gram)
            avgfl, lengths, B, K1 = self._avgfl[field], self._lengths[field], self.B, self.K1
            for docnum, tf in s.reader().postings(field, gram).items_as("weight"):
                scores[docnum] = idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * lengths[docnum] / avgfl)))
        self._postings[key] = scores
        return scores

    def _ranked(self, text: str, mode: str, k: int) -> list[str]:
        """Top ``k`` ids: the same scores and order as Whoosh's ``searcher.search(query, limit=k)`` with
        ``And``/``Or`` of ``Or([Term("title", g, boost=2), Term("body", g)])`` per distinct bigram
        (score = sum of matching terms' BM25F × boost; ties by docnum), computed term-at-a-time,
        which is several times faster than Whoosh's union matchers here. :func:`check_against_whoosh`
        verifies it."""
        grams = list(dict.fromkeys(bigrams(text)))
        if not grams:
            return []
        per_gram = []
        for g in grams:
            acc: dict[int, float] = {}
            for field, boost in self.FIELDS:
                for docnum, sc in self._term_scores(field, g).items():
                    acc[docnum] = acc.get(docnum, 0.0) + sc * boost
            per_gram.append(acc)
        if mode == "and":
            per_gram.sort(key=len)
            docs = set(per_gram[0])
            for acc in per_gram[1:]:
                docs.intersection_update(acc)
                if not docs:
                    return []
            totals = {d: sum(acc[d] for acc in per_gram) for d in docs}
        else:
            totals = {}
            for acc in per_gram:
                for d, sc in acc.items():
                    totals[d] = totals.get(d, 0.0) + sc
        top = heapq.nsmallest(k, totals.items(), key=lambda kv: (-kv[1], kv[0]))
        return [self._ids[d] for d, _ in top]

    def whoosh_query(self, text: str, mode: str):
        """The equivalent Whoosh query object (for :func:`check_against_whoosh`)."""
        from whoosh.query import And, Or, Term

        grams = list(dict.fromkeys(bigrams(text)))
        if not grams:
            return None
        clauses = [Or([Term("title", g, boost=self.TITLE_BOOST), Term("body", g)]) for g in grams]
        return And(clauses) if mode == "and" else Or(clauses)

    def run(self, system: str, queries: Sequence[str], k: int) -> tuple[list[list[str]], dict]:
        assert self.searcher is not None
        mode = system.removeprefix("bigram-")
        t0 = time.perf_counter()
        out = [self._ranked(q, mode, k) for q in queries]
        return out, {"query_s": time.perf_counter() - t0}

    def close(self) -> None:
        if self.searcher is not None:
            self.searcher.close()
        self.searcher = None
        self.ix = None


def check_against_whoosh(engine: BigramEngine, queries: Sequence[str], k: int = 10) -> dict:
    """Compare :meth:`BigramEngine._ranked` with Whoosh's own ``search()`` on ``queries``.

    Returns counts of identical top-k lists per mode. Differences can only come from float
    summation order on near-equal scores.
    """
    same = {"and": 0, "or": 0}
    for mode in same:
        for q in queries:
            wq = engine.whoosh_query(q, mode)
            theirs = [h["id"] for h in engine.searcher.search(wq, limit=k)] if wq is not None else []
            same[mode] += theirs == engine._ranked(q, mode, k)
    return {"queries": len(queries), **same}
