"""The blog's name and address, stylesheet and templates (web/__init__.py), without a browser."""

from __future__ import annotations


import pytest

from web import create_app, jekyll_site


def page(app, path: str = "/") -> str:
    return app.test_client().get(path).get_data(as_text=True)


def test_name_and_address_from_the_environment(monkeypatch, index_dir):
    monkeypatch.setenv("KENSAKU_SITE_NAME", "猫の手帖")
    monkeypatch.setenv("KENSAKU_SITE_URL", "https://neko.example.org/")
    app = create_app({"TESTING": True, "INDEX_DIR": str(index_dir)})
    html = page(app, "/search?q=東京")
    assert '<a class="site-name" href="https://neko.example.org/">猫の手帖</a>' in html
    assert "<title>「東京」の検索結果 | 猫の手帖</title>" in html
    assert "<ShortName>猫の手帖</ShortName>" in page(app, "/opensearch.xml")


def test_options_beat_the_config_file_which_beats_the_base_url(tmp_path, index_dir):
    (tmp_path / "_posts").mkdir()
    (tmp_path / "_config.yml").write_text("title: 週末の工作\nurl: https://craft.example.com\nbaseurl: /blog/\n",
                                          encoding="utf-8")
    settings = {"TESTING": True, "INDEX_DIR": str(index_dir), "POSTS_DIR": str(tmp_path / "_posts"),
                "BASE_URL": "https://other.example.com"}
    html = page(create_app(settings))
    assert '<a class="site-name" href="https://craft.example.com/blog">週末の工作</a>' in html
    html = page(create_app({**settings, "SITE_NAME": "工作ノート", "SITE_URL": "/"}))
    assert '<a class="site-name" href="/">工作ノート</a>' in html
    (tmp_path / "_config.yml").unlink()
    html = page(create_app(settings))  # no name: a link back to the base URL all the same
    assert '<a class="site-name" href="https://other.example.com">ブログへ戻る</a>' in html


@pytest.mark.parametrize("text, found", [
    ("title: ブログ\n", {"SITE_NAME": "ブログ"}),
    ("url: https://a.example\n", {"SITE_URL": "https://a.example/"}),
    ("title: [not, a, string]\nurl: 3\n", {}),
    ("- a list\n", None),
    (": : not yaml {", None),
])
def test_jekyll_site_reads_what_it_can(tmp_path, text, found):
    (tmp_path / "_posts").mkdir()
    (tmp_path / "_config.yml").write_text(text, encoding="utf-8")
    assert jekyll_site(tmp_path / "_posts") == (found or {})


def test_a_javascript_site_url_is_not_linked(index_dir):
    html = page(create_app({"TESTING": True, "INDEX_DIR": str(index_dir), "SITE_NAME": "x",
                            "SITE_URL": "javascript:alert(1)"}))
    assert "javascript:" not in html and '<span class="site-name">x</span>' in html


def test_the_owner_s_stylesheet_and_templates(tmp_path, index_dir):
    css = tmp_path / "mine.css"
    css.write_text(".hit-title { color: #123456; }\n", encoding="utf-8")
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "_footer.html").write_text("<footer id=mine>{{ site_name }} のフッター</footer>\n", encoding="utf-8")
    app = create_app({"TESTING": True, "INDEX_DIR": str(index_dir), "CSS": str(css), "TEMPLATES": str(templates),
                      "SITE_NAME": "帖"})
    html = page(app, "/search?q=東京")
    assert html.index('href="/static/style.css"') < html.index('href="/site.css"')
    assert "<footer id=mine>帖 のフッター</footer>" in html
    with app.test_client().get("/site.css") as response:
        assert response.status_code == 200 and response.mimetype == "text/css" and b"#123456" in response.data
    plain = create_app({"TESTING": True, "INDEX_DIR": str(index_dir)})
    assert "/site.css" not in page(plain) and plain.test_client().get("/site.css").status_code == 404
    assert "<footer" not in page(plain)
