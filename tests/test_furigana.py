"""Furigana: the base in the text and snippets, the reading searchable, never inline (issue 17, kind 9)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search.indexing.index import open_index
from search.indexing.rebuild import rebuild_index
from search.posts.markdown import clean_markdown
from search.posts.ruby import curly_ruby, strip_ruby
from search.querying.searcher import search_posts

POSTS = {
    "2024-03-01-garden.md": "---\ntitle: 庭の記録\n---\n"
                            "庭に<ruby>薔薇<rp>(</rp><rt>ばら</rt><rp>)</rp></ruby>が咲いた。\n\n"
                            "{小鳥遊|たかなし}さんが手入れを手伝ってくれた。\n",
    "2024-03-02-sky.md": "---\ntitle: 夜空\n---\n"
                         "<div>\n<ruby>宇宙<rt>そら</rt></ruby>を見上げる夜。\n</div>\n\n"
                         "<ruby>東<rt>とう</rt>京<rt>きょう</rt></ruby>の星は少ない。\n",
    "2024-03-03-birds.md": "---\ntitle: 公園\n---\n小鳥が遊ぶ公園を歩いた。\n",
    "2024-03-04-code.md": "---\ntitle: テンプレート\n---\n"
                          "Liquid の {{ page.title }} と {% if a %}{x|y}{% endif %} と `{漢字|かんじ}` の例。\n",
}


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    root = tmp_path_factory.mktemp("furigana")
    posts = root / "posts"
    posts.mkdir()
    for name, text in POSTS.items():
        (posts / name).write_text(text, encoding="utf-8")
    rebuild_index(posts, root / "index")
    return open_index(root / "index")


@pytest.mark.parametrize("markdown, body, readings", [
    ("<ruby>薔薇<rt>ばら</rt></ruby>が咲く", "薔薇が咲く", [("薔薇", "ばら")]),
    ("<ruby>薔薇<rp>（</rp><rt>ばら</rt><rp>）</rp></ruby>", "薔薇", [("薔薇", "ばら")]),
    ("<ruby><rb>紅葉</rb><rt>もみじ</rt></ruby>狩り", "紅葉狩り", [("紅葉", "もみじ")]),
    ("{小鳥遊|たかなし}さん", "小鳥遊さん", [("小鳥遊", "たかなし")]),
    ("{東京|とう|きょう}", "東京", [("東京", "とうきょう")]),
    ("<ruby>東<rt>とう</rt>京<rt>きょう</rt></ruby>", "東京", [("東", "とう"), ("京", "きょう")]),
    ("# <ruby>本気<rt>マジ</rt></ruby>の話", "本気の話", [("本気", "マジ")]),
    ("{a|b} と {{ x }} と {漢字|kanji}", "{a|b} と と {漢字|kanji}", []),  # not furigana: left as is
    ("<ruby>薔薇</ruby>", "薔薇", []),
])
def test_clean_markdown_keeps_the_base_and_records_the_reading(markdown, body, readings):
    cleaned = clean_markdown(markdown)
    assert cleaned.body == body
    assert [(cleaned.body[start:end], reading) for start, end, reading in cleaned.ruby] == readings


def test_headings_and_link_text_hold_no_reading():
    cleaned = clean_markdown("# <ruby>本気<rt>マジ</rt></ruby>\n\n[<ruby>宇宙<rt>そら</rt></ruby>へ](/sky/)")
    assert cleaned.headings == ("本気",)
    assert cleaned.links == (("/sky/", "宇宙へ"),)


@pytest.mark.parametrize("q, post, marked", [
    ("ばら", "2024-03-01-garden.md", "薔薇"),
    ("たかなし", "2024-03-01-garden.md", "小鳥遊"),     # a reading Janome does not know
    ("小鳥遊", "2024-03-01-garden.md", "小鳥遊"),
    ("そら", "2024-03-02-sky.md", "宇宙"),               # the author's reading, not the dictionary's
    ("とうきょう", "2024-03-02-sky.md", "東京"),         # per-character furigana joined
])
def test_the_reading_finds_the_word_and_marks_the_base(index, q, post, marked):
    page = search_posts(index, q)
    hit = next(h for h in page.hits if h.post_id == post)
    assert re.findall(r"<mark>(.*?)</mark>", hit.snippet_html) == [marked]


@pytest.mark.parametrize("q", ["ばら", "たかなし", "そら", "宇宙", "薔薇"])
def test_readings_never_land_inline_in_a_snippet(index, q):
    for hit in search_posts(index, q).hits:
        text = re.sub(r"</?mark>", "", hit.snippet_html)
        assert "薔薇ばら" not in text and "小鳥遊たかなし" not in text and "宇宙そら" not in text
        assert "(ばら)" not in text and "\ufff9" not in text


def test_braces_in_liquid_and_code_are_no_furigana(index):
    hits = search_posts(index, "かんじ").hits
    assert [h.post_id for h in hits] == ["2024-03-04-code.md"]
    assert "{漢字|かんじ}" in re.sub(r"</?mark>", "", hits[0].snippet_html)  # inline code is shown as written


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.text(alphabet="あいう漢字猫 。", max_size=6),
                          st.text(alphabet="亜伊宇漢字", min_size=1, max_size=4),
                          st.text(alphabet="あいうかなカナ", min_size=1, max_size=6)), min_size=1, max_size=8))
def test_curly_furigana_round_trip(parts):
    source = "".join(f"{text}{{{base}|{reading}}}" for text, base, reading in parts)
    body, ruby = strip_ruby(curly_ruby(source))
    assert body == "".join(text + base for text, base, _ in parts)
    assert [(body[s:e], r) for s, e, r in ruby] == [(base, reading) for _, base, reading in parts]
