"""Error rendering: one path for every error the app answers with, plus the response headers.

:func:`handle_error` turns any exception into ``(status, message)`` (:func:`describe_error`) and
renders it once: as JSON built by :func:`error_body` under ``/api/``, as ``error.html`` elsewhere.
Library errors map to HTTP statuses here and nowhere else: :class:`~search.errors.QueryError` →
400, :class:`~search.errors.IndexNotBuiltError` / :class:`~search.errors.StaleIndexError` /
:class:`~search.errors.DamagedIndexError` → 503 (the messages: :data:`INDEX_ERROR_MESSAGES`).

Every message is Japanese, since the site's search box shows the API's to its readers too. A bad
request (400) has two wordings: the API's names the argument (``page``, ``q``) and its limit; the
page's (:func:`reader_message`) says it in the search page's own terms, above a query box holding
the reader's query, so they can fix it there.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from flask import Flask, Response, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from search.errors import DamagedIndexError, IndexNotBuiltError, QueryError, QueryErrorReason, StaleIndexError
from search.querying.searcher import MAX_PAGE, SORTS
from web.params import BadArgument, kept_args, text_arg

#: Japanese title of each error page, and the message used when an HTTP error carries only
#: Werkzeug's default (English) description (:func:`other_error_message` for other statuses).
ERROR_TITLES = {
    400: ("リクエストが正しくありません", "リクエストの内容を確認してください。"),
    404: ("ページが見つかりません", "指定された URL のページはありません。"),
    405: ("このメソッドは使えません", "この URL はこの HTTP メソッドに対応していません。"),
    500: ("サーバーでエラーが発生しました", "時間をおいてもう一度お試しください。"),
    503: ("検索を利用できません", "検索インデックスを利用できません。"),
}

#: What the API says for each :class:`~search.errors.QueryErrorReason`, naming the argument
#: (``{limit}``: the limit broken; ``{actual}``: what the query measured against it).
API_QUERY_ERROR_MESSAGES = {
    QueryErrorReason.QUERY_TOO_LONG: "検索語 q が長すぎます（{actual} 文字）。{limit} 文字以内で指定してください。",
    QueryErrorReason.TOO_MANY_WORDS: "検索語 q の語が多すぎます（{actual} 語）。{limit} 語以内で指定してください。",
    QueryErrorReason.TOO_DEEP: "検索語 q のかっこ ( ) の入れ子が深すぎます。{limit} 重までにしてください。",
    QueryErrorReason.PAGE_TOO_SMALL: "page は 1 から {max_page} までの整数で指定してください。",
    QueryErrorReason.PAGE_TOO_LARGE: "page は 1 から {max_page} までの整数で指定してください。",
    QueryErrorReason.PER_PAGE: "per_page は 1 から {limit} までの整数で指定してください。",
    QueryErrorReason.SORT: "sort には {sorts} のいずれかを指定してください。",
}

#: What the search page says for each :class:`~search.errors.QueryErrorReason`, in its own terms.
QUERY_ERROR_MESSAGES = {
    QueryErrorReason.QUERY_TOO_LONG: "検索語が長すぎます（{actual} 文字）。{limit} 文字以内にしてください。",
    QueryErrorReason.TOO_MANY_WORDS: "検索語が多すぎます（{actual} 語）。{limit} 語以内にしてください。",
    QueryErrorReason.TOO_DEEP: "かっこ ( ) の入れ子が深すぎます。{limit} 重までにしてください。",
    QueryErrorReason.PAGE_TOO_SMALL: "ページ番号は {limit} 以上の数で指定してください。",
    QueryErrorReason.PAGE_TOO_LARGE: "ページ番号が大きすぎます（{limit} ページまで）。",
    QueryErrorReason.PER_PAGE: "1 ページの表示件数は 1 から {limit} 件までで指定してください。",
    QueryErrorReason.SORT: "並び順の指定が正しくありません。検索し直すと関連度順で表示します。",
}

#: What the API and the page say when there is no usable index (HTTP 503). The library's own
#: message, naming the index directory, goes to the log for the site owner.
INDEX_ERROR_MESSAGES = {
    IndexNotBuiltError: "検索インデックスが作られていないか、壊れています。"
                        "サイトの管理者は kensaku reindex を実行してください。",
    StaleIndexError: "検索インデックスの形式が古くなっています。サイトの管理者は kensaku reindex で作り直してください。",
    DamagedIndexError: "検索インデックスのファイルが壊れています。サイトの管理者は kensaku reindex で作り直してください。",
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
    """The HTTP status and the (Japanese) message the API gives for ``exc``."""
    if isinstance(exc, HTTPException):
        status = exc.code or 500
        default = type(exc).description
        if exc.description and exc.description != default:
            return status, exc.description
        return status, ERROR_TITLES[status][1] if status in ERROR_TITLES else other_error_message(status)
    if isinstance(exc, QueryError):
        return 400, query_error_message(exc, API_QUERY_ERROR_MESSAGES)
    for error_class, message in INDEX_ERROR_MESSAGES.items():
        if isinstance(exc, error_class):
            return 503, message
    return 500, ERROR_TITLES[500][1]


def other_error_message(status: int) -> str:
    """The message of an HTTP error no :data:`ERROR_TITLES` entry words (413, 414, …)."""
    return f"リクエストを処理できませんでした（HTTP {status}）。"


def query_error_message(exc: QueryError, messages: dict[QueryErrorReason, str]) -> str:
    """``exc`` worded by ``messages`` (:data:`API_QUERY_ERROR_MESSAGES` or :data:`QUERY_ERROR_MESSAGES`)."""
    wording = messages.get(exc.reason)
    if wording is None:  # a caller's mistake (no reason): nothing a reader can fix
        return ERROR_TITLES[400][1]
    return wording.format(limit=exc.limit, actual=exc.actual, max_page=MAX_PAGE, sorts="・".join(SORTS))


def reader_message(exc: Exception, message: str) -> str:
    """What the search page says for a bad request ``exc`` whose API message is ``message``."""
    if isinstance(exc, BadArgument):
        return exc.reader_message
    if isinstance(exc, QueryError):
        return query_error_message(exc, QUERY_ERROR_MESSAGES)
    return message


def handle_error(exc: Exception) -> Response | HTTPException:
    """Render ``exc``: JSON under ``/api/``, ``error.html`` elsewhere (the one error path)."""
    if isinstance(exc, HTTPException) and (exc.code is None or exc.code < 400):
        return exc  # redirects raised by routing (e.g. a missing trailing slash)
    status, message = describe_error(exc)
    if status == 500 and not isinstance(exc, HTTPException):
        if current_app.debug:
            raise exc  # let `flask --debug run` show its debugger
        current_app.logger.error("Exception on %s [%s]", request.path, request.method, exc_info=exc)
    if status == 503 and not isinstance(exc, HTTPException):
        current_app.logger.warning("%s", exc)  # the index directory and the fix, for the owner
    if is_api_request():
        response = jsonify(error_body(message, status))
    else:
        title = ERROR_TITLES.get(status, (f"エラー {status}", ""))[0]
        context = {"status": status, "title": title, "message": message}
        if status == 400:  # the query box again, holding the query and filters, to fix it there
            unreadable = isinstance(exc, NotUtf8)  # its escapes are no query to fix
            args = None if unreadable else kept_args(current_app.config["PER_PAGE"])
            context.update(message=reader_message(exc, message), q=args.q if args else "",
                           sort=text_arg("sort"), args=args)
        response = current_app.make_response(render_template("error.html", **context))
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


class NotUtf8(BadArgument):
    """A query string whose percent-escapes are not UTF-8 (400)."""


def check_query_string() -> None:
    """Refuse a query string whose percent-escapes are not UTF-8 (an old Shift_JIS form sends
    ``q=%94L`` for 猫): Werkzeug would hand the escapes on as literal text, searched as ``%94L``
    and silently finding nothing.

    :raises NotUtf8: 400, saying the text must be sent as UTF-8 (RFC 3986 §2.5).
    """
    try:
        parse_qsl(request.query_string.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise NotUtf8("クエリ文字列を UTF-8 として読み取れません。値は UTF-8 でパーセントエンコードしてください。",
                      "検索語の文字コードを読み取れません。UTF-8 で送信してください"
                      "（古いフォームが Shift_JIS で送っている可能性があります）。") from None


def init_app(app: Flask) -> None:
    """Route every exception through :func:`handle_error`, check every query string's encoding
    and add headers to every response."""
    app.register_error_handler(Exception, handle_error)
    app.before_request(check_query_string)
    app.after_request(add_headers)
