"""End to end on our own small Jekyll blog (``tests/data/blog/``: ``_config.yml`` and ``_posts/``,
written for these tests), so a clone without ../shared runs what test_e2e_ruby.py and test_seed.py
check on real posts: reindex through the CLI, the words readers type, the CLI and the API agreeing,
a long post found by a passage deep inside it with no passage shown twice, and the blog's name and
address read from its ``_config.yml``.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from web import create_app
from web.cli import cli

BLOG = Path(__file__).resolve().parent / "data" / "blog"


@pytest.fixture(scope="module")
def blog_index(tmp_path_factory) -> Path:
    index_dir = tmp_path_factory.mktemp("own-blog") / "index"
    result = CliRunner().invoke(cli, ["reindex", "--posts", str(BLOG / "_posts"), "--index", str(index_dir)])
    assert result.exit_code == 0, result.output
    assert re.search(r"Indexed 7 posts, skipped 1, in [\d.]+ s\.", result.output), result.output
    assert "2024-11-30-draft.md" in result.output  # the draft, named as skipped
    return index_dir


@pytest.fixture(scope="module")
def client(blog_index):
    app = create_app({"TESTING": True, "INDEX_DIR": str(blog_index), "POSTS_DIR": str(BLOG / "_posts"),
                      "ANALYTICS": False})
    return app.test_client()


def search(client, q: str, **args) -> dict:
    response = client.get("/api/search", query_string={"q": q, **args})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


@pytest.mark.parametrize("q, first", [
    ("Terraform", "2024-03-03-terraform.md"),           # a product name, as written
    ("terraform", "2024-03-03-terraform.md"),           # in lower case
    ("ＴＥＲＲＡＦＯＲＭ", "2024-03-03-terraform.md"),     # full width
    ("生成AI", "2023-09-09-generative-ai-support.md"),  # a dictionary compound
    ("アンディ・ミラー", "2023-09-09-generative-ai-support.md"),  # a name with a middle dot
    ("移行した", "2023-04-02-container-migration.md"),   # an inflected verb
    ("きゃっしゅ", "2024-01-21-cache-redis.md"),         # hiragana for a katakana word
    ("東京都", "2024-05-20-tokyo-meetup.md"),
])
def test_the_words_readers_type_find_the_post(client, q, first):
    body = search(client, q)
    assert body["total"] >= 1 and body["hits"][0]["id"] == first, (q, [h["id"] for h in body["hits"]])
    assert "<mark>" in body["hits"][0]["snippet_html"] + body["hits"][0]["title_html"]


def test_a_draft_is_not_found(client):
    assert search(client, "下書き")["total"] == 0


def test_the_cli_and_the_api_answer_the_same(blog_index, client):
    result = CliRunner().invoke(cli, ["query", "クラウド", "--index", str(blog_index), "--json"])
    assert result.exit_code == 0, result.output
    from_cli = json.loads(result.output)
    from_api = search(client, "クラウド")
    assert [h["id"] for h in from_cli["hits"]] == [h["id"] for h in from_api["hits"]]
    assert {h["id"] for h in from_api["hits"]} == {"2024-03-03-terraform.md", "2024-08-11-lambda-cost.md"}


def test_the_blog_s_name_and_address_come_from_its_config(client):
    html = client.get("/search?q=Redis").get_data(as_text=True)
    assert '<a class="site-name" href="https://blog.example.com/tech">テスト用の技術ブログ</a>' in html
    assert "<title>「Redis」の検索結果 | テスト用の技術ブログ</title>" in html
    assert '<time datetime="2024-01-21">2024年1月21日</time>' in html


# A long post (kind: the 58 KB seed post): found by a passage far inside it, each passage shown once.

CHAPTER = ("第{n}章では、社内の勉強会で話した内容を振り返る。{n}回目の集まりには、開発と運用の担当者が"
           "それぞれ参加して、手順書の書き方について意見を出し合った。")
DEEP = "最後の章で、量子アニーリングを使った配送経路の最適化を試した結果を報告する。"
REPEATED = "この記事は社内ブログから転載したものです。"  # a publishing pipeline's passage, repeated


@pytest.fixture(scope="module")
def long_post_client(tmp_path_factory):
    from search.indexing.rebuild import rebuild_index

    root = tmp_path_factory.mktemp("long-post")
    posts = root / "_posts"
    posts.mkdir()
    shutil.copy(BLOG / "_posts" / "2024-01-21-cache-redis.md", posts)
    chapters = [CHAPTER.format(n=n) for n in range(1, 181)]
    chapters.insert(170, DEEP)
    body = "\n\n".join([REPEATED, *chapters, REPEATED])
    (posts / "2024-12-01-long.md").write_text(
        f"---\ntitle: 一年分の勉強会の記録\ndate: 2024-12-01\n---\n{body}\n", encoding="utf-8")
    assert len(body.encode("utf-8")) > 35_000
    rebuild_index(posts, root / "index")
    app = create_app({"TESTING": True, "INDEX_DIR": str(root / "index"), "ANALYTICS": False})
    return app.test_client()


@pytest.mark.parametrize("q", ["量子アニーリング", "配送経路", "りょうし", "最適化を試した"])
def test_a_long_post_is_found_by_a_passage_deep_inside(long_post_client, q):
    body = search(long_post_client, q)
    assert [h["id"] for h in body["hits"]] == ["2024-12-01-long.md"]
    assert "<mark>" in body["hits"][0]["snippet_html"]
    assert "量子" in re.sub(r"</?mark>", "", body["hits"][0]["snippet_html"])


@pytest.mark.parametrize("q", ["勉強会", "手順書", "転載", "量子"])
def test_a_long_post_s_snippet_shows_no_passage_twice(long_post_client, q):
    snippet = search(long_post_client, q)["hits"][0]["snippet_html"]
    text = re.sub(r"</?mark>", "", snippet).strip("…")
    sentences = [s for s in re.split(r"(?<=[。！？])", text) if len(s.strip()) >= 8]
    assert len(sentences) == len(set(sentences)), snippet
