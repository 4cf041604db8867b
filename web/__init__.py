"""The kensaku web app: turns HTTP requests into calls on :mod:`search` and renders the answers.

``create_app()`` is the application factory (as in the Flask tutorial): ``flask --app web run``
and ``kensaku serve`` (:mod:`web.cli`) both call it. Configuration, in order of precedence:
``test_config`` (the CLI passes its options here), then ``KENSAKU_*`` environment variables
(``KENSAKU_INDEX_DIR`` → ``INDEX_DIR``), then the defaults below. The search index is opened
lazily on the first request (:func:`web.views.get_index`), so the app starts before any index
exists and answers 503 until ``kensaku reindex`` has built one.

Settings (environment variable in brackets):

``POSTS_DIR``, ``INDEX_DIR``, ``BASE_URL`` [``KENSAKU_…``]
    where posts and the index are, and the site URL prefixed to post URLs.
``PUBLIC_URL`` [``KENSAKU_PUBLIC_URL``]
    the URL readers reach this server at (``https://search.example.com``), for the absolute URLs
    of ``/opensearch.xml``; default: the address ``kensaku serve`` listens on (``LISTEN_URL``,
    set by :mod:`web.server`). Never the request's ``Host`` header.
``PER_PAGE``
    hits per page of ``/search`` and default ``per_page`` of ``/api/search``.
``CORS_ORIGINS`` [``KENSAKU_CORS_ORIGINS``, comma-separated]
    origins (``https://blog.example.com``) whose pages may call ``/api/*`` from the browser, as
    the embeddable search box does; ``*`` allows any. Empty by default: same origin only.
``ANALYTICS`` [``KENSAKU_ANALYTICS``: ``0``/``off`` disables]
    count searches (query and whether it found anything, nothing about the reader).
``ANALYTICS_DB`` [``KENSAKU_ANALYTICS_DB``]
``SYNONYMS_FILE`` [``KENSAKU_SYNONYMS_FILE``]: query-time synonyms, re-read when the file changes
    (default: the list shipped in ``search/analysis/data/synonyms.txt``)
    the SQLite file the counts go to; default ``analytics.sqlite3`` inside ``INDEX_DIR``, beside
    the index generations (a reindex never touches it).
``SITE_NAME``
    the name browsers show for the site search (OpenSearch ``ShortName``, at most 16 characters).
``WARM_CACHES``
    build the suggestion vocabulary and related-post vectors in the background as soon as the
    index is opened (on by default, off under ``TESTING``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from search.analysis.synonyms import DEFAULT_SYNONYMS_FILE

if TYPE_CHECKING:  # Flask is imported by create_app: `kensaku reindex` starts without it
    from flask import Flask

#: The repository (or source tree) the ``web`` package sits in.
PROJECT_DIR = Path(__file__).resolve().parent.parent

#: Posts indexed when neither ``--posts`` nor ``KENSAKU_POSTS_DIR`` says otherwise.
DEFAULT_POSTS_DIR = PROJECT_DIR / "sample_posts"
#: Index directory used when neither ``--index`` nor ``KENSAKU_INDEX_DIR`` says otherwise.
DEFAULT_INDEX_DIR = PROJECT_DIR / "index"
#: Hits per page on ``/search`` and the default ``per_page`` of ``/api/search``.
DEFAULT_PER_PAGE = 10
#: File name of the search counts inside the index directory (``ANALYTICS_DB`` overrides it).
ANALYTICS_FILE = "analytics.sqlite3"
_FALSE_WORDS = ("0", "off", "false", "no")


def default_analytics_db(index_dir: str | Path) -> Path:
    """Where the search counts of an index directory are kept unless configured otherwise."""
    return Path(index_dir) / ANALYTICS_FILE


def _origins(value: str | list | tuple) -> list[str]:
    if isinstance(value, str):
        value = value.split(",")
    return [origin.strip().rstrip("/") for origin in value if origin.strip()]


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure the app.

    :param test_config: settings that override the environment and the defaults
        (see the module docstring; ``TESTING`` too).
    :returns: the Flask app, with the page and API blueprints, error handlers, CORS and
        security headers.
    """
    from flask import Flask

    app = Flask(__name__)
    app.json.ensure_ascii = False  # readable Japanese in JSON answers (curl shows 東京, not \u6771)
    app.config.from_mapping(
        POSTS_DIR=str(DEFAULT_POSTS_DIR),
        INDEX_DIR=str(DEFAULT_INDEX_DIR),
        BASE_URL="",
        PUBLIC_URL="",
        PER_PAGE=DEFAULT_PER_PAGE,
        CORS_ORIGINS=[],
        ANALYTICS=True,
        ANALYTICS_DB=None,
        SITE_NAME="kensaku 記事検索",
        WARM_CACHES=None,
        SYNONYMS_FILE=str(DEFAULT_SYNONYMS_FILE),
    )
    # Paths and URLs are taken verbatim (from_prefixed_env would json-parse "123" into an int).
    for key in ("POSTS_DIR", "INDEX_DIR", "BASE_URL", "PUBLIC_URL", "ANALYTICS_DB", "CORS_ORIGINS", "SYNONYMS_FILE"):
        value = os.environ.get(f"KENSAKU_{key}")
        if value:
            app.config[key] = value
    if os.environ.get("KENSAKU_ANALYTICS", "").strip().lower() in _FALSE_WORDS:
        app.config["ANALYTICS"] = False
    if test_config is not None:
        app.config.update(test_config)
    app.config["CORS_ORIGINS"] = _origins(app.config["CORS_ORIGINS"])
    if not app.config["ANALYTICS_DB"]:
        app.config["ANALYTICS_DB"] = str(default_analytics_db(app.config["INDEX_DIR"]))
    if app.config["WARM_CACHES"] is None:
        app.config["WARM_CACHES"] = not app.testing

    from web import api, cors, errors, views

    views.init_app(app)
    api.init_app(app)
    errors.init_app(app)
    cors.init_app(app)
    return app
