"""Error rendering: one path for every error the app answers with, plus the response headers.

:func:`handle_error` turns any exception into ``(status, message)`` (:func:`describe_error`) and
renders it once: as JSON built by :func:`error_body` under ``/api/``, as ``error.html`` elsewhere.
Library errors map to HTTP statuses here and nowhere else: :class:`~search.errors.QueryError` →
400, :class:`~search.errors.IndexNotBuiltError` / :class:`~search.errors.StaleIndexError` → 503.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from search.errors import IndexNotBuiltError, QueryError, StaleIndexError

#: Japanese title of each error page, and the message used when an HTTP error carries only
#: Werkzeug's default (English) description.
ERROR_TITLES = {
    400: ("リクエストが正しくありません", "リクエストの内容を確認してください。"),
    404: ("ページが見つかりません", "指定された URL のページはありません。"),
    405: ("このメソッドは使えません", "この URL はこの HTTP メソッドに対応していません。"),
    500: ("サーバーでエラーが発生しました", "時間をおいてもう一度お試しください。"),
    503: ("検索を利用できません", "検索インデックスを利用できません。"),
}

#: Security headers added to every response (unless a view set its own value).
SECURITY_HEADERS = {
    # No inline script or style, no plugins; only this origin may frame the pages.
    "Content-Security-Policy": "default-src 'self'; base-uri 'self'; form-action 'self'; "
                               "object-src 'none'; frame-ancestors 'self'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",
    # Other sites see our origin, never the query in the URL of a results page.
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def error_body(message: str, status: int) -> dict:
    """The JSON body of every error under ``/api/``.

    :returns: ``{"ok": False, "error": message, "status": status}``; clients rely on all three
        keys (``tests/test_web.py::test_api_error_shape``), so add keys but never remove one.
    """
    return {"ok": False, "error": message, "status": status}


def is_api_request() -> bool:
    """Whether the current request is for the JSON API (its path is ``/api`` or under ``/api/``)."""
    return request.path == "/api" or request.path.startswith("/api/")


def describe_error(exc: Exception) -> tuple[int, str]:
    """The HTTP status and the message shown for ``exc``."""
    if isinstance(exc, HTTPException):
        status = exc.code or 500
        default = type(exc).description
        if exc.description and exc.description != default:
            return status, exc.description
        return status, ERROR_TITLES.get(status, ("", exc.description or exc.name))[1]
    if isinstance(exc, QueryError):
        return 400, str(exc)
    if isinstance(exc, (IndexNotBuiltError, StaleIndexError)):
        return 503, str(exc)
    return 500, ERROR_TITLES[500][1]


def handle_error(exc: Exception) -> Response | HTTPException:
    """Render ``exc``: JSON under ``/api/``, ``error.html`` elsewhere (the one error path)."""
    if isinstance(exc, HTTPException) and (exc.code is None or exc.code < 400):
        return exc  # redirects raised by routing (e.g. a missing trailing slash)
    status, message = describe_error(exc)
    if status == 500 and not isinstance(exc, HTTPException):
        if current_app.debug:
            raise exc  # let `flask --debug run` show its debugger
        current_app.logger.error("Exception on %s [%s]", request.path, request.method, exc_info=exc)
    if is_api_request():
        response = jsonify(error_body(message, status))
    else:
        title = ERROR_TITLES.get(status, (f"エラー {status}", ""))[0]
        response = current_app.make_response(
            render_template("error.html", status=status, title=title, message=message))
    response.status_code = status
    if isinstance(exc, HTTPException):
        for name, value in exc.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value  # e.g. Allow on 405
    return response


def add_headers(response: Response) -> Response:
    """Add :data:`SECURITY_HEADERS`, and ``Cache-Control: no-store`` on API answers.

    API answers change with every reindex and echo what the reader typed, so neither browsers nor
    shared caches should keep them.
    """
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if is_api_request():
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    """Route every exception through :func:`handle_error` and add headers to every response."""
    app.register_error_handler(Exception, handle_error)
    app.after_request(add_headers)
