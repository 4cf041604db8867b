"""The search blueprint: ``/`` (query box), ``/search`` (HTML results), ``/api/search`` (JSON).

Data flow: request args --:func:`int_arg`--> ``q``, page, sort --:func:`search.searching.search_posts`
--> :class:`~search.searching.ResultPage` --> ``results.html`` or :func:`search_payload` (JSON).
The JSON body is built by :func:`search_payload` alone, which ``kensaku query --json`` calls too.
The index is opened once per app, on first use (:func:`get_index`). Errors raised here
(``abort``, :class:`~search.errors.QueryError`, index errors) are rendered by :mod:`web.errors`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from flask import Blueprint, Flask, abort, current_app, jsonify, render_template, request, url_for
from markupsafe import Markup

from search.indexing import SearchIndex, open_index
from search.queries import MAX_QUERY_CHARS
from search.searching import ResultPage, search_posts

bp = Blueprint("search", __name__)

#: Labels of the sort orders, in the order the form offers them.
SORT_LABELS = {"relevance": "関連度順", "newest": "新しい順", "oldest": "古い順"}
#: What the reader is told about a ``match_mode`` (modes not listed need no explanation).
MATCH_MODE_NOTES = {
    "relaxed": "すべての語を含む記事が見つからなかったため、いずれかの語を含む記事を表示しています。",
}
#: Page links shown on each side of the current page.
PAGINATION_RADIUS = 2


@dataclass
class _IndexHolder:
    """The app's one :class:`SearchIndex`, opened on first use (it follows reindexes by itself)."""

    index_dir: Path
    index: SearchIndex | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


def init_app(app: Flask) -> None:
    """Register the blueprint and the lazily opened index on ``app``."""
    app.extensions["kensaku_index"] = _IndexHolder(Path(app.config["INDEX_DIR"]))
    app.register_blueprint(bp)


def get_index() -> SearchIndex:
    """The current app's search index, opened on the first call.

    A failed open is not remembered, so the app serves as soon as a reindex has built the index.

    :raises IndexNotBuiltError, StaleIndexError: there is no usable index yet (HTTP 503).
    """
    holder: _IndexHolder = current_app.extensions["kensaku_index"]
    if holder.index is None:
        with holder.lock:
            if holder.index is None:
                holder.index = open_index(holder.index_dir)
    return holder.index


def search_payload(index: SearchIndex, q: str, *, page: int = 1, per_page: int = 10,
                   sort: str = "relevance") -> dict:
    """The body of a successful ``/api/search`` answer (and of ``kensaku query --json``).

    :returns: ``{"ok": true}`` plus :meth:`ResultPage.to_json`: ``query``, ``total``, ``page``,
        ``per_page``, ``page_count``, ``sort``, ``took_ms``, ``match_mode``, ``query_analysis``,
        ``filters``, ``facets`` and ``hits`` (``id``, ``url``, ``title``, ``title_html``, ``date``
        in ISO 8601, ``tags``, ``categories``, ``author``, ``score``, ``snippet_html``).
    :raises QueryError: bad paging or sort, or a query over the parser's limits.
    """
    result_page = search_posts(index, q, page=page, per_page=per_page, sort=sort)
    return {"ok": True, **result_page.to_json()}


def int_arg(name: str, default: int) -> int:
    """The integer query-string argument ``name``, or ``default`` when it is missing or empty.

    :raise 400: the value is not a whole number.
    """
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        abort(400, f"{name} は整数で指定してください。")


def sort_arg() -> str:
    """The ``sort`` argument (``relevance`` when missing); other values reach the library's check."""
    return request.args.get("sort", "").strip() or "relevance"


@bp.app_context_processor
def form_settings() -> dict:
    """Settings every template may use: sort labels, query length limit (chars), match-mode notes."""
    return {"sort_labels": SORT_LABELS, "max_query_chars": MAX_QUERY_CHARS,
            "match_mode_notes": MATCH_MODE_NOTES}


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
    """The query box."""
    return render_template("index.html", q="", sort="relevance")


@bp.route("/search")
def results():
    """One page of results for ``q``; an empty ``q`` shows the query box.

    :raise 400: ``page`` is not a whole number, or out of range; bad ``sort``; query too long.
    :raise 503: there is no usable index.
    """
    q = request.args.get("q", "").strip()
    sort = sort_arg()
    if not q:
        return render_template("index.html", q="", sort=sort)
    page = int_arg("page", 1)
    result_page = search_posts(get_index(), q, page=page, per_page=current_app.config["PER_PAGE"],
                               sort=sort)
    return render_template("results.html", q=q, sort=sort,
                           result_page=result_page, pages=_pagination(result_page))


@bp.route("/api/search")
def api_search():
    """JSON results (see :func:`search_payload`).

    :raise 400: ``q`` missing or empty; ``page``/``per_page`` not whole numbers or out of range;
        bad ``sort``; query too long.
    :raise 503: there is no usable index.
    """
    q = request.args.get("q", "").strip()
    if not q:
        abort(400, "検索語 q を指定してください。")
    page = int_arg("page", 1)
    per_page = int_arg("per_page", current_app.config["PER_PAGE"])
    return jsonify(search_payload(get_index(), q, page=page, per_page=per_page, sort=sort_arg()))


def _pagination(result_page: ResultPage) -> list[dict]:
    """Links for the pager: previous, first, a window around the current page, last, next.

    :returns: items ``{"page": n or None, "label": str, "url": str or None, "current": bool,
        "rel": "prev"/"next"/None}``; ``page`` None is a gap (…); ``url`` None is not a link.
    """
    count, current = result_page.page_count, result_page.page
    if count <= 1 and current <= 1:
        return []

    def link(page: int, label: str | None = None, rel: str | None = None) -> dict:
        url = url_for("search.results", q=result_page.q, page=page,
                      **({"sort": result_page.sort} if result_page.sort != "relevance" else {}))
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
