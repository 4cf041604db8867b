"""The JSON API: ``/api/search``, ``/api/suggest``, ``/api/related`` and ``/api/openapi.json``.

Every answer is ``{"ok": true, …}`` or the one error shape of :mod:`web.errors`; the shapes are
described by the OpenAPI document (:mod:`web.openapi`), which ``tests/test_openapi.py`` checks
real answers against. Browsers on the origins in ``CORS_ORIGINS`` may call these (:mod:`web.cors`).
"""

from __future__ import annotations

from flask import Blueprint, Flask, abort, current_app, jsonify

from search.assist import related

from search.assist import suggest
from web import openapi
from web.params import bool_arg, choice_arg, int_arg, search_args, text_arg
from web.views import get_index, payload_of, record_search, run_search, waits_for_caches

bp = Blueprint("api", __name__, url_prefix="/api")


def init_app(app: Flask) -> None:
    """Register the API blueprint."""
    app.register_blueprint(bp)


@bp.route("/search")
def search():
    """Results as JSON (:func:`web.views.search_payload` describes the body).

    Takes the arguments of ``/search`` (:mod:`web.params`) plus ``per_page`` and ``analytics``:
    ``analytics=false`` keeps the search out of the counts (the search-as-you-type boxes send it
    for every keystroke).

    Neither ``q`` nor a filter: no hit (``match_mode`` ``none``), not an error, since every
    argument is optional in the OpenAPI document.

    :raise 400: bad ``page``, ``per_page``, ``sort``, filter or date; query too long.
    :raise 503: there is no usable index.
    """
    args = search_args(current_app.config["PER_PAGE"], swap_dates=True)
    index = get_index()  # neither q nor a filter: no hit (match_mode none), as the document allows
    result_page = run_search(index, args)
    if bool_arg("analytics", True):
        record_search(args, result_page)
    return jsonify(payload_of(index, args, result_page, wait=waits_for_caches()))


@bp.route("/suggest")
def suggestions():
    """Completions of the input ``q`` (:func:`search.assist.suggest.suggest`).

    ``format=opensearch`` answers in the OpenSearch suggestions format browsers read:
    ``[q, [completion, …]]``. Otherwise ``{"ok": true, "query": q, "suggestions": [{"text",
    "query", "kind", "reading", "posts", "url"?}]}``. While the vocabulary of a new server is still
    being built in the background (``WARM_CACHES``), the list is empty rather than late.

    :raise 400: ``limit`` not a whole number from 1 to :data:`search.assist.suggest.MAX_SUGGESTIONS`;
        unknown ``format``.
    :raise 503: there is no usable index.
    """
    q = text_arg("q", strip=False)
    limit = int_arg("limit", suggest.DEFAULT_SUGGESTIONS)
    if not 1 <= limit <= suggest.MAX_SUGGESTIONS:
        abort(400, f"limit は 1 から {suggest.MAX_SUGGESTIONS} までの整数で指定してください。")
    answer_format = choice_arg("format", ("json", "opensearch"), "json")
    found = suggest.suggest(get_index(), q, limit=limit, wait=waits_for_caches()) if q.strip() else []
    if answer_format == "opensearch":
        return jsonify([q, list(dict.fromkeys(s.query for s in found))])
    return jsonify({"ok": True, "query": q, "suggestions": [s.to_json() for s in found]})


@bp.route("/related")
def related_posts():
    """Posts like the post ``id`` (:func:`search.assist.related.related_posts`).

    :returns: ``{"ok": true, "id": id, "related": [{"id", "url", "title", "date", "tags",
        "categories", "author", "score"}]}``, most related first.
    :raise 400: ``id`` missing; ``limit`` not a whole number from 1 to :data:`search.assist.related.MAX_RELATED`.
    :raise 404: no post has that id.
    :raise 503: there is no usable index.
    """
    post_id = text_arg("id")
    if not post_id:
        abort(400, "記事の id を指定してください。")
    limit = int_arg("limit", related.DEFAULT_RELATED)
    if not 1 <= limit <= related.MAX_RELATED:
        abort(400, f"limit は 1 から {related.MAX_RELATED} までの整数で指定してください。")
    try:
        found = related.related_posts(get_index(), post_id, limit=limit)
    except related.UnknownPostError:
        abort(404, "その id の記事はありません。")
    return jsonify({"ok": True, "id": post_id, "related": [post.to_json() for post in found]})


@bp.route("/openapi.json")
def openapi_document():
    """The OpenAPI 3.1 description of this API."""
    return jsonify(openapi.document(current_app.config["PER_PAGE"]))
