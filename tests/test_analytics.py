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
