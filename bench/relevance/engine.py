"""What a benchmarked search engine looks like to the runner.

An *engine* builds one index per set and answers queries for one or more *systems* (variants that
share the index: ``fts5-and``/``fts5-or``, ``bigram-and``/``bigram-or``, ``ours``/``ours-words``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, Sequence

from .data import QuerySet


class Unavailable(Exception):
    """The engine (or one variant) cannot run here; the message says why and what to do."""


class Engine(Protocol):
    #: the systems this engine answers for, in table order
    systems: tuple[str, ...]

    def info(self) -> dict:
        """Versions and settings, for the JSON report. Raises :class:`Unavailable`."""

    def build(self, qs: QuerySet, workdir: Path, with_code: bool) -> dict:
        """Index ``qs.docs`` in ``workdir``; returns ``{"index_s": ..., ...}``."""

    def run(self, system: str, queries: Sequence[str], k: int) -> tuple[list[list[str]], dict]:
        """Top-``k`` doc ids per query, and extra facts (``query_s``, errors, ...)."""

    def close(self) -> None:
        """Release the index of the current set."""

    # Optional: engines with ``chunkable = True`` also have ``open(workdir)``, which opens an index
    # that ``build`` wrote (in another process); the runner then splits their queries over processes.
    # Node engines have ``want(systems)`` and run index + queries in one Node process inside ``run``.
