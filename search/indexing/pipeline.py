"""Parallel reading and analysis for reindexing: worker processes run Janome, one writer indexes.

Janome is the cost of indexing (NOTES: ~45k characters/s per core) and cannot be shared between
threads, so a reindex of many posts runs it in worker processes. The user dictionary is made from
every post's tags, so a reindex goes in two passes over one :class:`AnalysisPool`::

    post files --read()--> [Post | SkippedPost]       (workers parse; the writer then builds the
                                                       user dictionary and the schema from them)
    posts --analyzed(posts, schema)--> Post           (workers: post_to_document, then each indexed
                                                       field's ``field.index(value)``: Janome,
                                                       n-grams, readings, Whoosh's posting encoding)
    --writer.add_document(**post_to_document(post))--> Whoosh, whose fields hand back the postings
                                                       the workers computed

Whoosh's ``add_document`` asks each field for ``field.index(value)``, the (term, frequency,
weight, encoded positions and offsets) tuples of a value. A worker calls exactly that, on an
identical schema, and sends the tuples back; while :meth:`AnalysisPool.analyzed` runs, the
writer's fields answer ``index()`` for that post's values from them (:func:`_primed_fields`),
and for anything else as usual. So the writer runs no analysis at all, the analyzers are not
touched, and both passes keep the input order: the index is the one a serial build writes.

Workers die with their parent (``PR_SET_PDEATHSIG`` on Linux, plus a parent-pid check), so a
reindex killed with SIGKILL leaves no Janome processes behind.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import signal
import sys
import threading
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Iterator, Union

from whoosh.fields import Schema

from search.analysis.analyzers import WordTokenizer
from search.analysis.morpheme_cache import MorphemeCache
from search.analysis.morphemes import use_chunk_cache
from search.analysis.text_filter import bigram_filter
from search.posts.markdown_cache import MarkdownCache, use_markdown_cache
from search.posts.reader import Post, SkippedPost, read_or_skip
from search.indexing.field_postings import field_postings
from search.indexing.schema import post_to_document

#: What the pipeline takes: post files to read, posts already read, or posts already skipped.
Item = Union[Path, Post, SkippedPost]

#: Characters (or file bytes) of posts per batch sent to a worker: ~0.5 s of Janome.
BATCH_CHARS = 24_000
#: Posts per batch at most (many tiny posts).
BATCH_POSTS = 32
#: Batches in flight per worker (bounds memory; keeps workers busy while the writer catches up).
BATCHES_PER_WORKER = 3
#: Below this many characters of posts, workers cost more (start-up, Janome loading) than they
#: save: the posts are read and analyzed in the writer's own process.
PARALLEL_MIN_CHARS = 60_000


def default_jobs() -> int:
    """Worker processes for a reindex: the CPUs this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def workers_for(items: list[Item], jobs: int | None = None) -> int:
    """How many worker processes to read and analyze ``items`` with: 1 (none) for little text.

    :param jobs: the most workers to use; None: :func:`default_jobs`.
    """
    jobs = default_jobs() if jobs is None else max(1, jobs)
    if jobs == 1 or sum(_item_size(item) for item in items) < PARALLEL_MIN_CHARS:
        return 1
    return min(jobs, len(items))


def read_item(item: Item, posts_dir: Path, base_url: str = "", *, future: bool = False,
              now: datetime | None = None, follow_links: bool = False) -> Post | SkippedPost:
    """A post file (or an already read post) as :func:`search.posts.reader.load_posts` would yield it.

    :param future: keep posts dated after ``now`` (:func:`search.posts.reader.publication_skip`).
    :param now: the build time; None: the time of the call.
    :param follow_links: read post files linked in from outside ``posts_dir`` too.
    """
    if not isinstance(item, Path):
        return item
    return read_or_skip(item, posts_dir, base_url, future=future, now=now, follow_links=follow_links)


class AnalysisPool:
    """``jobs`` worker processes reading and analyzing posts for one writer; a context manager.

    With ``jobs == 1`` there are no workers: :meth:`read` reads in this process and
    :meth:`analyzed` analyzes each post in this process before the writer sees it (so a post
    whose analysis fails is skipped as with workers).

    :raises concurrent.futures.process.BrokenProcessPool: (from the methods) a worker died.
    """

    def __init__(self, jobs: int = 1) -> None:
        self.jobs = max(1, jobs)
        self._executor: ProcessPoolExecutor | None = None

    def __enter__(self) -> AnalysisPool:
        if self.jobs > 1:
            context = _start_context()
            forked = context.get_start_method() == "fork"
            self._executor = ProcessPoolExecutor(
                max_workers=self.jobs, mp_context=context,
                initializer=_init_worker, initargs=(os.getpid() if forked else None,))
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def read(self, items: Iterable[Item], posts_dir: Path, base_url: str = "", *, future: bool = False,
             now: datetime | None = None, follow_links: bool = False,
             markdown_cache: MarkdownCache | None = None) -> list[Post | SkippedPost]:
        """Every item read (:func:`read_item`), in order; post files are parsed by the workers.

        :param now: the build time posts' dates are compared with (None: the time of this call,
            the same for every worker).
        :param follow_links: read post files linked in from outside ``posts_dir`` too.
        :param markdown_cache: the Markdown cache to read with (:mod:`search.posts.markdown_cache`):
            workers read its file and hand back what they added, which goes into ``markdown_cache``.
        """
        items = list(items)
        now = now or datetime.now(timezone.utc)
        if self._executor is None or not any(isinstance(item, Path) for item in items):
            use_markdown_cache(markdown_cache)
            try:
                return [read_item(item, Path(posts_dir), base_url, future=future, now=now, follow_links=follow_links)
                        for item in items]
            finally:
                use_markdown_cache(None)
        spec = str(markdown_cache.path) if markdown_cache is not None and markdown_cache.path else None
        read: list[Post | SkippedPost] = []
        for batch, added in self._map(_read_batch, items, Path(posts_dir), base_url, future, now, follow_links, spec):
            read.extend(batch)
            if markdown_cache is not None and added is not None:
                markdown_cache.add_new(*added)
        return read

    def analyzed(self, posts: Iterable[Post | SkippedPost], schema: Schema,
                 cache: MorphemeCache | None = None) -> Iterator[tuple[Post | SkippedPost, bytes | None]]:
        """Yield ``(post, bigram filter of its Janome texts)`` for ``posts`` in order (the filter
        None for a :class:`SkippedPost`); while a :class:`Post` is out, ``schema``'s fields index its
        document from what the workers computed. A post whose analysis raised is yielded as a
        :class:`SkippedPost` with the reason instead (the writer never sees half of it).

        :param schema: the writer's schema (``writer.schema``), whose fields ``add_document`` asks.
        :param cache: the morpheme cache to analyze with (:mod:`search.analysis.morpheme_cache`):
            workers read its file and hand back what they added, which goes into ``cache``.
        """
        if self._executor is None:
            use_chunk_cache(cache)
            try:
                with _primed_fields(schema) as primed, _frozen_per_batch():
                    for number, post in enumerate(posts, 1):
                        post, postings, signature = _analyze_one(post, schema)
                        if postings is not None:
                            primed.update(postings)
                        yield post, signature
                        primed.clear()
                        if number % BATCH_POSTS == 0:
                            gc.freeze()
            finally:
                use_chunk_cache(None)
            return
        schema_bytes = pickle.dumps(schema, pickle.HIGHEST_PROTOCOL)
        spec = (str(cache.path) if cache.path else None, cache.dictionary) if cache is not None else None
        with _primed_fields(schema) as primed, _frozen_per_batch():
            for results, added in self._map(_analyze_batch, posts, schema_bytes, spec):
                gc.freeze()
                if cache is not None:
                    cache.add_new(*added)
                for post, postings, signature in results:
                    if postings is not None:
                        primed.update(postings)
                    yield post, signature
                    primed.clear()

    def _map(self, function: Callable, items: Iterable, *args: object) -> Iterator:
        """``function(batch, *args)`` in the workers for each batch of ``items``, results in order."""
        executor = self._executor
        pending: deque[Future] = deque()
        batches = _batches(items)
        limit = self.jobs * BATCHES_PER_WORKER
        try:
            for batch in batches:
                pending.append(executor.submit(function, batch, *args))
                if len(pending) >= limit:
                    break
            while pending:
                result = pending.popleft().result()
                for batch in batches:  # keep the workers fed while this result is used
                    pending.append(executor.submit(function, batch, *args))
                    break
                yield result
        finally:
            for future in pending:
                future.cancel()


@contextmanager
def _frozen_per_batch() -> Iterator[None]:
    """While a reindex analyzes, the caller freezes (``gc.freeze()``) what lives after each batch.

    The writer's postings and each worker's caches grow to millions of objects that live to the
    end, and every full collection would walk them all, to free nothing: a quarter of a warm
    rebuild's CPU (docs/benchmarks.md). Frozen, they are left out of collections; garbage cycles
    are still collected among what a batch makes (nearly all of them: a batch's own). Afterwards
    the frozen objects are collectable again, unless something else froze objects before
    (a server forking its workers does): then they stay frozen, as that caller expects.
    """
    thawed = gc.get_freeze_count() == 0
    try:
        yield
    finally:
        if thawed:
            gc.unfreeze()


def _start_context() -> multiprocessing.context.BaseContext:
    """``fork`` (no start-up cost) unless other threads run: forking those is unsafe."""
    methods = multiprocessing.get_all_start_methods()
    if sys.platform.startswith("linux") and "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def _batches(items: Iterable[Item]) -> Iterator[list[Item]]:
    batch: list[Item] = []
    size = 0
    for item in items:
        batch.append(item)
        size += _item_size(item)
        if size >= BATCH_CHARS or len(batch) >= BATCH_POSTS:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _item_size(item: Item) -> int:
    if isinstance(item, Path):
        try:
            return item.stat().st_size
        except OSError:
            return 0
    if isinstance(item, Post):
        return len(item.title) + len(item.body) + len(item.code)
    return 0


# -- in the workers ------------------------------------------------------------------------------

def _init_worker(parent: int | None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    die_with_parent(parent)


def die_with_parent(parent: int | None) -> None:
    """Exit as soon as the parent process is gone (even killed with SIGKILL).

    :param parent: the reindexing process when it forked this one; None when a forkserver did
        (then the forkserver is the parent, and it exits when the reindexing process dies).
    """
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if parent is None:
        parent = os.getppid()
    elif os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            threading.Event().wait(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _read_batch(batch: list[Item], posts_dir: Path, base_url: str, future: bool, now: datetime,
                follow_links: bool, cache_path: str | None) -> tuple[list[Post | SkippedPost], tuple | None]:
    cache = None
    if cache_path is not None:
        cache = _kept(_worker_markdown_caches, cache_path, lambda: MarkdownCache(Path(cache_path)))
    use_markdown_cache(cache)
    try:
        read = [read_item(item, posts_dir, base_url, future=future, now=now, follow_links=follow_links)
                for item in batch]
    finally:
        use_markdown_cache(None)
    return read, (cache.take_new() if cache is not None else None)


_worker_schemas: dict[bytes, Schema] = {}
_worker_caches: dict[tuple, MorphemeCache] = {}
_worker_markdown_caches: dict[str, MarkdownCache] = {}


def _kept(store: dict, key, make: Callable):
    """The worker's object for ``key`` (one reindex's schema or cache), made the first time; one
    is kept per store (a worker serves one reindex)."""
    found = store.get(key)
    if found is None:
        store.clear()
        found = store[key] = make()
    return found


def _analyze_batch(batch: list[Post | SkippedPost], schema_bytes: bytes, cache_spec: tuple | None) -> tuple:
    schema = _kept(_worker_schemas, schema_bytes, lambda: pickle.loads(schema_bytes))
    cache = None
    if cache_spec is not None:
        path, dictionary = cache_spec
        cache = _kept(_worker_caches, cache_spec, lambda: MorphemeCache(Path(path) if path else None, dictionary))
    use_chunk_cache(cache)
    try:
        results = [_analyze_one(post, schema) for post in batch]
    finally:
        use_chunk_cache(None)
        gc.freeze()  # what this worker keeps (caches, memos) is not scanned again: see _frozen_per_batch
    return results, (cache.take_new() if cache is not None else ([], [], 0, 0, {}))


def _analyze_one(post: Post | SkippedPost, schema: Schema) -> tuple[Post | SkippedPost, dict | None, bytes | None]:
    """``(post, its postings, its bigram filter)``; for a post whose analysis raised, the post
    skipped with the reason and no postings (one post's analysis never stops a reindex)."""
    if not isinstance(post, Post):
        return post, None, None
    try:
        return post, _postings(post, schema), text_filter(post, schema)
    except RecursionError:
        return SkippedPost(post.path, "could not be analyzed: nested too deeply"), None, None
    except Exception as exc:  # noqa: BLE001 - one post's analysis never stops a reindex
        return SkippedPost(post.path, f"could not be analyzed: {type(exc).__name__}: {exc}"[:300]), None, None


def text_filter(post: Post, schema: Schema) -> bytes:
    """The bigram filter (:mod:`search.analysis.text_filter`) of the texts of ``post`` that Janome analyzes."""
    texts = {value for name, value in post_to_document(post).items()
             if isinstance(value, str) and name in schema and isinstance(getattr(schema[name], "analyzer", None), WordTokenizer)}
    return bigram_filter(sorted(texts))


def _postings(post: Post, schema: Schema) -> dict[str, tuple[object, list[tuple]]]:
    """``{field name: (value, list(field.index(value)))}`` for each indexed field of the post's document
    (our text fields' postings computed without Whoosh's token stream: :mod:`.field_postings`)."""
    postings = {}
    for name, value in post_to_document(post).items():
        if value is not None and name in schema and schema[name].indexed:
            field = schema[name]
            found = field_postings(field, value)
            postings[name] = (value, found if found is not None else list(field.index(value)))
    return postings


# -- in the writer -------------------------------------------------------------------------------

@contextmanager
def _primed_fields(schema: Schema) -> Iterator[dict[str, tuple[object, list[tuple]]]]:
    """Make ``schema``'s indexed fields answer ``index(value)`` from a dict the caller fills.

    The dict maps a field name to ``(value, postings)``; a field asked for another value, or with
    arguments, indexes it itself. The fields are restored on exit, before anything pickles the
    schema (Whoosh does on commit).
    """
    primed: dict[str, tuple[object, list[tuple]]] = {}
    patched = []
    for name in schema.names():
        field = schema[name]
        if not field.indexed or "index" in vars(field):
            continue

        def index(value, _name=name, _original=field.index, **kwargs):
            entry = primed.get(_name)
            if entry is not None and not kwargs and entry[0] == value:
                return entry[1]
            return _original(value, **kwargs)

        field.index = index
        patched.append(field)
    try:
        yield primed
    finally:
        for field in patched:
            del field.index
