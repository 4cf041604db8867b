"""The baseline: the same posts in SQLite FTS5 with the trigram tokenizer, queried with snippets.

What a developer adding search to a site with Python's standard library would write: one FTS5
table (title, body), ``tokenize='trigram'``; a query's space-separated terms (quotes removed)
are each a quoted substring and AND-ed; terms of 1–2 characters, which the trigram index cannot
match, become ``LIKE`` conditions (a scan). One page of 10 hits ranked by ``bm25`` with a
``snippet()`` of the body, plus the number of hits — what our search answers too.
"""

from __future__ import annotations

import sqlite3

from search.posts.reader import Post


class Fts5Index:
    def __init__(self, posts: list[Post]) -> None:
        self.db = sqlite3.connect(":memory:", check_same_thread=False)
        self.db.execute("CREATE VIRTUAL TABLE docs USING fts5(title, body, tokenize='trigram')")
        self.db.executemany("INSERT INTO docs(title, body) VALUES (?, ?)",
                            ((post.title, post.body) for post in posts))
        self.db.commit()

    def search(self, query: str) -> tuple[int, list[tuple]]:
        """(number of hits, up to 10 rows of (rowid, title, snippet, bm25))."""
        terms = [t for t in query.replace('"', " ").split() if t]
        long_terms = [t for t in terms if len(t) >= 3]
        short_terms = [t for t in terms if len(t) < 3]
        conditions, values = [], []
        if long_terms:
            conditions.append("docs MATCH ?")
            values.append(" AND ".join('"' + t.replace('"', '""') + '"' for t in long_terms))
        for term in short_terms:
            conditions.append("(title LIKE ? OR body LIKE ?)")
            values += [f"%{term}%"] * 2
        if not conditions:
            return 0, []
        where = " AND ".join(conditions)
        total = self.db.execute(f"SELECT count(*) FROM docs WHERE {where}", values).fetchone()[0]
        rows = self.db.execute(
            f"SELECT rowid, title, snippet(docs, 1, '<mark>', '</mark>', '…', 24), bm25(docs) "
            f"FROM docs WHERE {where} ORDER BY bm25(docs) LIMIT 10", values).fetchall()
        return total, rows
