"""Browser tests: the real app behind a real WSGI server, driven by Debian's Chromium headless.

``kensaku serve --port 0`` runs in a subprocess over a small index built once per session
(:mod:`tests.browser.support`); a second HTTP server on another port stands for the site owner's
blog that embeds the search box. Every process and server is stopped at the end of the session.

Chromium comes from the distribution (``playwright install`` cannot download here). Without it
the tests are skipped on a developer's machine, but fail under CI (``CI`` set, as ``.ci/run`` runs)
or with ``KENSAKU_REQUIRE_BROWSER=1``, so a green CI means the browser tests ran.
Screenshots go to ``test-artifacts/screenshots/`` (git-ignored).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.browser.support import (CHROMIUM_ARGS, SCREENSHOTS, WAIT_S, StaticSite, start_server, stop_server,
                                   write_posts)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which("chromium")
    if path is None:
        if os.environ.get("CI") or os.environ.get("KENSAKU_REQUIRE_BROWSER"):
            pytest.fail("Debian's chromium is not installed (apt-get install chromium)")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    return path


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="ja-JP")
    context.set_default_timeout(WAIT_S * 1000)
    opened = context.new_page()
    try:
        yield opened
    finally:
        context.close()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture(scope="session")
def blog_sites():
    """Two "blogs" on other origins: the first is allowed by the app's CORS setting, the second not."""
    sites = [StaticSite(), StaticSite()]
    try:
        yield sites
    finally:
        for site in sites:
            site.close()


@pytest.fixture(scope="session")
def browser_index(tmp_path_factory) -> Path:
    """The browser tests' posts (:func:`write_posts`), indexed once."""
    from search.indexing.rebuild import rebuild_index

    posts = tmp_path_factory.mktemp("browser-posts")
    write_posts(posts)
    index_dir = tmp_path_factory.mktemp("browser-index")
    rebuild_index(posts, index_dir)
    return index_dir


@pytest.fixture(scope="session")
def analytics_db(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("analytics") / "a.sqlite3"


@pytest.fixture(scope="session")
def app_url(browser_index, blog_sites, analytics_db):
    """Base URL of the running app; the first blog's origin may call its API."""
    process, url = start_server(browser_index, analytics_db, [blog_sites[0].origin])
    try:
        yield url
    finally:
        stop_server(process)
