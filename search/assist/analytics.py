"""Search analytics without personal data: how often each query was searched, and found nothing.

What readers look for and don't find is the most useful thing a site owner can learn from a
search box (Algolia's and Meilisearch's analytics lead with it). This module counts, per day and
per normalized query, the searches and the searches that found no post, in a small SQLite file::

    query_counts(day TEXT 'YYYY-MM-DD' UTC, query TEXT, searches INTEGER, zero_results INTEGER)
    PRIMARY KEY (day, query)

Nothing else is stored: no IP address, no user agent, no cookie, no time of day, no session, so
a row cannot be tied to a reader. Queries are normalized before counting (:func:`normalize_for_stats`:
NFKC, one space between words, case folded), so ``ＡＷＳ`` and ``aws`` are one query. The day
lets old rows be forgotten (:meth:`QueryLog.forget_before`).

Plain library code: it takes a path, never reads configuration; the web app decides which
searches are worth recording (:mod:`web.views`) and ``kensaku stats`` prints the report.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from search.analysis.normalize import normalize_query

#: Longest query stored, in characters after normalization (longer ones are cut).
MAX_STORED_QUERY_CHARS = 200
#: Seconds a writer waits for another one to release the database before giving up.
BUSY_TIMEOUT_S = 2.0
#: Most rows (one per day and distinct query) kept: ~60 bytes each on disk with the primary key
#: index, so ~12 MB. Beyond it the oldest days are dropped first (:meth:`QueryLog.record`).
MAX_ROWS = 200_000
#: Records between two checks of the row count (a ``COUNT(*)``: ~5 ms at :data:`MAX_ROWS`).
CHECK_EVERY = 500
#: Hard limit of the file, in bytes (SQLite's ``max_page_count``): should the row bound fail to
#: hold (queries of :data:`MAX_STORED_QUERY_CHARS` each), writes fail with "database or disk is
#: full", which the server logs and drops, instead of filling the disk.
MAX_FILE_BYTES = 64 * 1024 * 1024

_SCHEMA = """
CREATE TABLE IF NOT EXISTS query_counts (
    day TEXT NOT NULL,
    query TEXT NOT NULL,
    searches INTEGER NOT NULL DEFAULT 0,
    zero_results INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, query)
) WITHOUT ROWID
"""


def normalize_for_stats(q: str) -> str:
    """The form a query is counted under: NFKC, spaces collapsed, case folded, length capped.

    >>> normalize_for_stats("  ＡＷＳ　Lambda ")
    'aws lambda'
    """
    return normalize_query(q).casefold()[:MAX_STORED_QUERY_CHARS].strip()


@dataclass(frozen=True)
class QueryCount:
    """One row of a report.

    :ivar query: the normalized query.
    :ivar searches: how many times it was searched in the period.
    :ivar zero_results: how many of those searches found no post.
    """

    query: str
    searches: int
    zero_results: int

    def to_json(self) -> dict:
        """``{"query", "searches", "zero_results"}``."""
        return {"query": self.query, "searches": self.searches, "zero_results": self.zero_results}


@dataclass(frozen=True)
class Report:
    """What readers searched for in a period.

    :ivar since: first day counted (UTC), or None for all days.
    :ivar searches: all searches counted; ``zero_results``: those that found nothing.
    :ivar distinct_queries: number of different normalized queries.
    :ivar top_queries: most searched queries, most first.
    :ivar top_zero_queries: queries that most often found nothing, most first.
    """

    since: date | None
    searches: int
    zero_results: int
    distinct_queries: int
    top_queries: list[QueryCount]
    top_zero_queries: list[QueryCount]

    def to_json(self) -> dict:
        """The report as plain JSON types."""
        return {
            "since": self.since.isoformat() if self.since else None,
            "searches": self.searches,
            "zero_results": self.zero_results,
            "distinct_queries": self.distinct_queries,
            "top_queries": [c.to_json() for c in self.top_queries],
            "top_zero_queries": [c.to_json() for c in self.top_zero_queries],
        }


class QueryLog:
    """Counts of searches per day and normalized query, in the SQLite file ``path``.

    The file and its folder are created on the first :meth:`record`. Safe to share between the
    threads of one process (one connection behind a lock) and between processes (SQLite locking,
    write-ahead log). Its size is bounded: see ``max_rows``, and :data:`MAX_FILE_BYTES`.

    :param path: the SQLite file, e.g. ``index/analytics.sqlite3``.
    :param max_rows: most rows kept; past it, every ``check_every`` records, whole days are
        dropped, oldest first, down to ``max_rows``; when today alone holds more, today's
        queries searched only once go (one reader's typos, or a flood of made-up queries),
        the counts of queries searched more often stay.
    :param check_every: records between two checks of the bound.
    """

    def __init__(self, path: Path | str, *, max_rows: int = MAX_ROWS, check_every: int = CHECK_EVERY) -> None:
        self.path = Path(path)
        self.max_rows = max_rows
        self.check_every = check_every
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None
        self._records = 0  # since the bound was last checked

    def _connect(self) -> sqlite3.Connection:
        if self._connection is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, check_same_thread=False,
                                         isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            page_size = connection.execute("PRAGMA page_size").fetchone()[0]
            connection.execute(f"PRAGMA max_page_count={MAX_FILE_BYTES // page_size}")
            connection.execute(_SCHEMA)
            self._connection = connection
        return self._connection

    def record(self, q: str, *, found: int, day: date | None = None) -> bool:
        """Count one search for ``q`` that found ``found`` posts.

        :param q: the query as typed; it is normalized (:func:`normalize_for_stats`) and an empty
            result is not counted.
        :param found: total hits of the search (0 counts as a zero-result search).
        :param day: the UTC day to count it on (today by default).
        :returns: whether it was counted.
        :raises sqlite3.Error: the file cannot be written (callers that must not fail catch it).
        """
        query = normalize_for_stats(q)
        if not query:
            return False
        day = day or datetime.now(timezone.utc).date()
        with self._lock:
            self._connect().execute(
                "INSERT INTO query_counts (day, query, searches, zero_results) VALUES (?, ?, 1, ?) "
                "ON CONFLICT (day, query) DO UPDATE SET searches = searches + 1, "
                "zero_results = zero_results + excluded.zero_results",
                (day.isoformat(), query, 1 if found == 0 else 0),
            )
            self._records += 1
            if self._records >= self.check_every:
                self._records = 0
                self._keep_bound(self._connect())
        return True

    def _keep_bound(self, connection: sqlite3.Connection) -> int:
        """Drop rows down to :attr:`max_rows`: oldest days first, then today's single searches.

        :returns: rows deleted.
        """
        rows = connection.execute("SELECT COUNT(*) FROM query_counts").fetchone()[0]
        deleted = 0
        while rows - deleted > self.max_rows:
            days = connection.execute("SELECT day, COUNT(*) FROM query_counts GROUP BY day ORDER BY day").fetchall()
            if len(days) > 1:
                deleted += connection.execute("DELETE FROM query_counts WHERE day = ?", (days[0][0],)).rowcount
                continue
            excess = rows - deleted - self.max_rows
            deleted += connection.execute(
                "DELETE FROM query_counts WHERE (day, query) IN (SELECT day, query FROM query_counts "
                "WHERE searches = 1 LIMIT ?)", (excess,)).rowcount
            break
        return deleted

    def report(self, *, limit: int = 20, days: int | None = None, today: date | None = None) -> Report:
        """The most searched queries and the queries that most often found nothing.

        :param limit: rows in each list.
        :param days: count only the last ``days`` days (today included); None counts all.
        :param today: the day ``days`` counts back from (UTC today by default).
        :returns: an empty report when the file does not exist yet.
        """
        since = None
        if days is not None:
            since = (today or datetime.now(timezone.utc).date()) - timedelta(days=max(days, 1) - 1)
        if not self.path.exists():
            return Report(since, 0, 0, 0, [], [])
        where, args = ("WHERE day >= ?", (since.isoformat(),)) if since else ("", ())
        grouped = (f"SELECT query, SUM(searches) AS s, SUM(zero_results) AS z FROM query_counts {where} "
                   "GROUP BY query")
        with self._lock:
            connection = self._connect()
            searches, zero, distinct = connection.execute(
                f"SELECT COALESCE(SUM(s), 0), COALESCE(SUM(z), 0), COUNT(*) FROM ({grouped})", args).fetchone()
            top = connection.execute(f"{grouped} ORDER BY s DESC, query LIMIT ?", (*args, limit)).fetchall()
            top_zero = connection.execute(
                f"SELECT * FROM ({grouped}) WHERE z > 0 ORDER BY z DESC, s DESC, query LIMIT ?",
                (*args, limit)).fetchall()
        return Report(since, searches, zero, distinct,
                      [QueryCount(*row) for row in top], [QueryCount(*row) for row in top_zero])

    def add_counts_from(self, other: Path | str) -> None:
        """Add the counts of another counts file (another server's) to these, day by day and query
        by query: how ``kensaku stats`` reports several servers together.

        :raises sqlite3.Error: ``other`` is not a counts file.
        """
        with self._lock:
            connection = self._connect()
            connection.execute("ATTACH DATABASE ? AS other", (str(other),))
            try:
                connection.execute(
                    "INSERT INTO query_counts (day, query, searches, zero_results) "
                    "SELECT day, query, searches, zero_results FROM other.query_counts WHERE true "
                    "ON CONFLICT (day, query) DO UPDATE SET searches = searches + excluded.searches, "
                    "zero_results = zero_results + excluded.zero_results")
            finally:
                connection.execute("DETACH DATABASE other")

    def forget_before(self, day: date) -> int:
        """Delete the counts of days before ``day``; returns how many rows went."""
        if not self.path.exists():
            return 0
        with self._lock:
            cursor = self._connect().execute("DELETE FROM query_counts WHERE day < ?", (day.isoformat(),))
        return cursor.rowcount

    def close(self) -> None:
        """Close the database connection (a later call opens it again)."""
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None
