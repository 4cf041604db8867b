"""Issue 15 in a real browser, on the project's own small Jekyll site (tests/data/jekyll-site): a hit
shows and links to the heading before the matched passage (and the browser lands on it), Liquid
output reads as on the blog, ``post_url`` link text finds the post linked, table rows and math
do not run together in snippets. One screenshot per feature under test-artifacts/screenshots/."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import pytest

from tests.browser.support import StaticSite, start_server, stop_server, widget_page

SITE_POSTS = Path(__file__).resolve().parents[1] / "data" / "jekyll-site" / "_posts"


def shot(page, screenshot_dir, name: str) -> None:
    page.screenshot(path=str(screenshot_dir / f"{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def blog():
    """The fixture site's blog on another origin, embedding the search box."""
    site = StaticSite()
    try:
        yield site
    finally:
        site.close()


@pytest.fixture(scope="module")
def site_url(tmp_path_factory, chromium_path, blog):
    """The app serving an index of the fixture site (the blog's origin may call its API)."""
    from search.indexing.rebuild import rebuild_index

    index_dir = tmp_path_factory.mktemp("site-index")
    rebuild_index(SITE_POSTS, index_dir)
    process, url = start_server(index_dir, tmp_path_factory.mktemp("site-analytics") / "a.sqlite3", [blog.origin])
    try:
        yield url
    finally:
        stop_server(process)


def _post_page(headings: list[tuple[str, str]]) -> str:
    """The blog's page of a post as Jekyll renders it: headings with kramdown's ids, text between."""
    filler = "".join(f"<p>{'本文の段落です。' * 40}</p>" for _ in range(3))
    parts = "".join(f'<h2 id="{anchor}">{text}</h2>{filler}' for text, anchor in headings)
    return f'<!doctype html><html lang="ja"><meta charset="utf-8"><body>{filler}{parts}</body></html>'


def test_hit_shows_and_links_to_the_heading_before_the_passage(page, site_url, screenshot_dir):
    headings = [("町の入口", "町の入口"), ("冬の「ペンギン」散歩 🐧", "冬のペンギン散歩-"), ("灯台の話", "lighthouse-notes")]
    # The blog's own page, stood in for on the app's origin where the post's relative URL points.
    page.route("**/2024/04/01/long-guide.html", lambda route: route.fulfill(
        status=200, content_type="text/html; charset=utf-8", body=_post_page(headings)))
    page.goto(site_url + "/search?q=" + quote("ペンギン水族館"))
    hit = page.locator(".hit").first
    link = hit.locator(".hit-section a")
    assert link.inner_text() == "冬の「ペンギン」散歩 🐧"
    assert unquote(link.get_attribute("href")) == "/2024/04/01/long-guide.html#冬のペンギン散歩-"
    assert hit.locator(".hit-title a").get_attribute("href") == "/2024/04/01/long-guide.html"
    assert "ペンギン水族館" in hit.locator(".snippet mark").first.inner_text()
    shot(page, screenshot_dir, "sections")
    link.click()
    page.wait_for_url("**/long-guide.html#*")
    assert unquote(urlsplit(page.url).fragment) == "冬のペンギン散歩-"
    # The browser found the heading by its Japanese id and scrolled to it.
    top = page.evaluate("document.getElementById('冬のペンギン散歩-').getBoundingClientRect().top")
    assert abs(top) < 5


def test_several_matched_sections_are_listed_under_the_hit(page, site_url, screenshot_dir):
    page.goto(site_url + "/search?q=" + quote("まとめ 振り返り"))
    hit = page.locator(".hit").first
    shown = [hit.locator(".hit-section a").first.inner_text(),
             *hit.locator(".sub-results .hit-section a").all_inner_texts()]
    hrefs = [unquote(h) for h in hit.locator(".hit-section a").evaluate_all("els => els.map(e => e.getAttribute('href'))")]
    assert "まとめ" in shown and len(shown) >= 2
    assert {"/2024/04/01/long-guide.html#まとめ", "/2024/04/01/long-guide.html#まとめ-1"} <= set(hrefs)
    assert len(hrefs) == len(set(hrefs))
    shot(page, screenshot_dir, "sections-several")


def test_a_post_without_headings_shows_no_heading(page, site_url):
    page.goto(site_url + "/search?q=" + quote("白い灯台"))
    hit = page.locator(".hit", has_text="灯台めぐりの一日")
    assert hit.locator(".hit-section").count() == 0
    assert hit.locator(".hit-title a").get_attribute("href") == "/lighthouse/"


def test_api_gives_anchor_url_and_sections(page, site_url):
    body = page.request.get(site_url + "/api/search?q=" + quote("灯台守")).json()
    [hit] = [h for h in body["hits"] if h["id"] == "2024-04-01-long-guide.md"]
    assert hit["url"] == "/2024/04/01/long-guide.html"
    assert hit["anchor_url"] == "/2024/04/01/long-guide.html#lighthouse-notes"
    assert hit["sections"][0]["heading"] == "灯台の話" and "<mark>" in hit["sections"][0]["snippet_html"]


def test_liquid_output_reads_as_on_the_blog(page, site_url, screenshot_dir):
    page.goto(site_url + "/search?q=" + quote("この記事"))
    snippet = page.locator(".hit", has_text="検索の話").locator(".snippet").first.inner_text()
    assert "この記事「検索の話」では、海辺の手帖 の検索" in snippet
    page.goto(site_url + "/search?q=" + quote("既定の言葉"))
    snippet = page.locator(".hit .snippet").first.inner_text()
    assert "既定値は「既定の言葉」、大文字は JA-JP、日付は 2024年04月03日" in snippet
    assert "{{" not in page.content()
    shot(page, screenshot_dir, "liquid")


def test_post_url_link_text_finds_the_post_linked(page, site_url, screenshot_dir):
    page.goto(site_url + "/search?q=" + quote("岬の記事"))
    assert page.locator(".hit-title").first.inner_text() == "灯台めぐりの一日"
    page.goto(site_url + "/search?q=" + quote("地図のページ"))
    assert "地図のページは /lighthouse/ にあります" in page.locator(".hit .snippet").first.inner_text()
    shot(page, screenshot_dir, "post-url")


def test_table_rows_and_math_stay_apart_in_snippets(page, site_url, screenshot_dir):
    page.goto(site_url + "/search?q=" + quote("質疑応答"))
    snippet = page.locator(".hit .snippet").first.inner_text()
    assert "20:00 | 質疑応答 | 運営 / 発表資料の数式 y = ax + b を使いました。" in snippet
    assert "$$" not in snippet and "\\int" not in snippet
    shot(page, screenshot_dir, "table-math")


def test_embedded_box_links_to_the_heading(page, site_url, blog):
    blog.pages["/"] = widget_page(site_url)
    page.goto(blog.origin + "/")
    page.get_by_label("サイト内検索").press_sequentially("灯台守", delay=30)
    section = page.locator(".kensaku-section").first
    section.wait_for()
    assert section.inner_text() == "§ 灯台の話"
    assert section.get_attribute("href") == blog.origin + "/2024/04/01/long-guide.html#lighthouse-notes"
