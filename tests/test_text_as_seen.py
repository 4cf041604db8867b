"""The text as the reader saw it (issue 15): Liquid output rendered from the front matter and the
site's ``_config.yml``, ``post_url``/``link`` tags as the linked post's URL (its anchor text
counted), table cells and math kept apart in snippets."""

from __future__ import annotations

import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search.indexing.index import open_index
from search.indexing.rebuild import rebuild_index
from search.indexing.update import update_index
from search.posts.anchors import with_anchors, with_post_urls
from search.posts.liquid import remove_liquid
from search.posts.markdown import clean_markdown
from search.posts.reader import load_posts, read_post
from search.posts.render import LiquidContext, post_reference, site_config
from search.querying.highlight import make_snippet
from search.querying.searcher import search_posts

SITE = Path(__file__).parent / "data" / "jekyll-site"
LIQUID_POST = SITE / "_posts" / "2024-04-03-liquid.md"


# -- Liquid output tags ---------------------------------------------------------------------------

PAGE = {"title": "検索の話", "lang": "ja", "date": datetime(2024, 5, 20, 9, 30, tzinfo=timezone.utc),
        "tags": ["検索", "日本語"], "author": {"name": "浜田"}}
SITE_VARS = {"title": "海辺の手帖", "url": "https://umibe.example", "baseurl": "/techo"}


@pytest.mark.parametrize(
    ("source", "rendered"),
    [
        ("{{ page.title }}", "検索の話"),
        ("{{page.title}}", "検索の話"),
        ("{{- page.title -}}", "検索の話"),
        ("{{ page.author.name }}", "浜田"),
        ("{{ site.title }}", "海辺の手帖"),
        ("{{ page.missing | default: '既定' }}", "既定"),
        ('{{ page.title | default: "既定" }}', "検索の話"),
        ("{{ page.lang | upcase }}", "JA"),
        ("{{ page.date | date: '%Y年%m月%d日' }}", "2024年05月20日"),
        ("{{ page.date | date_to_string }}", "20 May 2024"),
        ("{{ page.tags | join: '、' }}", "検索、日本語"),
        ("{{ page.tags | size }}", "2"),
        ("{{ page.title | append: 'の続き' }}", "検索の話の続き"),
        ("{{ '/about/' | relative_url }}", "/techo/about/"),
        ("{{ '/about/' | absolute_url }}", "https://umibe.example/techo/about/"),
        ("{{ page.title | no_such_filter }}", "検索の話"),          # unknown filter: the value stays
        ("{{ page.title | no_such_filter: 1 | upcase }}", "検索の話"),
        ("{{ page.nothing }}", ""),                                 # unknown variable: empty, as Jekyll
        ("{{ nothing.at.all }}", ""),
        ("{{ page.title | }}", ""),                                 # does not parse: empty
        ("{{ 'unclosed }}", ""),
        ("{{ page.title {% include secret.html %} }}", ""),          # never a tag, never a file
    ],
)
def test_output_tags(source, rendered):
    assert LiquidContext(PAGE, SITE_VARS).render_output(source) == rendered


@settings(max_examples=80, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30))
def test_page_title_renders_as_written(title):
    assert LiquidContext({"title": title}).render_output("{{ page.title }}") == title


def test_output_tags_in_a_sentence_and_code_keeps_its_own():
    context = LiquidContext(PAGE, SITE_VARS)
    markdown = "この記事「{{ page.title }}」では\n\n```\n{{ page.title }}\n```\n\n`{{ page.nothing }}` と {{ site.title }}"
    assert remove_liquid(markdown, context) == "この記事「検索の話」では\n\n```\n{{ page.title }}\n```\n\n` ` と 海辺の手帖"


def test_without_a_context_output_renders_empty_as_before():
    assert clean_markdown("この記事「{{ page.title }}」では").body == "この記事「」では"


def test_a_post_reads_its_front_matter_and_the_site_config():
    post = read_post(LIQUID_POST, SITE / "_posts")
    for text in ["この記事「検索の話」では、海辺の手帖 の検索", "既定値は「既定の言葉」", "大文字は JA-JP",
                 "日付は 2024年04月03日", "値をそのまま残します: 検索の話", "知らない変数は空です:「」",
                 "筆者は浜田さん", "https://umibe.example/techo/about/"]:
        assert text in post.body
    assert "{{" not in post.body and "{{ page.title }}" in post.code


def test_config_is_found_beside_or_above_the_posts_folder_and_a_broken_one_is_ignored(tmp_path):
    posts = tmp_path / "ja" / "news" / "_posts"
    posts.mkdir(parents=True)
    (posts / "2024-01-01-a.md").write_text("---\ntitle: A\n---\nサイト名は{{ site.title }}です。", encoding="utf-8")
    assert site_config(posts) == {}
    assert read_post(posts / "2024-01-01-a.md", posts).body == "サイト名はです。"
    (tmp_path / "_config.yml").write_text("title: 上の階のサイト\n", encoding="utf-8")
    assert read_post(posts / "2024-01-01-a.md", posts).body == "サイト名は上の階のサイトです。"
    (tmp_path / "_config.yml").write_text("title: [閉じない\n", encoding="utf-8")
    assert read_post(posts / "2024-01-01-a.md", posts).body == "サイト名はです。"


# -- post_url and link ----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("tag", "argument", "reference"),
    [
        ("post_url", "2024-04-02-no-headings", "2024-04-02-no-headings"),
        ("post_url", "tips/2024-04-02-no-headings", "tips/2024-04-02-no-headings"),
        ("link", "_posts/2024-04-02-no-headings.md", "2024-04-02-no-headings"),
        ("link", "ja/news/_posts/2024-04-02-no-headings.md", "2024-04-02-no-headings"),
        ("link", "about.md", None),  # a page, not a post
    ],
)
def test_post_reference(tag, argument, reference):
    assert post_reference(tag, argument) == reference


def test_link_tags_become_the_linked_posts_real_urls_and_their_text_counts():
    posts = with_anchors(with_post_urls(list(load_posts(SITE / "_posts"))))
    by_id = {p.post_id: p for p in posts}
    liquid = by_id["2024-04-03-liquid.md"]
    assert ("/lighthouse/", "岬の記事") in liquid.links  # the permalink, not a guess from the file name
    assert ("/2024/04/01/long-guide.html", "町歩きの案内") in liquid.links
    assert "地図のページは /lighthouse/ にあります" in liquid.body
    assert "岬の記事" in by_id["2024-04-02-no-headings.md"].anchors
    assert "町歩きの案内" in by_id["2024-04-01-long-guide.md"].anchors


def test_anchor_text_of_link_tags_finds_the_post_and_survives_an_update(tmp_path):
    posts = tmp_path / "_posts"
    shutil.copytree(SITE / "_posts", posts)
    rebuild_index(posts, tmp_path / "index")
    ids = [h.post_id for h in search_posts(open_index(tmp_path / "index"), "岬の記事").hits]
    assert ids[0] == "2024-04-02-no-headings.md"
    # The linking post changes (its link reworded): the update re-renders it with the real URLs.
    source = (posts / "2024-04-03-liquid.md").read_text(encoding="utf-8")
    (posts / "2024-04-03-liquid.md").write_text(source.replace("[岬の記事]", "[灯台の散歩道]"), encoding="utf-8")
    update_index(posts, tmp_path / "index")
    hits = search_posts(open_index(tmp_path / "index"), "灯台の散歩道").hits
    assert hits[0].post_id == "2024-04-02-no-headings.md"


# -- tables and math ------------------------------------------------------------------------------

def test_table_cells_are_separated_and_inline_markup_is_plain():
    body = clean_markdown((SITE / "_posts" / "2024-04-04-table-math.md").read_text(encoding="utf-8")
                          .split("---\n", 2)[2]).body.split("\n")
    assert "時刻 | 内容 | 担当" in body
    assert "19:00 | 開会 の挨拶 | 司会" in body
    assert "20:00 | 質疑応答 | 運営" in body


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.text(alphabet="あいう漢字ABC12 ", min_size=1, max_size=6).map(str.strip), min_size=2,
                         max_size=2), min_size=1, max_size=4))
def test_each_table_row_is_one_line_with_its_cells(rows):
    markdown = "| 列1 | 列2 |\n|---|---|\n" + "\n".join(f"| {a} | {b} |" for a, b in rows)
    lines = clean_markdown(markdown).body.split("\n")
    assert lines[0] == "列1 | 列2"
    for a, b in rows:
        cells = [" ".join(c.split()) for c in (a, b)]
        assert " | ".join(c for c in cells if c) in lines or not (a or b)


@pytest.mark.parametrize(
    ("markdown", "body", "code"),
    [
        ("発表資料の数式 $$y = ax + b$$ を使いました。", "発表資料の数式 y = ax + b を使いました。", ""),  # kramdown inline
        ("二乗の項 $x^2$ は放物線。", "二乗の項 x^2 は放物線。", ""),                                   # MathJax inline
        ("前。\n\n$$\nE = mc^2\n$$\n\n後。", "前。\n後。", "E = mc^2"),                               # display: like code
        ("前。\n\n$$E = mc^2$$\n\n後。", "前。\n後。", "E = mc^2"),
        ("価格は $5 から $10 までです。", "価格は $5 から $10 までです。", ""),                          # money, not math
        ("`$x$` はコード。", "$x$ はコード。", ""),
    ],
)
def test_math(markdown, body, code):
    cleaned = clean_markdown(markdown)
    assert (cleaned.body, cleaned.code) == (body, code)


def test_snippet_keeps_the_table_row_and_the_next_paragraph_apart():
    post = read_post(SITE / "_posts" / "2024-04-04-table-math.md", SITE / "_posts")
    start = post.body.index("質疑応答")
    snippet = make_snippet(post.body, [(start, start + 4, 0)])
    assert "20:00 | <mark>質疑応答</mark> | 運営 / 発表資料の数式 y = ax + b を使いました。" in snippet
    assert "\\int" not in snippet


def test_an_output_over_the_cap_renders_empty():
    from search.posts.render import MAX_OUTPUT_CHARS

    context = LiquidContext({"big": "あ" * (MAX_OUTPUT_CHARS + 1), "small": "あ" * 10})
    assert context.render_output("{{ page.big }}") == ""
    assert context.render_output("{{ page.big | slice: 0, 3 }}") == "あああ"
    assert context.render_output("{{ page.small }}") == "あ" * 10
