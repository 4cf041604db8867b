"""Indexing: generations switched atomically, failed reindexes change nothing, version checks, lock."""

import json
import os
import threading

import pytest

from search.errors import IndexNotBuiltError, ReindexInProgressError, StaleIndexError
from search.indexing import (CURRENT_LINK, METADATA_FILE, current_generation, open_index, rebuild_index,
                             reindex_lock)
from search.posts import SkippedPost
from search.searching import search_posts
from tests.factories import ids, make_post

FIRST = [make_post("a", "猫の話", "猫が好き。"), make_post("b", "犬の話", "犬も好き。")]
SECOND = [make_post("c", "鳥の話", "鳥が好き。")]


def test_rebuild_switches_generation_and_server_follows(tmp_path):
    root = tmp_path / "index"
    stats = rebuild_index(tmp_path, root, posts=FIRST)
    assert stats.indexed == 2 and stats.skipped == [] and stats.elapsed_s > 0
    index = open_index(root)
    assert ids(search_posts(index, "好き")) == {"a", "b"}
    first_generation = current_generation(root)
    rebuild_index(tmp_path, root, posts=SECOND)
    assert current_generation(root) != first_generation
    assert os.path.islink(root / CURRENT_LINK)
    assert ids(search_posts(index, "好き")) == {"c"}  # the same SearchIndex object follows the switch
    assert index.doc_count == 1


def test_skipped_posts_are_counted(tmp_path):
    stats = rebuild_index(tmp_path, tmp_path / "index", posts=[*FIRST, SkippedPost(tmp_path / "x.md", "empty file")])
    assert stats.indexed == 2 and [s.reason for s in stats.skipped] == ["empty file"]
    assert "skipped 1" in stats.summary()


def _failing_posts():
    yield FIRST[0]
    raise RuntimeError("disk on fire")


def test_failed_rebuild_leaves_serving_index_intact(tmp_path):
    root = tmp_path / "index"
    rebuild_index(tmp_path, root, posts=FIRST)
    before = current_generation(root)
    with pytest.raises(RuntimeError):
        rebuild_index(tmp_path, root, posts=_failing_posts())
    assert current_generation(root) == before
    assert sorted(p.name for p in root.glob("gen-*")) == [before.name]
    assert ids(search_posts(open_index(root), "好き")) == {"a", "b"}


def test_abandoned_generation_is_cleaned_by_next_reindex(tmp_path):
    root = tmp_path / "index"
    rebuild_index(tmp_path, root, posts=FIRST)
    (root / "gen-00000000T000000-dead00").mkdir()  # as a SIGKILLed reindex would leave it
    rebuild_index(tmp_path, root, posts=SECOND)
    assert not (root / "gen-00000000T000000-dead00").exists()


def test_missing_index(tmp_path):
    with pytest.raises(IndexNotBuiltError, match="kensaku reindex"):
        open_index(tmp_path / "nothing")


def test_stale_index_is_refused(tmp_path):
    root = tmp_path / "index"
    rebuild_index(tmp_path, root, posts=FIRST)
    metadata_path = current_generation(root) / METADATA_FILE
    metadata = json.loads(metadata_path.read_text())
    metadata["format_version"] = -1
    metadata_path.write_text(json.dumps(metadata))
    with pytest.raises(StaleIndexError, match="reindex"):
        open_index(root)


def test_second_reindex_is_refused_while_one_runs(tmp_path):
    root = tmp_path / "index"
    with reindex_lock(root):
        with pytest.raises(ReindexInProgressError, match="Another reindex"):
            rebuild_index(tmp_path, root, posts=FIRST)
    rebuild_index(tmp_path, root, posts=FIRST)  # the lock is free again


def test_searches_during_reindex_never_see_a_partial_index(tmp_path):
    root = tmp_path / "index"
    many = [make_post(f"p{i}", f"記事{i}", "共通の単語と猫。") for i in range(30)]
    rebuild_index(tmp_path, root, posts=many)
    index = open_index(root)
    totals, errors = [], []
    stop = threading.Event()

    def query():
        while not stop.is_set():
            try:
                totals.append(search_posts(index, "共通").total)
            except Exception as exc:  # noqa: BLE001 - any error is a failure here
                errors.append(exc)

    thread = threading.Thread(target=query)
    thread.start()
    try:
        for _ in range(3):
            rebuild_index(tmp_path, root, posts=many)
    finally:
        stop.set()
        thread.join()
    assert errors == []
    assert totals and set(totals) == {30}
