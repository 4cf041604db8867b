"""Indexing: posts → a Whoosh index on disk, rebuilt atomically, and opening it for search.

An index directory (``index/`` by default) holds *generations*::

    index/
      current -> gen-20261129T091500-3f2a   (relative symlink; the generation being served)
      gen-20261129T091500-3f2a/             (Whoosh files + kensaku.json)
      .reindex.lock                         (held while a reindex runs)

:func:`rebuild_index` writes a complete new generation beside the old one and then switches
``current`` to it with one ``rename(2)`` (atomic on POSIX), so a running server never sees half an
index and a reindex that fails or is killed leaves the old generation serving. ``kensaku.json``
records :data:`search.schema.INDEX_VERSION`; :func:`open_index` refuses any other version.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Iterator

from whoosh import index as whoosh_index
from whoosh.searching import Searcher

from search.dictionary import DICTIONARY_FILE, dictionary_entries, write_dictionary
from search.errors import IndexNotBuiltError, ReindexInProgressError, StaleIndexError
from search.posts import Post, SkippedPost, load_posts
from search.schema import INDEX_VERSION, build_schema, post_to_document

CURRENT_LINK = "current"
METADATA_FILE = "kensaku.json"
LOCK_FILE = ".reindex.lock"
GENERATION_PREFIX = "gen-"
#: Generations kept besides the current one, for searchers still reading them.
KEEP_OLD_GENERATIONS = 1
#: Memory, in MB, the Whoosh writer may buffer postings in before flushing to disk.
WRITER_LIMIT_MB = 256


@dataclass
class IndexStats:
    """What a reindex did.

    :ivar indexed: number of posts written to the index.
    :ivar skipped: posts left out, each with file and reason.
    :ivar elapsed_s: wall time of the whole reindex, seconds.
    :ivar index_dir: the generation directory written.
    """

    indexed: int = 0
    skipped: list[SkippedPost] = field(default_factory=list)
    elapsed_s: float = 0.0
    index_dir: Path | None = None

    def summary(self) -> str:
        """One line: ``Indexed 42 posts, skipped 1, in 3.1 s.``"""
        return f"Indexed {self.indexed} posts, skipped {len(self.skipped)}, in {self.elapsed_s:.1f} s."


ProgressCallback = Callable[[Post | SkippedPost], None]


def write_index(posts: Iterable[Post | SkippedPost], index_dir: Path,
                progress: ProgressCallback | None = None, *,
                owner_dictionaries: Iterable[Path] = ()) -> IndexStats:
    """Write a new index of ``posts`` into the empty or missing directory ``index_dir``.

    The user dictionary (:mod:`search.dictionary`: shipped words, the posts' tags and
    categories, ``owner_dictionaries``) is written first as ``userdic.csv`` beside the index.

    :param posts: posts to index; :class:`SkippedPost` items are only counted.
    :param index_dir: where the Whoosh files, ``userdic.csv`` and ``kensaku.json`` go.
    :param progress: called once per item, after it is handled.
    :param owner_dictionaries: the site owner's word lists.
    :returns: counts; ``elapsed_s`` covers this call.
    :raises SearchError: an owner word list cannot be read.
    """
    started = time.perf_counter()
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    stats = IndexStats(index_dir=index_dir)
    posts = list(posts)
    keywords = [k for p in posts if isinstance(p, Post) for k in (*p.tags, *p.categories)]
    dictionary_path = index_dir / DICTIONARY_FILE
    dictionary_digest = write_dictionary(dictionary_entries(keywords, owner_dictionaries), dictionary_path)
    ix = whoosh_index.create_in(str(index_dir), build_schema(str(dictionary_path)))
    writer = ix.writer(limitmb=WRITER_LIMIT_MB)
    try:
        for item in posts:
            if isinstance(item, SkippedPost):
                stats.skipped.append(item)
            else:
                writer.add_document(**post_to_document(item))
                stats.indexed += 1
            if progress is not None:
                progress(item)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    ix.close()
    metadata = {
        "format_version": INDEX_VERSION,
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "posts": stats.indexed,
        "skipped": len(stats.skipped),
        "dictionary_digest": dictionary_digest,
    }
    _write_file_durably(index_dir / METADATA_FILE, json.dumps(metadata, ensure_ascii=False, indent=2))
    stats.elapsed_s = time.perf_counter() - started
    return stats


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
def reindex_lock(index_root: Path) -> Iterator[None]:
    """Hold the index directory's reindex lock, or raise :class:`ReindexInProgressError` at once.

    The lock is an ``fcntl`` lock, released by the kernel if the process dies (even by SIGKILL).
    """
    index_root.mkdir(parents=True, exist_ok=True)
    with open(index_root / LOCK_FILE, "a+") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise ReindexInProgressError(
                f"Another reindex is running on {index_root}; wait for it to finish and try again."
            ) from exc
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def rebuild_index(posts_dir: Path, index_root: Path, *, base_url: str = "",
                  progress: ProgressCallback | None = None,
                  posts: Iterable[Post | SkippedPost] | None = None,
                  owner_dictionaries: Iterable[Path] = ()) -> IndexStats:
    """Rebuild the whole index of the posts in ``posts_dir`` and switch the server to it.

    Writes a new generation under ``index_root``, fsyncs it, then atomically repoints
    ``index_root/current``; older generations beyond :data:`KEEP_OLD_GENERATIONS` are removed.
    On any error the new generation is deleted and ``current`` is untouched.

    :param posts_dir: folder of Markdown posts (searched recursively).
    :param index_root: the index directory (``index/``).
    :param base_url: site base URL prefixed to post URLs.
    :param progress: called once per post file handled.
    :param posts: the posts to index instead of loading ``posts_dir`` (for tests and benchmarks).
    :param owner_dictionaries: the site owner's word lists for the user dictionary.
    :raises ReindexInProgressError: another reindex holds the lock.
    """
    started = time.perf_counter()
    index_root = Path(index_root)
    with reindex_lock(index_root):
        _remove_abandoned_generations(index_root)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
        generation = index_root / f"{GENERATION_PREFIX}{stamp}-{uuid.uuid4().hex[:6]}"
        try:
            items = posts if posts is not None else load_posts(Path(posts_dir), base_url)
            stats = write_index(items, generation, progress, owner_dictionaries=owner_dictionaries)
            _fsync_tree(generation)
            _switch_current(index_root, generation)
        except BaseException:
            shutil.rmtree(generation, ignore_errors=True)
            raise
        _remove_old_generations(index_root, keep=generation)
    stats.elapsed_s = time.perf_counter() - started
    return stats


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


def _remove_old_generations(index_root: Path, keep: Path) -> None:
    others = [g for g in _generations(index_root) if g != keep]
    for generation in others[:max(0, len(others) - KEEP_OLD_GENERATIONS)]:
        shutil.rmtree(generation, ignore_errors=True)


def read_metadata(generation: Path) -> dict:
    """The ``kensaku.json`` of a generation, or ``{}`` if it is missing or unreadable."""
    try:
        return json.loads((generation / METADATA_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


class SearchIndex:
    """An open index directory that follows reindexes.

    Each :meth:`searcher` call checks where ``current`` points (one ``readlink``) and reopens
    when a reindex switched generations, so a long-running server serves new posts without a
    restart. Safe to share between threads; each thread gets its own searcher per call.

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
            dictionary = generation / DICTIONARY_FILE
            dictionary_path = str(dictionary) if dictionary.exists() else None
            try:
                ix = whoosh_index.open_dir(str(generation), schema=build_schema(dictionary_path))
            except whoosh_index.EmptyIndexError as exc:
                raise IndexNotBuiltError(
                    f"The index in {generation} is empty or damaged: run `kensaku reindex`."
                ) from exc
            self._ix, self._generation, self.metadata = ix, generation, metadata
            self._dictionary = dictionary_path

    @contextmanager
    def searcher(self) -> Iterator[Searcher]:
        """A Whoosh searcher on the current generation, closed on exit."""
        self._reopen_if_changed()
        searcher = self._ix.searcher()
        try:
            yield searcher
        finally:
            searcher.close()

    @property
    def dictionary(self) -> str | None:
        """Path of the user dictionary queries must be analyzed with (None: none)."""
        self._reopen_if_changed()
        return self._dictionary

    @property
    def cache_key(self) -> tuple:
        """Identifies the index version being served, for caches of per-document data."""
        self._reopen_if_changed()
        return (str(self._generation), self._ix.latest_generation())

    @property
    def doc_count(self) -> int:
        """Number of posts in the index being served."""
        self._reopen_if_changed()
        return self._ix.doc_count()

    @property
    def schema(self):
        """The Whoosh schema."""
        return self._ix.schema


def open_index(index_root: Path) -> SearchIndex:
    """Open the index in ``index_root`` for searching (see :class:`SearchIndex`)."""
    return SearchIndex(Path(index_root))
