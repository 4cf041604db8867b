"""Errors raised on purpose by the search library.

Every message ends with what the user can do about it. The web layer maps these to HTTP
status codes (``web/errors.py``); the CLI turns them into ``click.ClickException``.
"""

from __future__ import annotations

from pathlib import Path


class SearchError(Exception):
    """Base class for the errors this library raises on purpose."""


class PostFormatError(SearchError):
    """A post file that cannot be read or parsed; the reindex skips it and reports it.

    :param path: the post file.
    :param reason: what is wrong with it, in one short sentence.
    """

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class IndexNotBuiltError(SearchError):
    """There is no index in the index directory yet."""


class StaleIndexError(SearchError):
    """The index was written by another index format version and must be rebuilt."""


class ReindexInProgressError(SearchError):
    """Another reindex holds the lock on the index directory."""


class EmptyPostsFolderError(SearchError):
    """A reindex found no post files while the index holds posts; the index was left as it was."""


class QueryError(SearchError):
    """A query string that cannot be run (too long, too many terms, bad field, bad page).

    The web layer answers it with HTTP 400 and this message.
    """
