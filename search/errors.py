"""Errors raised on purpose by the search library.

Every message ends with what the user can do about it. The web layer maps these to HTTP
status codes (``web/errors.py``); the CLI turns them into ``click.ClickException``.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path


class SearchError(Exception):
    """Base class for the errors this library raises on purpose."""


class PostFormatError(SearchError):
    """A post file that cannot be read or parsed; the reindex skips it and reports it.

    :param path: the post file.
    :param reason: what is wrong with it, in one short sentence.
    :param unreadable: the file is there but reading it failed (permission denied, an I/O
        error) or its content is broken (empty, bad front matter): a post indexed before keeps
        its indexed version (a save half done or a typo does not unpublish it); False for a file
        that is gone or no post file.
    """

    def __init__(self, path: Path | str, reason: str, *, unreadable: bool = False) -> None:
        self.path = Path(path)
        self.reason = reason
        self.unreadable = unreadable
        super().__init__(f"{self.path}: {reason}")


class IndexNotBuiltError(SearchError):
    """There is no index in the index directory yet."""


class StaleIndexError(SearchError):
    """The index was written by another index format version and must be rebuilt."""


class DamagedIndexError(SearchError):
    """Files of the index being served are missing, truncated or changed since they were written
    (:mod:`search.indexing.integrity`); ``kensaku reindex`` rebuilds it.

    :param problems: what is wrong, one short phrase per file.
    """

    def __init__(self, message: str, problems: list[str] | tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.problems = tuple(problems)


class ReindexInProgressError(SearchError):
    """Another reindex holds the lock on the index directory."""


class EmptyPostsFolderError(SearchError):
    """A reindex found no post files while the index holds posts; the index was left as it was."""


class IndexShrinkError(SearchError):
    """A reindex would drop a large share of the indexed posts at once (a checkout under way, a
    folder deleted while it ran); the index was left as it was (``--allow-shrink`` allows it)."""


class QueryErrorReason(StrEnum):
    """Which limit a query broke (:attr:`QueryError.reason`), for callers that word it their own way."""

    QUERY_TOO_LONG = "query_too_long"  # limit: characters
    TOO_MANY_WORDS = "too_many_words"  # limit: words, phrases and field terms
    TOO_DEEP = "too_deep"  # limit: levels of parentheses
    PAGE_TOO_SMALL = "page_too_small"  # limit: the first page, 1
    PAGE_TOO_LARGE = "page_too_large"  # limit: the last page accepted
    PER_PAGE = "per_page"  # limit: most hits per page
    SORT = "sort"  # no limit: an unknown sort order


class QueryError(SearchError):
    """A query string that cannot be run (too long, too many terms, bad field, bad page).

    This (English) message is for the CLI and other callers of the library; the web layer answers
    HTTP 400 with Japanese worded from ``reason``, ``limit`` and ``actual``.

    :param message: what is wrong and the limit, in one sentence.
    :param reason: which limit was broken; None for a caller's mistake no reader can make.
    :param limit: the limit of ``reason`` (see :class:`QueryErrorReason`), if it has one.
    :param actual: what the query measured against ``limit`` (characters, words), where it is
        counted; None otherwise.
    """

    def __init__(self, message: str, reason: QueryErrorReason | None = None, limit: int | None = None,
                 actual: int | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.limit = limit
        self.actual = actual
