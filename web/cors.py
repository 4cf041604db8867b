"""CORS for ``/api/*``: pages on the origins the site owner lists may call the JSON API.

The embeddable search box (``static/kensaku-widget.js``) runs on the owner's blog, another origin
than this app's, and reads ``/api/search`` with ``fetch``. Browsers allow that only when the
answer names the page's origin in ``Access-Control-Allow-Origin``. ``CORS_ORIGINS`` lists the
allowed origins (``https://blog.example.com``, no path); ``*`` allows every origin. Nothing else
is ever allowed: no credentials (the API uses none), only ``GET``; requests from other origins
still get an answer, but without the header, so their browser keeps it from the page.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request

from web.errors import is_api_request

#: How long, in seconds, a browser may remember a preflight answer.
PREFLIGHT_MAX_AGE_S = 86400


def allowed_origin(origin: str | None, allowed: list[str]) -> str | None:
    """The value for ``Access-Control-Allow-Origin``, or None when ``origin`` is not allowed.

    :param origin: the request's ``Origin`` header (``scheme://host[:port]``).
    :param allowed: configured origins, or ``["*"]``.
    """
    if not origin or not allowed:
        return None
    if "*" in allowed:
        return "*"
    return origin if origin.rstrip("/") in allowed else None


def add_cors_headers(response: Response) -> Response:
    """Add the CORS headers to an API answer whose request came from an allowed origin."""
    if not is_api_request():
        return response
    response.vary.add("Origin")
    value = allowed_origin(request.headers.get("Origin"), current_app.config["CORS_ORIGINS"])
    if value is None:
        return response
    response.headers["Access-Control-Allow-Origin"] = value
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET"
        response.headers["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE_S)
        requested = request.headers.get("Access-Control-Request-Headers")
        if requested:
            response.headers["Access-Control-Allow-Headers"] = requested
    return response


def init_app(app: Flask) -> None:
    """Add CORS headers to every API answer, errors included."""
    app.after_request(add_cors_headers)
