"""The serving side of an index directory: :func:`open_index` and :class:`SearchIndex`, which
follows the ``current`` generation as reindexes switch it (:mod:`search.indexing.generations`)."""

from __future__ import annotations

import threading
import weakref
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.searching import Searcher

from search.analysis.dictionary import DICTIONARY_FILE
from search.errors import DamagedIndexError, IndexNotBuiltError, SearchError, StaleIndexError
from search.indexing.generations import DICTIONARIES_DIR, METADATA_FILE, current_generation, read_metadata
from search.indexing.integrity import damage_report, generation_problems, quietly_drop_traceback
from search.indexing.ranking import RankingModel
from search.indexing.schema import INDEX_VERSION, build_schema

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
        :func:`search.indexing.rebuild.write_index` (then it never changes).
    :raises IndexNotBuiltError: there is no index there.
    :raises StaleIndexError: the index has another format version.
    :raises DamagedIndexError: files of the generation are missing, truncated or changed
        (:mod:`search.indexing.integrity`: checked, sizes and SHA-256, before a generation is
        served), or Whoosh cannot read them; also from :meth:`searcher` when a search fails and
        the check then finds the files damaged.
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
        self._damaged: tuple[Path, DamagedIndexError] | None = None  # the last generation found damaged
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
            if self._damaged is not None and self._damaged[0] == generation:
                raise self._damaged[1]  # checked once per generation, not on every request
            try:
                self._open_generation(generation)
            except DamagedIndexError as exc:
                self._damaged = (generation, exc)
                raise

    def _open_generation(self, generation: Path) -> None:
        """Check and open ``generation`` (the caller holds the lock)."""
        problems = generation_problems(generation, structure=False)  # opening it below checks that
        if problems:
            raise DamagedIndexError(damage_report(generation, problems), problems)
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
        except Exception as exc:  # struct.error, EOFError, pickle errors… from damaged files
            problem = f"Whoosh cannot open it ({type(exc).__name__}: {exc})"
            quietly_drop_traceback(exc)
            raise DamagedIndexError(damage_report(generation, [problem]), [problem]) from exc
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
            except (OSError, whoosh_index.EmptyIndexError) as exc:
                if attempt == _OPEN_ATTEMPTS - 1 or current_generation(self.index_root) == generation:
                    self._raise_if_damaged(generation, exc)
                    raise
                continue
            except Exception as exc:
                self._raise_if_damaged(generation, exc)
                raise
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
        :class:`search.indexing.ranking.RankingModel`. Kept open for the thread's next calls: callers
        must not close it or change its settings.

        Inside the ``with``, :attr:`cache_key` in the same thread names its generation, even if
        a reindex has switched ``current`` meanwhile.
        """
        searcher, key = self._open_searcher()
        outer = getattr(self._searching, "key", None)
        self._searching.key = key
        try:
            yield searcher
        except SearchError:
            raise
        except Exception as exc:
            self._raise_if_damaged(Path(key[0]), exc)
            raise
        finally:
            self._searching.key = outer

    def _raise_if_damaged(self, generation: Path, exc: Exception) -> None:
        """Raise :class:`DamagedIndexError` from ``exc`` when ``generation``'s files are damaged
        (a search failed on files that were fine when opened); else return."""
        problems = generation_problems(generation)
        if problems:
            damaged = DamagedIndexError(damage_report(generation, problems), problems)
            with self._lock:
                self._damaged = (generation, damaged)
                if self._generation == generation:
                    self._ix, self._generation = None, None  # checked again (and refused) next time
            raise damaged from exc

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
