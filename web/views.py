"""The pages: ``/`` (query box, tags to browse), ``/search`` (results), ``/opensearch.xml``.

Data flow: request args --:func:`web.params.search_args`--> :class:`~web.params.SearchArgs`
--:func:`run_search`--> :class:`~search.querying.searcher.ResultPage` (plus "did you mean" and related
posts) --> ``results.html``. ``/api/search`` (:mod:`web.api`) runs the same :func:`run_search`
and answers :func:`search_payload`, which ``kensaku query --json`` prints too.

Every control works without JavaScript: facets are links, the date range and the query box are
GET forms, related posts are ``<details>``. ``static/search.js`` adds suggestions and results as
you type, fetching the results region (and the suggestions) from ``/search?…&partial=1``: one
request per pause in typing, and one rendering path. The index is opened once per app, on first use (:func:`get_index`). Errors raised here are
rendered by :mod:`web.errors`.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from datetime import date, datetime

from flask import Blueprint, Flask, Response, abort, current_app, has_app_context, render_template, send_file, url_for
from markupsafe import Markup

from search.assist import corrections

from search.assist import related

from search.assist import suggest
from search.assist.analytics import QueryLog
from search.errors import DamagedIndexError, IndexNotBuiltError, StaleIndexError
from search.querying.facets import FACET_FIELDS, Filters
from search.indexing.index import SearchIndex, open_index
from search.querying.parser import MAX_QUERY_CHARS
from search.querying.searcher import ResultPage, search_posts
from search.analysis.synonyms import DEFAULT_SYNONYMS_FILE, SynonymFile, Synonyms
from web.dates import japanese_date
from web.params import ARG_LABELS, FILTER_ARGS, SearchArgs, bool_arg, default_sort, search_args, text_arg

bp = Blueprint("search", __name__)

#: Labels of the sort orders, in the order the form offers them.
SORT_LABELS = {"relevance": "関連度順", "newest": "新しい順", "oldest": "古い順"}
#: What the reader is told about a ``match_mode`` (modes not listed need no explanation).
MATCH_MODE_NOTES = {
    "relaxed": "すべての語を含む記事が見つからなかったため、いずれかの語を含む記事を表示しています。",
    "prefix": "この語を含む記事が見つからなかったため、この語で始まる語を含む記事を表示しています。",
}
#: What the reader is told when the query met its cost bound (``ResultPage.limited``).
LIMITED_NOTE = ("1 文字のかなの語が多く、すべての候補を調べられないため、よく使われる候補だけで検索しています。"
                "見つからない記事があるかもしれません。2 文字以上の語で検索してください。")
#: Facet headings, by facet name (:data:`search.querying.facets.FACET_FIELDS`).
FACET_LABELS = {attribute: ARG_LABELS[arg] for arg, attribute in FILTER_ARGS.items()}
#: Facet name → the query-string argument that filters by it (``tags`` → ``tag``).
FACET_ARGS = {attribute: arg for arg, attribute in FILTER_ARGS.items()}
#: Facet values shown before "more"; the rest (up to the library's maximum) fold away.
FACET_VALUES_SHOWN = 8
#: Related posts listed under each hit of a results page.
RELATED_PER_HIT = 3
#: Tags offered on the home page.
HOME_TAGS = 24
#: Page links shown on each side of the current page.
PAGINATION_RADIUS = 2


@dataclass
class _IndexHolder:
    """The app's one :class:`SearchIndex`, opened on first use (it follows reindexes by itself)."""

    index_dir: Path
    warm: bool = False
    index: SearchIndex | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


class _QueryLogs:
    """The search counter: the ``ANALYTICS_DB`` file when one is configured, else the file of the
    blog the served index holds now (:func:`web.default_analytics_db`), followed across reindexes."""

    def __init__(self, path: str | None, index_dir: Path) -> None:
        self.fixed = QueryLog(path) if path else None
        self.index_dir = index_dir
        self.by_generation: dict[str, QueryLog] = {}
        self.failed: set[Path] = set()  # files a search could not be counted in (warned about once)
        self.lock = threading.Lock()

    def for_index(self, index: SearchIndex) -> QueryLog:
        if self.fixed is not None:
            return self.fixed
        generation = str(index.cache_key[0])
        with self.lock:
            query_log = self.by_generation.get(generation)
            if query_log is None:
                from web import default_analytics_db

                path = default_analytics_db(self.index_dir)
                query_log = next((log for log in self.by_generation.values() if log.path == path), None)
                self.by_generation[generation] = query_log = query_log or QueryLog(path)
        return query_log


def init_app(app: Flask) -> None:
    """Register the blueprint, the lazily opened index, the search counter and the owner's
    stylesheet (``CSS``, at ``/site.css``) on ``app``."""
    app.extensions["kensaku_index"] = _IndexHolder(Path(app.config["INDEX_DIR"]), app.config["WARM_CACHES"])
    app.extensions["kensaku_query_log"] = (_QueryLogs(app.config["ANALYTICS_DB"], Path(app.config["INDEX_DIR"]))
                                           if app.config["ANALYTICS"] else None)
    app.register_blueprint(bp)


def get_index() -> SearchIndex:
    """The current app's search index, opened on the first call.

    A failed open is not remembered, so the app serves as soon as a reindex has built the index.
    With ``WARM_CACHES``, opening starts building suggestions and related-post vectors in the
    background, so the first reader does not wait for them.

    :raises IndexNotBuiltError, StaleIndexError, DamagedIndexError: there is no usable index (HTTP 503).
    """
    holder: _IndexHolder = current_app.extensions["kensaku_index"]
    if holder.index is None:
        with holder.lock:
            if holder.index is None:
                holder.index = open_index(holder.index_dir)
                if holder.warm:
                    suggest.default_cache.get(holder.index, wait=False)
                    related.default_cache.get(holder.index, wait=False)
    return holder.index


def run_search(index: SearchIndex, args: SearchArgs) -> ResultPage:
    """One page of results for ``args``, with facets (an empty ``q`` with filters lists the filtered posts)."""
    return search_posts(index, args.q, page=args.page, per_page=args.per_page, sort=args.sort,
                        filters=args.filters, synonyms=current_synonyms())


_synonym_files: dict[str, SynonymFile] = {}


def current_synonyms() -> Synonyms | None:
    """The synonyms of the app's ``SYNONYMS_FILE`` as the file says now (None: no file set).

    The file is re-read when it changes, so an owner's edit applies to the next query, no reindex.
    """
    if has_app_context():
        path = current_app.config.get("SYNONYMS_FILE")
    else:  # `kensaku query` runs without an app: the same setting, from the environment
        path = os.environ.get("KENSAKU_SYNONYMS_FILE") or str(DEFAULT_SYNONYMS_FILE)
    if not path:
        return None
    synonym_file = _synonym_files.get(path)
    if synonym_file is None:
        synonym_file = _synonym_files.setdefault(path, SynonymFile(Path(path)))
    synonyms = synonym_file.current()
    if synonym_file.error and has_app_context():
        current_app.logger.warning(synonym_file.error)
    return synonyms


def waits_for_caches() -> bool:
    """Whether a request waits for suggestions or related posts still being built.

    Not when ``WARM_CACHES`` builds them in the background (``kensaku serve``): the first readers
    then get pages without "did you mean", related posts or tags rather than wait seconds.
    """
    return not current_app.config["WARM_CACHES"]


def correction_for(index: SearchIndex, args: SearchArgs, result_page: ResultPage, *,
                   wait: bool = True) -> str | None:
    """"Did you mean": a corrected query when ``q`` found nothing and no filter is set; else None.

    :param wait: wait for the vocabulary if it is still being built (see :func:`waits_for_caches`).
    """
    if result_page.total or not args.q or not args.filters.is_empty():
        return None
    return corrections.did_you_mean(index, args.q, wait=wait)


def search_payload(index: SearchIndex, q: str, *, page: int = 1, per_page: int = 10,
                   sort: str = "relevance", filters: Filters | None = None) -> dict:
    """The body of a successful ``/api/search`` answer (and of ``kensaku query --json``).

    :returns: ``{"ok": true}`` plus :meth:`ResultPage.to_json`: ``query``, ``total``, ``page``,
        ``per_page``, ``page_count``, ``sort``, ``took_ms``, ``match_mode``, ``query_analysis``,
        ``filters``, ``facets`` and ``hits`` (``id``, ``url``, ``title``, ``title_html``, ``date``
        in ISO 8601, ``tags``, ``categories``, ``author``, ``score``, ``snippet_html``), and
        ``did_you_mean`` (a corrected query, or null). The shape is ``/api/openapi.json``'s.
    :raises QueryError: bad paging or sort, or a query over the parser's limits.
    """
    args = SearchArgs(q, page, per_page, sort, filters or Filters())
    return payload_of(index, args, run_search(index, args))


def payload_of(index: SearchIndex, args: SearchArgs, result_page: ResultPage, *, wait: bool = True) -> dict:
    """The ``/api/search`` body of a search already run (see :func:`search_payload`).

    :param wait: wait for the "did you mean" vocabulary if it is still being built.
    """
    did_you_mean = correction_for(index, args, result_page, wait=wait)
    return {"ok": True, **result_page.to_json(), "did_you_mean": did_you_mean}


def record_search(args: SearchArgs, result_page: ResultPage) -> None:
    """Count a reader's search (:mod:`search.assist.analytics`) if it is one worth counting.

    Counted: a non-empty query, first page, no filter (a filtered or later page refines a search
    already counted). Never fails the request: a database error is logged and dropped.
    """
    query_logs: _QueryLogs | None = current_app.extensions.get("kensaku_query_log")
    if query_logs is None or not args.q or args.page != 1 or not args.filters.is_empty():
        return
    query_log = query_logs.for_index(get_index())
    try:
        query_log.record(args.q, found=result_page.total)
    except (sqlite3.Error, OSError) as exc:
        if query_log.path not in query_logs.failed:  # once per file, not once per search
            query_logs.failed.add(query_log.path)
            current_app.logger.warning("Searches not counted (%s): %s", query_log.path, exc)


@bp.app_context_processor
def form_settings() -> dict:
    """Settings every template may use: labels, query length limit (chars), the blog's name and
    address (``site_url``: None unless it is an http(s) or relative link), the owner's stylesheet."""
    config = current_app.config
    return {"sort_labels": SORT_LABELS, "max_query_chars": MAX_QUERY_CHARS,
            "match_mode_notes": MATCH_MODE_NOTES, "limited_note": LIMITED_NOTE, "site_name": config["SITE_NAME"],
            "site_url": post_href(config["SITE_URL"]), "owner_css": bool(config["CSS"]),
            "default_sort": default_sort}


@bp.app_template_filter("japanese_date")
def japanese_date_filter(value: date | datetime) -> str:
    """``2024年5月20日`` (:func:`web.dates.japanese_date`); a datetime by its own calendar date."""
    return japanese_date(value.date() if isinstance(value, datetime) else value)


@bp.app_template_filter("highlighted")
def highlighted(html: str) -> Markup:
    """Trust ``Hit.title_html`` / ``Hit.snippet_html``: the library escaped them and added ``<mark>``.

    The only place the web app marks a string safe; use it on nothing else.
    """
    return Markup(html)


@bp.app_template_filter("post_href")
def post_href(url: str) -> str | None:
    """``url`` if it is a relative or http(s) link, else None (no ``javascript:`` links from posts)."""
    if not url:
        return None
    scheme = urlsplit(url).scheme.lower()
    return url if scheme in ("", "http", "https") else None


@bp.route("/")
def index():
    """The query box, and the most used tags to browse by."""
    tags = []
    try:
        vocabulary = suggest.default_cache.get(get_index(), wait=waits_for_caches())
    except (IndexNotBuiltError, StaleIndexError, DamagedIndexError):  # the box alone; a search will explain
        vocabulary = None
    if vocabulary is not None:
        tags = [c for c in vocabulary.candidates if c.kind == "tag"][:HOME_TAGS]
    return render_template("index.html", q="", sort="relevance", args=None, tags=tags)


@bp.route("/search")
def results():
    """One page of results; an empty ``q`` lists the posts the filters select, or shows the box.

    With ``partial=1`` only the results region is rendered, followed by the suggestions for ``q``
    in a ``<template id="q-suggestions-data">``: what ``search.js`` swaps in as the reader types,
    so one request per pause in typing brings both. Such requests are not counted in the analytics.

    :raise 400: bad ``page``, ``sort``, filter or date (see :mod:`web.params`); query too long.
    :raise 503: there is no usable index.
    """
    partial = bool_arg("partial", False)
    if not any(text_arg(name) for name in ("q", *FILTER_ARGS, "from", "to")):
        return Response("", mimetype="text/html") if partial else index()
    args = search_args(current_app.config["PER_PAGE"])
    index_ = get_index()
    result_page = run_search(index_, args)
    if not partial:
        record_search(args, result_page)
    context = {
        "q": args.q, "sort": args.sort, "args": args, "result_page": result_page,
        "pages": _pagination(args, result_page),
        "facet_groups": _facet_groups(args, result_page),
        "active_filters": _active_filters(args),
        "did_you_mean": correction_for(index_, args, result_page, wait=waits_for_caches()),
        "related": _related(index_, result_page),
    }
    if partial:
        context["suggestions"] = suggest.suggest(index_, args.q, wait=waits_for_caches()) if args.q else []
        return render_template("_partial.html", **context)
    return render_template("results.html", **context)


@bp.route("/site.css")
def owner_css():
    """The owner's stylesheet (``CSS``), linked after ours on every page; 404 when none is set."""
    path = current_app.config["CSS"]
    if not path:
        abort(404)
    return send_file(Path(path).resolve(), mimetype="text/css", max_age=300)


def external_url(endpoint: str, **values) -> str:
    """The absolute URL of ``endpoint``: ``PUBLIC_URL`` (where readers reach this server), else
    the address ``kensaku serve`` listens on (``LISTEN_URL``), followed by the path; a path alone
    when neither is known (``flask run``, tests). Never built from the request's ``Host``
    header, which the client chooses (a page cached or shared could otherwise point elsewhere)."""
    root = current_app.config.get("PUBLIC_URL") or current_app.config.get("LISTEN_URL") or ""
    return root.rstrip("/") + url_for(endpoint, **values)


@bp.route("/opensearch.xml")
def opensearch():
    """OpenSearch description, so browsers can add this site search (and its suggestions);
    its URLs are :func:`external_url`'s."""
    xml = render_template("opensearch.xml", short_name=(current_app.config["SITE_NAME"] or "記事検索")[:16],
                          external_url=external_url)
    return Response(xml, mimetype="application/opensearchdescription+xml")


def _related(index: SearchIndex, result_page: ResultPage) -> dict[str, list]:
    """Post id → up to :data:`RELATED_PER_HIT` related posts, for each hit shown."""
    found: dict[str, list] = {}
    for hit in result_page.hits:
        try:
            found[hit.post_id] = related.related_posts(index, hit.post_id, limit=RELATED_PER_HIT,
                                                       wait=waits_for_caches())
        except related.UnknownPostError:  # indexed after the vectors were built: none yet
            found[hit.post_id] = []
    return found


def _toggle(values: tuple[str, ...], value: str) -> list[str]:
    return [v for v in values if v != value] if value in values else [*values, value]


def _facet_groups(args: SearchArgs, result_page: ResultPage) -> list[dict]:
    """Facets as the page shows them: per facet, values with count, state and toggle link.

    :returns: ``[{"name", "label", "arg", "values": [{"value", "count", "selected", "url"}],
        "shown": n}]``; a selected value the counts left out is listed first all the same.
    """
    groups = []
    for name in FACET_FIELDS:
        arg = FACET_ARGS[name]
        selected = getattr(args.filters, FILTER_ARGS[arg])
        counts = result_page.facets.get(name, [])
        listed = {item["value"] for item in counts}
        items = [{"value": v, "count": None} for v in selected if v not in listed] + list(counts)
        values = []
        for item in items:
            value = str(item["value"])
            url = url_for("search.results", **args.url_args(page=1, **{arg: _toggle(selected, value)}))
            values.append({"value": value, "count": item["count"], "selected": value in selected, "url": url})
        if name == "years":
            values.sort(key=lambda v: v["value"], reverse=True)
        if values:
            groups.append({"name": name, "label": FACET_LABELS[name], "arg": arg, "values": values,
                           "shown": max(FACET_VALUES_SHOWN, sum(v["selected"] for v in values))})
    return groups


def _active_filters(args: SearchArgs) -> list[dict]:
    """The filters in force, each with a link that removes it: ``[{"label", "value", "url"}]``."""
    active = []
    for arg, attribute in FILTER_ARGS.items():
        values = getattr(args.filters, attribute)
        label = FACET_LABELS[attribute]
        for value in values:
            url = url_for("search.results", **args.url_args(page=1, **{arg: _toggle(values, value)}))
            active.append({"label": label, "value": value, "url": url})
    for arg, value in (("from", args.filters.date_from), ("to", args.filters.date_to)):
        if value:
            active.append({"label": ARG_LABELS[arg], "value": japanese_date(value),
                           "url": url_for("search.results", **args.url_args(page=1, **{arg: None}))})
    return active


def _pagination(args: SearchArgs, result_page: ResultPage) -> list[dict]:
    """Links for the pager: previous, first, a window around the current page, last, next.

    :returns: items ``{"page": n or None, "label": str, "url": str or None, "current": bool,
        "rel": "prev"/"next"/None}``; ``page`` None is a gap (…); ``url`` None is not a link.
    """
    count, current = result_page.page_count, result_page.page
    if count <= 1 and current <= 1:
        return []

    def link(page: int, label: str | None = None, rel: str | None = None) -> dict:
        url = url_for("search.results", **args.url_args(page=page))
        return {"page": page, "label": label or str(page), "url": url,
                "current": page == current and rel is None, "rel": rel}

    items: list[dict] = []
    if current > 1:
        items.append(link(min(current - 1, max(count, 1)), "前へ", "prev"))
    window = range(max(1, current - PAGINATION_RADIUS), min(count, current + PAGINATION_RADIUS) + 1)
    shown = sorted({1, count, *window} - {0})
    previous = 0
    for page in shown:
        if page - previous > 1:
            items.append({"page": None, "label": "…", "url": None, "current": False, "rel": None})
        items.append(link(page))
        previous = page
    if current < count:
        items.append(link(current + 1, "次へ", "next"))
    return items

