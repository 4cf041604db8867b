"""Anchor text: links between posts resolved to posts, their text indexed with the post linked to."""

import dataclasses

import pytest

from search.indexing import update as updating
from search.posts.anchors import LinkResolver, LinkSource, anchor_texts
from search.indexing.index import open_index
from search.indexing.rebuild import rebuild_index
from search.indexing.update import update_index
from search.querying.searcher import search_posts
from search.posts.markdown import clean_markdown
from tests.factories import ids, make_post


def test_markdown_links_are_collected_with_the_text_the_body_shows():
    cleaned = clean_markdown(
        "前回は[**Lambda** の関数 URL](/blogs/2022/04/14/lambda-function-url/ \"title\")を見た。\n\n"
        "[参照リンク][r]と<https://example.com/x>と![図](a.png)。\n\n"
        "{% highlight ruby %}\n[not](/a/link/)\n{% endhighlight %}\n\n"
        "[Ruby 3.3.0]({% link _posts/2023-12-25-ruby-3-3-0-released.md %})\n\n"
        "[r]: /ref/target/\n")
    assert cleaned.links == (
        ("/blogs/2022/04/14/lambda-function-url/", "Lambda の関数 URL"),
        ("/ref/target/", "参照リンク"),
        ("https://example.com/x", "https://example.com/x"),
        ("_posts/2023-12-25-ruby-3-3-0-released.md", "Ruby 3.3.0"),
    )
    assert "Lambda の関数 URL" in cleaned.body  # the text stays in the linking post too


SITE = [
    LinkSource("blogs/2022/0414_lambda-function-url.md", "/blogs/2022/0414_lambda-function-url/"),
    LinkSource("_posts/2023-12-25-ruby-3-3-0-released.md", "/en/news/2023/12/25/ruby-3-3-0-released.html"),
    LinkSource("series/part1.md", "/series/part1/"),
    LinkSource("a/intro.md", "/a/intro/"),
    LinkSource("b/intro.md", "/b/intro/"),
    LinkSource("日本語/記事.md", "/日本語/記事/"),
]


@pytest.mark.parametrize("target, source_url, expected", [
    ("/series/part1/", "/", "series/part1.md"),                     # the post's own URL
    ("/series/part1", "/", "series/part1.md"),                      # without the trailing slash
    ("/series/part1/index.html#top", "/", "series/part1.md"),       # index.html, a fragment
    ("../part1/", "/series/part2/", "series/part1.md"),             # relative to the linking post
    ("part1.md", "/series/", "series/part1.md"),
    ("/%E6%97%A5%E6%9C%AC%E8%AA%9E/%E8%A8%98%E4%BA%8B/", "/", "日本語/記事.md"),  # percent-escaped
    # the generator's permalink, not what the posts spell: the slug (file name without date) decides
    ("/blogs/2022/04/14/lambda-function-url/", "/", "blogs/2022/0414_lambda-function-url.md"),
    ("/ja/news/2023/12/25/ruby-3-3-0-released/", "/", "_posts/2023-12-25-ruby-3-3-0-released.md"),
    ("_posts/2023-12-25-ruby-3-3-0-released.md", "/", "_posts/2023-12-25-ruby-3-3-0-released.md"),
    ("/c/intro/", "/", None),                                       # two posts have the slug "intro"
    ("https://other.example/series/part1/", "/", None),             # another site
    ("https://blog.example/series/part1/", "/", "series/part1.md"),  # the site's own host
    ("mailto:me@example.com", "/", None),
    ("#section", "/series/part1/", None),
    ("/tags/aws/", "/", None),
])
def test_link_targets_resolve_to_one_post_of_the_site_or_none(target, source_url, expected):
    assert LinkResolver(SITE, "https://blog.example").resolve(target, source_url) == expected


def test_only_a_known_host_resolves_a_full_url():
    assert LinkResolver(SITE).resolve("https://blog.example/series/part1/") is None
    assert LinkResolver(SITE).resolve("/series/part1/") == "series/part1.md"


def test_anchor_texts_leave_out_self_links_url_texts_and_repeats():
    posts = [
        LinkSource("p1", "/p1/", (("/p2/", "二番目の記事"), ("/p2/", "二番目の記事"), ("/p1/", "この記事"),
                                  ("/p2/", "https://blog.example/p2/"), ("/p2/", "→"), ("/p3/", "三番目"))),
        LinkSource("p3", "/p3/", (("/p2/", "続き"),)),
        LinkSource("p2", "/p2/"),
    ]
    assert anchor_texts(posts) == {"p2": ("二番目の記事", "続き"), "p3": ("三番目",)}


LINKED = make_post("target", "", "ストレージの設定手順を順に説明します。")
LINKING = dataclasses.replace(make_post("linker", "別の記事", "詳しくはヤンバルクイナ観察記を参照。"),
                              links=(("/target/", "ヤンバルクイナ観察記"),))


def test_a_post_is_found_by_the_text_of_links_to_it(tmp_path):
    rebuild_index(tmp_path, tmp_path / "index", posts=[LINKED, LINKING])
    index = open_index(tmp_path / "index")  # follows the next rebuild
    assert ids(search_posts(index, "ヤンバルクイナ観察記")) == {"target", "linker"}
    rebuild_index(tmp_path, tmp_path / "index", posts=[LINKED, make_post("linker", "別の記事", "ヤンバルクイナ観察記を参照。")])
    assert ids(search_posts(index, "ヤンバルクイナ観察記")) == {"linker"}  # no link, no anchor text


@pytest.mark.parametrize("q", ["紫色の手紙", "手紙", "てがみ", "むらさきいろ", "紫", "紫色の手"])
def test_link_text_is_searched_every_way_body_text_is(tmp_path, q):
    linking = dataclasses.replace(make_post("linker", "別の記事", "詳しくは紫色の手紙を参照。"),
                                  links=(("/target/", "紫色の手紙"),))
    rebuild_index(tmp_path, tmp_path / "index", posts=[LINKED, linking])
    assert "target" in ids(search_posts(open_index(tmp_path / "index"), q))


def _write(folder, name, title, body):
    path = folder / name
    path.write_text(f"---\ntitle: {title}\ndate: 2024-01-01\n---\n{body}\n", encoding="utf-8")
    return path


def test_an_update_reindexes_the_posts_whose_links_to_them_changed(tmp_path):
    posts, root = tmp_path / "posts", tmp_path / "index"
    posts.mkdir()
    _write(posts, "target.md", "設定", "ストレージの設定手順を順に説明します。")
    linker = _write(posts, "linker.md", "別の記事", "詳しくは[ヤンバルクイナ観察記](/target/)を参照。")
    _write(posts, "other.md", "無関係", "天気の話です。")
    rebuild_index(posts, root)
    index = open_index(root)
    assert ids(search_posts(index, "ヤンバルクイナ観察記")) == {"target.md", "linker.md"}

    linker.write_text(linker.read_text(encoding="utf-8").replace("ヤンバルクイナ観察記", "イリオモテヤマネコ日誌"),
                      encoding="utf-8")
    stats = update_index(posts, root)
    assert stats.incremental and (stats.updated, stats.relinked, stats.unchanged) == (2, 1, 1)
    assert "(1 for links to them)" in stats.summary()
    assert ids(search_posts(index, "ヤンバルクイナ観察記")) == set()
    assert ids(search_posts(index, "イリオモテヤマネコ日誌")) == {"target.md", "linker.md"}

    linker.unlink()
    stats = update_index(posts, root)
    assert (stats.deleted, stats.relinked) == (1, 1)
    assert ids(search_posts(index, "イリオモテヤマネコ日誌")) == set()

    assert update_index(posts, root).index_dir is None  # nothing changed: nothing relinked either


def test_an_edit_that_keeps_the_links_keeps_the_anchor_texts_and_relinks_nothing(tmp_path, monkeypatch):
    posts, root = tmp_path / "posts", tmp_path / "index"
    posts.mkdir()
    target = _write(posts, "target.md", "設定", "ストレージの設定手順を順に説明します。")
    linker = _write(posts, "linker.md", "別の記事", "詳しくは[ヤンバルクイナ観察記](/target/)を参照。")
    _write(posts, "draft.md", "下書き", "書きかけ。").write_text("---\ntitle: [壊れた\n---\n", encoding="utf-8")
    rebuild_index(posts, root)
    index = open_index(root)
    # the recorded anchor texts are reused: the site's links are not resolved again
    monkeypatch.setattr(updating, "anchor_texts", lambda *args: pytest.fail("links resolved again"))
    for edited in (target, linker):  # the post linked to, then the one linking: links as they were
        edited.write_text(edited.read_text(encoding="utf-8") + "\n追記しました。\n", encoding="utf-8")
        stats = update_index(posts, root)
        assert (stats.updated, stats.relinked) == (1, 0)
        assert ids(search_posts(index, "ヤンバルクイナ観察記")) == {"target.md", "linker.md"}
        assert ids(search_posts(index, "追記")) >= {edited.name}


def test_only_links_that_may_be_to_the_site_are_kept():
    from search.posts.anchors import on_site_links
    links = (("/a/", "a"), ("../b/", "b"), ("https://blog.example/c/", "c"), ("https://other.example/d/", "d"),
             ("mailto:x@example.com", "e"), ("#top", "f"), ("ftp://blog.example/g", "g"))
    assert [t for _, t in on_site_links(links, "https://blog.example")] == ["a", "b", "c"]
    assert [t for _, t in on_site_links(links)] == ["a", "b"]
