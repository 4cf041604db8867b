"""A reindex never loses posts it cannot see for a moment (issue 13).

An indexed post whose file is there but cannot be read keeps its indexed version (update and full
rebuild); a reindex that would drop a large share of the index at once refuses unless allowed
(library, CLI, watch mode); ``kensaku reindex --full & rm -rf posts`` never ends with exit 0 and a
shrunken index.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import search.indexing.rebuild as rebuild_module
import search.posts.reader as reader
from search.errors import EmptyPostsFolderError, IndexShrinkError
from search.indexing.generations import current_generation
from search.indexing.index import open_index
from search.indexing.rebuild import rebuild_index
from search.indexing.safeguards import SHRINK_MAX_SHARE, SHRINK_MIN_POSTS, check_shrink
from search.indexing.update import update_index
from search.querying.searcher import search_posts
from tests.test_indexing import _wait_for, _watching, write_post_files
from web.cli import cli

KENSAKU = str(Path(sys.executable).with_name("kensaku"))
COMMON_WORD = "共通語彙"  # in every post of write_post_files


def _total(root: Path, query: str = COMMON_WORD) -> int:
    return search_posts(open_index(root), query).total


def _unreadable(monkeypatch, *paths: Path, error: int = errno.EACCES) -> None:
    """Make opening ``paths`` fail with ``error`` (the tests run as root, whom chmod does not stop)."""
    blocked = {os.path.abspath(path) for path in paths}
    original = os.open

    def fake_open(path, flags, *args, **kwargs):
        if os.path.abspath(os.fsdecode(path)) in blocked:
            raise OSError(error, os.strerror(error), str(path))
        return original(path, flags, *args, **kwargs)

    monkeypatch.setattr(reader.os, "open", fake_open)


# --------------------------------------------------------------------------------------------
# The threshold

@pytest.mark.parametrize("before, after, refused", [
    (510, 66, True),                      # the issue's
    (100, 49, True), (100, 50, False),    # more than half …
    (18, 8, True), (18, 9, False),
    (15, 6, False),                       # … and at least SHRINK_MIN_POSTS (9 lost)
    (9, 0, False),                        # a small blog emptying most of itself (the empty-folder check still applies)
    (30, 40, False),
])
def test_the_shrink_threshold(tmp_path, before, after, refused):
    assert (before - after > before * SHRINK_MAX_SHARE and before - after >= SHRINK_MIN_POSTS) == refused
    if refused:
        with pytest.raises(IndexShrinkError, match=rf"drop {before - after} of the {before} posts.*--allow-shrink"):
            check_shrink(before, after, tmp_path)
        check_shrink(before, after, tmp_path, allow=True)
    else:
        check_shrink(before, after, tmp_path)


# --------------------------------------------------------------------------------------------
# Deleted files: refused over the threshold, in updates and full rebuilds

@pytest.mark.parametrize("reindex", [update_index, rebuild_index], ids=["update", "full"])
def test_deleting_most_posts_at_once_is_refused_unless_allowed(tmp_path, reindex):
    posts, root = tmp_path / "posts", tmp_path / "index"
    paths = write_post_files(posts, 30)
    rebuild_index(posts, root)
    served = current_generation(root)
    for path in paths[:20]:
        path.unlink()
    with pytest.raises(IndexShrinkError, match="drop 20 of the 30 posts"):
        reindex(posts, root)
    assert current_generation(root) == served and _total(root) == 30
    assert sorted(root.glob("gen-*")) == [served]  # no half-written generation left
    stats = reindex(posts, root, allow_shrink=True)
    assert _total(root) == 10 and (stats.deleted == 20 if stats.incremental else stats.indexed == 10)


def test_deleting_a_few_posts_needs_no_permission(tmp_path):
    posts, root = tmp_path / "posts", tmp_path / "index"
    paths = write_post_files(posts, 30)
    rebuild_index(posts, root)
    for path in paths[:12]:  # 12 of 30: under half
        path.unlink()
    assert update_index(posts, root).deleted == 12 and _total(root) == 18


def test_files_vanishing_while_a_full_rebuild_reads_them_are_refused(tmp_path, monkeypatch):
    """``kensaku reindex --full & rm -rf posts``, made deterministic: the files are listed, then
    most of them go before they are read."""
    posts, root = tmp_path / "posts", tmp_path / "index"
    write_post_files(posts, 30)
    rebuild_index(posts, root)
    listed = rebuild_module.find_post_files

    def list_then_delete(folder, **kwargs):
        found = listed(folder, **kwargs)
        for path in found[3:]:
            path.unlink()
        return found

    monkeypatch.setattr(rebuild_module, "find_post_files", list_then_delete)
    with pytest.raises(IndexShrinkError, match="drop 27 of the 30 posts"):
        rebuild_index(posts, root)
    assert _total(root) == 30


@pytest.mark.parametrize("delay_s", [0.0, 1.0, 2.0])
def test_reindex_full_racing_rm_rf_never_ends_in_a_shrunken_index(tmp_path, delay_s):
    """The issue's reproduction with real processes, the folder removed at several moments: the
    reindex either read everything first (exit 0, every post indexed) or refuses, saying why,
    and the index is as it was."""
    posts, root = tmp_path / "posts", tmp_path / "index"
    write_post_files(posts, 60, sentences=30)
    rebuild_index(posts, root)
    env = {k: v for k, v in os.environ.items() if not k.startswith("KENSAKU_")}
    process = subprocess.Popen([KENSAKU, "reindex", "--full", "--posts", str(posts), "--index", str(root), "--jobs", "2"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        process.wait(delay_s)
    except subprocess.TimeoutExpired:
        pass
    shutil.rmtree(posts)
    out, err = process.communicate(timeout=120)
    assert _total(root) == 60, (out, err)
    if process.returncode != 0:
        assert any(reason in err for reason in ("--allow-shrink", "No post files found", "posts folder not found"))
        assert "Traceback" not in err, err


def test_the_cli_refuses_with_a_clear_message_and_exit_status(tmp_path, runner):
    posts, root = tmp_path / "posts", tmp_path / "index"
    paths = write_post_files(posts, 30)
    rebuild_index(posts, root)
    for path in paths[:25]:
        path.unlink()
    for options in ([], ["--full"]):
        result = runner.invoke(cli, ["reindex", "--posts", str(posts), "--index", str(root), *options])
        assert result.exit_code == 1 and "drop 25 of the 30 posts" in result.output
        assert "--allow-shrink" in result.output and _total(root) == 30
    result = runner.invoke(cli, ["reindex", "--posts", str(posts), "--index", str(root), "--allow-shrink"])
    assert result.exit_code == 0 and _total(root) == 5
    help_text = runner.invoke(cli, ["reindex", "--help"]).output
    assert "--allow-shrink" in help_text and "more than half" in help_text and "--follow-links" in help_text


def test_an_empty_folder_is_still_refused_as_such(tmp_path):
    posts, root = tmp_path / "posts", tmp_path / "index"
    paths = write_post_files(posts, 30)
    rebuild_index(posts, root)
    for path in paths:
        path.unlink()
    for reindex in (update_index, rebuild_index):
        with pytest.raises(EmptyPostsFolderError):
            reindex(posts, root, allow_shrink=True)


# --------------------------------------------------------------------------------------------
# Unreadable files keep their indexed version

@pytest.mark.parametrize("error", [errno.EACCES, errno.EIO])
def test_an_update_keeps_an_indexed_post_that_cannot_be_read(tmp_path, monkeypatch, error):
    posts, root = tmp_path / "posts", tmp_path / "index"
    paths = write_post_files(posts, 6)
    rebuild_index(posts, root)
    target = paths[2]
    title = target.read_text(encoding="utf-8").splitlines()[1].removeprefix("title: ")
    target.write_text(target.read_text(encoding="utf-8") + "\n追記。\n", encoding="utf-8")  # being saved …
    _unreadable(monkeypatch, target, error=error)                                         # … and unreadable
    stats = update_index(posts, root)
    assert [Path(k.path).name for k in stats.kept] == [target.name]
    assert os.strerror(error) in stats.kept[0].reason and stats.deleted == 0 and not stats.skipped
    assert "kept 1 unreadable as indexed" in stats.summary()
    assert _total(root) == 6 and search_posts(open_index(root), f'"{title}"').total >= 1
    monkeypatch.undo()
    stats = update_index(posts, root)  # readable again: read and updated
    assert stats.updated == 1 and not stats.kept and _total(root, "追記") == 1


def test_a_full_rebuild_keeps_an_indexed_post_that_cannot_be_read(tmp_path, monkeypatch):
    posts, root = tmp_path / "posts", tmp_path / "index"
    paths = write_post_files(posts, 6)
    rebuild_index(posts, root)
    before = {hit.post_id: hit for hit in search_posts(open_index(root), COMMON_WORD, per_page=10).hits}
    _unreadable(monkeypatch, paths[0], paths[4])
    stats = rebuild_index(posts, root)
    assert sorted(Path(k.path).name for k in stats.kept) == sorted([paths[0].name, paths[4].name])
    assert stats.indexed == 6 and not stats.skipped
    after = {hit.post_id: hit for hit in search_posts(open_index(root), COMMON_WORD, per_page=10).hits}
    assert after.keys() == before.keys()
    for post_id in after:
        assert (after[post_id].url, after[post_id].title, after[post_id].date, after[post_id].tags) == \
               (before[post_id].url, before[post_id].title, before[post_id].date, before[post_id].tags)
    monkeypatch.undo()
    assert update_index(posts, root).updated == 2  # read again once readable (their hash was unknown)


#: Contents an author's save can leave a published post with for a moment (a save half done, a typo).
BROKEN = {
    "empty": "",
    "yaml": "---\ntitle: [閉じていない\n---\n本文\n",
    "unclosed": "---\ntitle: 途中\n本文\n",
    "date": "---\ntitle: 日付\ndate: 2024-13-45\n---\n本文\n",
    "binary": "\0\0\0",
}


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_a_published_post_whose_file_is_broken_keeps_its_indexed_version(tmp_path, kind):
    """A typo or a save half done does not unpublish a post: its last good version stays
    searchable and is reported with the reason, by an update and by a full rebuild alike; a
    draft (published: false) is still dropped, and a broken file never indexed is skipped."""
    posts, root = tmp_path / "posts", tmp_path / "index"
    paths = write_post_files(posts, 6)
    rebuild_index(posts, root)
    target, draft = paths[2], paths[3]
    title = target.read_text(encoding="utf-8").splitlines()[1].removeprefix("title: ")
    target.write_bytes(BROKEN[kind].encode("utf-8"))
    draft.write_text("---\ntitle: 下書き\npublished: false\n---\n本文\n", encoding="utf-8")
    new = posts / "2024-09-09-broken-new.md"
    new.write_bytes(BROKEN[kind].encode("utf-8"))
    for stats in (update_index(posts, root), rebuild_index(posts, root)):
        assert [Path(k.path).name for k in stats.kept] == [target.name], stats.summary()
        assert [Path(s.path).name for s in stats.skipped] == sorted([draft.name, new.name]), stats.summary()
        assert _total(root) == 5 and search_posts(open_index(root), f'"{title}"').total >= 1


def test_an_unreadable_file_that_was_never_indexed_is_skipped(tmp_path, monkeypatch):
    posts, root = tmp_path / "posts", tmp_path / "index"
    write_post_files(posts, 3)
    rebuild_index(posts, root)
    new = posts / "2024-09-09-new.md"
    new.write_text("---\ntitle: 新しい\n---\n本文。\n", encoding="utf-8")
    _unreadable(monkeypatch, new)
    stats = update_index(posts, root)
    assert [Path(s.path).name for s in stats.skipped] == [new.name] and not stats.kept


def test_the_cli_reports_kept_posts(tmp_path, monkeypatch, runner):
    posts, root = tmp_path / "posts", tmp_path / "index"
    paths = write_post_files(posts, 4)
    rebuild_index(posts, root)
    paths[1].write_text(paths[1].read_text(encoding="utf-8") + "\n追記。\n", encoding="utf-8")
    _unreadable(monkeypatch, paths[1])
    result = runner.invoke(cli, ["reindex", "--posts", str(posts), "--index", str(root)])
    assert result.exit_code == 0, result.output
    assert "Kept as indexed" in result.output and "Permission denied" in result.output
    assert paths[1].relative_to(posts).as_posix() in result.output


# --------------------------------------------------------------------------------------------
# Watch mode reports and keeps serving

def test_watch_reports_a_shrink_and_keeps_serving(tmp_path):
    posts, root, away = tmp_path / "posts", tmp_path / "index", tmp_path / "away"
    write_post_files(posts / "bulk", 20)
    write_post_files(posts / "rest", 4, seed=2)
    rebuild_index(posts, root)
    stop, thread, errors = _watching(posts, root, [])
    try:
        os.rename(posts / "bulk", away)  # 20 of 24 posts gone at once (a checkout, an rm -rf)
        assert _wait_for(lambda: any(isinstance(e, IndexShrinkError) for e in errors))
        assert _total(root) == 24 and thread.is_alive()
        shutil.copytree(away, posts / "bulk")  # back: watching goes on as usual
        (posts / "rest" / "2024-06-01-new.md").write_text(f"---\ntitle: 新\n---\n{COMMON_WORD}。\n", encoding="utf-8")
        assert _wait_for(lambda: _total(root) == 25)
    finally:
        stop.set()
        thread.join(10)
