"""What a reader does in a real browser: type, see highlights, click facets, page, sort, use
suggestions with the keyboard, type with an IME (BC19), read without JavaScript, on a phone; and
the site owner's embedded search box on another origin."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit


from tests.browser.support import WAIT_S, ime_titles, widget_page

DEBOUNCE_WAIT_MS = 800  # well past search.js's 250 ms debounce


def shot(page, screenshot_dir, name: str) -> None:
    page.screenshot(path=str(screenshot_dir / f"{name}.png"), full_page=True)


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def record_requests(page) -> list[str]:
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    return urls


def searches(urls: list[str]) -> list[dict]:
    """The as-you-type requests among ``urls``: results (partial) and suggestions."""
    found = []
    for url in urls:
        path = urlsplit(url).path
        if path == "/api/suggest" or (path == "/search" and "partial" in query_of(url)):
            found.append({"path": path, "q": query_of(url).get("q", [""])[0]})
    return found


def test_type_a_query_and_see_highlighted_results(page, app_url, screenshot_dir):
    page.goto(app_url + "/")
    page.locator("#q").press_sequentially("京都", delay=30)
    marks = page.locator("#results-region mark")
    marks.first.wait_for()
    assert "京都" in marks.all_inner_texts()
    assert "/search?q=%E4%BA%AC%E9%83%BD" in page.url  # the address follows, for back and reload
    page.locator("#q").press("Escape")
    page.locator("#q").press("Enter")
    page.wait_for_url(re.compile(r"/search\?q="))
    assert page.locator(".result-count strong").inner_text() == "3件"
    titles = page.locator(".hit-title").all_inner_texts()
    assert all("京都" in title for title in titles)
    assert page.locator(".hit-title mark").first.inner_text() == "京都"
    shot(page, screenshot_dir, "results")


def test_click_facets_several_at_once(page, app_url, screenshot_dir):
    page.goto(app_url + "/search?q=記録")
    total = int(page.locator(".result-count strong").inner_text().rstrip("件"))
    page.locator(".facet-link", has_text="食べ物").first.click()
    page.wait_for_url(re.compile(r"tag="))
    assert query_of(page.url)["tag"] == ["食べ物"]
    after_one = int(page.locator(".result-count strong").inner_text().rstrip("件"))
    assert 0 < after_one < total
    page.locator(".facet-link", has_text="佐藤").first.click()
    page.wait_for_url(re.compile(r"author="))
    assert query_of(page.url)["tag"] == ["食べ物"] and query_of(page.url)["author"] == ["佐藤"]
    assert page.locator(".result-count strong").inner_text() == "3件"
    assert page.locator(".facet-link[aria-current=true]").count() == 2
    assert page.locator(".chip").count() == 2
    shot(page, screenshot_dir, "results-with-facets")
    page.locator(".chip", has_text="食べ物").click()  # remove one filter
    page.wait_for_url(lambda url: "tag=" not in url)
    assert query_of(page.url)["author"] == ["佐藤"]


def test_pagination(page, app_url):
    page.goto(app_url + "/search?q=記録")
    assert page.locator(".hit").count() == 10
    first_page = page.locator(".hit-title").all_inner_texts()
    page.locator(".pagination a[rel=next]").click()
    page.wait_for_url(re.compile(r"page=2"))
    assert page.locator("ol.hits").get_attribute("start") == "11"
    assert not set(page.locator(".hit-title").all_inner_texts()) & set(first_page)
    page.locator(".pagination a[rel=prev]").click()
    page.wait_for_url(lambda url: "page=" not in url)


def test_sort(page, app_url):
    page.goto(app_url + "/search?q=記録")
    page.locator(".sort-control a", has_text="新しい順").click()
    page.wait_for_url(re.compile(r"sort=newest"))
    dates = page.locator(".hit-meta time").evaluate_all("nodes => nodes.map(n => n.getAttribute('datetime'))")
    assert dates == sorted(dates, reverse=True) and len(dates) == 10
    page.locator(".sort-control a", has_text="古い順").click()
    page.wait_for_url(re.compile(r"sort=oldest"))
    dates = page.locator(".hit-meta time").evaluate_all("nodes => nodes.map(n => n.getAttribute('datetime'))")
    assert dates == sorted(dates)


def test_suggestions_with_the_keyboard(page, app_url, screenshot_dir):
    page.goto(app_url + "/")
    box = page.locator("#q")
    box.press_sequentially("くら", delay=30)  # hiragana completes katakana: クラウド
    options = page.locator("#q-suggestions [role=option]")
    options.first.wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    texts = options.all_inner_texts()
    assert any("クラウド" in text for text in texts)
    shot(page, screenshot_dir, "suggestions")
    box.press("ArrowDown")
    active = box.get_attribute("aria-activedescendant")
    assert active and page.locator(f"#{active}").get_attribute("aria-selected") == "true"
    chosen = page.locator(f"#{active} .suggestion-text").inner_text()
    box.press("Escape")
    assert page.locator("#q-suggestions").is_hidden()
    box.press("ArrowDown")  # opens again on the first option
    assert box.get_attribute("aria-activedescendant") == active
    with page.expect_navigation():
        box.press("Enter")
    assert query_of(page.url)["q"] == [chosen]


IME_COMPOSE = """() => {
  const q = document.querySelector('#q');
  const seen = window.__seen = [];
  new MutationObserver(() => seen.push(document.getElementById('results-region').textContent))
    .observe(document.getElementById('results-region'), {childList: true, subtree: true, characterData: true});
  q.focus();
  q.dispatchEvent(new CompositionEvent('compositionstart', {data: '', bubbles: true}));
  for (const value of ['にほn', 'にほん']) {
    q.value = value;
    q.dispatchEvent(new InputEvent('input', {data: value, isComposing: true, inputType: 'insertCompositionText',
                                             bubbles: true}));
  }
  const enter = new KeyboardEvent('keydown', {key: 'Enter', code: 'Enter', keyCode: 229, which: 229,
                                              isComposing: true, bubbles: true, cancelable: true});
  q.dispatchEvent(enter);
  return enter.keyCode;
}"""

IME_COMMIT = """() => {
  const q = document.querySelector('#q');
  q.value = '日本';
  q.dispatchEvent(new InputEvent('input', {data: '日本', isComposing: true, inputType: 'insertCompositionText',
                                           bubbles: true}));
  q.dispatchEvent(new CompositionEvent('compositionend', {data: '日本', bubbles: true}));
  // Safari sends the Enter that confirmed the conversion after compositionend, with keyCode 229.
  q.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', code: 'Enter', keyCode: 229, which: 229,
                                                isComposing: false, bubbles: true, cancelable: true}));
}"""


def test_ime_composition_bc19(page, app_url, screenshot_dir):
    found, never = ime_titles()
    page.goto(app_url + "/")
    urls = record_requests(page)
    submitted: list[str] = []  # page loads: a submitted form would load /search as a document
    page.on("request", lambda request: submitted.append(request.url) if request.resource_type == "document" else None)
    page.evaluate("() => { window.__sameDocument = true; }")
    assert page.evaluate(IME_COMPOSE) == 229
    page.wait_for_timeout(DEBOUNCE_WAIT_MS)
    assert searches(urls) == [], "a request fired while the IME composition was open"
    assert submitted == [] and urlsplit(page.url).path == "/", "the Enter that confirms a conversion submitted"
    assert page.locator("#q-suggestions").is_hidden()

    with page.expect_response(lambda r: urlsplit(r.url).path == "/search" and "partial" in query_of(r.url)):
        page.evaluate(IME_COMMIT)
    page.locator("#results-region .hit").first.wait_for()
    page.wait_for_timeout(DEBOUNCE_WAIT_MS)
    assert [(s["path"], s["q"]) for s in searches(urls)] == [("/search", "日本")]  # results and suggestions
    assert submitted == [] and page.evaluate("() => window.__sameDocument"), "the Enter after compositionend submitted"
    assert set(page.locator("#results-region .hit-title").all_inner_texts()) == found
    assert page.locator("#results-region .snippet mark").first.inner_text() == "日本"
    seen = page.evaluate("() => window.__seen")
    assert seen and not any("にほんばし" in text or any(t in text for t in never) for text in seen), \
        "a post of the intermediate にほん flashed in the results"
    shot(page, screenshot_dir, "ime-bc19")


def test_works_without_javascript(browser, app_url):
    context = browser.new_context(java_script_enabled=False)
    context.set_default_timeout(WAIT_S * 1000)
    try:
        page = context.new_page()
        page.goto(app_url + "/")
        page.locator("#q").fill("記録")
        page.locator("button[type=submit]").first.click()
        page.wait_for_url(re.compile(r"/search\?q="))
        assert page.locator(".hit-title mark").first.inner_text() == "記録"
        page.locator(".facet-link", has_text="大阪").first.click()
        page.wait_for_url(re.compile(r"tag="))
        assert page.locator(".result-count strong").inner_text() == "3件"
        page.locator(".related summary").first.click()
        assert page.locator(".related a").first.is_visible()
        page.locator("details.facet summary", has_text="期間").click()
        page.locator("#date-from").fill("2030-01-01")
        page.locator(".date-range button").click()
        page.wait_for_url(re.compile(r"from=2030-01-01"))
        assert page.locator(".result-count strong").inner_text() == "0件"
    finally:
        context.close()


def test_readable_on_a_phone(browser, app_url, screenshot_dir):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="ja-JP")
    context.set_default_timeout(WAIT_S * 1000)
    try:
        page = context.new_page()
        page.goto(app_url + "/search?q=記録&tag=旅行")
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
        font_size = page.locator("#q").evaluate("n => parseFloat(getComputedStyle(n).fontSize)")
        assert font_size >= 16  # no zoom on focus
        closed = page.locator("details.facet:not([open])").count()
        assert closed >= 1  # facet groups without a selection fold away on a narrow screen
        assert page.locator("details.facet[open] [aria-current]").count() == 1
        shot(page, screenshot_dir, "phone-results")
    finally:
        context.close()


def test_keyboard_focus_is_visible(page, app_url):
    page.goto(app_url + "/search?q=記録")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "skip-link"
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
    labels = page.evaluate("""() => [...document.querySelectorAll('input:not([type=hidden]), select')]
        .filter(el => !(el.labels && el.labels.length)).map(el => el.id || el.name)""")
    assert labels == []


def test_embedded_search_box_on_another_origin(page, app_url, blog_sites, screenshot_dir):
    allowed = blog_sites[0]
    allowed.pages["/"] = widget_page(app_url)
    page.goto(allowed.origin + "/")
    box = page.get_by_label("サイト内検索")
    from playwright.sync_api import expect

    box.press_sequentially("札幌", delay=30)
    hits = page.locator(".kensaku-hit")
    # On a loaded machine the box may first show the results for 札 alone, typed a debounce ago.
    expect(page.locator(".kensaku-hit mark").first).to_have_text("札幌", timeout=WAIT_S * 1000)
    assert hits.count() == 3
    assert page.locator(".kensaku-hit mark").first.inner_text() == "札幌"
    assert "3件" in page.locator(".kensaku-status").inner_text()
    href = page.locator(".kensaku-title").first.get_attribute("href")
    assert href.startswith(allowed.origin + "/")  # the blog's own post URLs
    box.press("ArrowDown")
    assert page.evaluate("() => document.activeElement.tagName") == "DIV"  # focus is inside the shadow root
    assert page.locator(".kensaku-title").first.evaluate("a => a.matches(':focus')")
    shot(page, screenshot_dir, "widget")
    more = page.locator(".kensaku-more")
    if more.is_visible():
        assert more.get_attribute("href").startswith(app_url + "/search?q=")


def test_embedded_box_escapes_what_it_shows(page, app_url, blog_sites):
    """The box keeps <mark> from the API and nothing else (post text is never HTML)."""
    allowed = blog_sites[0]
    allowed.pages["/"] = widget_page(app_url)
    page.goto(allowed.origin + "/")
    page.locator(".kensaku-input").wait_for()
    nodes = page.evaluate("""() => {
        const host = document.getElementById('kensaku-search');
        return host.shadowRoot !== null;
    }""")
    assert nodes is True
    page.route(re.compile(r".*/api/search\?.*"), lambda route: route.fulfill(
        status=200, content_type="application/json",
        headers={"Access-Control-Allow-Origin": allowed.origin},
        body='{"ok": true, "total": 1, "hits": [{"url": "javascript:alert(1)", "title": "x",'
             ' "title_html": "<img src=x onerror=window.__pwned=1>&lt;b&gt;<mark>hit</mark>",'
             ' "snippet_html": "<script>window.__pwned=2</script><mark>ok</mark>", "date": null}]}'))
    page.locator(".kensaku-input").press_sequentially("x")
    page.locator(".kensaku-hit").first.wait_for()
    title = page.locator(".kensaku-title").first
    assert title.evaluate("n => n.tagName") == "SPAN"  # a javascript: URL is no link
    assert title.inner_text() == "<b>hit"
    assert page.locator(".kensaku-hit img, .kensaku-hit script").count() == 0
    assert page.locator(".kensaku-hit mark").count() == 2
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.__pwned") is None


def test_embedded_box_needs_the_owner_s_permission(page, app_url, blog_sites):
    other = blog_sites[1]
    other.pages["/"] = widget_page(app_url)
    page.goto(other.origin + "/")
    page.locator(".kensaku-input").press_sequentially("札幌", delay=30)
    page.locator(".kensaku-status", has_text="検索できませんでした").wait_for()
    assert page.locator(".kensaku-hit").count() == 0


def test_embedded_box_ime(page, app_url, blog_sites):
    allowed = blog_sites[0]
    allowed.pages["/"] = widget_page(app_url)
    page.goto(allowed.origin + "/")
    urls = record_requests(page)
    page.locator(".kensaku-input").wait_for()
    page.evaluate("""() => {
      const q = document.getElementById('kensaku-search').shadowRoot.querySelector('input');
      q.focus();
      q.dispatchEvent(new CompositionEvent('compositionstart', {bubbles: true}));
      q.value = 'さっぽ';
      q.dispatchEvent(new InputEvent('input', {data: 'さっぽ', isComposing: true, bubbles: true}));
      q.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', keyCode: 229, isComposing: true, bubbles: true,
                                                    cancelable: true}));
    }""")
    page.wait_for_timeout(DEBOUNCE_WAIT_MS)
    assert not [u for u in urls if "/api/" in u] and urlsplit(page.url).path == "/"
    page.evaluate("""() => {
      const q = document.getElementById('kensaku-search').shadowRoot.querySelector('input');
      q.value = '札幌';
      q.dispatchEvent(new CompositionEvent('compositionend', {data: '札幌', bubbles: true}));
    }""")
    page.locator(".kensaku-hit").first.wait_for()
    assert [query_of(u)["q"] for u in urls if "/api/search" in u] == [["札幌"]]


def test_opensearch_is_advertised(page, app_url):
    page.goto(app_url + "/")
    href = page.locator("link[rel=search]").get_attribute("href")
    response = page.request.get(app_url + href)
    assert response.ok and "opensearchdescription+xml" in response.headers["content-type"]
    assert "{searchTerms}" in response.text()


def test_searches_typed_are_counted_not_keystrokes(page, app_url, analytics_db):
    from search.assist.analytics import QueryLog

    page.goto(app_url + "/")
    page.locator("#q").press_sequentially("名古屋グルメ", delay=20)
    page.locator("#results-region .hit").first.wait_for()
    page.locator("#q").press("Escape")
    with page.expect_navigation():
        page.locator("#q").press("Enter")
    counted = {c.query: c.searches for c in QueryLog(analytics_db).report(limit=100).top_queries}
    assert counted.get("名古屋グルメ") == 1
    assert not any(q in counted for q in ("名", "名古", "名古屋", "名古屋グ"))


def test_ime_with_trusted_composition_events(page, app_url):
    """The same case with the browser's own IME events (DevTools Input.imeSetComposition), not
    synthetic ones: what Chromium really sends for にほん → 日本 and the confirming Enter."""
    page.goto(app_url + "/")
    page.locator("#q").focus()
    urls = record_requests(page)
    documents: list[str] = []
    page.on("request", lambda request: documents.append(request.url) if request.resource_type == "document" else None)
    cdp = page.context.new_cdp_session(page)
    for text in ("に", "にほ", "にほn", "にほん"):
        cdp.send("Input.imeSetComposition", {"text": text, "selectionStart": len(text), "selectionEnd": len(text)})
    cdp.send("Input.dispatchKeyEvent", {"type": "rawKeyDown", "key": "Enter", "code": "Enter",
                                        "windowsVirtualKeyCode": 229, "nativeVirtualKeyCode": 229})
    cdp.send("Input.dispatchKeyEvent", {"type": "keyUp", "key": "Enter", "code": "Enter",
                                        "windowsVirtualKeyCode": 229, "nativeVirtualKeyCode": 229})
    page.wait_for_timeout(DEBOUNCE_WAIT_MS)
    assert searches(urls) == [] and documents == []
    assert page.locator("#q").input_value() == "にほん"
    with page.expect_response(lambda r: urlsplit(r.url).path == "/search" and "partial" in query_of(r.url)):
        cdp.send("Input.insertText", {"text": "日本"})  # commits the composition
    page.locator("#results-region .hit").first.wait_for()
    page.wait_for_timeout(DEBOUNCE_WAIT_MS)
    assert [(s["path"], s["q"]) for s in searches(urls)] == [("/search", "日本")]  # results and suggestions
    assert documents == []
    assert set(page.locator("#results-region .hit-title").all_inner_texts()) == ime_titles()[0]
    cdp.detach()
