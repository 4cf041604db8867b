"""The web app: pages, the JSON API and its error shape, escaping, odd input, headers."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from search.indexing import rebuild_index
from search.searching import SORTS
from web import DEFAULT_INDEX_DIR, create_app, views

TEMPLATES_DIR = Path(views.__file__).parent / "templates"
HIT_KEYS = {"id", "url", "title", "title_html", "date", "tags", "categories", "author", "score",
            "snippet_html"}
PAGE_KEYS = {"ok", "query", "total", "page", "per_page", "page_count", "sort", "took_ms", "match_mode",
             "query_analysis", "hits"}


def assert_error_shape(response, status: int) -> dict:
    """The one JSON error body: exactly ``ok``, ``error`` and ``status``."""
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"ok", "error", "status"}
    assert body["ok"] is False and body["status"] == status
    assert isinstance(body["error"], str) and body["error"]
    return body


@pytest.fixture
def empty_index_app(tmp_path):
    """An app whose index directory holds no index yet."""
    return create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "index")})


# --------------------------------------------------------------------------------------------
# Factory and configuration


def test_config(monkeypatch):
    assert not create_app().testing
    assert create_app({"TESTING": True}).testing
    assert create_app().config["INDEX_DIR"] == str(DEFAULT_INDEX_DIR)
    monkeypatch.setenv("KENSAKU_INDEX_DIR", "/srv/kensaku/123")
    assert create_app().config["INDEX_DIR"] == "/srv/kensaku/123"
    assert create_app({"INDEX_DIR": "/elsewhere"}).config["INDEX_DIR"] == "/elsewhere"


def test_app_starts_without_index(empty_index_app):
    client = empty_index_app.test_client()
    assert client.get("/").status_code == 200
    response = client.get("/search?q=東京")
    assert response.status_code == 503
    assert "kensaku reindex" in response.get_data(as_text=True)


def test_index_is_opened_once_built(empty_index_app, posts_dir, tmp_path):
    client = empty_index_app.test_client()
    assert client.get("/api/search?q=東京").status_code == 503
    rebuild_index(posts_dir, tmp_path / "index")
    assert client.get("/api/search?q=東京").get_json()["total"] == 1


# --------------------------------------------------------------------------------------------
# Pages


def test_index_page(client):
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="ja">' in html
    assert 'name="viewport"' in html
    assert '<form class="search-form" action="/search"' in html
    assert '<label class="search-label" for="q">' in html
    assert 'name="q"' in html and "autofocus" in html
    assert 'href="/static/style.css"' in html


def test_stylesheet_is_served(client):
    response = client.get("/static/style.css")
    assert response.status_code == 200 and response.mimetype == "text/css"
    response.close()


@pytest.mark.parametrize("query_string", ["", "q=", "q=%20%E3%80%80", "q=&page=abc"])
def test_search_without_query_shows_box(client, query_string):
    response = client.get(f"/search?{query_string}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'name="q"' in html and "件" not in html


def test_search_results_page(client):
    html = client.get("/search?q=東京").get_data(as_text=True)
    assert "<strong>1件</strong>" in html
    assert '<a href="/diary/2024/01/05/tokyo-tower.html"><mark>東京</mark>タワーに登った</a>' in html
    assert '<time datetime="2024-01-05">2024-01-05</time>' in html
    assert "<li>旅行</li><li>東京</li>" in html
    assert '<p class="snippet">冬晴れの日に<mark>東京</mark>タワー' in html
    assert 'value="東京"' in html  # the query box keeps the query
    assert "autofocus" not in html
    assert "いずれかの語を含む記事" not in html


def test_relaxed_match_is_explained(client):
    html = client.get("/search?q=東京+ラーメン").get_data(as_text=True)
    assert "すべての語を含む記事が見つからなかったため" in html
    assert "<strong>2件</strong>" in html


def test_no_hits(client):
    html = client.get("/search?q=量子コンピュータ").get_data(as_text=True)
    assert "<strong>0件</strong>" in html
    assert "見つかりませんでした" in html
    assert 'class="pagination"' not in html


def test_pagination_keeps_query_and_sort(posts_dir, index_dir):
    app = create_app({"TESTING": True, "INDEX_DIR": str(index_dir), "PER_PAGE": 1})
    client = app.test_client()
    html = client.get("/search?q=python&sort=newest").get_data(as_text=True)
    assert "<strong>2件</strong>" in html and "（1〜1件目）" in html
    assert 'href="/search?q=python&amp;page=2&amp;sort=newest" rel="next"' in html
    assert 'href="/search?q=python&amp;page=1&amp;sort=newest" aria-current="page"' in html
    assert 'rel="prev"' not in html
    assert '<option value="newest" selected>' in html
    html = client.get("/search?q=python&sort=newest&page=2").get_data(as_text=True)
    assert 'href="/search?q=python&amp;page=1&amp;sort=newest" rel="prev"' in html
    assert 'rel="next"' not in html
    assert '<ol class="hits" start="2">' in html


def test_page_past_the_end(client):
    html = client.get("/search?q=東京&page=3").get_data(as_text=True)
    assert "<strong>1件</strong>" in html and "このページに表示する結果はありません" in html
    assert 'href="/search?q=%E6%9D%B1%E4%BA%AC&amp;page=1" rel="prev"' in html


@pytest.mark.parametrize("page", ["abc", "0", "-1", "1.5", "100000"])
def test_bad_page_renders_400(client, page):
    response = client.get(f"/search?q=東京&page={page}")
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "リクエストが正しくありません" in html and "page" in html


def test_sort_newest(client):
    body = client.get("/api/search?q=python&sort=newest").get_json()
    dates = [hit["date"] for hit in body["hits"]]
    assert len(dates) == 2 and dates == sorted(dates, reverse=True)


def test_sort_labels_match_the_library():
    assert set(views.SORT_LABELS) == set(SORTS)


# --------------------------------------------------------------------------------------------
# JSON API


def test_api_search_shape(client):
    response = client.get("/api/search?q=東京")
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) >= PAGE_KEYS
    assert body["ok"] is True
    assert (body["query"], body["total"], body["page"], body["per_page"]) == ("東京", 1, 1, 10)
    assert body["match_mode"] == "exact"
    assert isinstance(body["took_ms"], (int, float))
    assert isinstance(body["query_analysis"], dict)
    [hit] = body["hits"]
    assert set(hit) == HIT_KEYS
    assert hit["id"] == "2024-01-05-tokyo-tower.md"
    assert hit["url"] == "/diary/2024/01/05/tokyo-tower.html"
    assert hit["tags"] == ["旅行", "東京"] and hit["categories"] == ["diary"] and hit["author"] == "山田"
    assert datetime.fromisoformat(hit["date"]) == datetime.fromisoformat("2024-01-05T10:00:00+09:00")
    assert "<mark>東京</mark>" in hit["snippet_html"]


def test_api_paging(client):
    body = client.get("/api/search?q=python&per_page=1&page=2").get_json()
    assert (body["page"], body["per_page"], body["page_count"], len(body["hits"])) == (2, 1, 2, 1)


@pytest.mark.parametrize("query_string, status, words", [
    ("", 400, "q"),
    ("q=", 400, "q"),
    ("q=%20", 400, "q"),
    ("q=東京&page=abc", 400, "page"),
    ("q=東京&per_page=ten", 400, "per_page"),
    ("q=東京&page=0", 400, "page"),
    ("q=東京&per_page=0", 400, "per_page"),
    ("q=東京&per_page=1000", 400, "per_page"),
    ("q=東京&sort=random", 400, "sort"),
])
def test_api_bad_arguments(client, query_string, status, words):
    body = assert_error_shape(client.get(f"/api/search?{query_string}"), status)
    assert words in body["error"]


# --------------------------------------------------------------------------------------------
# Errors: one JSON shape under /api/, error.html elsewhere (Datasette's test_error_shape)


@pytest.mark.parametrize("method, path, status", [
    ("GET", "/api/search", 400),
    ("GET", "/api/nothing-here", 404),
    ("GET", "/api", 404),
    ("POST", "/api/search?q=東京", 405),
    ("DELETE", "/api/search?q=東京", 405),
])
def test_api_error_shape(client, method, path, status):
    response = client.open(path, method=method)
    assert_error_shape(response, status)
    assert response.headers["Cache-Control"] == "no-store"
    if status == 405:
        assert "GET" in response.headers["Allow"]


def test_api_error_shape_503(empty_index_app):
    body = assert_error_shape(empty_index_app.test_client().get("/api/search?q=東京"), 503)
    assert "kensaku reindex" in body["error"]


def test_api_error_shape_500(client, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(views, "search_posts", broken)
    body = assert_error_shape(client.get("/api/search?q=東京"), 500)
    assert "secret" not in body["error"]
    response = client.get("/search?q=東京")
    assert response.status_code == 500 and response.mimetype == "text/html"
    assert "secret" not in response.get_data(as_text=True)


@pytest.mark.parametrize("method, path, status, title", [
    ("GET", "/nothing-here", 404, "ページが見つかりません"),
    ("POST", "/search?q=東京", 405, "このメソッドは使えません"),
    ("GET", "/search?q=東京&sort=random", 400, "リクエストが正しくありません"),
])
def test_html_errors_render_error_page(client, method, path, status, title):
    response = client.open(path, method=method)
    assert response.status_code == status and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert title in html and f"({status})" in html and 'href="/"' in html


# --------------------------------------------------------------------------------------------
# Escaping and odd input


def test_post_text_is_escaped(client):
    html = client.get("/search?q=エスケープ").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<b>" not in html and "&lt;b&gt;タグ&lt;/b&gt;" in html
    body = client.get("/api/search?q=エスケープ").get_json()
    [hit] = body["hits"]
    assert hit["title"] == "<script>alert(1)</script>"
    assert "<script>" not in hit["title_html"] and "<img" not in hit["snippet_html"]


def test_query_is_escaped(client):
    html = client.get("/search", query_string={"q": "<img src=x onerror=alert(1)>"}).get_data(as_text=True)
    assert "<img src=x" not in html
    assert 'value="&lt;img src=x onerror=alert(1)&gt;"' in html
    assert "「&lt;img src=x onerror=alert(1)&gt;」の検索結果" in html


def test_templates_mark_nothing_safe_and_have_no_script():
    for template in TEMPLATES_DIR.glob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert "|safe" not in text.replace(" ", ""), template.name
        assert "<script" not in text, template.name
        assert " style=" not in text, template.name


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,x",
                                 "vbscript:x"])
def test_post_href_refuses_script_urls(url):
    assert views.post_href(url) is None


@pytest.mark.parametrize("url", ["/2024/01/05/a.html", "https://example.com/a", "http://x/a", "a.html"])
def test_post_href_keeps_links(url):
    assert views.post_href(url) == url


ODD_QUERY_STRINGS = [
    "q=%00", "q=a%00b", "q=%ED%A0%80", "q=%ED%B0%80x", "q=%FF", "q=%FF%FE%FD", "q=%C3",
    "q=" + "a" * 10_000, "q=" + "東京" * 5_000, "q=" + "%E3%80%80" * 300,
    'q=%22', 'q=%22%E6%9D%B1%E4%BA%AC', 'q=((((東京', 'q=))))', 'q=(' * 40 + 'x', 'q=%22(((%22',
    "q=-", "q=--", "q=-東京", "q=OR", "q=OR+OR", "q=|", "q=tag:", "q=title:%22", "q=title:*",
    "q=*", "q=?", "q=%5C", "q=a:b:c", "q=%0A%0D%09", "q=%F0%9F%98%80", "q=%E2%80%AE",
    "q=x&q=y", "q[]=x", "q=東京&page=%00", "q=東京&page=1e3", "q=東京&page=" + "9" * 5_000,
    "q=東京&per_page=%FF", "q=東京&sort=%00", "q=東京&sort=", "q=%25", "%ZZ=1", "q=%ZZ",
]


@pytest.mark.parametrize("query_string", ODD_QUERY_STRINGS)
def test_odd_query_strings_never_fail(client, query_string):
    api = client.get("/api/search", query_string=query_string)
    assert api.status_code in (200, 400), api.get_data(as_text=True)
    assert api.mimetype == "application/json"
    if api.status_code == 200:
        assert api.get_json()["ok"] is True
    else:
        assert_error_shape(api, 400)
    page = client.get("/search", query_string=query_string)
    assert page.status_code in (200, 400)
    assert page.mimetype == "text/html"


# --------------------------------------------------------------------------------------------
# Headers


@pytest.mark.parametrize("path", ["/", "/search?q=東京", "/api/search?q=東京", "/nothing-here"])
def test_security_headers(client, path):
    headers = client.get(path).headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_api_is_not_cached_pages_may_be(client):
    assert client.get("/api/search?q=東京").headers["Cache-Control"] == "no-store"
    assert "Cache-Control" not in client.get("/search?q=東京").headers
