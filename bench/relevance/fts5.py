"""SQLite FTS5 with ``tokenize='trigram'`` and ``bm25()`` ranking (Python's standard library).

How queries are fed (what a developer wiring FTS5 into a site would write, operators off as in
Datasette's ``escape_fts``):

- ``fts5-and``: the query is split on whitespace; each term is quoted (``"..."``, inner ``"``
  doubled) and the terms are joined with ``AND``. A quoted term is a phrase of its trigrams, i.e.
  a substring match.
- ``fts5-or``: the same terms joined with ``OR``.
- ``fts5-or-chunks``: each term is further split at punctuation, and every run of 3+ characters is
  cut into its overlapping 3-character chunks, all ``OR``-ed: the trigram bag of the query. This is
  the "chop the query" workaround (cf. mkdocs-material #2270) taken to its end.

Terms shorter than 3 characters are dropped in all three: the trigram tokenizer cannot match them
(they match no row), so keeping them would only turn every AND query containing one into zero hits.
A query left with no term returns nothing. Ranking is ``bm25(docs, 2.0, 1.0)`` (title ×2).
"""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path
from typing import Sequence

from .data import QuerySet

_PUNCT_SPLIT = re.compile(r"[^\w]+|_+")


def _quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def match_expression(query: str, mode: str) -> str | None:
    """The FTS5 MATCH string for ``query`` in ``mode`` (``and``, ``or``, ``or-chunks``), or None."""
    terms = query.split()
    if mode == "or-chunks":
        chunks: list[str] = []
        for term in terms:
            for run in _PUNCT_SPLIT.split(term):
                for i in range(len(run) - 2):
                    c = run[i:i + 3]
                    if c not in chunks:
                        chunks.append(c)
        terms = chunks
    terms = [t for t in terms if len(t) >= 3]
    if not terms:
        return None
    joiner = " AND " if mode == "and" else " OR "
    return joiner.join(_quote(t) for t in terms)


class Fts5Engine:
    systems = ("fts5-and", "fts5-or", "fts5-or-chunks")

    def __init__(self) -> None:
        self.db: sqlite3.Connection | None = None
        self.ids: list[str] = []

    def info(self) -> dict:
        return {"sqlite": sqlite3.sqlite_version, "tokenize": "trigram", "rank": "bm25(docs, 2.0, 1.0)"}

    def build(self, qs: QuerySet, workdir: Path, with_code: bool) -> dict:
        workdir.mkdir(parents=True, exist_ok=True)
        path = workdir / "fts5.sqlite"
        path.unlink(missing_ok=True)
        t0 = time.perf_counter()
        db = sqlite3.connect(path)
        db.execute("CREATE VIRTUAL TABLE docs USING fts5(title, body, tokenize='trigram')")
        self.ids = [d.id for d in qs.docs]
        with db:
            db.executemany("INSERT INTO docs(rowid, title, body) VALUES (?, ?, ?)",
                           ((i, d.title, d.text(with_code)) for i, d in enumerate(qs.docs)))
        db.execute("INSERT INTO docs(docs) VALUES ('optimize')")
        db.commit()
        index_s = time.perf_counter() - t0
        self.db = db
        return {"index_s": index_s, "index_bytes": path.stat().st_size}

    def run(self, system: str, queries: Sequence[str], k: int) -> tuple[list[list[str]], dict]:
        assert self.db is not None
        mode = system.removeprefix("fts5-")
        sql = f"SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY bm25(docs, 2.0, 1.0) LIMIT {int(k)}"
        out: list[list[str]] = []
        errors = no_terms = 0
        t0 = time.perf_counter()
        for q in queries:
            expr = match_expression(q, mode)
            if expr is None:
                no_terms += 1
                out.append([])
                continue
            try:
                rows = self.db.execute(sql, (expr,)).fetchall()
            except sqlite3.OperationalError:
                errors += 1
                rows = []
            out.append([self.ids[r[0]] for r in rows])
        return out, {"query_s": time.perf_counter() - t0, "errors": errors, "no_usable_terms": no_terms}

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None
