"""Sections: heading ids as Jekyll's kramdown makes them, their offsets in the body, and hits that
link to the heading nearest before the matched passage (issue 15)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search.indexing.index import open_index
from search.indexing.rebuild import rebuild_index
from search.posts.markdown import clean_markdown
from search.posts.sections import HeadingIds, Section, fragment_url, gfm_heading_id, section_at
from search.querying.searcher import search_posts
from search.querying.sections import section_hits

SITE = Path(__file__).parent / "data" / "jekyll-site"


# -- ids -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "anchor"),
    [
        ("はじめに", "はじめに"),                          # Japanese kept as it is
        ("Hello World", "hello-world"),                 # lowercased, space → -
        ("Hello, World!", "hello-world"),               # punctuation dropped
        ("冬の「ペンギン」散歩 🐧", "冬のペンギン散歩-"),   # brackets and emoji dropped, the space stays as -
        ("２０２４年の振り返り・ABC", "２０２４年の振り返りabc"),  # full-width digits kept, ・ dropped
        ("Ｊａｖａ入門", "ｊａｖａ入門"),                  # full-width Latin lowercased, not folded
        ("データー：設定（後編）", "データー設定後編"),      # ー is a letter; full-width punctuation goes
        ("snake_case と kebab-case", "snake_case-と-kebab-case"),
        ("a  b", "a--b"),                               # each space is a -
        ("A -- B", "a--b"),                             # kramdown's -- is an en dash, dropped
        ("🎉", ""),
        ("？！", ""),
        ("Ⅳ章と①", "ⅳ章と①"),                           # numbers of every kind are \\p{Word}
    ],
)
def test_gfm_heading_id(text, anchor):
    assert gfm_heading_id(text) == anchor


def test_repeated_headings_get_numbered_and_explicit_ids_are_not_counted():
    ids = HeadingIds()
    got = [ids.next("まとめ"), ids.next("まとめ", "custom"), ids.next("まとめ"), ids.next("まとめ"), ids.next("🎉"),
           ids.next("🎉")]
    assert got == ["まとめ", "custom", "まとめ-1", "まとめ-2", "", "-1"]


def _sections(markdown: str) -> list[tuple[str, str, int]]:
    return [(s.heading, s.anchor, s.level) for s in clean_markdown(markdown).sections]


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("# 第一章\n\n本文。", [("第一章", "第一章", 1)]),                                  # ATX
        ("### 深い見出し ###\n\n本文。", [("深い見出し", "深い見出し", 3)]),                # closing #s
        ("第一章\n======\n\n本文。\n\n第二節\n------\n\n本文二。",                           # setext
         [("第一章", "第一章", 1), ("第二節", "第二節", 2)]),
        ("## 準備 {#setup}\n\n本文。", [("準備", "setup", 2)]),                             # header id
        ("## 準備\n{: #setup .note}\n\n本文。", [("準備", "setup", 2)]),                    # block IAL
        ("## 準備 {#日本語}\n\n本文。", [("準備 {#日本語}", "準備-日本語", 2)]),            # not an id for kramdown
        ("## **太字**と`コード`と[リンク](https://x.example/p)\n\n本文。",                  # markup out of the id
         [("太字とコードとリンク", "太字とコードとリンク", 2)]),
        ("## 図 ![猫の写真](cat.png) の説明\n\n本文。", [("図 猫の写真 の説明", "図--の説明", 2)]),  # alt text not in the id
        ("## まとめ\n\na。\n\n## まとめ\n\nb。\n\n## まとめ {#end}\n\nc。\n\n## まとめ\n\nd。",
         [("まとめ", "まとめ", 2), ("まとめ", "まとめ-1", 2), ("まとめ", "end", 2), ("まとめ", "まとめ-2", 2)]),
        ("```\n# コードの中\n```\n\n本文。", []),                                              # not a heading
        ("本文だけ。", []),
    ],
)
def test_heading_forms(markdown, expected):
    assert _sections(markdown) == expected


def test_ial_lines_are_not_body_text():
    cleaned = clean_markdown("## 準備\n{: #setup}\n\n* 目次\n{:toc}\n\n{: .note}\n注意書きです。")
    assert "{:" not in cleaned.body
    assert cleaned.body.split("\n") == ["準備", "目次", "注意書きです。"]


_WORDS = st.text(alphabet=st.sampled_from("あいう海山川ABCxyz123 「」！？🎉-_"), min_size=1, max_size=12)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 6), _WORDS, st.lists(_WORDS, max_size=3)), min_size=1, max_size=6))
def test_each_section_offset_starts_its_heading_line(blocks):
    """Whatever the headings, each section's offset is where its heading's line starts in the body
    (or, for a long heading repeated word for word, which the body keeps once, where its line was;
    a repeated sentence of the heading is kept once, so its line may be what is left of it: ！1 → ！, ？1 → 1)."""
    markdown = "\n\n".join("#" * level + " " + heading + "\n\n" + "\n\n".join(f"{p}。段落{i}{j}。" for j, p in enumerate(paras))
                           for i, (level, heading, paras) in enumerate(blocks))
    cleaned = clean_markdown(markdown)
    for section in cleaned.sections:
        assert section.offset in (0, len(cleaned.body)) or cleaned.body[section.offset - 1] == "\n"
        line = cleaned.body[section.offset:].split("\n", 1)[0]
        # the repeated-passage remover may keep a repeated sentence of the heading once (！1 → ！)
        assert ((line and (line.startswith(section.heading) or line in section.heading))
                or section.heading in cleaned.body[:section.offset])
    assert [s.offset for s in cleaned.sections] == sorted(s.offset for s in cleaned.sections)


def test_fragment_url_keeps_japanese_and_escapes_what_a_url_cannot_hold():
    assert fragment_url("/p.html", "見出し") == "/p.html#見出し"
    assert fragment_url("/p.html", "") == "/p.html"
    assert fragment_url("/p.html#old", "a%b") == "/p.html#a%25b"


def test_section_at():
    sections = [Section(10, 2, "a", "a"), Section(20, 2, "b", "b")]
    assert [section_at(sections, n) for n in (0, 9, 10, 19, 20, 99)] == [-1, -1, 0, 0, 1, 1]


# -- section hits ---------------------------------------------------------------------------------

def test_section_hits_put_the_snippet_s_section_first_then_by_words():
    text = "冒頭の文。\nA章\n猫の話をここでとても長く長く書いておきます。\nB章\n猫と犬の話。犬。\nC章\n関係ない。"
    sections = [Section(text.index("A章"), 2, "A章", "a"), Section(text.index("B章"), 2, "B章", "b"),
                Section(text.index("C章"), 2, "C章", "c")]
    spans = sorted([(text.index("猫"), text.index("猫") + 1, 0), (text.index("猫と"), text.index("猫と") + 1, 0),
                    (text.index("犬"), text.index("犬") + 1, 1), (text.rindex("犬"), text.rindex("犬") + 1, 1)])
    hits = section_hits(text, spans, sections, "/p.html", max_chars=12)  # the window: B章's cat and dogs
    assert [h.anchor for h in hits] == ["b", "a"]
    assert hits[0].url == "/p.html#b" and "<mark>犬</mark>" in hits[0].snippet_html
    assert "B章" not in hits[0].snippet_html  # the heading is shown apart, not repeated in the snippet
    assert section_hits(text, spans, [], "/p.html") == []  # no headings: no sections


def test_matches_before_the_first_heading_belong_to_the_opening():
    text = "冒頭で猫。\nA章\n本文。"
    [hit] = section_hits(text, [(3, 4, 0)], [Section(text.index("A章"), 2, "A章", "a")], "/p.html")
    assert (hit.heading, hit.anchor, hit.url) == ("", "", "/p.html")


# -- through the index ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def site_index(tmp_path_factory):
    root = tmp_path_factory.mktemp("sections-index")
    rebuild_index(SITE / "_posts", root)
    return open_index(root)


@pytest.mark.parametrize(
    ("q", "post", "anchor"),
    [
        ("ペンギン水族館", "2024-04-01-long-guide.md", "冬のペンギン散歩-"),   # deep in a long post
        ("灯台守", "2024-04-01-long-guide.md", "lighthouse-notes"),             # explicit {#id}
        ("潮だまり", "2024-04-01-long-guide.md", "review"),                     # {: #id} under the heading
        ("二つ目のまとめ", "2024-04-01-long-guide.md", "まとめ-1"),              # the second of two
        ("旅の小さな工夫", "2024-04-01-long-guide.md", "hello-world-旅の-tips-と-地図"),
        ("朝市の段落3", "2024-04-01-long-guide.md", "港の朝市"),                 # setext heading
    ],
)
def test_hit_links_to_the_heading_before_the_passage(site_index, q, post, anchor):
    hit = next(h for h in search_posts(site_index, q).hits if h.post_id == post)
    assert hit.sections[0].anchor == anchor
    assert hit.anchor_url == f"{hit.url}#{anchor}"
    assert hit.url == "/2024/04/01/long-guide.html"  # url stays the post's
    assert "<mark>" in hit.sections[0].snippet_html
    json = hit.to_json()
    assert json["anchor_url"] == hit.anchor_url and json["sections"][0]["anchor"] == anchor


def test_several_matched_sections_are_listed(site_index):
    hit = next(h for h in search_posts(site_index, "まとめ 振り返り").hits if h.post_id.endswith("long-guide.md"))
    anchors = [s.anchor for s in hit.sections]
    assert {"まとめ", "まとめ-1"} <= set(anchors) and len(anchors) == len(set(anchors)) <= 3


def test_a_post_without_headings_links_to_itself(site_index):
    hit = next(h for h in search_posts(site_index, "白い灯台").hits if h.post_id == "2024-04-02-no-headings.md")
    assert hit.sections == () and hit.anchor_url == hit.url == "/lighthouse/"


def test_a_heading_without_an_id_links_to_the_post(site_index):
    hit = next(h for h in search_posts(site_index, "夜店").hits)
    assert hit.sections[0].heading == "🎉" and hit.sections[0].anchor == "" and hit.anchor_url == hit.url


def test_api_answer_with_sections_matches_the_openapi_document(tmp_path):
    from tests.test_openapi import assert_valid
    from web import create_app

    rebuild_index(SITE / "_posts", tmp_path / "index")
    client = create_app({"TESTING": True, "POSTS_DIR": str(SITE / "_posts"), "INDEX_DIR": str(tmp_path / "index")}).test_client()
    document = client.get("/api/openapi.json").get_json()
    body = client.get("/api/search", query_string={"q": "まとめ 振り返り"}).get_json()
    assert len(body["hits"][0]["sections"]) >= 2
    assert_valid(document, "/api/search", 200, body)
    body["hits"][0]["sections"][0]["extra"] = 1
    with pytest.raises(Exception, match="extra"):
        assert_valid(document, "/api/search", 200, body)
