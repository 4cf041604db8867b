"""Issue 17, kinds 5, 6 and 8 on posts of our own: numbers and counters in digits, full-width
digits and kanji (dates, 万, %, months); tech names with or without their separators; romaji
typed without the input method finding kana-only and kanji posts. Property tests generate the
spellings (a number in three scripts, a name with and without separators, a kana word in
Hepburn and kunrei-shiki romaji).
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from kanjize import number2kanji

from search.analysis import expansions
from search.analysis.morphemes import morphemes
from search.analysis.normalize import normalize_query
from search.analysis.numerals import number_keys
from search.analysis.query_analysis import word_variants
from search.analysis.romaji import romaji_alternatives, romaji_spellings
from search.analysis.symbols import joined_name, symbol_pieces
from search.querying import plan as plan_module
from search.querying.searcher import search_posts
from tests.factories import build_index, ids, make_post

POSTS = {
    # kind 5
    "price-man": ("家計簿", "今月は3万円を貯金に回した。"),
    "price-man-2": ("家計簿の続き", "今月は13万円を貯金に回した。"),
    "month-kanji": ("桜", "九月に旅行の計画を立てた。"),
    "month-digits": ("紅葉", "11月に紅葉を見に行った。"),
    "century": ("歴史", "十九世紀の建築を見学した。"),
    "day-nth": ("合宿", "合宿の三日目は雨だった。"),
    "day-nth-13": ("合宿の続き", "合宿の13日目は晴れた。"),
    "series-2": ("連載", "入門記事のその２です。"),
    "series-12": ("連載の続き", "入門記事のその12です。"),
    "date-iso": ("発表会", "発表会は2021-11-07に開いた。"),
    "date-kanji": ("記念日", "2021年11月17日に記念の式を開いた。"),
    "date-other": ("記録", "2021/7/11の記録です。"),
    "percent": ("セール", "全品二十パーセント引きだった。"),
    "percent-other": ("セール2", "全品2%引きだった。"),
    "idiom": ("友人", "友人と一緒に一定数の本を読んだ。"),
    "chapter-3": ("本", "第3章を読んだ。"),
    "chapter-13": ("本の続き", "第13章を読んだ。"),
    "chapter-30": ("本のまとめ", "第30章を読んだ。"),
    # kind 6
    "wifi": ("回線", "ルーターのWi-Fiを見直した。"),
    "node": ("サーバー", "NodeJSでAPIを書いた。"),
    "socket": ("通信", "Socket.IOで通知を送った。"),
    "socket-alone": ("通信2", "生のSocketで通知を送った。"),
    "csharp": ("言語", "C♯で業務アプリを作った。"),
    "c-lang": ("言語2", "C言語でドライバを書いた。"),
    "version": ("モデル", "GPT-4oに要約させた。"),
    "ab": ("実験", "ABテストの結果を見た。"),
    "spring": ("フレームワーク", "SpringBootで社内ツールを作った。"),
    "spring-cloud": ("フレームワーク2", "Spring Cloudの設定を調べた。"),
    "spring-apart": ("起動", "Springの設定でBootの順序を変えた。"),
    # kind 8
    "kana-only": ("旅日記", "きょうは、かまくらの、おてらで、だいぶつをみた。"),
    "kanji": ("旅日記2", "鎌倉で大仏を見た。"),
    "soba": ("昼食", "そばを食べた。"),
    "english": ("Trip", "We saw the daibutsu in Kamakura."),
}


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    return build_index(tmp_path_factory.mktemp("kinds568"),
                       [make_post(post_id, title, body) for post_id, (title, body) in POSTS.items()])


@pytest.mark.parametrize("q, expected", [
    ("30000円", {"price-man"}), ("三万円", {"price-man"}), ("30,000円", {"price-man"}), ("３万円", {"price-man"}),
    ("9月", {"month-kanji"}), ("９月", {"month-kanji"}), ("十一月", {"month-digits", "date-kanji"}),  # 2021年11月17日 is in 11月
    ("19世紀", {"century"}), ("3日目", {"day-nth"}), ("その2", {"series-2"}), ("その二", {"series-2"}),
    ("2021/11/7", {"date-iso"}), ("2021年11月7日", {"date-iso"}), ("２０２１／１１／７", {"date-iso"}),
    ("2021-11-17", {"date-kanji"}), ("2021/11/17", {"date-kanji"}),
    ("20%", {"percent"}), ("20％", {"percent"}), ("20パーセント", {"percent"}),
    ("2パーセント", {"percent-other"}), ("第三章", {"chapter-3"}),
])
def test_a_number_finds_its_other_scripts_and_no_other_number(index, q, expected):
    assert ids(search_posts(index, q)) == expected


@pytest.mark.parametrize("q", ["1緒", "1定数"])
def test_idiomatic_kanji_numerals_stay_words(index, q):
    """At most a relaxed hit (some word of the query), never a match of the number."""
    assert "idiom" not in {h.post_id for h in search_posts(index, q).hits if h.match_level == "full"}


def test_of_a_series_the_post_with_the_querys_number_ranks_first(index):
    for q, first in [("第3章", "chapter-3"), ("第十三章", "chapter-13"), ("第３０章", "chapter-30")]:
        hits = search_posts(index, q).hits
        assert hits and hits[0].post_id == first, q
        assert {h.post_id for h in hits} == {first}, q


@pytest.mark.parametrize("q, expected", [
    ("WiFi", {"wifi"}), ("wi-fi", {"wifi"}), ("Ｗｉ－Ｆｉ", {"wifi"}),
    ("Node.js", {"node"}), ("node.js", {"node"}),
    ("Socket.IO", {"socket"}), ("SocketIO", {"socket"}),
    ("C#", {"csharp"}), ("C＃", {"csharp"}), ("C♯", {"csharp"}),
    ("GPT-4o", {"version"}), ("A/Bテスト", {"ab"}),
    # words typed apart: posts with both words, and posts writing them together
    ("Spring Boot", {"spring", "spring-apart"}), ("spring boot", {"spring", "spring-apart"}),
])
def test_a_tech_name_with_or_without_separators(index, q, expected):
    assert ids(search_posts(index, q)) == expected


@pytest.mark.parametrize("q, absent", [
    ("GPT-4", "version"), ("GPT4", "version"), ("C♯", "c-lang"), ("Socket", "socket"),
])
def test_a_tech_name_is_not_found_inside_another(index, q, absent):
    """At most a relaxed hit (some word of the query) when nothing else matches."""
    assert absent not in {h.post_id for h in search_posts(index, q).hits if h.match_level == "full"}


@pytest.mark.parametrize("q, post_id", [("Wi-Fi", "wifi"), ("Socket.IO", "socket"), ("Spring Boot", "spring-apart")])
def test_another_spelling_adds_nothing_to_a_post_with_the_word_as_typed(index, monkeypatch, q, post_id):
    """A post holding the word as typed (``Wi-Fi``, also filed as ``wifi``) scores as if the word
    had no other spelling: the same word is not counted twice."""
    found = {h.post_id: h.score for h in search_posts(index, q).hits}
    monkeypatch.delitem(expansions._EXPANDERS, "name")
    monkeypatch.setattr(plan_module, "written_together", lambda text: "")
    alone = {h.post_id: h.score for h in search_posts(index, q).hits}
    assert found[post_id] == pytest.approx(alone[post_id])


def test_the_snippet_marks_the_whole_name(index):
    hit = search_posts(index, "C♯").hits[0]
    assert re.findall(r"<mark>(.*?)</mark>", hit.snippet_html) == ["C♯"]


@pytest.mark.parametrize("q, expected", [
    ("kamakura", {"kana-only", "kanji", "english"}), ("daibutu", {"kana-only", "kanji"}),
    ("daibutsu", {"kana-only", "kanji", "english"}), ("otera", {"kana-only"}),
    ("soba", {"soba"}),
])
def test_romaji_finds_kana_only_and_kanji_posts(index, q, expected):
    assert ids(search_posts(index, q)) == expected


def test_romaji_hits_rank_below_the_ascii_word(index):
    hits = search_posts(index, "Kamakura").hits
    assert hits[0].post_id == "english"
    assert hits[0].score > max(h.score for h in hits[1:])


def test_a_long_vowel_is_added_only_where_the_word_as_typed_is_no_word():
    readings = {"スシ", "スウシ", "ショウユ", "ショユウ", "トウキョウ"}
    assert romaji_alternatives("sushi", readings.__contains__) == ["すし"]
    assert romaji_alternatives("shoyu", readings.__contains__) == ["しょうゆ"]
    assert romaji_alternatives("tokyo", readings.__contains__) == ["とうきょう"]
    assert romaji_alternatives("tokyo", set().__contains__, {"トウキョウ"}.__contains__) == ["とうきょう"]
    assert romaji_alternatives("tokyo", set().__contains__) == []


def test_romaji_moved_out_of_querying():
    """The romaji variants come from query analysis; without an index there are none."""
    assert all(v.kind != "romaji" for v in word_variants("sushi"))


# -- properties -----------------------------------------------------------------------------

#: Kanji numbers with a counter that the dictionary reads as another word (千歳: チトセ, a place).
WORDS_NOT_COUNTS = {"千歳"}
COUNTERS = ["円", "人", "回", "章", "年", "世紀", "か国", "ヶ月", "日目", "番目", "時間", "歳"]
_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _keys(text: str) -> set[str]:
    return {key for _, _, key in number_keys(morphemes(normalize_query(text)), inner=False)}


@pytest.mark.parametrize("text, expected", [
    ("八章", {"#8/ショウ"}), ("九十九章", {"#99/ショウ"}), ("十二月", {"#12/ガツ"}),  # one dictionary word, or 章 read as a name
    ("千歳", set()), ("九分", set()), ("二分", set()), ("一番", set()), ("一部", set()),  # words read otherwise, idioms
])
def test_a_number_janome_joins_to_its_counter_is_keyed_by_its_reading(text, expected):
    assert _keys(text) == expected


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=2, max_value=99_999), st.sampled_from(COUNTERS))
def test_a_number_in_digits_full_width_and_kanji_has_one_key(value, counter):
    assume(f"{number2kanji(value)}{counter}" not in WORDS_NOT_COUNTS)
    digits = f"{value}{counter}"
    keys = _keys(digits)
    assert keys and keys == _keys(digits.translate(_FULL_WIDTH)) == _keys(f"{number2kanji(value)}{counter}")
    if value >= 1000:
        assert _keys(f"{value:,}{counter}") == keys
    assert _keys(f"{value + 10 ** len(str(value))}{counter}") != keys  # 5 is not 15, 105 or 1005


@pytest.mark.parametrize("value", range(1, 10))
def test_a_native_count_in_digits_and_kanji_has_one_key(value):
    """一つ…九つ are one IPADIC word each, 2つ a number and an auxiliary verb to Janome: one key."""
    keys = _keys(f"{value}つ")
    assert keys == {f"#{value}/ツ"}
    assert keys == _keys(f"{value}つ".translate(_FULL_WIDTH)) == _keys(f"{number2kanji(value)}つ")
    assert _keys(f"{value + 10}つ") != keys


COUNTS = [make_post("two-kanji", "方針", "進め方は二つある。"), make_post("two-digits", "選択", "候補は2つに絞った。"),
          make_post("three", "手順", "手順は3つだけ。"), make_post("twelve", "一覧", "12の設定を見直した。"),
          make_post("lone-two", "版", "バージョン2を入れた。")]


@pytest.fixture(scope="module")
def count_index(tmp_path_factory):
    return build_index(tmp_path_factory.mktemp("counts"), COUNTS)


@pytest.mark.parametrize("q, expected", [
    ("2つ", {"two-kanji", "two-digits"}), ("二つ", {"two-kanji", "two-digits"}), ("２つ", {"two-kanji", "two-digits"}),
    ("3つ", {"three"}), ("三つ", {"three"}),
])
def test_a_native_count_finds_its_other_scripts_and_no_lone_number(count_index, q, expected):
    assert {h.post_id for h in search_posts(count_index, q).hits if h.match_level == "full"} == expected


@settings(max_examples=100, deadline=None)
@given(st.dates(min_value=__import__("datetime").date(1900, 1, 1)))
def test_a_date_in_any_form_has_one_key(date):
    forms = [date.isoformat(), f"{date.year}/{date.month}/{date.day}",
             f"{date.year}年{date.month}月{date.day}日", f"{date.year}/{date.month}/{date.day}".translate(_FULL_WIDTH)]
    keys = [_keys(form) for form in forms]
    assert all(k == keys[0] == {f"#{date.isoformat()}"} for k in keys), forms


_PART = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=6)


@settings(max_examples=100, deadline=None)
@given(_PART, _PART, st.sampled_from(["-", "/"]))
def test_a_name_with_separators_is_also_its_joined_form(first, second, separator):
    name = f"{first.capitalize()}{separator}{second}"
    joined = joined_name(name)
    assert joined == name.replace(separator, "")
    assert joined.casefold() in {term for term, _, _ in symbol_pieces(name, "name")}
    assert any(v.text == joined for v in word_variants(name))


HIRAGANA_SYLLABLES = {  # kana: (Hepburn, kunrei-shiki)
    "か": ("ka", "ka"), "し": ("shi", "si"), "つ": ("tsu", "tu"), "ふ": ("fu", "hu"), "じ": ("ji", "zi"),
    "ち": ("chi", "ti"), "しゃ": ("sha", "sya"), "ちゅ": ("chu", "tyu"), "じょ": ("jo", "zyo"),
    "ま": ("ma", "ma"), "ね": ("ne", "ne"), "ろ": ("ro", "ro"), "さ": ("sa", "sa"), "と": ("to", "to"),
}


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(sorted(HIRAGANA_SYLLABLES)), min_size=2, max_size=4))
def test_hepburn_and_kunrei_of_a_kana_word_read_back_as_it(syllables):
    kana = "".join(syllables)
    hepburn = "".join(HIRAGANA_SYLLABLES[s][0] for s in syllables)
    kunrei = "".join(HIRAGANA_SYLLABLES[s][1] for s in syllables)
    for romaji in (hepburn, kunrei):
        tiers = romaji_spellings(romaji)
        if tiers:  # a function word alone (その) is no romaji
            assert kana in tiers[0], (romaji, tiers[0])
