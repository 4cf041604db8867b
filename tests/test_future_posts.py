"""Posts dated in the future are not indexed until their date, as Jekyll's default ``future: false``.

"Now" is injected (the ``now`` parameters), except where the command or the watcher runs on the
clock: there the posts are dated far ahead, or a few seconds ahead.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import search.indexing.pipeline as pipeline
from search.indexing.generations import current_generation
from search.indexing.index import open_index
from search.indexing.rebuild import rebuild_index
from search.indexing.update import update_index
from search.indexing.manifest import MANIFEST_FILE
from search.posts.reader import SkippedPost, load_posts
from search.querying.searcher import search_posts
from search.indexing.watch import watch_posts
from tests.test_indexing import index_contents, write_post_files
from web.cli import cli

JST = timezone(timedelta(hours=9))
EST = timezone(timedelta(hours=-5))
#: The build time of most tests: 2026-11-29 12:00 UTC (21:00 in Japan).
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)
LATER_REASON = "in the future: Jekyll publishes it from then (reindex after that, or use --future)"


def _write(folder: Path, name: str, front_matter: str, body: str = "本文です。") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\ntitle: {path.stem}\n{front_matter}---\n{body}\n", encoding="utf-8")
    return path


def _loaded(folder: Path, **kwargs) -> dict[str, object]:
    return {Path(item.path).name: item for item in load_posts(folder, **kwargs)}


# --------------------------------------------------------------------------------------------
# Which posts are in the future


def test_a_post_dated_in_the_future_by_its_front_matter_is_skipped_with_its_date(tmp_path):
    _write(tmp_path, "scheduled.md", "date: 2027-01-05 09:00:00 +0900\n")
    _write(tmp_path, "past.md", "date: 2026-11-01 09:00:00 +0900\n")
    loaded = _loaded(tmp_path, now=NOW)
    skipped = loaded["scheduled.md"]
    assert isinstance(skipped, SkippedPost)
    assert skipped.reason == f"dated 2027-01-05 09:00 +0900, {LATER_REASON}"
    assert skipped.unpublished and skipped.publish_at == datetime(2027, 1, 5, 9, 0, tzinfo=JST)
    assert not isinstance(loaded["past.md"], SkippedPost)


def test_a_post_dated_in_the_future_by_its_file_name_is_skipped(tmp_path):
    _write(tmp_path, "2026-12-01-advent.md", "tags: [予定]\n")
    _write(tmp_path, "2026-11-29-today.md", "tags: [今日]\n")  # midnight UTC: past at noon UTC
    loaded = _loaded(tmp_path, now=NOW)
    assert loaded["2026-12-01-advent.md"].reason == f"dated 2026-12-01 00:00 +0000, {LATER_REASON}"
    assert not isinstance(loaded["2026-11-29-today.md"], SkippedPost)


@pytest.mark.parametrize(("date", "future"), [
    ("2026-11-29 15:00:00 +0900", False),  # later than 12:00 on the clock, but 06:00 UTC: past
    ("2026-11-29 10:00:00 -0500", True),   # earlier than 12:00 on the clock, but 15:00 UTC: future
    ("2026-11-29 21:00:00 +0900", False),  # exactly now: published (Jekyll: date > time)
    ("2026-11-29 21:00:01 +0900", True),   # one second later
    ("2026-11-29T12:00:00.900Z", False),   # the same second: compared to the second, as Jekyll
    ("2026-11-30", True),                  # a date alone is midnight UTC: 09:00 of the 30th in Japan
])
def test_dates_are_compared_as_instants(tmp_path, date, future):
    _write(tmp_path, "post.md", f"date: {date}\n")
    assert isinstance(_loaded(tmp_path, now=NOW)["post.md"], SkippedPost) is future


def test_a_date_alone_is_future_until_midnight_utc_even_when_it_is_that_day_in_japan(tmp_path):
    _write(tmp_path, "2026-11-30-tomorrow.md", "")
    now_in_japan = datetime(2026, 11, 30, 8, 59, tzinfo=JST)  # 23:59 UTC on the 29th
    assert isinstance(_loaded(tmp_path, now=now_in_japan)["2026-11-30-tomorrow.md"], SkippedPost)
    assert not isinstance(_loaded(tmp_path, now=now_in_japan + timedelta(minutes=1))["2026-11-30-tomorrow.md"],
                          SkippedPost)


def test_future_keeps_posts_dated_in_the_future(tmp_path):
    _write(tmp_path, "scheduled.md", "date: 2027-01-05 09:00:00 +0900\n")
    _write(tmp_path, "draft.md", "date: 2027-01-05\npublished: false\n")
    loaded = _loaded(tmp_path, now=NOW, future=True)
    assert not isinstance(loaded["scheduled.md"], SkippedPost)
    assert loaded["draft.md"].reason == "published: false"  # a draft stays a draft


def test_skipped_posts_say_whether_they_are_unpublished_or_broken(tmp_path):
    _write(tmp_path, "draft.md", "published: false\n")
    _write(tmp_path, "scheduled.md", "date: 2027-01-05\n")
    (tmp_path / "broken.md").write_text("---\ntitle: [閉じていない\n---\n本文\n", encoding="utf-8")
    loaded = _loaded(tmp_path, now=NOW)
    assert (loaded["draft.md"].unpublished, loaded["draft.md"].publish_at) == (True, None)
    assert loaded["scheduled.md"].unpublished
    assert (loaded["broken.md"].unpublished, loaded["broken.md"].publish_at) == (False, None)


# --------------------------------------------------------------------------------------------
# Rebuilds and updates


def _blog(folder: Path) -> Path:
    """Five past posts and one scheduled for 2026-12-01 09:00 in Japan (00:00 UTC)."""
    write_post_files(folder, 5)
    _write(folder, "2026/2026-12-01-advent.md", "date: 2026-12-01 09:00:00 +0900\ntags: [旅行]\n",
           "アドベントカレンダーの初日です。ヤンバルクイナを見た。")
    return folder


def test_rebuild_skips_posts_dated_in_the_future_in_the_workers_too(tmp_path, monkeypatch):
    posts = _blog(tmp_path / "posts")
    monkeypatch.setattr(pipeline, "PARALLEL_MIN_CHARS", 0)
    for jobs in (1, 2):
        stats = rebuild_index(posts, tmp_path / f"index{jobs}", jobs=jobs, now=NOW)
        assert stats.indexed == 5
        assert [(s.path.name, s.reason) for s in stats.skipped] == [
            ("2026-12-01-advent.md", f"dated 2026-12-01 09:00 +0900, {LATER_REASON}")]
        assert search_posts(open_index(tmp_path / f"index{jobs}"), "ヤンバルクイナ").total == 0
    stats = rebuild_index(posts, tmp_path / "future", future=True, now=NOW)
    assert (stats.indexed, stats.skipped) == (6, [])
    assert search_posts(open_index(tmp_path / "future"), "ヤンバルクイナ").total == 1


def test_an_update_indexes_a_scheduled_post_once_its_date_has_come_though_its_file_did_not_change(tmp_path):
    posts = _blog(tmp_path / "posts")
    root = tmp_path / "index"
    rebuild_index(posts, root, now=NOW)
    index = open_index(root)

    before = update_index(posts, root, now=datetime(2026, 11, 30, 23, 59, 59, tzinfo=timezone.utc))
    assert before.incremental and before.index_dir is None  # nothing to do yet
    assert [(s.path.name, s.unpublished) for s in before.skipped] == [("2026-12-01-advent.md", True)]
    assert before.skipped[0].reason == f"dated 2026-12-01 09:00 +0900, {LATER_REASON}"
    assert "Index up to date (5 posts), skipped 1" in before.summary()

    on_the_day = datetime(2026, 12, 1, 0, 0, tzinfo=timezone.utc)
    stats = update_index(posts, root, now=on_the_day)
    assert stats.incremental and (stats.added, stats.updated, stats.unchanged) == (1, 0, 5)
    assert stats.skipped == []
    assert search_posts(index, "ヤンバルクイナ").total == 1  # the served index follows
    assert update_index(posts, root, now=on_the_day).index_dir is None  # and it stays indexed

    rebuild_index(posts, tmp_path / "fresh", now=on_the_day)  # the update and a rebuild agree
    assert index_contents(root) == index_contents(tmp_path / "fresh")


def test_an_update_removes_a_post_whose_date_is_moved_into_the_future(tmp_path):
    posts = tmp_path / "posts"
    path = _write(posts, "post.md", "date: 2026-11-01\n", "ヤンバルクイナを見た。")
    write_post_files(posts, 4)
    root = tmp_path / "index"
    rebuild_index(posts, root, now=NOW)
    assert search_posts(open_index(root), "ヤンバルクイナ").total == 1
    path.write_text(path.read_text(encoding="utf-8").replace("2026-11-01", "2026-12-24"), encoding="utf-8")
    stats = update_index(posts, root, now=NOW)
    assert stats.incremental and stats.deleted == 1
    assert [(s.path.name, s.reason) for s in stats.skipped] == [("post.md", f"dated 2026-12-24 00:00 +0000, {LATER_REASON}")]
    assert search_posts(open_index(root), "ヤンバルクイナ").total == 0


def test_changing_future_or_an_index_from_before_it_was_recorded_rebuilds(tmp_path):
    posts = _blog(tmp_path / "posts")
    root = tmp_path / "index"
    rebuild_index(posts, root, now=NOW)
    with_future = update_index(posts, root, future=True, now=NOW)
    assert not with_future.incremental and with_future.indexed == 6
    without = update_index(posts, root, now=NOW)
    assert not without.incremental and without.indexed == 5
    assert search_posts(open_index(root), "ヤンバルクイナ").total == 0

    manifest_path = current_generation(root) / MANIFEST_FILE  # as written before `future` was recorded
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    del manifest["future"]
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    assert not update_index(posts, root, now=NOW).incremental  # it may hold posts dated in the future


def test_watch_indexes_a_scheduled_post_when_its_date_comes(tmp_path):
    posts = tmp_path / "posts"
    write_post_files(posts, 2)
    soon = (datetime.now(timezone.utc) + timedelta(seconds=8)).replace(microsecond=0)  # after the rebuild
    _write(posts, "soon.md", f"date: {soon.isoformat()}\n", "ヤンバルクイナを見た。")
    root = tmp_path / "index"
    assert [s.path.name for s in rebuild_index(posts, root).skipped] == ["soon.md"]
    updates: list = []
    errors: list = []
    stop, ready = threading.Event(), threading.Event()
    thread = threading.Thread(target=watch_posts, args=(posts, root),
                              kwargs=dict(debounce_s=0.1, on_update=updates.append, on_error=errors.append,
                                          stop=stop, ready=ready))
    thread.start()
    try:
        assert ready.wait(30)
        deadline = time.monotonic() + 30
        while not updates and time.monotonic() < deadline:
            time.sleep(0.05)
        assert updates and errors == []
        assert updates[0].added == 1 and updates[0].skipped == []
        assert search_posts(open_index(root), "ヤンバルクイナ").total == 1
    finally:
        stop.set()
        thread.join(10)


# --------------------------------------------------------------------------------------------
# The command


FAR_AHEAD = "dated 2999-01-01 00:00 +0000, " + LATER_REASON


def _cli_blog(folder: Path) -> Path:
    write_post_files(folder, 3)
    _write(folder, "2999-01-01-someday.md", "tags: [旅行]\n", "ヤンバルクイナを見た。")
    return folder


def test_reindex_skips_posts_dated_in_the_future_and_says_why(runner, tmp_path):
    posts = _cli_blog(tmp_path / "posts")
    result = runner.invoke(cli, ["reindex", "--posts", str(posts), "--index", str(tmp_path / "index")])
    assert result.exit_code == 0, result.output
    assert "Indexed 3 posts, skipped 1," in result.output
    assert f"Skipped:\n  2999-01-01-someday.md: {FAR_AHEAD}\n" in result.output
    assert search_posts(open_index(tmp_path / "index"), "ヤンバルクイナ").total == 0


@pytest.mark.parametrize("how", [["--future"], ["--future", "--full"], "KENSAKU_FUTURE"])
def test_reindex_future_indexes_them(runner, tmp_path, monkeypatch, how):
    posts = _cli_blog(tmp_path / "posts")
    arguments = ["reindex", "--posts", str(posts), "--index", str(tmp_path / "index")]
    assert "Indexed 3 posts, skipped 1," in runner.invoke(cli, arguments).output
    if how == "KENSAKU_FUTURE":
        monkeypatch.setenv("KENSAKU_FUTURE", "1")
        how = []
    result = runner.invoke(cli, [*arguments, *how])  # the index had skipped it: rebuilt
    assert result.exit_code == 0, result.output
    assert "Indexed 4 posts, skipped 0," in result.output
    assert search_posts(open_index(tmp_path / "index"), "ヤンバルクイナ").total == 1


@pytest.mark.parametrize("setting, indexed", [("future: true", 4), ("future: false", 3), ("title: ブログ", 3),
                                              ("future: [", 3)])  # (a broken config is no config)
def test_future_true_in_the_sites_config_indexes_them(runner, tmp_path, setting, indexed):
    """``jekyll build`` reads ``future`` from ``_config.yml`` (beside ``_posts``) as from ``--future``."""
    posts = _cli_blog(tmp_path / "_posts")
    (tmp_path / "_config.yml").write_text(setting + "\n", encoding="utf-8")
    result = runner.invoke(cli, ["reindex", "--posts", str(posts), "--index", str(tmp_path / "index")])
    assert result.exit_code == 0, result.output
    assert f"Indexed {indexed} posts, skipped {4 - indexed}," in result.output
    assert search_posts(open_index(tmp_path / "index"), "ヤンバルクイナ").total == indexed - 3


def test_strict_accepts_posts_dated_in_the_future(runner, tmp_path):
    posts = _cli_blog(tmp_path / "posts")
    result = runner.invoke(cli, ["reindex", "--strict", "--posts", str(posts), "--index", str(tmp_path / "index")])
    assert result.exit_code == 0, result.output
    assert "Indexed 3 posts, skipped 1," in result.output and FAR_AHEAD in result.output
