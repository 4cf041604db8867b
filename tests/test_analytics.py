"""Search analytics: counts per normalized query, nothing about the reader, and `kensaku stats`."""

from __future__ import annotations

import json
import sqlite3
from datetime import date

import pytest

from search.assist.analytics import QueryLog, normalize_for_stats
from web.cli import cli

DAY = date(2026, 3, 1)


@pytest.fixture
def query_log(tmp_path):
    log = QueryLog(tmp_path / "sub" / "analytics.sqlite3")
    yield log
    log.close()


@pytest.mark.parametrize("typed, counted", [
    ("ＡＷＳ", "aws"),
    ("  AWS\u3000Lambda  ", "aws lambda"),
    ("ｸﾗｳﾄﾞ", "クラウド"),
    ("東京 \t 観光", "東京 観光"),
    ("x" * 500, "x" * 200),
])
def test_queries_are_normalized(typed, counted):
    assert normalize_for_stats(typed) == counted


def test_record_and_report(query_log):
    for q, found in [("AWS", 3), ("ａｗｓ", 3), ("aws ", 0), ("量子", 0), ("量子", 0), ("東京", 1)]:
        assert query_log.record(q, found=found, day=DAY)
    assert not query_log.record("  ", found=0, day=DAY)
    report = query_log.report(today=DAY)
    assert (report.searches, report.zero_results, report.distinct_queries) == (6, 3, 3)
    assert [(c.query, c.searches, c.zero_results) for c in report.top_queries] == [
        ("aws", 3, 1), ("量子", 2, 2), ("東京", 1, 0)]
    assert [c.query for c in report.top_zero_queries] == ["量子", "aws"]
    assert report.to_json()["top_zero_queries"][0] == {"query": "量子", "searches": 2, "zero_results": 2}


def test_report_limit_and_days(query_log):
    query_log.record("古い", found=0, day=date(2026, 1, 1))
    query_log.record("新しい", found=1, day=DAY)
    assert [c.query for c in query_log.report(days=7, today=DAY).top_queries] == ["新しい"]
    assert {c.query for c in query_log.report(today=DAY).top_queries} == {"古い", "新しい"}
    assert len(query_log.report(limit=1, today=DAY).top_queries) == 1
    assert query_log.forget_before(date(2026, 2, 1)) == 1
    assert [c.query for c in query_log.report(today=DAY).top_queries] == ["新しい"]


def test_report_without_file(tmp_path):
    report = QueryLog(tmp_path / "none.sqlite3").report()
    assert (report.searches, report.top_queries, report.top_zero_queries) == (0, [], [])
    assert not (tmp_path / "none.sqlite3").exists()


def test_nothing_about_the_reader_is_stored(query_log):
    query_log.record("東京", found=1, day=DAY)
    query_log.close()
    with sqlite3.connect(query_log.path) as connection:
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        columns = [row[1] for row in connection.execute("PRAGMA table_info(query_counts)")]
        rows = connection.execute("SELECT * FROM query_counts").fetchall()
    assert tables == ["query_counts"]
    assert columns == ["day", "query", "searches", "zero_results"]
    assert rows == [("2026-03-01", "東京", 1, 0)]


def test_stats_command(runner, tmp_path):
    db = tmp_path / "a.sqlite3"
    log = QueryLog(db)
    for q, found in [("AWS", 2), ("AWS", 2), ("量子コンピュータ", 0)]:
        log.record(q, found=found)
    log.close()
    result = runner.invoke(cli, ["stats", "--analytics-db", str(db)])
    assert result.exit_code == 0, result.output
    assert "3 searches (all days), 1 found nothing, 2 different queries." in result.output
    top, zero = result.output.split("Top queries with no results:")
    assert top.index("2  aws") < top.index("1  量子コンピュータ")
    assert "1  量子コンピュータ" in zero and "aws" not in zero
    as_json = json.loads(runner.invoke(cli, ["stats", "--analytics-db", str(db), "--json", "--limit", "1"]).output)
    assert as_json["top_queries"] == [{"query": "aws", "searches": 2, "zero_results": 0}]
    assert as_json["top_zero_queries"][0]["query"] == "量子コンピュータ"


def test_stats_defaults_to_the_index_directory(runner, tmp_path):
    log = QueryLog(tmp_path / "analytics.sqlite3")
    log.record("東京", found=0)
    log.close()
    result = runner.invoke(cli, ["stats", "--index", str(tmp_path)])
    assert result.exit_code == 0 and "東京" in result.output


def test_stats_forget_before(runner, tmp_path):
    db = tmp_path / "a.sqlite3"
    log = QueryLog(db)
    log.record("古い", found=0, day=date(2020, 1, 1))
    log.close()
    result = runner.invoke(cli, ["stats", "--analytics-db", str(db), "--forget-before", "2021-01-01"])
    assert result.exit_code == 0
    assert "Forgot 1" in result.output and "古い" not in result.output


def _rows(log: QueryLog) -> list[tuple[str, str, int]]:
    with sqlite3.connect(log.path) as connection:
        return connection.execute("SELECT day, query, searches FROM query_counts ORDER BY day, query").fetchall()


def test_the_database_has_a_size_bound_dropping_old_days_first(tmp_path):
    """A flood of distinct queries cannot grow the file without end (issue 13): past the row
    bound the oldest days go first, whole, and the latest days' counts are kept."""
    log = QueryLog(tmp_path / "analytics.sqlite3", max_rows=30, check_every=1)
    days = [date(2026, 3, d) for d in range(1, 6)]
    for day in days:
        for i in range(12):
            log.record(f"語{day.day}-{i}", found=1, day=day)
            assert len(_rows(log)) <= 30
    kept_days = sorted({row[0] for row in _rows(log)})
    assert kept_days[-1] == days[-1].isoformat() and days[0].isoformat() not in kept_days
    assert len([r for r in _rows(log) if r[0] == days[-1].isoformat()]) == 12  # the newest day whole
    log.close()


def test_one_day_flooded_beyond_the_bound_keeps_the_queries_searched_again(tmp_path):
    log = QueryLog(tmp_path / "analytics.sqlite3", max_rows=20, check_every=1)
    for _ in range(3):
        log.record("東京", found=2, day=DAY)
    for i in range(100):
        log.record(f"でたらめ{i}", found=0, day=DAY)
    rows = _rows(log)
    assert len(rows) <= 20 and (DAY.isoformat(), "東京", 3) in rows
    log.close()


def test_the_file_has_a_hard_size_limit(tmp_path):
    """Past :data:`MAX_FILE_BYTES` SQLite refuses writes ("database or disk is full"), which the
    server logs and drops, rather than fill the disk."""
    from search.assist.analytics import MAX_FILE_BYTES

    log = QueryLog(tmp_path / "analytics.sqlite3")
    log.record("東京", found=1, day=DAY)
    connection = log._connect()  # max_page_count is a setting of the connection
    pages, page_size = (connection.execute(f"PRAGMA {name}").fetchone()[0] for name in ("max_page_count", "page_size"))
    assert 0 < pages * page_size <= MAX_FILE_BYTES
    connection.execute(f"PRAGMA max_page_count={connection.execute('PRAGMA page_count').fetchone()[0]}")
    with pytest.raises(sqlite3.OperationalError, match="full"):
        for i in range(10_000):
            log.record(f"とても長い検索語{i}" * 10, found=0, day=DAY)
    log.close()


@pytest.mark.parametrize("records", [1, 7])
def test_the_bound_is_checked_every_few_records(tmp_path, records):
    log = QueryLog(tmp_path / "analytics.sqlite3", max_rows=5, check_every=10)
    for i in range(10 + records):
        log.record(f"q{i}", found=1, day=date(2026, 3, 1 + i % 3))
    assert len(_rows(log)) <= 5 + records
    log.close()
