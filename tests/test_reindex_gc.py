"""A reindex freezes what lives after each batch of posts (pipeline._frozen_per_batch), and
leaves the interpreter's frozen set as it found it."""

from __future__ import annotations

import gc

import pytest

from search.indexing import pipeline
from search.indexing.rebuild import rebuild_index
from tests.test_indexing import write_post_files


@pytest.fixture
def freezes(monkeypatch):
    calls = []
    freeze = gc.freeze
    monkeypatch.setattr(pipeline.gc, "freeze", lambda: calls.append(1) or freeze())
    return calls


def test_a_rebuild_freezes_per_batch_and_thaws_after(tmp_path, freezes):
    write_post_files(tmp_path / "posts", pipeline.BATCH_POSTS * 2 + 3, sentences=2)
    gc.unfreeze()
    stats = rebuild_index(tmp_path / "posts", tmp_path / "index", jobs=1)
    assert stats.indexed == pipeline.BATCH_POSTS * 2 + 3
    assert len(freezes) == 2  # after each full batch
    assert gc.get_freeze_count() == 0


def test_objects_frozen_before_a_rebuild_stay_frozen(tmp_path, freezes):
    write_post_files(tmp_path / "posts", pipeline.BATCH_POSTS + 1, sentences=2)
    kept = [object() for _ in range(10)]
    gc.freeze()  # as a server does before forking its workers
    before = gc.get_freeze_count()
    try:
        rebuild_index(tmp_path / "posts", tmp_path / "index", jobs=1)
        assert freezes and before > 0 and gc.get_freeze_count() > 0  # not thawed (frozen objects that died are gone)
    finally:
        gc.unfreeze()
    assert kept
