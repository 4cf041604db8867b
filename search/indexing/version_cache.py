"""Data derived from an index, built once per index version and shared by a process's callers
(the suggestion vocabulary, related posts' term statistics).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable, Generic, TypeVar

from whoosh.searching import Searcher

from search.indexing.index import SearchIndex


T = TypeVar("T")


class VersionCache(Generic[T]):
    """Data derived from an index (by ``build(searcher)``), built once per index version.

    Each index directory (:attr:`SearchIndex.index_root`) has its own data, never another's.
    While the data of a new version (after a reindex) is being built in the background, that
    index's previous version's keeps answering; only an index's very first build is waited for.

    :param build: reads what it needs from a searcher; runs outside any lock of this class.
    :param name: names the background thread.
    """

    def __init__(self, build: Callable[[Searcher], T], name: str) -> None:
        self._build_data = build
        self._name = name
        self._lock = threading.Lock()
        self._building: dict[tuple, threading.Event] = {}
        self._data: dict[Path, tuple[tuple, T]] = {}  # index root → (version key, data)

    def get(self, index: SearchIndex, *, wait: bool = True) -> T | None:
        """The data of the version ``index`` serves now (or of its previous one, see above).

        :param wait: wait for the build when there is no data of this index yet; else return None then.
        """
        key = index.cache_key
        known = self._data.get(index.index_root)
        if known is not None and known[0] == key:
            return known[1]
        with self._lock:
            event = self._building.get(key)
            starter = event is None
            if starter:
                event = self._building[key] = threading.Event()
        if starter:
            if known is None and wait:
                self._build(index, key, event)
            else:
                threading.Thread(target=self._build, args=(index, key, event), daemon=True,
                                 name=self._name).start()
        if known is None and wait:
            event.wait()
        known = self._data.get(index.index_root)
        return known[1] if known is not None else None

    def _build(self, index: SearchIndex, key: tuple, event: threading.Event) -> None:
        try:
            with index.searcher() as searcher:
                data = self._build_data(searcher)
            with self._lock:
                self._data[index.index_root] = (key, data)
        finally:
            event.set()
            with self._lock:
                self._building.pop(key, None)
