"""Screenshots on a real index (opt-in): the pages as readers of the real blogs would see them.

Run after ``kensaku reindex --posts ../shared/corpus --index /tmp/k-index``::

    KENSAKU_BROWSER_CORPUS_INDEX=/tmp/k-index python -m pytest tests/browser/test_corpus_screenshots.py

Skipped unless that variable names an index (building one takes minutes of Janome).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.browser.support import start_server, stop_server, widget_page

CORPUS_INDEX = os.environ.get("KENSAKU_BROWSER_CORPUS_INDEX", "")

pytestmark = pytest.mark.skipif(not CORPUS_INDEX, reason="set KENSAKU_BROWSER_CORPUS_INDEX to a built index")


@pytest.fixture(scope="module")
def corpus_url(blog_sites, tmp_path_factory):
    process, url = start_server(Path(CORPUS_INDEX), tmp_path_factory.mktemp("corpus-analytics") / "a.sqlite3",
                                [blog_sites[0].origin])
    try:
        yield url
    finally:
        stop_server(process)


def test_results_with_facets(page, corpus_url, screenshot_dir):
    page.request.get(corpus_url + "/api/related?id=x", timeout=120_000)  # the first build waits
    page.goto(corpus_url + "/search?q=コンテナ")
    page.locator(".facet-link", has_text="AWS").first.click()
    page.wait_for_url(re.compile(r"tag=AWS"))
    assert page.locator(".hit").count() > 0 and page.locator(".facet-link[aria-current=true]").count() == 1
    page.locator(".related summary").first.click()
    page.screenshot(path=str(screenshot_dir / "corpus-results-with-facets.png"), full_page=False)


def test_suggestions(page, corpus_url, screenshot_dir):
    page.goto(corpus_url + "/")
    page.locator("#q").press_sequentially("せいせい", delay=40)
    page.locator("#q-suggestions [role=option]").first.wait_for()
    assert any("生成" in text for text in page.locator("#q-suggestions [role=option]").all_inner_texts())
    page.screenshot(path=str(screenshot_dir / "corpus-suggestions.png"), full_page=False)


def test_widget(page, corpus_url, blog_sites, screenshot_dir):
    blog_sites[0].pages["/"] = widget_page(corpus_url)
    page.goto(blog_sites[0].origin + "/")
    page.get_by_label("サイト内検索").press_sequentially("ruby リリース", delay=30)
    page.locator(".kensaku-hit").first.wait_for()
    page.screenshot(path=str(screenshot_dir / "corpus-widget.png"), full_page=False)


def test_phone(browser, corpus_url, screenshot_dir):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="ja-JP")
    try:
        page = context.new_page()
        page.goto(corpus_url + "/search?q=kubernetes&tag=k8s")
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
        page.screenshot(path=str(screenshot_dir / "corpus-phone.png"), full_page=False)
    finally:
        context.close()


def test_home(page, corpus_url, screenshot_dir):
    page.goto(corpus_url + "/")
    assert page.locator(".tag-cloud a").count() > 10
    page.screenshot(path=str(screenshot_dir / "corpus-home.png"), full_page=False)
