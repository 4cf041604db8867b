"""Synonyms and spelling variants (表記ゆれ), applied to queries only.

The site owner edits a plain text file (format in ``search/data/synonyms.txt``, the shipped
default): one group of equivalent words per line, comma-separated, or ``A => B, C`` for a one-way
expansion. A query word found in a group also matches the group's other words (an OR, each
alternative analyzed like any query word, so a multi-word alternative is a phrase). Because
nothing is expanded at index time, an edit takes effect on the next query, with no reindex — the
"search-time synonyms" of Elasticsearch's ``synonym_graph`` filter.

Lookup keys are folded like index terms (:func:`search.analysis.normalize.fold_term` of the NFKC form), so
``ＪＳ``, ``js`` and ``JS`` hit the same group.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

from search.errors import SearchError
from search.analysis.normalize import fold_term, normalize_query

#: The synonyms shipped with kensaku.
DEFAULT_SYNONYMS_FILE = Path(__file__).with_name("data") / "synonyms.txt"
#: Most alternatives one query word expands to.
MAX_ALTERNATIVES = 8


def synonym_key(word: str) -> str:
    """The lookup key of a word: NFKC, one space between words, folded like an index term."""
    return " ".join(fold_term(part) for part in normalize_query(word).split(" "))


@dataclass(frozen=True)
class Synonyms:
    """A loaded synonym file: ``key → alternatives`` (as written in the file, without the word itself)."""

    expansions: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def alternatives(self, word: str) -> tuple[str, ...]:
        """Other words a query word also matches (empty when it has none)."""
        return self.expansions.get(synonym_key(word), ())

    @classmethod
    def parse(cls, text: str, source: str = "<synonyms>") -> "Synonyms":
        """Parse the file format described in the module docstring.

        :raises SearchError: a line has ``=>`` without words on both sides (names file and line).
        """
        expansions: dict[str, list[str]] = {}

        def add(word: str, others: list[str]) -> None:
            key = synonym_key(word)
            current = expansions.setdefault(key, [])
            for other in others:
                if synonym_key(other) != key and other not in current:
                    current.append(other)

        for number, raw in enumerate(text.splitlines(), 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            if "=>" in line:
                left, _, right = line.partition("=>")
                sources = [w.strip() for w in left.split(",") if w.strip()]
                targets = [w.strip() for w in right.split(",") if w.strip()]
                if not sources or not targets:
                    raise SearchError(f"{source}, line {number}: '=>' needs words on both sides.")
                for word in sources:
                    add(word, targets)
                continue
            words = [w.strip() for w in line.split(",") if w.strip()]
            for word in words:
                add(word, [w for w in words if w != word])
        return cls({key: tuple(words[:MAX_ALTERNATIVES]) for key, words in expansions.items() if words})


def load_synonyms(path: Path) -> Synonyms:
    """Read a synonym file.

    :raises SearchError: the file cannot be read as UTF-8, or a line is malformed.
    """
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise SearchError(f"Cannot read the synonym file {path}: {exc}") from exc
    return Synonyms.parse(text, str(path))


class SynonymFile:
    """A synonym file reloaded when it changes (checked with one ``stat`` per :meth:`current`).

    A file that becomes unreadable or malformed keeps the last good version in use; the error
    is kept in :attr:`error` for the caller to report.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.error: str | None = None
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._synonyms = Synonyms()

    def current(self) -> Synonyms:
        """The synonyms as the file says now."""
        try:
            stat = os.stat(self.path)
            stamp = (stat.st_mtime_ns, stat.st_size)
        except OSError as exc:
            self.error = f"Cannot read the synonym file {self.path}: {exc}"
            return self._synonyms
        if stamp != self._stamp:
            with self._lock:
                if stamp != self._stamp:
                    try:
                        self._synonyms = load_synonyms(self.path)
                        self.error = None
                    except SearchError as exc:
                        self.error = str(exc)
                    self._stamp = stamp
        return self._synonyms
