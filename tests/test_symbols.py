"""Tech names with symbols (C#, Node.js, @types/node) and emoji are one term each (issue 17, kinds 6-7)."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search.analysis.analyzers import word_analyzer
from search.analysis.ngrams import ngrams
from search.analysis.symbols import EMOJI, NAME, cluster_at, cluster_ceil, cluster_floor, symbol_spans
from search.querying.clauses import word_morphemes
from search.querying.highlight import make_snippet, snippet_window
from search.querying.parser import Not, Word, parse_query
from search.querying.searcher import search_posts
from tests.factories import build_index, ids, make_post

POSTS = [
    make_post("csharp", "アプリ開発の記録", "C#で業務アプリを書いた。LINQが便利だ。"),
    make_post("fsharp", "関数型の週末", "F#のパイプライン演算子で処理をつなぐ。"),
    make_post("c-lang", "ポインタの話", "C言語のポインタはむずかしい。"),
    make_post("c1", "型番メモ", "C1というモデルと、F1中継を見た話。"),
    make_post("node", "サーバーを書く", "Node.jsで小さなAPIを動かした。"),
    make_post("aspnet", "Web フレームワーク比較", "ASP.NETとObjective-Cの経験を比べる。"),
    make_post("types", "型定義", "npm で @types/node を入れておく。"),
    make_post("cpp", "コンパイラ", "C++の例外をG++で試し、.NETとVue.jsも触った。"),
    make_post("js", "スクリプト", "素のJavaScriptで書いた。jsファイルは一つ。"),
    make_post("thumbs", "よかったこと", "発表がうまくいった👍🏽 次もがんばる"),
    make_post("thumbs-plain", "いいね", "いいね👍 ありがとう"),
    make_post("flag", "旅の準備", "パスポートを更新した🇯🇵 出発は来月。"),
    make_post("keycap", "手順", "1️⃣ 電源を入れる 2️⃣ 待つ"),
    make_post("family", "週末", "家族👨‍👩‍👧で公園に行った。"),
    make_post("heart", "感謝", "読んでくれてありがとう❤️"),
    make_post("plain", "日記", "特に何もない一日だった。1番目の話。"),
    make_post("cicd", "パイプライン", "CI/CDを整えた。"),
    make_post("cicd-apart", "自動化", "CI / CD の設定を見直した。"),
    make_post("objective", "目標", "Objective と C の関係。"),
]


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    return build_index(tmp_path_factory.mktemp("symbols"), POSTS)


@pytest.mark.parametrize("q, expected", [
    ("C#", {"csharp"}),                     # not C言語, not C1
    ("c#", {"csharp"}), ("Ｃ＃", {"csharp"}),
    ("F#", {"fsharp"}),                     # not F1
    ("C1", {"c1"}), ("F1", {"c1"}),
    ("Node.js", {"node"}), ("node.js", {"node"}),
    ("node", {"node", "types"}),             # a part of a name still finds it
    ("ASP.NET", {"aspnet"}), ("Objective-C", {"aspnet"}),
    ("@types/node", {"types"}),
    ("C++", {"cpp"}), ("G++", {"cpp"}), (".NET", {"cpp"}), ("Vue.js", {"cpp"}),
    ("js", {"node", "cpp", "js"}),
    ("C", {"c-lang", "c1", "objective"}),
    ("👍🏽", {"thumbs"}),                   # a skin tone is part of the emoji
    ("👍", {"thumbs", "thumbs-plain"}),     # the emoji without a tone finds both
    ("🇯🇵", {"flag"}),
    ("1️⃣", {"keycap"}),                     # a keycap is no digit 1
    ("👨‍👩‍👧", {"family"}),
    ("❤️", {"heart"}), ("❤", {"heart"}),      # with or without the emoji variation selector
    ("CI/CD", {"cicd", "cicd-apart"}),       # a name of 2+ character parts, also written apart
    ("Objective-C", {"aspnet"}),             # not Objective and a C elsewhere
])
def test_symbol_queries_find_their_posts(index, q, expected):
    assert ids(search_posts(index, q)) == expected


@pytest.mark.parametrize("q, marked", [
    ("C#", "C#"), ("Node.js", "Node.js"), ("@types/node", "@types/node"), ("Objective-C", "Objective-C"),
    ("C++", "C++"), ("🇯🇵", "🇯🇵"), ("👨‍👩‍👧", "👨‍👩‍👧"), ("👍🏽", "👍🏽"), ("1️⃣", "1️⃣"),
])
def test_snippets_mark_the_whole_name(index, q, marked):
    hit = search_posts(index, q).hits[0]
    assert re.findall(r"<mark>(.*?)</mark>", hit.snippet_html) == [html.escape(marked)]


def test_a_long_query_counts_the_parts_of_a_name(index):
    page = search_posts(index, "CI/CD+Objective の整備")  # no post has the name: its parts count
    assert page.match_mode == "relaxed" and "cicd-apart" in ids(page) and "objective" in ids(page)


def test_symbols_inside_a_name_are_no_operators():
    assert parse_query("Objective-C") == Word("Objective-C")
    assert parse_query("C# -C++").children == (Word("C#"), Not(Word("C++")))
    assert parse_query("@types/node") == Word("@types/node")


def test_spans_of_a_text():
    text = "C#とNode.js、e-mail 😀 ©と★ 1️⃣"
    found = [(text[s.start:s.end], s.kind) for s in symbol_spans(text)]
    assert found == [("C#", NAME), ("Node.js", NAME), ("e-mail", NAME), ("😀", EMOJI), ("1️⃣", EMOJI)]


def test_a_sentence_period_or_version_is_no_name():
    assert symbol_spans("Rails 7.1 を使う。Ruby3.3 も。I use Python.") == []


def test_emoji_and_names_take_one_position_each():
    tokens = [(t.text, t.pos) for t in word_analyzer()("猫😀が@types/nodeを", positions=True)]
    assert tokens == [("猫", 0), ("😀", 1), ("@types/node", 3), ("types", 3), ("node", 3)]


# -- properties ----------------------------------------------------------------------------------

_EMOJI_BASES = ["😀", "👍", "🧑", "👨", "👩", "👧", "🏃", "❤\ufe0f", "🐈", "🌸"]
_TONES = ["", "\U0001F3FB", "\U0001F3FD", "\U0001F3FF"]
_FLAGS = ["🇯🇵", "🇺🇸", "🇫🇷", "🇬🇧"]
_KEYCAPS = [d + "\ufe0f\u20e3" for d in "0123456789#*"]


@st.composite
def emoji(draw) -> str:
    """One emoji: a base with an optional skin tone, a ZWJ sequence of them, a flag or a keycap."""
    kind = draw(st.sampled_from(["base", "zwj", "flag", "keycap"]))
    if kind == "flag":
        return draw(st.sampled_from(_FLAGS))
    if kind == "keycap":
        return draw(st.sampled_from(_KEYCAPS))
    parts = [draw(st.sampled_from(_EMOJI_BASES)) + draw(st.sampled_from(_TONES))
             for _ in range(draw(st.integers(2, 4)) if kind == "zwj" else 1)]
    return "\u200d".join(parts)


_FILLER = st.text(alphabet="あいうえおかきく漢字テストabc 。", min_size=0, max_size=12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_FILLER, emoji()), min_size=1, max_size=30), st.integers(10, 80), st.data())
def test_snippets_never_cut_an_emoji(pieces, max_chars, data):
    text = "".join(filler + e for filler, e in pieces)
    clusters = {(s.start, s.end) for s in symbol_spans(text) if s.kind == EMOJI}
    assert len(clusters) == len(pieces)  # each generated emoji is one unit
    start = data.draw(st.integers(0, len(text) - 1))
    snippet = make_snippet(text, [(start, start + 1, 0)], max_chars=max_chars)
    shown = html.unescape(re.sub(r"</?mark>", "", snippet)).removeprefix("…").removesuffix("…")
    at, end = snippet_window(text, [(start, start + 1, 0)], max_chars)  # where it was cut (the text may
    assert text[at:end] == shown                                          # hold the same emoji elsewhere)
    assert cluster_floor(text, at) == at and cluster_ceil(text, at + len(shown)) == at + len(shown)
    for s, e in clusters:  # every emoji is wholly inside or wholly outside the snippet
        assert e <= at or s >= at + len(shown) or (at <= s and e <= at + len(shown))


def test_cluster_at_pairs_flags_from_the_start_of_their_run():
    text = "a" + "🇯🇵🇺🇸🇫🇷" + "b"
    assert [cluster_at(text, i) for i in (1, 2, 3, 4, 5, 6)] == [(1, 3), (1, 3), (3, 5), (3, 5), (5, 7), (5, 7)]


def _document_terms(text: str) -> set[str]:
    return {t.text for t in word_analyzer()(text)} | {g.text for g in ngrams(text)}


def _query_terms(text: str) -> set[str]:
    return {m.term for m in word_morphemes(text)} | {g.text for g in ngrams(text, query=True)}


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", min_size=1, max_size=6),
       st.sampled_from(["#", "++", "+", ".js", ".NET", "-C", "/node"]))
def test_a_name_with_a_symbol_never_matches_the_word_alone(word, symbol):
    name = word + symbol
    post = f"{word}言語と{word}1と{word}の話。{word}2も。"
    assert not _query_terms(name) & _document_terms(post), name
    assert _query_terms(name) <= _document_terms(f"今日は{name}を使った。")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("aZ1 \r\n、。かガカ漢字") + ["\u3099", "\u0301", "\u200d", "\ufe0f",
                                                                  "👍", "🏽", "🇯", "🇵", "각", "\u1100", "\u0915", "\u093f"]),
               min_size=1, max_size=12))
def test_cluster_boundaries_are_those_of_the_clusters(text):
    """The fast path between plain characters answers what the cluster scan answers (UAX #29)."""
    starts = set()
    i = 0
    while i < len(text):
        start, end = cluster_at(text, i)
        starts.add(start)
        i = end
    for i in range(len(text) + 1):
        floor, ceil = cluster_floor(text, i), cluster_ceil(text, i)
        assert floor == max(b for b in starts | {0, len(text)} if b <= i)
        assert ceil == min(b for b in starts | {len(text)} if b >= i)
