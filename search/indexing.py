"""Indexing: posts → a Whoosh index on disk, rebuilt or updated atomically, and opening it for search.

An index directory (``index/`` by default) holds *generations*::

    index/
      current -> gen-20261129T091500-3f2a   (relative symlink; the generation being served)
      gen-20261129T091500-3f2a/             (Whoosh files, userdic.csv, posts.json, kensaku.json)
      dictionaries/<digest>/                (the user dictionaries, compiled, for queries)
      .reindex.lock                         (held while a reindex runs)

A generation is never modified once ``current`` may point to it. :func:`rebuild_index` writes a
complete new generation (Janome in worker processes, :mod:`search.pipeline`);
:func:`update_index` hard-links the files of the current generation into a new one and applies
only the new, changed and deleted posts there (Whoosh writes new segment and TOC files and records
deletions in the new TOC, so files shared by hard links are never written). Either way ``current``
is then switched with one ``rename(2)`` (atomic on POSIX): a running server never sees half an
index, and a reindex that fails or is killed (even by SIGKILL) leaves the old generation serving;
the next reindex removes what it left behind.

``kensaku.json`` is written last and marks a complete generation; it records
:data:`search.schema.INDEX_VERSION` (:func:`open_index` refuses any other version) and the digest
of the user dictionary (``userdic.csv``, made from the posts' tags: :mod:`search.dictionary`).
``posts.json`` records each post file's content hash, keywords, URL and links, for the next update,
and the base URL and the owner's word lists the generation was built with (which ``kensaku
reindex`` keeps when not given them).
"""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import json
import os
import shutil
import threading
import time
import uuid
import weakref
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Iterator

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.searching import Searcher

from search.anchors import LinkSource, anchor_texts, on_site_links, with_anchors
from search.dictionary import DICTIONARY_FILE, SHIPPED_WORDS, dictionary_entries, write_dictionary
from search.errors import EmptyPostsFolderError, IndexNotBuiltError, ReindexInProgressError, StaleIndexError
from search.pipeline import AnalysisPool, Item, workers_for
from search.posts import Post, SkippedPost, find_post_files, is_after
from search.ranking import RankingModel
from search.schema import INDEX_VERSION, build_schema, post_to_document

CURRENT_LINK = "current"
METADATA_FILE = "kensaku.json"
#: Compiled user dictionaries (one per content digest) that servers analyze queries with.
DICTIONARIES_DIR = "dictionaries"
MANIFEST_FILE = "posts.json"
LOCK_FILE = ".reindex.lock"
GENERATION_PREFIX = "gen-"
#: Memory, in MB, the Whoosh writer may buffer postings in before flushing to disk.
WRITER_LIMIT_MB = 256
#: An update touching more than this share of the posts rebuilds instead (faster, one segment).
UPDATE_MAX_CHANGED_SHARE = 0.5
#: Files of a generation that an update writes anew instead of linking (Whoosh's lock is skipped too).
_UNSHARED_FILES = frozenset({METADATA_FILE, MANIFEST_FILE, DICTIONARY_FILE, "suggestions.json"})


@dataclass
class IndexStats:
    """What a reindex did.

    :ivar indexed: posts written to the index by this reindex (all of them for a full rebuild,
        the new and changed ones for an update).
    :ivar skipped: posts left out, each with file and reason.
    :ivar elapsed_s: wall time of the whole reindex, seconds.
    :ivar index_dir: the generation directory written (None when an update found nothing to do).
    :ivar incremental: True for an update of the current generation, False for a full rebuild.
    :ivar added: new posts (update only).
    :ivar updated: changed posts (update only).
    :ivar deleted: posts removed from the index (update only).
    :ivar relinked: unchanged posts indexed again because the links to them changed (update
        only; counted in ``indexed`` and ``updated`` too).
    :ivar unchanged: posts left as they were (update only).
    :ivar newly_skipped: skipped posts among the new and changed files (update only; they are in
        ``skipped`` too, beside the unchanged files skipped before).
    :ivar rebuilt_because: why an update rebuilt every post instead (e.g. :data:`DICTIONARY_CHANGED`);
        ``""`` when it did not, or for a reason the caller knows (a first index, another base URL).
    """

    indexed: int = 0
    skipped: list[SkippedPost] = field(default_factory=list)
    elapsed_s: float = 0.0
    index_dir: Path | None = None
    incremental: bool = False
    added: int = 0
    updated: int = 0
    deleted: int = 0
    relinked: int = 0
    unchanged: int = 0
    newly_skipped: int = 0
    rebuilt_because: str = ""

    def summary(self) -> str:
        """One line: ``Indexed 42 posts, skipped 1, in 3.1 s.`` (or the changes of an update)."""
        if not self.incremental:
            why = f"; rebuilt every post because {self.rebuilt_because}" if self.rebuilt_because else ""
            return f"Indexed {self.indexed} posts, skipped {len(self.skipped)}, in {self.elapsed_s:.1f} s{why}."
        if not (self.added or self.updated or self.deleted):
            return f"Index up to date ({self.unchanged} posts), skipped {len(self.skipped)}, in {self.elapsed_s:.1f} s."
        relinked = f" ({self.relinked} for links to them)" if self.relinked else ""
        return (f"Updated the index: {self.added} new, {self.updated} changed{relinked}, {self.deleted} deleted, "
                f"{self.unchanged} unchanged, skipped {len(self.skipped)}, in {self.elapsed_s:.1f} s.")


ProgressCallback = Callable[[Post | SkippedPost], None]
#: :attr:`IndexStats.rebuilt_because` of an update that rebuilt every post instead: the user
#: dictionary changed; the index format; the index holds no record of its posts' files (built from
#: posts handed to it, or by an older kensaku); another posts folder, base URL or ``--future``; or
#: most posts changed (a rebuild is then about as fast).
DICTIONARY_CHANGED = "the user dictionary changed (tags or dictionary files)"
FORMAT_CHANGED = "the index format changed (another version of kensaku)"
NO_MANIFEST = "the index holds no record of its post files"
FOLDER_CHANGED = "the posts folder changed"
BASE_URL_CHANGED = "the base URL changed"
FUTURE_CHANGED = "--future was turned on or off"
MOST_CHANGED = "most posts changed"


def format_metadata() -> dict[str, object]:
    """What a generation's analysis depends on; an update needs every value equal, else it rebuilds."""
    return {"format_version": INDEX_VERSION}


@dataclass
class _Manifest:
    """``posts.json``: where the posts came from, each post file's content hash, keywords, URL and links."""

    posts_dir: str | None = None
    base_url: str = ""
    #: whether posts dated in the future were indexed (``--future``); None: a manifest written
    #: before the setting was recorded (it may hold such posts: an update rebuilds)
    future: bool | None = False
    #: post_id -> [content hash, [keywords], url, [[link target, link text] of links that may be
    #: to posts], [anchor texts]]
    indexed: dict[str, list] = field(default_factory=dict)
    #: post_id -> [content hash, reason, unpublished (a draft or dated in the future: not broken),
    #: the date from which a post dated in the future is published (ISO 8601) or None]
    skipped: dict[str, list] = field(default_factory=dict)
    dictionary_inputs: str = ""  # digest of what the user dictionary was made from
    #: post_id -> the file's :func:`_stat_key` taken before its recorded hash was computed
    file_stats: dict[str, list[int]] = field(default_factory=dict)
    #: the site owner's word lists the user dictionary was made from (absolute paths)
    owner_dictionaries: list[str] = field(default_factory=list)

    def add(self, post: Post) -> None:
        self.indexed[post.post_id] = [post.content_hash, _keywords(post), post.url,
                                      [list(link) for link in on_site_links(post.links, self.base_url)],
                                      list(post.anchors)]

    def link_sources(self, leave_out: set[str] = frozenset()) -> list[LinkSource]:
        """The indexed posts' links (:mod:`search.anchors`), but those of ``leave_out``."""
        return [LinkSource(post_id, entry[2], tuple(tuple(link) for link in entry[3]))
                for post_id, entry in self.indexed.items() if post_id not in leave_out]

    def keywords(self) -> list[str]:
        return [keyword for _, keywords, *_ in self.indexed.values() for keyword in keywords]

    def skipped_post(self, post_id: str, posts_dir: Path) -> SkippedPost:
        """The :class:`SkippedPost` recorded for ``post_id``."""
        _, reason, unpublished, publish_at = [*self.skipped[post_id], False, None][:4]
        return SkippedPost(posts_dir / post_id, reason, bool(unpublished),
                           datetime.fromisoformat(publish_at) if publish_at else None)

    def due(self, now: datetime) -> set[str]:
        """The skipped posts dated in the future whose date is no longer after ``now``."""
        return {post_id for post_id, entry in self.skipped.items()
                if len(entry) > 3 and entry[3] and not is_after(datetime.fromisoformat(entry[3]), now)}

    def next_publication(self) -> datetime | None:
        """The earliest date of the skipped posts dated in the future (None: there is none)."""
        dates = [datetime.fromisoformat(entry[3]) for entry in self.skipped.values() if len(entry) > 3 and entry[3]]
        return min(dates, default=None)

    @classmethod
    def read(cls, generation: Path) -> _Manifest | None:
        try:
            data = json.loads((generation / MANIFEST_FILE).read_text(encoding="utf-8"))
            return cls(data["posts_dir"], data["base_url"], data.get("future"), dict(data["indexed"]),
                       dict(data["skipped"]), data.get("dictionary_inputs", ""), dict(data.get("file_stats", {})),
                       [str(path) for path in data.get("owner_dictionaries", [])])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def write(self, generation: Path) -> None:
        data = {"posts_dir": self.posts_dir, "base_url": self.base_url, "future": self.future,
                "indexed": self.indexed,
                "skipped": self.skipped, "dictionary_inputs": self.dictionary_inputs,
                "file_stats": self.file_stats, "owner_dictionaries": self.owner_dictionaries}
        _write_file_durably(generation / MANIFEST_FILE, json.dumps(data, ensure_ascii=False))


def write_index(posts: Iterable[Item], index_dir: Path, progress: ProgressCallback | None = None, *,
                owner_dictionaries: Iterable[Path] = (), jobs: int | None = None,
                posts_dir: Path | None = None, base_url: str = "", future: bool = False,
                now: datetime | None = None) -> IndexStats:
    """Write a new index of ``posts`` into the empty or missing directory ``index_dir``.

    The user dictionary (:mod:`search.dictionary`: shipped words, the posts' tags and
    categories, ``owner_dictionaries``) is written first as ``userdic.csv`` beside the index.
    Posts are read and analyzed by worker processes (:class:`search.pipeline.AnalysisPool`)
    when there is enough text; the index is the same either way.

    :param posts: posts to index, or post files to read (then give ``posts_dir``);
        :class:`SkippedPost` items are only counted.
    :param index_dir: where the Whoosh files, ``userdic.csv``, ``posts.json`` and ``kensaku.json`` go.
    :param progress: called once per item, after it is handled.
    :param owner_dictionaries: the site owner's word lists.
    :param jobs: most worker processes (None: one per CPU); 1 analyzes in this process.
    :param posts_dir: the posts folder that post files and post ids belong to.
    :param base_url: site base URL prefixed to post URLs (post files only).
    :param future: index post files dated after ``now`` too (``jekyll build --future``); else
        they are skipped (:func:`search.posts.publication_skip`).
    :param now: the build time post dates are compared with; None: the time of the call.
    :returns: counts; ``elapsed_s`` covers this call.
    :raises SearchError: an owner word list cannot be read.
    """
    started = time.perf_counter()
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    items = list(posts)
    folder = Path(posts_dir) if posts_dir is not None else Path(".")
    stats = IndexStats(index_dir=index_dir)
    manifest = _Manifest(str(folder.resolve()) if posts_dir is not None else None, base_url, future)
    with AnalysisPool(workers_for(items, jobs)) as pool:
        read = with_anchors(pool.read(items, folder, base_url, future=future, now=now), base_url=base_url)
        keywords = [k for p in read if isinstance(p, Post) for k in _keywords(p)]
        owner_dictionaries = list(owner_dictionaries)
        manifest.dictionary_inputs = _dictionary_inputs(keywords, owner_dictionaries)
        manifest.owner_dictionaries = _absolute_paths(owner_dictionaries)
        dictionary_path = index_dir / DICTIONARY_FILE
        dictionary_digest = write_dictionary(dictionary_entries(keywords, owner_dictionaries), dictionary_path)
        ix = whoosh_index.create_in(str(index_dir), build_schema(str(dictionary_path)))
        writer = ix.writer(limitmb=WRITER_LIMIT_MB)
        try:
            for item in pool.analyzed(read, writer.schema):
                if isinstance(item, SkippedPost):
                    stats.skipped.append(item)
                    _record_skipped(manifest, item, folder)
                else:
                    writer.add_document(**post_to_document(item))
                    manifest.add(item)
                    stats.indexed += 1
                if progress is not None:
                    progress(item)
        except BaseException:
            writer.cancel()
            raise
    writer.commit()
    _check_doc_count(ix, stats.indexed)
    ix.close()
    manifest.write(index_dir)
    _write_metadata(index_dir, posts=stats.indexed, skipped=len(stats.skipped),
                    dictionary_digest=dictionary_digest)
    stats.elapsed_s = time.perf_counter() - started
    return stats


def _keywords(post: Post) -> list[str]:
    """The words of a post that go into the user dictionary: its tags and categories."""
    return [*post.tags, *post.categories]


def _dictionary_inputs(keywords: list[str], owner_dictionaries: list[Path]) -> str:
    """A digest of everything :func:`search.dictionary.dictionary_entries` reads.

    Equal digests mean equal dictionaries, so an update can skip making it (Janome runs on every
    tag for that); unreadable files give a digest of their own and the dictionary is made anew.
    """
    digest = hashlib.sha256(json.dumps(sorted(set(keywords)), ensure_ascii=False).encode("utf-8"))
    for path in [SHIPPED_WORDS, *owner_dictionaries]:
        try:
            digest.update(hashlib.sha256(Path(path).read_bytes()).digest())
        except OSError:
            digest.update(os.urandom(16))
    return digest.hexdigest()


def _absolute_paths(paths: list[Path]) -> list[str]:
    """The owner's word lists as the manifest records them: absolute, symbolic links kept."""
    return [os.path.abspath(path) for path in paths]


#: A file whose modification or status change is more recent than this, in ns, is hashed on every
#: update (a change within the file system's timestamp granularity could keep its stat unchanged).
_STAT_SETTLE_NS = 2_000_000_000


def _stat_key(stat: os.stat_result) -> list[int]:
    """What tells that a file may have changed (as git's index does): size, mtime, ctime, inode.

    Any write changes the ctime, which no tool can set back (``cp -p``, ``rsync -t`` and
    ``touch -d`` set only the mtime).
    """
    return [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino]


def _current_hashes(files: list[Path], posts_dir: Path, manifest: _Manifest) -> dict[str, tuple[Path, str]]:
    """``{post_id: (path, content hash)}`` of the post files; records their stats in ``manifest``.

    A file whose :func:`_stat_key` equals the one recorded with its hash is not read again
    (hashing all 1,406 posts of a blog took ~0.06 s of each update); every other file is. The
    stat is taken before hashing, so a file changed meanwhile differs next time and is re-read.
    Files removed since they were listed (an editor saving) are left out: gone for this update.
    A file that is there but cannot be read (permissions, a broken symlink) gets the hash ``""``,
    so the update reads it and reports why it is skipped, as a rebuild does.
    """
    hashes: dict[str, tuple[Path, str]] = {}
    file_stats: dict[str, list[int]] = {}
    settled_before = time.time_ns() - _STAT_SETTLE_NS
    for path in files:
        post_id = path.relative_to(posts_dir).as_posix()
        try:
            stat = os.stat(path)
            key = _stat_key(stat)
            recorded = (manifest.indexed.get(post_id) or manifest.skipped.get(post_id) or [None])[0]
            if recorded is None or manifest.file_stats.get(post_id) != key:
                recorded = _file_hash(path)
        except OSError:
            if os.path.lexists(path):  # unreadable or a broken symlink: read, so it is reported
                hashes[post_id] = (path, "")
            continue
        hashes[post_id] = (path, recorded)
        if max(stat.st_mtime_ns, stat.st_ctime_ns) < settled_before:
            file_stats[post_id] = key
    manifest.file_stats = file_stats
    return hashes


def _record_skipped(manifest: _Manifest, item: SkippedPost, posts_dir: Path) -> None:
    if manifest.posts_dir is None:
        return
    try:
        post_id = Path(item.path).relative_to(posts_dir).as_posix()
        publish_at = item.publish_at.isoformat() if item.publish_at is not None else None
        manifest.skipped[post_id] = [_file_hash(Path(item.path)), item.reason, item.unpublished, publish_at]
    except (ValueError, OSError):
        pass


def _file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _check_doc_count(ix, expected: int) -> None:
    found = ix.doc_count()
    if found != expected:
        raise RuntimeError(f"the new index holds {found} posts instead of {expected}; it was not used")


def _write_metadata(generation: Path, **values: object) -> None:
    metadata = {
        **format_metadata(),
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        **values,
    }
    _write_file_durably(generation / METADATA_FILE, json.dumps(metadata, ensure_ascii=False, indent=2))


def _write_file_durably(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_tree(directory: Path) -> None:
    for path in directory.iterdir():
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def reindex_lock(index_root: Path, wait_s: float = 0.0) -> Iterator[None]:
    """Hold the index directory's reindex lock, or raise :class:`ReindexInProgressError`.

    The lock is an ``fcntl`` lock, released by the kernel if the process dies (even by SIGKILL).

    :param wait_s: seconds to wait for another reindex to finish; 0 refuses at once.
    """
    index_root = Path(index_root)
    index_root.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_s
    with open(index_root / LOCK_FILE, "a+") as handle:
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError as exc:
                if time.monotonic() >= deadline:
                    raise ReindexInProgressError(
                        f"Another reindex is running on {index_root}; wait for it to finish and try again."
                    ) from exc
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def rebuild_index(posts_dir: Path, index_root: Path, *, base_url: str = "",
                  progress: ProgressCallback | None = None,
                  posts: Iterable[Post | SkippedPost] | None = None,
                  owner_dictionaries: Iterable[Path] = (), jobs: int | None = None,
                  wait_s: float = 0.0, future: bool = False, now: datetime | None = None) -> IndexStats:
    """Rebuild the whole index of the posts in ``posts_dir`` and switch the server to it.

    Writes a new generation under ``index_root`` (:func:`write_index`), fsyncs it, then
    atomically repoints ``index_root/current``; generations other than the new and the previous
    one are removed. On any error the new generation is deleted and ``current`` is untouched.

    :param posts_dir: folder of Markdown posts (searched recursively).
    :param index_root: the index directory (``index/``).
    :param base_url: site base URL prefixed to post URLs.
    :param progress: called once per post file handled.
    :param posts: the posts to index instead of loading ``posts_dir`` (for tests and benchmarks).
    :param owner_dictionaries: the site owner's word lists for the user dictionary.
    :param jobs: most worker processes running Janome (None: one per CPU).
    :param wait_s: seconds to wait for a running reindex (see :func:`reindex_lock`).
    :param future: index posts dated after ``now`` too (``jekyll build --future``); else skip them.
    :param now: the build time post dates are compared with; None: when the reindex starts.
    :raises ReindexInProgressError: another reindex holds the lock.
    :raises EmptyPostsFolderError: there is no post file (or no ``posts``) while the index holds
        posts; the index is left as it was (delete ``index_root`` to really empty it).
    :raises FileNotFoundError: ``posts_dir`` is not a folder (and no ``posts`` were given).
    """
    started = time.perf_counter()
    index_root = Path(index_root)
    with reindex_lock(index_root, wait_s):
        stats = _rebuild_locked(Path(posts_dir), index_root, base_url, progress, posts,
                                owner_dictionaries, jobs, future, now or datetime.now(timezone.utc))
    stats.elapsed_s = time.perf_counter() - started
    return stats


def _rebuild_locked(posts_dir: Path, index_root: Path, base_url: str, progress: ProgressCallback | None,
                    posts: Iterable[Post | SkippedPost] | None, owner_dictionaries: Iterable[Path],
                    jobs: int | None, future: bool, now: datetime) -> IndexStats:
    _remove_abandoned_generations(index_root)
    previous = current_generation(index_root)
    items = list(posts) if posts is not None else find_post_files(posts_dir)
    if not items:
        _refuse_to_empty(posts_dir, index_root, previous)
    generation = _new_generation_path(index_root)
    try:
        # Posts already read (reindex --strict) come from posts_dir too: the manifest records the
        # folder, base URL and future setting either way, so the next reindex keeps them.
        stats = write_index(items, generation, progress, owner_dictionaries=owner_dictionaries, jobs=jobs,
                            posts_dir=posts_dir, base_url=base_url, future=future, now=now)
        _compile_dictionary(index_root, generation)
        _write_vocabulary(generation)
        _fsync_tree(generation)
        _switch_current(index_root, generation)
    except BaseException:
        shutil.rmtree(generation, ignore_errors=True)
        raise
    _remove_old_generations(index_root, keep=(generation, previous))
    return stats


def indexed_post_count(index_root: Path) -> int:
    """Posts in the generation being served (0 when there is none)."""
    generation = current_generation(index_root)
    posts = read_metadata(generation).get("posts", 0) if generation is not None else 0
    return posts if isinstance(posts, int) else 0


def _refuse_to_empty(posts_dir: Path, index_root: Path, previous: Path | None) -> None:
    """Raise :class:`EmptyPostsFolderError` if the index ``previous`` holds posts (a posts folder
    found empty is more likely a failed checkout than a blog without posts)."""
    kept = read_metadata(previous).get("posts", 0) if previous is not None else 0
    if kept:
        raise EmptyPostsFolderError(
            f"No post files found in {posts_dir}: the index in {index_root} was not changed and keeps "
            f"its {kept} posts. Check the posts folder; to really empty the index, delete {index_root} "
            f"and reindex."
        )


def _write_vocabulary(generation: Path) -> None:
    """Save the suggestion vocabulary beside a rebuilt generation, so each server process loads it
    instead of building it (seconds of Janome and ~100 MB per process). An incremental update
    leaves it out; servers then build their own."""
    from search.suggest import VOCABULARY_FILE, build_vocabulary, save_vocabulary

    index = SearchIndex(generation)
    try:
        with index.searcher() as searcher:
            save_vocabulary(build_vocabulary(searcher), generation / VOCABULARY_FILE)
    finally:
        index.close()


def update_index(posts_dir: Path, index_root: Path, *, base_url: str = "",
                 progress: ProgressCallback | None = None, owner_dictionaries: Iterable[Path] = (),
                 jobs: int | None = None, wait_s: float = 0.0, future: bool = False,
                 now: datetime | None = None) -> IndexStats:
    """Bring the index up to date with ``posts_dir``, re-indexing only new, changed and deleted posts.

    Post files are compared by content hash with the current generation's ``posts.json``. The
    changes go into a new generation made of hard links to the current one's files, switched to
    like a rebuild. It rebuilds instead (``stats.incremental`` is False) when there is no index
    yet; when the index has another format version, posts folder, base URL or ``future``; when the user
    dictionary would change (a new tag, another owner word list); or when more than
    :data:`UPDATE_MAX_CHANGED_SHARE` of the posts changed. When nothing changed, nothing is written.
    A post skipped as dated in the future counts as changed once its date is no longer after
    ``now``, though its file did not change: the first update from then on indexes it.

    :param progress: called once per new or changed post file handled.
    :param owner_dictionaries: the site owner's word lists for the user dictionary.
    :param jobs: most worker processes for the changed posts (None: one per CPU).
    :param wait_s: seconds to wait for a running reindex (see :func:`reindex_lock`).
    :param future: index posts dated after ``now`` too (``jekyll build --future``); else skip them.
    :param now: the build time post dates are compared with; None: when the reindex starts.
    :raises ReindexInProgressError: another reindex holds the lock (after ``wait_s`` seconds).
    :raises EmptyPostsFolderError: there is no post file while the index holds posts (index unchanged).
    :raises FileNotFoundError: ``posts_dir`` is not a folder.
    """
    started = time.perf_counter()
    posts_dir, index_root = Path(posts_dir), Path(index_root)
    owner_dictionaries = list(owner_dictionaries)
    now = now or datetime.now(timezone.utc)
    with reindex_lock(index_root, wait_s):
        stats = _update_locked(posts_dir, index_root, base_url, progress, owner_dictionaries, jobs, future, now)
        if not isinstance(stats, IndexStats):
            reason = stats
            stats = _rebuild_locked(posts_dir, index_root, base_url, progress, None, owner_dictionaries, jobs,
                                    future, now)
            stats.rebuilt_because = reason or ""
    stats.elapsed_s = time.perf_counter() - started
    return stats


def _update_locked(posts_dir: Path, index_root: Path, base_url: str, progress: ProgressCallback | None,
                   owner_dictionaries: list[Path], jobs: int | None, future: bool,
                   now: datetime) -> IndexStats | str | None:
    """Apply the changes in a new generation; when a full rebuild is needed instead, why (one of
    the ``*_CHANGED`` reasons, for :attr:`IndexStats.rebuilt_because`), or None when there is no
    index to update yet."""
    files = find_post_files(posts_dir)
    _remove_abandoned_generations(index_root)
    previous = current_generation(index_root)
    if previous is None or not previous.is_dir():
        return None
    metadata = read_metadata(previous)
    manifest = _Manifest.read(previous)
    if any(metadata.get(k) != v for k, v in format_metadata().items()):
        return FORMAT_CHANGED
    if manifest is None or manifest.posts_dir is None:
        return NO_MANIFEST
    if manifest.posts_dir != str(posts_dir.resolve()):
        return FOLDER_CHANGED
    if manifest.base_url != base_url:
        return BASE_URL_CHANGED
    if manifest.future != future:
        return FUTURE_CHANGED
    hashes = _current_hashes(files, posts_dir, manifest)
    changed_ids = {post_id for post_id, (_, digest) in hashes.items()
                   if (manifest.indexed.get(post_id) or manifest.skipped.get(post_id) or [None])[0] != digest}
    changed_ids |= manifest.due(now) & hashes.keys()  # dated in the future until now: read again
    deleted = [post_id for post_id in [*manifest.indexed, *manifest.skipped] if post_id not in hashes]
    if len(changed_ids) + len(deleted) > UPDATE_MAX_CHANGED_SHARE * max(len(hashes), len(manifest.indexed)):
        return MOST_CHANGED
    stats = IndexStats(incremental=True)
    stats.skipped = [manifest.skipped_post(post_id, posts_dir) for post_id in manifest.skipped
                     if post_id in hashes and post_id not in changed_ids]
    if (not changed_ids and not deleted and (previous / DICTIONARY_FILE).is_file()
            and _dictionary_inputs(manifest.keywords(), owner_dictionaries) == manifest.dictionary_inputs
            and manifest.owner_dictionaries == _absolute_paths(owner_dictionaries)):
        stats.unchanged = len(manifest.indexed)
        return stats  # (other owner word lists or shipped words: the dictionary is checked below)
    changed = [path for post_id, (path, _) in hashes.items() if post_id in changed_ids]
    generation = _new_generation_path(index_root)
    try:
        with AnalysisPool(workers_for(changed, jobs)) as pool:
            read, relinked = _read_with_anchors(pool, changed, hashes, changed_ids, manifest, posts_dir, base_url,
                                                future, now)
            keywords = [k for post_id, (_, words, *_) in manifest.indexed.items()
                        if post_id in hashes and post_id not in changed_ids for k in words]
            keywords += [k for p in read if isinstance(p, Post) for k in _keywords(p)]
            generation.mkdir()
            dictionary_path = generation / DICTIONARY_FILE
            inputs = _dictionary_inputs(keywords, owner_dictionaries)
            if inputs == manifest.dictionary_inputs and (previous / DICTIONARY_FILE).is_file():
                _link_file(previous / DICTIONARY_FILE, dictionary_path)  # the same dictionary
                digest = metadata.get("dictionary_digest")
            else:
                digest = write_dictionary(dictionary_entries(keywords, owner_dictionaries), dictionary_path)
                if digest != metadata.get("dictionary_digest"):
                    shutil.rmtree(generation, ignore_errors=True)
                    return DICTIONARY_CHANGED
            manifest.dictionary_inputs = inputs
            manifest.owner_dictionaries = _absolute_paths(owner_dictionaries)
            _link_generation(previous, generation)
            compiled = index_root / DICTIONARIES_DIR / str(digest)  # loads faster than the CSV compiles
            schema = build_schema(str(compiled if compiled.is_dir() else dictionary_path))
            # Without mmap, as servers open it: with mmap Whoosh copies each file of the big
            # compound segment it opens (the term index, ~0.1 s each time) into memory.
            ix = FileStorage(str(generation), supports_mmap=False).open_index(schema=schema)
            skipped_before = len(stats.skipped)
            _apply_changes(ix, pool, read, posts_dir, manifest, deleted, stats, progress)
            stats.newly_skipped = len(stats.skipped) - skipped_before
            stats.relinked = relinked
        manifest.write(generation)
        _write_metadata(generation, posts=len(manifest.indexed), skipped=len(manifest.skipped),
                        dictionary_digest=digest, updated_from=previous.name)
        _fsync_tree(generation)
        _compile_dictionary(index_root, generation)
        _switch_current(index_root, generation)
    except BaseException:
        shutil.rmtree(generation, ignore_errors=True)
        raise
    _remove_old_generations(index_root, keep=(generation, previous))
    stats.index_dir = generation
    return stats


def _read_with_anchors(pool: AnalysisPool, changed: list[Path], hashes: dict[str, tuple[Path, str]],
                       changed_ids: set[str], manifest: _Manifest, posts_dir: Path,
                       base_url: str, future: bool, now: datetime) -> tuple[list[Post | SkippedPost], int]:
    """The changed post files read, each post with its anchor texts (:mod:`search.anchors`), followed
    by the unchanged posts whose anchor texts the change alters (a link to them added, removed or
    reworded), read again to be re-indexed; and how many of those there are."""
    read = pool.read(changed, posts_dir, base_url, future=future, now=now)
    if _links_unchanged(read, manifest, set(hashes), base_url):
        # The same posts linking the same way: every post's anchor texts are those recorded.
        return [dataclasses.replace(p, anchors=tuple(manifest.indexed[p.post_id][4])) for p in read], 0
    kept = [source for source in manifest.link_sources(leave_out=changed_ids) if source.post_id in hashes]
    before = anchor_texts(manifest.link_sources(), base_url)
    after = anchor_texts([*kept, *(LinkSource.of(p) for p in read if isinstance(p, Post))], base_url)
    relinked = sorted(source.post_id for source in kept
                      if before.get(source.post_id, ()) != after.get(source.post_id, ()))
    read += pool.read([hashes[post_id][0] for post_id in relinked], posts_dir, base_url, future=future, now=now)
    others = [source for source in kept if source.post_id not in set(relinked)]
    return with_anchors(read, others, base_url), len(relinked)


def _links_unchanged(read: list[Post | SkippedPost], manifest: _Manifest, post_ids: set[str],
                     base_url: str) -> bool:
    """Whether no indexed post is gone (``post_ids``: the post files now), none is new, and the
    changed ones (``read``) kept their URLs and links: then no post's anchor texts changed
    (:mod:`search.anchors`)."""
    if any(post_id not in post_ids for post_id in manifest.indexed):
        return False
    for post in read:
        entry = manifest.indexed.get(post.post_id) if isinstance(post, Post) else None
        if entry is None or len(entry) < 5 or entry[2] != post.url \
                or entry[3] != [list(link) for link in on_site_links(post.links, base_url)]:
            return False
    return True


def _apply_changes(ix, pool: AnalysisPool, posts: list[Post | SkippedPost], posts_dir: Path,
                   manifest: _Manifest, deleted: list[str], stats: IndexStats,
                   progress: ProgressCallback | None) -> None:
    """Delete ``deleted``, update or add ``posts`` (the changed files, read), commit; update ``manifest``."""
    writer = ix.writer(limitmb=WRITER_LIMIT_MB)
    try:
        for post_id in deleted:
            if manifest.indexed.pop(post_id, None) is not None:
                writer.delete_by_term("post_id", post_id)
                stats.deleted += 1
            manifest.skipped.pop(post_id, None)
        for item in pool.analyzed(posts, writer.schema):
            post_id = Path(item.path).relative_to(posts_dir).as_posix()
            was_indexed = manifest.indexed.pop(post_id, None) is not None
            manifest.skipped.pop(post_id, None)
            if isinstance(item, SkippedPost):
                if was_indexed:
                    writer.delete_by_term("post_id", post_id)
                    stats.deleted += 1
                stats.skipped.append(item)
                _record_skipped(manifest, item, posts_dir)
            else:
                writer.update_document(**post_to_document(item))
                manifest.add(item)
                stats.indexed += 1
                if was_indexed:
                    stats.updated += 1
                else:
                    stats.added += 1
            if progress is not None:
                progress(item)
    except BaseException:
        writer.cancel()
        raise
    writer.commit(mergetype=_drop_empty_then_merge_small)
    _check_doc_count(ix, len(manifest.indexed))
    ix.close()
    stats.unchanged = len(manifest.indexed) - stats.indexed


def _drop_empty_then_merge_small(writer, segments: list) -> list:
    """Whoosh merge policy of an update: segments whose posts were all replaced or deleted are
    dropped, then Whoosh's ``MERGE_SMALL`` decides about the rest.

    ``MERGE_SMALL`` alone reads every posting of a small segment even when all its documents are
    deleted (~0.2 s per post): editing one post again and again made every fifth update spend a
    second merging copies of it that nothing could find any more. Dropping such a segment loses
    nothing (a merge would have left all of it out too).

    :param writer: the ``SegmentWriter`` committing (its deletions are already on ``segments``).
    :param segments: the index's segments before this commit (``whoosh.codec.base.Segment``).
    :returns: the segments to keep unmerged, as a Whoosh ``mergetype`` returns them.
    """
    from whoosh.writing import MERGE_SMALL

    return MERGE_SMALL(writer, [segment for segment in segments if segment.doc_count() > 0])


def _link_generation(source: Path, target: Path) -> None:
    """Fill ``target`` with hard links to the Whoosh files of generation ``source``."""
    target.mkdir(exist_ok=True)
    for path in source.iterdir():
        if path.is_file() and path.name not in _UNSHARED_FILES and not path.name.endswith("_WRITELOCK"):
            _link_file(path, target / path.name)


def _link_file(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # a file system without hard links
        shutil.copy2(source, target)


def _new_generation_path(index_root: Path) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%f")
    return index_root / f"{GENERATION_PREFIX}{stamp}-{uuid.uuid4().hex[:6]}"


def _switch_current(index_root: Path, generation: Path) -> None:
    temporary = index_root / f".{CURRENT_LINK}.{uuid.uuid4().hex[:8]}"
    os.symlink(generation.name, temporary)
    os.replace(temporary, index_root / CURRENT_LINK)
    fd = os.open(index_root, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _generations(index_root: Path) -> list[Path]:
    return sorted(p for p in index_root.glob(f"{GENERATION_PREFIX}*") if p.is_dir())


def indexed_base_url(index_root: Path) -> str | None:
    """The base URL the serving index's post URLs were built with (``""``: none), or None when
    the index has no readable manifest."""
    generation = current_generation(index_root)
    manifest = _Manifest.read(generation) if generation is not None else None
    return manifest.base_url if manifest is not None else None


def indexed_owner_dictionaries(index_root: Path) -> list[Path]:
    """The site owner's word lists (absolute paths) the serving index's user dictionary was made
    from; ``[]`` when none, or when the index has no readable manifest."""
    generation = current_generation(index_root)
    manifest = _Manifest.read(generation) if generation is not None else None
    return [Path(path) for path in manifest.owner_dictionaries] if manifest is not None else []


def next_publication(index_root: Path) -> datetime | None:
    """When the earliest post the serving index skipped as dated in the future is published (its
    date: the first update from then on indexes it); None when there is none."""
    generation = current_generation(index_root)
    manifest = _Manifest.read(generation) if generation is not None else None
    return manifest.next_publication() if manifest is not None else None


def current_generation(index_root: Path) -> Path | None:
    """The generation directory ``current`` points to, or None when there is none."""
    link = Path(index_root) / CURRENT_LINK
    try:
        target = os.readlink(link)
    except OSError:
        return None
    return Path(index_root) / target


def _remove_abandoned_generations(index_root: Path) -> None:
    """Delete generations a killed reindex left without metadata (never the current one)."""
    current = current_generation(index_root)
    for generation in _generations(index_root):
        if generation != current and not (generation / METADATA_FILE).exists():
            shutil.rmtree(generation, ignore_errors=True)
    for stray in index_root.glob(f".{CURRENT_LINK}.*"):
        stray.unlink(missing_ok=True)
    for stray in (index_root / DICTIONARIES_DIR).glob(".*"):
        shutil.rmtree(stray, ignore_errors=True)


def _remove_old_generations(index_root: Path, keep: tuple[Path | None, ...]) -> None:
    """Delete every generation but ``keep`` (the new one and the one served until now), and the
    compiled dictionaries no kept generation uses."""
    for generation in _generations(index_root):
        if generation not in keep:
            shutil.rmtree(generation, ignore_errors=True)
    used = {str(read_metadata(g).get("dictionary_digest")) for g in keep if g is not None}
    for compiled in (index_root / DICTIONARIES_DIR).glob("*"):
        if compiled.name not in used:
            shutil.rmtree(compiled, ignore_errors=True)


def _compile_dictionary(index_root: Path, generation: Path) -> None:
    """Compile the generation's user dictionary into ``dictionaries/<digest>/`` unless it is there.

    Servers tokenize queries with the compiled copy (:attr:`SearchIndex.dictionary`): Janome
    loads it in milliseconds, once per process and dictionary content rather than per generation,
    and never compiles in a server thread (Janome's compiler is not thread-safe).
    """
    from janome import sysdic
    from janome.dic import UserDictionary

    digest = read_metadata(generation).get("dictionary_digest")
    source = generation / DICTIONARY_FILE
    target = index_root / DICTIONARIES_DIR / str(digest)
    if not digest or not source.is_file() or target.is_dir():
        return
    temporary = target.parent / f".{digest}.{uuid.uuid4().hex[:8]}"
    UserDictionary(str(source), "utf8", "simpledic", sysdic.connections).save(str(temporary))
    for path in temporary.iterdir():
        with open(path, "rb") as handle:
            os.fsync(handle.fileno())
    os.rename(temporary, target)


def read_metadata(generation: Path) -> dict:
    """The ``kensaku.json`` of a generation, or ``{}`` if it is missing or unreadable."""
    try:
        return json.loads((generation / METADATA_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


#: Times :meth:`SearchIndex.searcher` tries to open a generation that reindexes may be removing.
_OPEN_ATTEMPTS = 3


class SearchIndex:
    """An open index directory that follows reindexes.

    Each :meth:`searcher` call checks where ``current`` points (one ``readlink``) and reopens
    when a reindex switched generations, so a long-running server serves new posts without a
    restart. Safe to share between threads: each thread keeps its own Whoosh searcher for the
    generation being served (opening one maps every segment file: ~10–100 ms, more than a
    query) and replaces it on its first call after a switch.

    :param index_root: the index directory, or a generation directory written by
        :func:`write_index` (then it never changes).
    :raises IndexNotBuiltError: there is no index there.
    :raises StaleIndexError: the index has another format version.
    """

    def __init__(self, index_root: Path) -> None:
        self.index_root = Path(index_root)
        self._lock = threading.Lock()
        self._generation: Path | None = None
        self._ix = None
        self._dictionary: str | None = None
        self._opened: tuple = (None, None, ())  # (generation, Whoosh index, cache key), replaced at once
        self._searching = threading.local()  # the cache key of the searcher a thread has open
        self._searchers: set = set()  # every thread's cached searcher, closed with the index
        self._closer = weakref.finalize(self, _close_searchers, self._searchers, self._lock)
        self.metadata: dict = {}
        self._reopen_if_changed()

    def _locate(self) -> Path:
        if (self.index_root / METADATA_FILE).exists():
            return self.index_root
        generation = current_generation(self.index_root)
        if generation is None or not generation.is_dir():
            raise IndexNotBuiltError(
                f"There is no index in {self.index_root}: run `kensaku reindex` to build it."
            )
        return generation

    def _reopen_if_changed(self) -> None:
        generation = self._locate()
        if generation == self._generation and self._ix is not None:
            return
        with self._lock:
            if generation == self._generation and self._ix is not None:
                return
            metadata = read_metadata(generation)
            version = metadata.get("format_version")
            if version != INDEX_VERSION:
                raise StaleIndexError(
                    f"The index in {self.index_root} has format version {version!r}, this version of "
                    f"kensaku reads version {INDEX_VERSION}: run `kensaku reindex` to rebuild it."
                )
            dictionary_path = self._dictionary_of(generation, metadata)
            try:
                # Without mmap: Whoosh would copy every file of a compound segment out of the
                # map into memory for each searcher (~200 MB per searcher for 1,406 posts).
                storage = FileStorage(str(generation), supports_mmap=False)
                ix = storage.open_index(schema=build_schema(dictionary_path))
            except whoosh_index.EmptyIndexError as exc:
                raise IndexNotBuiltError(
                    f"The index in {generation} is empty or damaged: run `kensaku reindex`."
                ) from exc
            self._ix, self._generation, self.metadata = ix, generation, metadata
            self._dictionary = dictionary_path
            self._opened = (generation, ix, (str(generation), ix.latest_generation()))

    def _dictionary_of(self, generation: Path, metadata: dict) -> str | None:
        """The compiled user dictionary of ``generation``, else its CSV, else None."""
        compiled = self.index_root / DICTIONARIES_DIR / str(metadata.get("dictionary_digest"))
        if compiled.is_dir():
            return str(compiled)
        dictionary = generation / DICTIONARY_FILE
        return str(dictionary) if dictionary.exists() else None

    def _open_searcher(self) -> tuple[Searcher, tuple]:
        """This thread's searcher on the current generation and its cache key; opened if the
        thread has none for it yet, retried if reindexes removed the generation meanwhile."""
        for attempt in range(_OPEN_ATTEMPTS):
            self._reopen_if_changed()
            generation, ix, key = self._opened
            cached = getattr(self._searching, "cached", None)
            if cached is not None and cached[1] == key:
                return cached
            try:
                searcher = ix.searcher(weighting=RankingModel())
            except (OSError, whoosh_index.EmptyIndexError):
                if attempt == _OPEN_ATTEMPTS - 1 or current_generation(self.index_root) == generation:
                    raise
                continue
            with self._lock:
                if cached is not None:
                    self._searchers.discard(cached[0])
                    cached[0].close()  # the previous generation's: only this thread used it
                self._searchers.add(searcher)
            self._searching.cached = (searcher, key)
            return searcher, key
        raise AssertionError("unreachable")

    @contextmanager
    def searcher(self) -> Iterator[Searcher]:
        """This thread's Whoosh searcher on the current generation, scoring with
        :class:`search.ranking.RankingModel`. Kept open for the thread's next calls: callers
        must not close it or change its settings.

        Inside the ``with``, :attr:`cache_key` in the same thread names its generation, even if
        a reindex has switched ``current`` meanwhile.
        """
        searcher, key = self._open_searcher()
        outer = getattr(self._searching, "key", None)
        self._searching.key = key
        try:
            yield searcher
        finally:
            self._searching.key = outer

    def close(self) -> None:
        """Close every thread's searcher (also done when the object is garbage collected)."""
        self._closer()

    @property
    def dictionary(self) -> str | None:
        """Path of the user dictionary queries must be analyzed with (None: none)."""
        self._reopen_if_changed()
        return self._dictionary

    @property
    def cache_key(self) -> tuple:
        """Identifies the index version being served, for caches of per-document data: inside
        ``with index.searcher()``, the version that searcher reads."""
        key = getattr(self._searching, "key", None)
        if key is not None:
            return key
        self._reopen_if_changed()
        return self._opened[2]

    @property
    def doc_count(self) -> int:
        """Number of posts in the index being served."""
        self._reopen_if_changed()
        return self._ix.doc_count()

    @property
    def schema(self):
        """The Whoosh schema."""
        return self._ix.schema


def _close_searchers(searchers: set, lock: threading.Lock) -> None:
    with lock:
        for searcher in list(searchers):
            searcher.close()
        searchers.clear()


def open_index(index_root: Path) -> SearchIndex:
    """Open the index in ``index_root`` for searching (see :class:`SearchIndex`)."""
    return SearchIndex(Path(index_root))
