"""Query-string arguments of ``/search`` and ``/api/search``, read and checked in one place.

Both endpoints take the same arguments, so a results page URL and an API URL differ only in
their path::

    q=クラウド&tag=AWS&tag=生成AI&category=tech&author=山田&year=2024
    &from=2024-01-01&to=2024-12-31&sort=newest&page=2[&per_page=20]

Repeating ``tag``, ``category``, ``author`` or ``year`` asks for posts carrying all the values
(AND, as Algolia's facet filters). A value that cannot be right (a page that is not a number, a
date that is not one (``2024-05-20``, ``2024年5月20日``, ``2024/5/20``; :mod:`web.dates`), too many filters) ends the request with 400
(:class:`BadArgument`): a message in Japanese naming the argument for the API, and one naming it
as the page does (:data:`ARG_LABELS`) for the search page; the range checks of ``page``,
``per_page`` and ``sort`` are the library's (:class:`search.errors.QueryError`, also 400). The
400 page offers the query box again with the filters that were not at fault (:func:`kept_args`).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date

from flask import request
from werkzeug.exceptions import BadRequest

from search.errors import QueryError, QueryErrorReason
from search.querying.facets import Filters
from web.dates import parse_reader_date
from search.querying.parser import MAX_QUERY_CHARS

#: Most values of one filter argument (``tag``, ``category``, ``author`` or ``year``) in one
#: request: a bound per argument, as the API document states it (``maxItems``).
MAX_FILTER_VALUES = 20
#: Longest filter value, in characters.
MAX_FILTER_VALUE_CHARS = 100
#: Filter arguments and the :class:`Filters` attribute each fills.
FILTER_ARGS = {"tag": "tags", "category": "categories", "author": "authors", "year": "years"}
#: What the search page calls each argument (facet headings, filters in force, error messages).
ARG_LABELS = {"tag": "タグ", "category": "カテゴリー", "author": "著者", "year": "年", "from": "開始日",
              "to": "終了日", "page": "ページ番号", "per_page": "表示件数"}
#: Digits of the longest whole number read as it is. A longer one is beyond every range the app
#: checks, so it is read as ±:data:`BEYOND_ANY_RANGE` and refused by that check, which names the
#: range (``int()`` itself refuses numbers of over 4,300 digits).
MAX_INT_DIGITS = 18
BEYOND_ANY_RANGE = 10 ** MAX_INT_DIGITS
_YEAR = re.compile(r"[0-9]{4}")
#: A whole number ``int()`` reads: one optional minus, then decimal digits of any script (``\d``,
#: as ``int()``); not ``--1``, nor ``²``, which ``str.isdigit`` accepts and ``int()`` refuses.
#: A zero fraction (``2.0``) is the same whole number, as JSON Schema counts it (the API document).
_INT = re.compile(r"-?\d+(?:\.0*)?")
_FALSE_WORDS = ("0", "false", "off", "no")
_TRUE_WORDS = ("1", "true", "on", "yes")
#: C0 and C1 control characters, DEL and the bidirectional formatting characters (UAX #9: LRM,
#: RLM, U+202A–U+202E, U+2066–U+2069, as posts lose them): dropped from text arguments, or a space
#: where they are whitespace (tab, line breaks), so what a page or the API echoes is what was
#: searched, and a U+202E in a link's query does not reverse the page's title.
_CONTROL_CHARS = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


class BadArgument(BadRequest):
    """A query-string argument that cannot be right (400), worded for the API and for the page.

    :param description: for the API: names the argument (``page は整数で…``).
    :param reader_message: for the search page: in its own terms (``ページ番号は数字で…``).
    :param arguments: the arguments at fault, which the 400 page's query box leaves out.
    """

    def __init__(self, description: str, reader_message: str, arguments: Collection[str] = ()) -> None:
        super().__init__(description)
        self.reader_message = reader_message
        self.arguments = frozenset(arguments)


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


def text_arg(name: str, *, strip: bool = True) -> str:
    """The text argument ``name`` (``""`` when missing), without control characters: tabs and line
    breaks become spaces, the rest are dropped; stripped unless ``strip`` is False."""
    return _clean_text(request.args.get(name, ""), strip=strip)


def _clean_text(raw: str, *, strip: bool = True) -> str:
    text = _CONTROL_CHARS.sub(lambda match: " " if match.group().isspace() else "", raw)
    return text.strip() if strip else text


def int_arg(name: str, default: int) -> int:
    """The integer argument ``name``, or ``default`` when it is missing or empty.

    A number of more than :data:`MAX_INT_DIGITS` digits is read as ±:data:`BEYOND_ANY_RANGE`.

    :raise 400: the value is not a whole number.
    """
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    if not _INT.fullmatch(raw):
        raise BadArgument(f"{name} は整数で指定してください。",
                          f"{ARG_LABELS.get(name, name)}は数字で指定してください（例: 2）。", [name])
    raw = raw.partition(".")[0]
    if len(raw.lstrip("-").lstrip("0")) > MAX_INT_DIGITS:
        return -BEYOND_ANY_RANGE if raw.startswith("-") else BEYOND_ANY_RANGE
    return int(raw)


def bool_arg(name: str, default: bool = True) -> bool:
    """``false``, ``0``, ``off`` or ``no`` → False; ``true``, ``1``, ``on`` or ``yes`` → True (any
    case); missing or empty → ``default``.

    :raise 400: any other value (a typo would otherwise silently mean True).
    """
    raw = request.args.get(name)
    if raw is None or not raw.strip():
        return default
    word = raw.strip().lower()
    if word in _FALSE_WORDS:
        return False
    if word in _TRUE_WORDS:
        return True
    raise BadArgument(f"{name} には true か false を指定してください。",
                      f"{ARG_LABELS.get(name, name)}の指定が正しくありません（true か false）。", [name])


def choice_arg(name: str, choices: Collection[str], default: str) -> str:
    """The argument ``name``, one of ``choices`` exactly; ``default`` when missing or empty.

    :raise 400: any other value, naming the choices.
    """
    raw = text_arg(name)
    if not raw:
        return default
    if raw not in choices:
        listed = "・".join(choices)
        raise BadArgument(f"{name} には {listed} のいずれかを指定してください。",
                          f"{ARG_LABELS.get(name, name)}には {listed} のいずれかを指定してください。", [name])
    return raw


def _date_arg(name: str, ignore: Collection[str]) -> date | None:
    """``from`` or ``to`` as the reader typed it (:func:`web.dates.parse_reader_date`): a year or
    month alone is its first day for ``from``, its last for ``to``."""
    raw = request.args.get(name, "").strip()
    if not raw or name in ignore:
        return None
    parsed = parse_reader_date(raw, end=name == "to")
    if parsed is not None:
        return parsed
    raise BadArgument(f"{name} は日付で指定してください（例: 2024-05-20、2024年5月20日）。",
                      f"{ARG_LABELS[name]}は「2024年5月20日」や「2024/5/20」のように、実在する日付で指定してください。",
                      [name])


def filters_arg(ignore: Collection[str] = (), *, swap_dates: bool = False) -> Filters:
    """The filters of the request (see the module docstring).

    :param ignore: filter arguments to leave out, as if not given.
    :param swap_dates: read ``from`` after ``to`` as the range between them (the API: its
        document states each argument alone) instead of refusing it (the search page).
    :raise 400: more than :data:`MAX_FILTER_VALUES` values of one argument, a value longer than
        :data:`MAX_FILTER_VALUE_CHARS`, a year that is not four digits, a bad date, or
        ``from`` after ``to``.
    """
    values: dict[str, tuple[str, ...]] = {}
    for name, attribute in FILTER_ARGS.items():
        raw = [] if name in ignore else request.args.getlist(name)
        given = list(dict.fromkeys(v for v in map(_clean_text, raw) if v))
        for value in [*raw, *given]:  # as sent (the API document's maxLength), then as read
            if len(value) > MAX_FILTER_VALUE_CHARS:
                raise BadArgument(f"{name} の値が長すぎます（{MAX_FILTER_VALUE_CHARS} 文字まで）。",
                                  f"絞り込みの{ARG_LABELS[name]}が長すぎます（{MAX_FILTER_VALUE_CHARS} 文字まで）。", [name])
            if name == "year" and not _YEAR.fullmatch(value):
                raise BadArgument("year は 4 桁の西暦で指定してください（例: 2024）。",
                                  "年は「2024」のように 4 桁の西暦で指定してください。", [name])
        if len(raw) > MAX_FILTER_VALUES:  # values sent, repeated and empty ones too (maxItems)
            raise BadArgument(f"{name} の値が多すぎます（{MAX_FILTER_VALUES} 個まで）。",
                              f"絞り込みの{ARG_LABELS[name]}が多すぎます（{MAX_FILTER_VALUES} 個まで）。", [name])
        values[attribute] = tuple(given)

    date_from, date_to = _date_arg("from", ignore), _date_arg("to", ignore)
    if date_from and date_to and date_from > date_to and swap_dates:
        # the range between the two as typed: the earlier from its first day, the later to its last
        # (from=2025&to=2024 is all of 2024 and 2025, not the two days between their ends)
        date_from = parse_reader_date(request.args.get("to", "").strip(), end=False)
        date_to = parse_reader_date(request.args.get("from", "").strip(), end=True)
    if date_from and date_to and date_from > date_to:
        raise BadArgument("from には to 以前の日付を指定してください。",
                          "開始日には終了日と同じか、それより前の日付を指定してください。", ["from", "to"])
    return Filters(**values, date_from=date_from, date_to=date_to)


def search_args(per_page: int, *, swap_dates: bool = False) -> SearchArgs:
    """Read ``q``, ``page``, ``per_page`` (default ``per_page``), ``sort`` and the filters
    (``swap_dates``: see :func:`filters_arg`).

    :raise 400: see :func:`int_arg` and :func:`filters_arg`; ``q`` longer than
        :data:`~search.querying.parser.MAX_QUERY_CHARS` as sent.
    """
    raw_q = request.args.get("q", "")
    if len(raw_q) > MAX_QUERY_CHARS:  # as sent (the API document's maxLength): controls count too
        raise QueryError(f"The query is too long ({len(raw_q)} characters): at most {MAX_QUERY_CHARS}.",
                         QueryErrorReason.QUERY_TOO_LONG, MAX_QUERY_CHARS, len(raw_q))
    q = text_arg("q")
    return SearchArgs(
        q=q,
        page=int_arg("page", 1),
        per_page=int_arg("per_page", per_page),
        sort=text_arg("sort") or default_sort(q),
        filters=filters_arg(swap_dates=swap_dates),
    )


def kept_args(per_page: int) -> SearchArgs:
    """What the query box of a 400 page keeps of the request: ``q``, ``sort`` as given (the form
    offers only valid orders) and the filters, less those a :class:`BadArgument` blames; page 1.

    Never raises: a filter at fault is left out and the rest read again.
    """
    ignored: set[str] = set()
    while True:
        try:
            filters = filters_arg(ignored)
            break
        except BadArgument as exc:
            if exc.arguments <= ignored:  # nothing more to leave out (cannot happen)
                filters = Filters()
                break
            ignored |= exc.arguments
    q = text_arg("q")
    return SearchArgs(q=q, page=1, per_page=per_page, sort=text_arg("sort") or default_sort(q),
                      filters=filters)
