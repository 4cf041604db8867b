"""Query-string arguments of ``/search`` and ``/api/search``, read and checked in one place.

Both endpoints take the same arguments, so a results page URL and an API URL differ only in
their path::

    q=クラウド&tag=AWS&tag=生成AI&category=tech&author=山田&year=2024
    &from=2024-01-01&to=2024-12-31&sort=newest&page=2[&per_page=20]

Repeating ``tag``, ``category``, ``author`` or ``year`` asks for posts carrying all the values
(AND, as Algolia's facet filters). A value that cannot be right (a page that is not a number, a
date that is not ``YYYY-MM-DD``, too many filters) ends the request with 400 and a message in
Japanese naming the argument; the range checks of ``page``, ``per_page`` and ``sort`` are the
library's (:class:`search.errors.QueryError`, also 400).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from flask import abort, request

from search.facets import Filters

#: Most filter values (tags, categories, authors and years together) in one request.
MAX_FILTER_VALUES = 20
#: Longest filter value, in characters.
MAX_FILTER_VALUE_CHARS = 100
#: Filter arguments and the :class:`Filters` attribute each fills.
FILTER_ARGS = {"tag": "tags", "category": "categories", "author": "authors", "year": "years"}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_YEAR = re.compile(r"\d{4}")
#: A whole number ``int()`` reads: one optional minus, then decimal digits of any script (``\d``,
#: as ``int()``); not ``--1``, nor ``²``, which ``str.isdigit`` accepts and ``int()`` refuses.
_INT = re.compile(r"-?\d+")
_FALSE_WORDS = ("0", "false", "off", "no")


@dataclass(frozen=True)
class SearchArgs:
    """The arguments of one search request.

    :ivar q: the query as typed (stripped); may be empty when ``filters`` are given.
    :ivar page: 1-based page number; ``per_page``: hits per page.
    :ivar sort: ``relevance``, ``newest`` or ``oldest`` (:func:`default_sort` when not given).
    :ivar filters: tags, categories, authors, years and date range to restrict hits to.
    """

    q: str
    page: int
    per_page: int
    sort: str
    filters: Filters = field(default_factory=Filters)

    def url_args(self, **changes) -> dict:
        """These arguments as ``url_for`` keyword arguments (lists for repeated ones), with changes.

        Defaults (page 1, the default order, no filter) are left out, so links stay short.
        """
        args: dict = {"q": self.q, "page": self.page, "sort": self.sort, **filter_args(self.filters)}
        args.update(changes)
        if args.get("page") == 1:
            args["page"] = None
        if args.get("sort") == default_sort(args.get("q") or ""):
            args["sort"] = None
        return {key: value for key, value in args.items() if value not in (None, "", [], ())}


def default_sort(q: str) -> str:
    """Relevance for a query; newest first for an empty one (it lists posts, it ranks nothing)."""
    return "relevance" if q else "newest"


def filter_args(filters: Filters) -> dict:
    """The query-string arguments that express ``filters`` (``{"tag": [...], "from": "…"}``)."""
    args: dict = {name: list(getattr(filters, attribute)) for name, attribute in FILTER_ARGS.items()}
    args["from"] = filters.date_from.isoformat() if filters.date_from else None
    args["to"] = filters.date_to.isoformat() if filters.date_to else None
    return {key: value for key, value in args.items() if value}


def int_arg(name: str, default: int) -> int:
    """The integer argument ``name``, or ``default`` when it is missing or empty.

    :raise 400: the value is not a whole number.
    """
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    if not _INT.fullmatch(raw) or len(raw) > 9:
        abort(400, f"{name} は整数で指定してください。")
    return int(raw)


def bool_arg(name: str, default: bool = True) -> bool:
    """``false``, ``0``, ``off`` or ``no`` → False; anything else given → True; missing → ``default``."""
    raw = request.args.get(name)
    if raw is None or not raw.strip():
        return default
    return raw.strip().lower() not in _FALSE_WORDS


def _date_arg(name: str) -> date | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    if _DATE.fullmatch(raw):
        try:
            return date.fromisoformat(raw)
        except ValueError:
            pass
    abort(400, f"{name} は YYYY-MM-DD 形式の日付で指定してください（例: 2024-01-31）。")


def filters_arg() -> Filters:
    """The filters of the request (see the module docstring).

    :raise 400: more than :data:`MAX_FILTER_VALUES` values, a value longer than
        :data:`MAX_FILTER_VALUE_CHARS`, a year that is not four digits, a bad date, or
        ``from`` after ``to``.
    """
    values: dict[str, tuple[str, ...]] = {}
    count = 0
    for name, attribute in FILTER_ARGS.items():
        given = [v.strip() for v in request.args.getlist(name) if v.strip()]
        given = list(dict.fromkeys(given))
        for value in given:
            if len(value) > MAX_FILTER_VALUE_CHARS:
                abort(400, f"{name} の値が長すぎます（{MAX_FILTER_VALUE_CHARS} 文字まで）。")
            if name == "year" and not _YEAR.fullmatch(value):
                abort(400, "year は 4 桁の西暦で指定してください（例: 2024）。")
        count += len(given)
        values[attribute] = tuple(given)
    if count > MAX_FILTER_VALUES:
        abort(400, f"絞り込みの条件が多すぎます（tag・category・author・year 合わせて {MAX_FILTER_VALUES} 個まで）。")
    date_from, date_to = _date_arg("from"), _date_arg("to")
    if date_from and date_to and date_from > date_to:
        abort(400, "from には to 以前の日付を指定してください。")
    return Filters(**values, date_from=date_from, date_to=date_to)


def search_args(per_page: int) -> SearchArgs:
    """Read ``q``, ``page``, ``per_page`` (default ``per_page``), ``sort`` and the filters.

    :raise 400: see :func:`int_arg` and :func:`filters_arg`.
    """
    q = request.args.get("q", "").strip()
    return SearchArgs(
        q=q,
        page=int_arg("page", 1),
        per_page=int_arg("per_page", per_page),
        sort=request.args.get("sort", "").strip() or default_sort(q),
        filters=filters_arg(),
    )
