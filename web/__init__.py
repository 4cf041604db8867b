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
    the SQLite file the counts go to; by default one per blog inside ``INDEX_DIR``, beside the
    index generations (``analytics/<posts folder>-<hash>.sqlite3``, see
    :func:`default_analytics_db`: an index rebuilt for another blog counts apart, and a reindex
    never touches the counts). A server whose index directory is read-only (a copy built
    elsewhere) must be given one, or it counts nothing.
``SYNONYMS_FILE`` [``KENSAKU_SYNONYMS_FILE``]
    query-time synonyms, re-read when the file changes (default: the list shipped in
    ``search/analysis/data/synonyms.txt``).
``SITE_NAME``, ``SITE_URL`` [``KENSAKU_…``]
    the blog's name, in every page's header and ``<title>`` and the OpenSearch ``ShortName``
    (its first 16 characters), and its address, which the name links to. By default the
    ``title`` and ``url`` + ``baseurl`` of the Jekyll ``_config.yml`` beside the posts folder
    (:func:`jekyll_site`), else no name and the ``BASE_URL``.
``CSS`` [``KENSAKU_CSS``]
    the owner's stylesheet (a file), served at ``/site.css`` and linked after ours, so its rules win.
``TEMPLATES`` [``KENSAKU_TEMPLATES``]
    a folder of the owner's templates, found before the shipped ones of the same name
    (``_header.html``, ``_footer.html``, ``_head.html``, any of ``web/templates/``), as a Jekyll
    site's ``_includes/`` overrides its theme's.
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
#: Folder of the search counts inside the index directory, one file per blog (``ANALYTICS_DB``
#: overrides it).
ANALYTICS_DIR = "analytics"
#: Where the counts were kept before they were kept per blog (taken over by the first blog).
LEGACY_ANALYTICS_FILE = "analytics.sqlite3"
_FALSE_WORDS = ("0", "off", "false", "no")


def default_analytics_db(index_dir: str | Path, posts_dir: str | Path | None = None) -> Path:
    """Where the search counts of the blog indexed in ``index_dir`` are kept unless configured otherwise.

    One file per posts folder (the blog), named after it and a hash of its absolute path:
    ``index/analytics/myblog-_posts-3f2a9c1d.sqlite3``. Reindexing the same index directory
    from another blog's posts (``kensaku reindex --posts other/_posts``) then counts that blog's
    searches apart, and ``kensaku stats`` reports those of the blog the index holds now.

    :param posts_dir: the posts folder; by default the one the serving index was built from
        (its ``posts.json``); ``analytics/default.sqlite3`` when there is no index yet.
    :returns: the path; the file need not exist. A counts file of the old single-file layout
        (``index/analytics.sqlite3``) is moved to this path the first time, when it can be.
    """
    import hashlib
    import re

    index_dir = Path(index_dir)
    if posts_dir is None:
        from search.indexing.manifest import indexed_posts_dir

        posts_dir = indexed_posts_dir(index_dir)
    if posts_dir is None:
        name = "default"
    else:
        absolute = Path(os.path.abspath(posts_dir))
        label = "-".join(part for part in absolute.parts[-2:] if part not in ("/", ""))
        label = re.sub(r"[^\w.-]+", "_", label).strip("._-")[:40] or "posts"
        name = f"{label}-{hashlib.sha256(str(absolute).encode()).hexdigest()[:8]}"
    path = index_dir / ANALYTICS_DIR / f"{name}.sqlite3"
    legacy = index_dir / LEGACY_ANALYTICS_FILE
    if legacy.is_file() and not path.exists():
        try:
            path.parent.mkdir(exist_ok=True)
            for suffix in ("-wal", "-shm", ""):  # the log first: a crash between leaves it unread, not lost
                if Path(f"{legacy}{suffix}").exists():
                    os.replace(f"{legacy}{suffix}", f"{path}{suffix}")
        except OSError:  # a read-only index directory: the counts stay where they are
            pass
    return path


def jekyll_site(posts_dir: str | Path) -> dict[str, str]:
    """The site's ``title`` and address (``url`` + ``baseurl``) from the Jekyll ``_config.yml`` of
    the posts folder, as the index reads it for Liquid's ``site`` (:func:`search.posts.render.site_config`).

    :returns: ``{"SITE_NAME": …, "SITE_URL": …}`` with the keys found; ``{}`` when there is no
        readable ``_config.yml``.
    """
    from search.posts.render import site_config

    config = site_config(Path(posts_dir))
    found = {}
    if isinstance(config.get("title"), str) and config["title"].strip():
        found["SITE_NAME"] = config["title"].strip()
    if isinstance(config.get("url"), str) and config["url"].strip():
        baseurl = config.get("baseurl") if isinstance(config.get("baseurl"), str) else ""
        found["SITE_URL"] = config["url"].strip().rstrip("/") + "/" + baseurl.strip("/")
    return found


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
        SITE_NAME=None,
        SITE_URL=None,
        CSS=None,
        TEMPLATES=None,
        WARM_CACHES=None,
        SYNONYMS_FILE=str(DEFAULT_SYNONYMS_FILE),
    )
    # Paths and URLs are taken verbatim (from_prefixed_env would json-parse "123" into an int).
    for key in ("POSTS_DIR", "INDEX_DIR", "BASE_URL", "PUBLIC_URL", "ANALYTICS_DB", "CORS_ORIGINS", "SYNONYMS_FILE",
                "SITE_NAME", "SITE_URL", "CSS", "TEMPLATES"):
        value = os.environ.get(f"KENSAKU_{key}")
        if value:
            app.config[key] = value
    if os.environ.get("KENSAKU_ANALYTICS", "").strip().lower() in _FALSE_WORDS:
        app.config["ANALYTICS"] = False
    if test_config is not None:
        app.config.update(test_config)
    app.config["CORS_ORIGINS"] = _origins(app.config["CORS_ORIGINS"])
    for key, value in jekyll_site(app.config["POSTS_DIR"]).items():
        if app.config[key] is None:
            app.config[key] = value
    if not app.config["SITE_URL"]:
        app.config["SITE_URL"] = app.config["BASE_URL"] or ""
    app.config["SITE_NAME"] = app.config["SITE_NAME"] or ""
    if app.config["TEMPLATES"]:
        from jinja2 import ChoiceLoader, FileSystemLoader

        app.jinja_loader = ChoiceLoader([FileSystemLoader(app.config["TEMPLATES"]), app.jinja_loader])
    if app.config["WARM_CACHES"] is None:
        app.config["WARM_CACHES"] = not app.testing

    from web import api, cors, errors, views

    views.init_app(app)
    api.init_app(app)
    errors.init_app(app)
    cors.init_app(app)
    return app
