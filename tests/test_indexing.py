"""Indexing: generations switched atomically, failed reindexes change nothing, version checks, lock."""

import json
import os
import shutil
import threading
import time

import pytest

from search.errors import IndexNotBuiltError, ReindexInProgressError, StaleIndexError
from search.indexing.generations import CURRENT_LINK, METADATA_FILE, current_generation, reindex_lock
from search.indexing.index import open_index
from search.indexing.rebuild import rebuild_index
from search.posts.reader import SkippedPost
from search.querying.searcher import search_posts
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


# --------------------------------------------------------------------------------------------
# Post files, parallel rebuilds and incremental updates

import hashlib  # noqa: E402
import random  # noqa: E402
from pathlib import Path  # noqa: E402

import search.analysis.morphemes as morphemes  # noqa: E402
import search.indexing.pipeline as pipeline  # noqa: E402
from search.indexing.rebuild import DICTIONARY_CHANGED
from search.indexing.update import update_index
from search.indexing.manifest import MANIFEST_FILE  # noqa: E402
from search.posts.reader import read_post  # noqa: E402
from search.indexing.schema import post_to_document  # noqa: E402

_NOUNS = ("東京", "京都", "形態素解析", "検索", "索引", "記事", "猫", "犬", "天気", "料理", "旅行", "電車",
          "サーバー", "クラウド", "データベース", "プログラム", "言語", "辞書", "ラーメン", "富士山", "会議")
_VERBS = ("書きました", "読みました", "使います", "作った", "調べる", "見つけた", "試しています")
#: Tags Janome keeps whole, so they do not change the user dictionary when a post gains one.
_PLAIN_TAGS = ("旅行", "料理", "Python", "検索")


def write_post_files(folder: Path, count: int, *, seed: int = 1, sentences: int = 12) -> list[Path]:
    """``count`` Japanese posts (front matter, tags, code) under ``folder``; deterministic."""
    rng = random.Random(seed)
    paths = []
    for number in range(count):
        lines = []
        for _ in range(sentences):
            a, b, c = rng.sample(_NOUNS, 3)
            lines.append(f"{a}の{b}で{c}を{rng.choice(_VERBS)}。")
        tags = ", ".join(rng.sample(_PLAIN_TAGS, 2))
        path = folder / f"{2020 + number % 5}" / f"{2020 + number % 5}-01-{number % 28 + 1:02d}-post{number}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"---\ntitle: 記事{number} {rng.choice(_NOUNS)}について\ntags: [{tags}]\n---\n"
                        + "\n\n".join(lines) + f"\n\n```\nprint('記事{number}')\n```\n\n共通語彙。\n",
                        encoding="utf-8")
        paths.append(path)
    return paths


def index_contents(index_root: Path) -> tuple[list, list]:
    """Every posting as (field, term, post id, weight, encoded value), and every stored document."""
    index = open_index(index_root)
    with index.searcher() as searcher:
        reader = searcher.reader()
        post_ids = {docnum: searcher.stored_fields(docnum)["post_id"] for docnum in reader.all_doc_ids()}
        postings = sorted((field, term, post_ids[docnum], weight, value)
                          for field, term, docnum, weight, value in reader.iter_postings()
                          if docnum in post_ids)
        stored = sorted(sorted(fields.items()) for fields in searcher.all_stored_fields())
    return postings, stored


@pytest.fixture
def count_janome(monkeypatch):
    """Counts the texts this process runs Janome on (workers are other processes)."""
    texts: list[str] = []
    original = morphemes._tokenize

    def counting(text, *args, **kwargs):
        texts.append(text)
        return original(text, *args, **kwargs)

    monkeypatch.setattr(morphemes, "_tokenize", counting)
    return texts


def test_parallel_rebuild_writes_the_serial_index_and_no_janome_in_the_writer(tmp_path, monkeypatch, count_janome):
    posts = tmp_path / "posts"
    write_post_files(posts, 24)
    (posts / "broken.md").write_text("---\ntitle: [閉じていない\n---\n本文\n", encoding="utf-8")
    monkeypatch.setattr(pipeline, "PARALLEL_MIN_CHARS", 0)  # workers even for this little text
    parallel = rebuild_index(posts, tmp_path / "parallel", jobs=2)
    assert count_janome == []  # the writer process analyzed nothing itself
    serial = rebuild_index(posts, tmp_path / "serial", jobs=1)
    assert count_janome  # ... where the serial build did
    assert (parallel.indexed, len(parallel.skipped)) == (serial.indexed, len(serial.skipped)) == (24, 1)
    parallel_contents = index_contents(tmp_path / "parallel")
    assert parallel_contents == index_contents(tmp_path / "serial")
    assert len(parallel_contents[0]) > 5000
    with open_index(tmp_path / "parallel").searcher() as searcher:  # same documents, same order
        order = [fields["post_id"] for fields in searcher.all_stored_fields()]
    with open_index(tmp_path / "serial").searcher() as searcher:
        assert order == [fields["post_id"] for fields in searcher.all_stored_fields()]


def _files_state(directory: Path) -> dict[str, tuple]:
    return {path.name: (path.stat().st_ino, path.stat().st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest())
            for path in directory.iterdir() if path.is_file()}


def test_update_indexes_only_changed_posts_and_equals_a_rebuild(tmp_path, count_janome):
    posts = tmp_path / "posts"
    paths = write_post_files(posts, 8)
    root = tmp_path / "index"
    assert not rebuild_index(posts, root).incremental
    served = current_generation(root)
    served_files = _files_state(served)
    index = open_index(root)
    assert search_posts(index, "ヤンバルクイナ").total == 0

    paths[1].write_text(paths[1].read_text(encoding="utf-8") + "\nヤンバルクイナを見た。\n", encoding="utf-8")
    paths[2].unlink()
    paths[3].write_text("---\ntitle: 下書きに戻した\npublished: false\n---\n本文\n", encoding="utf-8")  # now skipped
    write_post_files(tmp_path / "new", 1, seed=9)
    new_post = posts / "new" / "added.md"
    new_post.parent.mkdir()
    new_post.write_text(next((tmp_path / "new").rglob("*.md")).read_text(encoding="utf-8"), encoding="utf-8")
    count_janome.clear()

    stats = update_index(posts, root, jobs=1)
    assert stats.incremental
    assert (stats.added, stats.updated, stats.deleted, stats.unchanged) == (1, 1, 2, 5)
    assert [s.path.name for s in stats.skipped] == [paths[3].name]
    assert "1 new, 1 changed, 2 deleted, 5 unchanged, skipped 1" in stats.summary()
    changed_texts = {value for path in (paths[1], new_post)
                     for value in post_to_document(read_post(path, posts)).values()}
    assert count_janome and set(count_janome) <= changed_texts  # Janome ran on the changed posts only

    assert _files_state(served) == served_files  # the served generation was not written to
    new_files = _files_state(current_generation(root))
    assert any(new_files.get(name, (None,))[0] == state[0] for name, state in served_files.items())  # linked
    assert search_posts(index, "ヤンバルクイナ").total == 1  # the running SearchIndex follows
    assert index.doc_count == 7

    rebuild_index(posts, tmp_path / "fresh")
    assert index_contents(root) == index_contents(tmp_path / "fresh")


def _segment_count(index_root: Path) -> int:
    index = open_index(index_root)
    try:
        with index.searcher() as searcher:
            return len(searcher.reader().leaf_readers())
    finally:
        index.close()


def test_editing_one_post_again_and_again_keeps_the_segments_few(tmp_path):
    """Segments whose posts were all replaced are dropped, not merged (merging them cost seconds)."""
    posts = tmp_path / "posts"
    paths = write_post_files(posts, 8)
    root = tmp_path / "index"
    rebuild_index(posts, root)
    index = open_index(root)
    for number in range(7):
        paths[0].write_text(paths[0].read_text(encoding="utf-8") + f"\n追記{number}。\n", encoding="utf-8")
        assert update_index(posts, root, jobs=1).updated == 1
        assert _segment_count(root) <= 2  # the rebuilt one and the latest edit
        assert search_posts(index, f"追記{number}").total == 1
    assert index.doc_count == 8
    paths[1].write_text(paths[1].read_text(encoding="utf-8") + "\n別の追記。\n", encoding="utf-8")
    update_index(posts, root, jobs=1)
    assert _segment_count(root) == 3  # another post's edit is kept: it has a live document
    rebuild_index(posts, tmp_path / "fresh")
    assert index_contents(root) == index_contents(tmp_path / "fresh")
    index.close()


def test_update_reads_only_files_whose_stat_changed_and_still_sees_every_change(tmp_path, monkeypatch):
    import search.indexing.manifest as manifest

    posts = tmp_path / "posts"
    paths = write_post_files(posts, 6)
    root = tmp_path / "index"
    rebuild_index(posts, root)
    old = time.time() - 60  # stats are trusted once the file is a few seconds old
    for path in paths:
        os.utime(path, (old, old))
    monkeypatch.setattr(manifest, "_STAT_SETTLE_NS", 0)  # ctime is now: trust it anyway in this test
    hashed = []
    original = manifest._file_hash
    monkeypatch.setattr(manifest, "_file_hash", lambda path: hashed.append(path.name) or original(path))

    paths[0].write_text(paths[0].read_text(encoding="utf-8") + "\nヤンバルクイナ。\n", encoding="utf-8")
    assert update_index(posts, root, jobs=1).updated == 1
    assert len(hashed) == 6  # the first update after a rebuild reads every file, and records their stats
    hashed.clear()
    text = paths[1].read_text(encoding="utf-8")
    same_size = text.replace("記事1", "記事X", 1)
    assert len(same_size.encode()) == len(text.encode()) and same_size != text
    paths[1].write_text(same_size, encoding="utf-8")
    os.utime(paths[1], (old, old))  # same size, same mtime: only the ctime tells
    stats = update_index(posts, root, jobs=1)
    assert stats.updated == 1 and hashed == [paths[1].name]
    assert search_posts(open_index(root), "ヤンバルクイナ").total == 1
    hashed.clear()
    assert update_index(posts, root, jobs=1).index_dir is None and hashed == []  # nothing changed, nothing read


def test_update_reports_a_broken_symlink_every_time(tmp_path):
    posts = tmp_path / "posts"
    write_post_files(posts, 3)
    root = tmp_path / "index"
    rebuild_index(posts, root)
    os.symlink(tmp_path / "gone.md", posts / "dangling.md")
    for _ in range(2):  # not recorded as seen: reported until it is fixed
        stats = update_index(posts, root, jobs=1)
        assert [(s.path.name, s.reason.split(" (")[0]) for s in stats.skipped] == [("dangling.md", "broken symbolic link")]
        assert stats.indexed == 0 and stats.unchanged == 3


def test_update_with_nothing_changed_writes_nothing(tmp_path):
    posts = tmp_path / "posts"
    write_post_files(posts, 3)
    root = tmp_path / "index"
    rebuild_index(posts, root)
    before = current_generation(root)
    stats = update_index(posts, root)
    assert stats.incremental and stats.unchanged == 3 and stats.index_dir is None
    assert "Index up to date (3 posts)" in stats.summary()
    assert current_generation(root) == before and sorted(root.glob("gen-*")) == [before]


def test_update_rebuilds_when_there_is_nothing_to_update(tmp_path):
    posts = tmp_path / "posts"
    write_post_files(posts, 2)
    stats = update_index(posts, tmp_path / "index")
    assert not stats.incremental and stats.indexed == 2
    assert stats.rebuilt_because == "" and stats.summary().endswith(" s.")  # a first index: nothing to say
    rebuild_index(tmp_path, tmp_path / "given", posts=FIRST)  # built from posts, not from a folder
    assert not update_index(posts, tmp_path / "given").incremental


@pytest.mark.parametrize("change, reason", [
    ("folder", "the posts folder changed"),
    ("base_url", "the base URL changed"),
    ("future", "--future was turned on or off"),
    ("format", "the index format changed (another version of kensaku)"),
    ("most", "most posts changed"),
])
def test_an_update_that_rebuilds_every_post_says_why(tmp_path, change, reason):
    posts = tmp_path / "posts"
    paths = write_post_files(posts, 4)
    root = tmp_path / "index"
    rebuild_index(posts, root)
    kwargs = {}
    if change == "folder":
        shutil.copytree(posts, tmp_path / "moved")
        posts = tmp_path / "moved"
    elif change == "base_url":
        kwargs["base_url"] = "https://blog.example.jp"
    elif change == "future":
        kwargs["future"] = True
    elif change == "format":  # as an older kensaku wrote it
        metadata = current_generation(root) / METADATA_FILE
        metadata.write_text(json.dumps({**json.loads(metadata.read_text(encoding="utf-8")), "format_version": 1}),
                            encoding="utf-8")
    else:
        for path in paths[:3]:
            path.write_text(path.read_text(encoding="utf-8") + "\n追記。\n", encoding="utf-8")
    stats = update_index(posts, root, **kwargs)
    assert not stats.incremental and stats.indexed == 4 and stats.rebuilt_because == reason
    assert stats.summary().endswith(f"; rebuilt every post because {reason}.")


def test_update_reanalyzes_only_the_posts_a_new_tag_may_change(tmp_path, monkeypatch):
    posts = tmp_path / "posts"
    paths = write_post_files(posts, 6)
    root = tmp_path / "index"
    rebuild_index(posts, root)
    text = paths[0].read_text(encoding="utf-8")
    paths[0].write_text(text.replace("tags: [", "tags: [量子計算機, "), encoding="utf-8")  # Janome splits it
    stats = update_index(posts, root)
    assert stats.incremental and stats.indexed == 1 and stats.reanalyzed == 0  # no other post holds it
    assert stats.summary().startswith("Updated the index: 0 new, 1 changed, 0 deleted, 5 unchanged")
    paths[1].write_text(paths[1].read_text(encoding="utf-8") + "\n追記。\n", encoding="utf-8")
    assert update_index(posts, root).incremental  # a plain edit: the dictionary stays the same
    # no filters to tell by (a file deleted from the generation would be damage: rebuilt for that)
    monkeypatch.setattr("search.indexing.update.read_filters", lambda generation: None)
    paths[2].write_text(paths[2].read_text(encoding="utf-8").replace("tags: [", "tags: [超伝導磁石, "),
                        encoding="utf-8")
    stats = update_index(posts, root)
    assert not stats.incremental and stats.indexed == 6
    assert stats.rebuilt_because == DICTIONARY_CHANGED
    assert stats.summary().endswith("; rebuilt every post because the user dictionary changed (tags or "
                                    "dictionary files).")


def test_update_rebuilds_after_a_format_change(tmp_path, monkeypatch):
    posts = tmp_path / "posts"
    paths = write_post_files(posts, 4)
    root = tmp_path / "index"
    rebuild_index(posts, root)
    paths[0].write_text(paths[0].read_text(encoding="utf-8") + "\n追記。\n", encoding="utf-8")
    metadata_path = current_generation(root) / METADATA_FILE
    metadata = json.loads(metadata_path.read_text())
    metadata_path.unlink()  # (rewriting it in place would write a file an update may share)
    metadata_path.write_text(json.dumps({**metadata, "format_version": -1}))
    assert not update_index(posts, root).incremental
    assert (current_generation(root) / MANIFEST_FILE).exists()


def test_reindex_waits_for_a_running_one_when_asked(tmp_path):
    root = tmp_path / "index"
    held, released = threading.Event(), threading.Event()

    def hold() -> None:
        with reindex_lock(root):
            held.set()
            released.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(10)
        with pytest.raises(ReindexInProgressError):
            rebuild_index(tmp_path, root, posts=FIRST)
        threading.Timer(0.3, released.set).start()
        assert rebuild_index(tmp_path, root, posts=FIRST, wait_s=10).indexed == 2
    finally:
        released.set()
        holder.join()


def test_queries_use_the_compiled_user_dictionary_and_segment_alike(tmp_path):
    posts = tmp_path / "posts"
    paths = write_post_files(posts, 3)
    paths[0].write_text(paths[0].read_text(encoding="utf-8").replace("tags: [", "tags: [量子計算機, "),
                        encoding="utf-8")
    root = tmp_path / "index"
    rebuild_index(posts, root)
    index = open_index(root)
    compiled = Path(index.dictionary)
    assert compiled.parent == root / "dictionaries" and compiled.is_dir()
    csv = str(current_generation(root) / "userdic.csv")
    for text in ("量子計算機の研究", "生成AIとクラウド", "東京都庁", "猫が好き"):
        assert morphemes.morphemes(text, str(compiled)) == morphemes.morphemes(text, csv)
    assert search_posts(index, "量子計算機").total == 1
    paths[1].write_text(paths[1].read_text(encoding="utf-8") + "\n追記。\n", encoding="utf-8")
    update_index(posts, root)
    assert index.dictionary == str(compiled)  # same words, same compiled dictionary


from search.errors import EmptyPostsFolderError  # noqa: E402
from search.indexing.generations import read_metadata  # noqa: E402
from search.indexing.manifest import indexed_owner_dictionaries  # noqa: E402
from search.indexing.watch import watch_posts  # noqa: E402


def _dictionary_digest(root: Path) -> str:
    return read_metadata(current_generation(root))["dictionary_digest"]


def test_a_changed_owner_dictionary_rebuilds_even_when_no_post_changed(tmp_path):
    posts = tmp_path / "posts"
    write_post_files(posts, 4)
    root = tmp_path / "index"
    rebuild_index(posts, root)
    plain = _dictionary_digest(root)
    owner = tmp_path / "owner.txt"
    owner.write_text("ヤンバルクイナ\n量子計算機\n", encoding="utf-8")
    stats = update_index(posts, root, owner_dictionaries=[owner])
    assert stats.incremental and stats.indexed == 0  # a new dictionary, but no post holds its words
    with_owner = _dictionary_digest(root)
    assert with_owner != plain
    assert "量子計算機" in (current_generation(root) / "userdic.csv").read_text(encoding="utf-8")

    moved = tmp_path / "moved.txt"
    moved.write_bytes(owner.read_bytes())  # the same words in another file: only its place is new
    stats = update_index(posts, root, owner_dictionaries=[moved])
    assert stats.incremental and stats.indexed == 0 and _dictionary_digest(root) == with_owner
    assert indexed_owner_dictionaries(root) == [moved]  # recorded, for `kensaku reindex` to keep

    moved.write_text("ヤンバルクイナ\n量子計算機\n# a comment\n", encoding="utf-8")  # same dictionary
    stats = update_index(posts, root, owner_dictionaries=[moved])
    assert stats.incremental and stats.indexed == 0 and _dictionary_digest(root) == with_owner
    assert update_index(posts, root, owner_dictionaries=[moved]).index_dir is None  # recorded

    moved.write_text("ヤンバルクイナ\n共通語彙\n", encoding="utf-8")  # other contents, same path: every
    stats = update_index(posts, root, owner_dictionaries=[moved])           # post holds 共通語彙
    assert not stats.incremental and _dictionary_digest(root) not in (plain, with_owner)
    assert stats.rebuilt_because == DICTIONARY_CHANGED
    assert search_posts(open_index(root), "共通語彙").total == 4

    stats = update_index(posts, root)  # no owner dictionary any more
    assert not stats.incremental and _dictionary_digest(root) == plain
    assert stats.rebuilt_because == DICTIONARY_CHANGED


def test_an_empty_posts_folder_never_empties_an_index_that_holds_posts(tmp_path):
    posts, empty = tmp_path / "posts", tmp_path / "empty"
    write_post_files(posts, 3)
    empty.mkdir()
    (empty / "README.md").write_text("not a post\n", encoding="utf-8")
    root = tmp_path / "index"
    rebuild_index(posts, root)
    before = current_generation(root)
    for reindex in (update_index, rebuild_index):
        with pytest.raises(EmptyPostsFolderError, match=rf"No post files found in {empty}.* keeps its 3 posts"):
            reindex(empty, root)
        assert current_generation(root) == before and sorted(root.glob("gen-*")) == [before]
        assert search_posts(open_index(root), "共通語彙").total == 3

    fresh = tmp_path / "fresh"  # no index yet: an empty one is built
    stats = rebuild_index(empty, fresh)
    assert stats.indexed == 0 and open_index(fresh).doc_count == 0
    assert update_index(empty, fresh).unchanged == 0


def _watching(posts: Path, root: Path, updates: list):
    stop, ready = threading.Event(), threading.Event()
    errors: list = []
    thread = threading.Thread(target=watch_posts, args=(posts, root),
                              kwargs=dict(debounce_s=0.1, on_update=updates.append, on_error=errors.append,
                                          stop=stop, ready=ready))
    thread.start()
    assert ready.wait(30)
    return stop, thread, errors


def _wait_for(condition, timeout_s: float = 30) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_watch_reports_a_skipped_post_every_time_its_file_is_saved(tmp_path):
    posts = tmp_path / "posts"
    write_post_files(posts, 3)
    root = tmp_path / "index"
    rebuild_index(posts, root)
    updates: list = []
    stop, thread, errors = _watching(posts, root, updates)
    try:
        broken = posts / "new-broken.md"
        # Saved whole, as an editor saves (a new file renamed over the old): a file created and then
        # written can be seen empty in between on a busy machine, which is another report.
        def save(text: str) -> None:
            draft = tmp_path / "draft.md"
            draft.write_text(text, encoding="utf-8")
            os.replace(draft, broken)

        save("---\ntitle: [閉じていない\n---\n本文\n")  # a new post, bad YAML
        assert _wait_for(lambda: len(updates) == 1)
        assert [s.path.name for s in updates[0].skipped] == ["new-broken.md"]
        assert "invalid YAML" in updates[0].skipped[0].reason
        save("---\ntitle: [まだ閉じていない\n---\n本文\n")  # still broken
        assert _wait_for(lambda: len(updates) == 2)
        os.utime(broken)  # saved again unchanged: still skipped, said again
        assert _wait_for(lambda: len(updates) == 3)
        assert [s.path.name for s in updates[2].skipped] == ["new-broken.md"]
        (posts / "2020" / "unrelated.txt").write_text("not a post\n", encoding="utf-8")
        time.sleep(1)
        assert len(updates) == 3 and errors == []
    finally:
        stop.set()
        thread.join(10)


def test_watch_reports_an_emptied_folder_and_keeps_the_index(tmp_path):
    posts = tmp_path / "posts"
    paths = write_post_files(posts, 2)
    root = tmp_path / "index"
    rebuild_index(posts, root)
    updates: list = []
    stop, thread, errors = _watching(posts, root, updates)
    try:
        for path in paths:
            path.unlink()
        assert _wait_for(lambda: errors)
        assert isinstance(errors[0], EmptyPostsFolderError)  # (an update may have seen one deletion first)
        assert open_index(root).doc_count >= 1
    finally:
        stop.set()
        thread.join(10)


def test_watch_polls_when_the_system_refuses_a_file_observer(tmp_path, monkeypatch):
    """With its inotify instances used up (EMFILE), watch mode scans the folder instead."""
    import errno

    from search.indexing import watch

    class Refused(watch.Observer):
        def start(self):
            raise OSError(errno.EMFILE, "inotify instance limit reached")

    monkeypatch.setattr(watch, "Observer", Refused)
    monkeypatch.setattr(watch, "POLL_INTERVAL_S", 0.2)
    posts = tmp_path / "posts"
    paths = write_post_files(posts, 3)
    root = tmp_path / "index"
    rebuild_index(posts, root)
    updates: list = []
    stop, thread, errors = _watching(posts, root, updates)
    try:
        paths[1].write_text(paths[1].read_text(encoding="utf-8") + "\nヤンバルクイナを見た。\n", encoding="utf-8")
        assert _wait_for(lambda: len(updates) == 1)
        assert (updates[0].updated, errors) == (1, [])
    finally:
        stop.set()
        thread.join(10)


def test_a_post_read_again_is_no_duplicate_url_of_its_own_indexed_version():
    """An update passes the posts indexed before beside those it read again; a post in both is one
    post (a fresh user's trial got ``has the URL … of  too`` for the posts linking to a moved one),
    while two posts sharing a URL are still reported."""
    from dataclasses import replace

    from search.indexing.rebuild import IndexStats

    post = make_post("a", "題", "本文")
    stats = IndexStats()
    stats.note_warnings([post], others=[("a", post.url), ("c", "/c/")])
    assert stats.warnings == []
    twin = replace(make_post("b", "別の題", "本文"), url=post.url)
    stats.note_warnings([post, twin], others=[("a", post.url)])
    assert [warning for _, warning in stats.warnings] == [
        f"has the URL {post.url} of b too: one of them cannot be reached"]
