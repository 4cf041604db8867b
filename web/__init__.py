"""The kensaku web app: turns HTTP requests into calls on :mod:`search` and renders the answers.

``create_app()`` is the application factory (as in the Flask tutorial): ``flask --app web run``
and ``kensaku serve`` (:mod:`web.cli`) both call it. Configuration, in order of precedence:
``test_config`` (the CLI passes its options here), then ``KENSAKU_*`` environment variables
(``KENSAKU_INDEX_DIR`` → ``INDEX_DIR``), then the defaults below. The search index is opened
lazily on the first request (:func:`web.views.get_index`), so the app starts before any index
exists and answers 503 until ``kensaku reindex`` has built one.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

#: The repository (or source tree) the ``web`` package sits in.
PROJECT_DIR = Path(__file__).resolve().parent.parent
#: Posts indexed when neither ``--posts`` nor ``KENSAKU_POSTS_DIR`` says otherwise.
DEFAULT_POSTS_DIR = PROJECT_DIR / "sample_posts"
#: Index directory used when neither ``--index`` nor ``KENSAKU_INDEX_DIR`` says otherwise.
DEFAULT_INDEX_DIR = PROJECT_DIR / "index"
#: Hits per page on ``/search`` and the default ``per_page`` of ``/api/search``.
DEFAULT_PER_PAGE = 10


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure the app.

    :param test_config: settings that override the environment and the defaults
        (``POSTS_DIR``, ``INDEX_DIR``, ``BASE_URL``, ``PER_PAGE``, ``TESTING``, ...).
    :returns: the Flask app, with the search blueprint, error handlers and security headers.
    """
    app = Flask(__name__)
    app.config.from_mapping(
        POSTS_DIR=str(DEFAULT_POSTS_DIR),
        INDEX_DIR=str(DEFAULT_INDEX_DIR),
        BASE_URL="",
        PER_PAGE=DEFAULT_PER_PAGE,
    )
    # Paths and URLs are taken verbatim (from_prefixed_env would json-parse "123" into an int).
    for key in ("POSTS_DIR", "INDEX_DIR", "BASE_URL"):
        value = os.environ.get(f"KENSAKU_{key}")
        if value:
            app.config[key] = value
    if test_config is not None:
        app.config.update(test_config)

    from web import errors, views

    views.init_app(app)
    errors.init_app(app)
    return app
