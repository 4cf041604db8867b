"""The page is the blog's: its name and a link back in the header and title, the owner's
stylesheet and templates; one sort control; dates shown and typed in Japanese form.

A second ``kensaku serve`` runs with the owner's settings (``tests/data/owner/``: a stylesheet and
a template folder with ``_head.html`` and ``_footer.html``), over the browser tests' index.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.support import start_server, stop_server

OWNER = Path(__file__).resolve().parents[1] / "data" / "owner"
SITE_NAME = "わたしの旅ブログ"


def shot(page, screenshot_dir, name: str) -> None:
    page.screenshot(path=str(screenshot_dir / f"{name}.png"), full_page=True)


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


@pytest.fixture(scope="module")
def owner_app(browser_index, blog_sites, tmp_path_factory):
    """``kensaku serve`` with the blog's name and address, the owner's CSS and templates."""
    blog = blog_sites[0]
    blog.pages["/"] = f"<!doctype html><html lang=ja><meta charset=utf-8><title>{SITE_NAME}</title><h1>{SITE_NAME}</h1>"
    analytics = tmp_path_factory.mktemp("owner-analytics") / "a.sqlite3"
    process, url = start_server(browser_index, analytics, [], [
        "--site-name", SITE_NAME, "--site-url", blog.origin + "/",
        "--css", str(OWNER / "site.css"), "--templates", str(OWNER / "templates")])
    try:
        yield url, blog.origin + "/"
    finally:
        stop_server(process)


def test_the_page_carries_the_blog_s_name_style_and_templates(page, owner_app, screenshot_dir):
    url, site_url = owner_app
    page.goto(url + "/search?q=京都")
    assert page.title() == f"「京都」の検索結果 | {SITE_NAME}"
    name = page.locator("header .site-name")
    assert name.inner_text() == SITE_NAME and name.get_attribute("href") == site_url
    assert "kensaku" not in page.locator("header").inner_text()
    # The owner's stylesheet is linked after ours, so its rules win.
    sheets = page.locator("link[rel=stylesheet]").evaluate_all("links => links.map(l => new URL(l.href).pathname)")
    assert sheets == ["/static/style.css", "/site.css"]
    header_bg = page.locator("header.site-header").evaluate("e => getComputedStyle(e).backgroundColor")
    assert header_bg == "rgb(15, 107, 79)"
    # The owner's templates replace the shipped ones of the same name (_head.html, _footer.html).
    assert page.locator("meta[name=theme-color]").get_attribute("content") == "#0f6b4f"
    footer = page.locator("footer.owner-footer")
    assert SITE_NAME in footer.inner_text()
    assert footer.locator("a").get_attribute("href") == site_url + "about.html"
    shot(page, screenshot_dir, "owner-branding")
    page.goto(url + "/")
    assert page.title() == f"記事検索 | {SITE_NAME}"
    with page.expect_navigation():
        name.click()  # back to the blog
    assert page.url == site_url and page.locator("h1").inner_text() == SITE_NAME


def test_without_settings_the_page_names_no_product(page, app_url):
    page.goto(app_url + "/search?q=京都")
    assert page.title() == "「京都」の検索結果 | 記事検索"
    assert "kensaku" not in page.locator("header").inner_text().lower()
    assert page.locator("link[href='/site.css']").count() == 0
    assert page.request.get(app_url + "/site.css").status == 404


def test_one_sort_control(page, app_url, screenshot_dir):
    page.goto(app_url + "/search?q=記録")
    assert page.locator("select").count() == 0  # no drop-down beside the buttons
    assert page.locator("[name=sort]:not([type=hidden])").count() == 0
    control = page.locator(".sort-control")
    assert control.count() == 1
    assert control.locator("a").all_inner_texts() == ["関連度順", "新しい順", "古い順"]
    assert control.locator("a[aria-current=true]").inner_text() == "関連度順"
    control.locator("a", has_text="新しい順").click()
    page.wait_for_url(re.compile(r"sort=newest"))
    assert page.locator(".sort-control a[aria-current=true]").inner_text() == "新しい順"
    shot(page, screenshot_dir, "sort-control")
    # A new query keeps the order the reader chose, typed (as you type) or submitted.
    box = page.locator("#q")
    box.fill("")
    box.press_sequentially("旅行", delay=30)
    page.wait_for_function("() => location.search.includes('%E6%97%85%E8%A1%8C')")
    assert query_of(page.url)["sort"] == ["newest"]
    box.press("Escape")
    with page.expect_navigation():
        box.press("Enter")
    assert query_of(page.url)["sort"] == ["newest"] and query_of(page.url)["q"] == ["旅行"]
    dates = page.locator(".hit-meta time").evaluate_all("nodes => nodes.map(n => n.getAttribute('datetime'))")
    assert len(dates) > 1 and dates == sorted(dates, reverse=True)
    assert page.locator(".sort-control a[aria-current=true]").inner_text() == "新しい順"


def test_dates_shown_and_typed_in_japanese(page, app_url, screenshot_dir):
    page.goto(app_url + "/search?q=記録")
    shown = page.locator(".hit-meta time").first
    assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", shown.inner_text())
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", shown.get_attribute("datetime"))
    date_from, date_to = page.locator("#date-from"), page.locator("#date-to")
    assert date_from.get_attribute("type") == "text"  # not the browser's mm/dd/yyyy picker
    assert "年" in date_from.get_attribute("placeholder")
    date_from.fill("2023年3月")  # a month: from its first day
    date_to.fill("２０２３/６/３０")  # full-width, as a Japanese input mode types it
    with page.expect_navigation():
        page.locator(".date-range button").click()
    assert page.locator(".result-count strong").inner_text() == "3件"
    assert page.locator("#date-from").input_value() == "2023年3月1日"
    assert page.locator("#date-to").input_value() == "2023年6月30日"
    assert sorted(page.locator(".hit-meta time").all_inner_texts()) == ["2023年3月25日", "2023年5月1日", "2023年6月7日"]
    chips = page.locator(".chip").all_inner_texts()
    assert any("2023年3月1日" in chip for chip in chips) and any("2023年6月30日" in chip for chip in chips)
    shot(page, screenshot_dir, "japanese-dates")
    # A date that does not exist is refused with a message in Japanese, the query kept.
    page.locator("#date-to").fill("2023年2月30日")
    with page.expect_navigation():
        page.locator(".date-range button").click()
    assert "終了日は「2024年5月20日」" in page.locator(".error-message").inner_text()
    assert page.locator("#q").input_value() == "記録"


def test_served_from_a_read_only_copy(page, browser_index, tmp_path, screenshot_dir):
    """Several machines: each serves a copy of the index built once elsewhere, mounted read-only."""
    import shutil

    from search.assist.analytics import QueryLog
    from tests.test_serving_copies import _read_only_prefix, _tree

    copy = tmp_path / "index"
    shutil.copytree(browser_index, copy, symlinks=True)
    prefix = _read_only_prefix(copy)
    before = _tree(copy)
    counts = tmp_path / "var" / "counts.sqlite3"
    process, url = start_server(copy, counts, [], ["--site-name", SITE_NAME], prefix=prefix)
    try:
        page.goto(url + "/")
        page.locator("#q").press_sequentially("京都", delay=30)
        page.locator("#results-region .hit").first.wait_for()
        page.locator("#q").press("Escape")
        with page.expect_navigation():
            page.locator("#q").press("Enter")
        assert page.locator(".result-count strong").inner_text() == "3件"
        page.locator(".sort-control a", has_text="古い順").click()
        page.wait_for_url(re.compile(r"sort=oldest"))
        page.locator("#date-from").fill("2023年7月")
        with page.expect_navigation():
            page.locator(".date-range button").click()
        assert page.locator(".result-count strong").inner_text() == "2件"
        shot(page, screenshot_dir, "read-only-copy")
    finally:
        stop_server(process)
    assert _tree(copy) == before
    assert "Traceback" not in "".join(process.output)
    assert [c.query for c in QueryLog(counts).report().top_queries] == ["京都"]  # counted elsewhere
