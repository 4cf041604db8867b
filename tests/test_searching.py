"""Searching: AND/adjacency/fragments/readings, operators, escalation, ranking, paging, snippets."""

import re
import unicodedata
from datetime import date, datetime, timedelta, timezone

import numpy as np
import pytest

from search.errors import QueryError
from search.querying.searcher import MAX_PER_PAGE, search_posts
from tests.factories import build_index, ids, make_post

POSTS = [
    make_post("tokyo-to", "人口の話", "東京都の人口が増えた。"),
    make_post("tocho", "社会科見学", "東京都庁を見学した。"),
    make_post("tokyo-eki", "待ち合わせ", "東京駅で待ち合わせた。"),
    make_post("apart", "友人の仕事", "東京に住む友人は都の職員だ。"),
    make_post("kyoto", "寺めぐり", "京都の寺を巡った。"),
    make_post("kansai", "旅の記録", "関西国際空港から出発した。"),
    make_post("invest", "資産運用", "毎月インデックスファンドに投資する。", tags=("投資",)),
    make_post("invest-past", "去年のこと", "去年は株に投資した。"),
    make_post("arch", "論文紹介", "トランスフォーマーアーキテクチャの解説。"),
    make_post("gc", "メモリ管理", "ガベージコレクションの仕組み。"),
    make_post("cat", "写真", "猫の写真を撮った。", date=datetime(2023, 5, 1, tzinfo=timezone.utc)),
    make_post("cat-title", "猫の日", "今日は記念日です。", date=datetime(2024, 5, 1, tzinfo=timezone.utc)),
    make_post("people", "広場", "人々が集まる広場。"),
    make_post("person", "店内", "人が一人だけいた。"),
    make_post("server", "設定見直し", "サーバーの設定を見直した。"),
    make_post("mackerel", "献立", "サバの味噌煮を作った。"),
    make_post("xss", "<script>alert(1)</script>", "本文に<b>タグ</b>と & 記号。"),
    make_post("width", "全角", "ＡＷＳとＵＳＢの話。ｶﾀｶﾅも。"),
]


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    return build_index(tmp_path_factory.mktemp("searching"), POSTS)


@pytest.mark.parametrize("q, expected", [
    ("東京都", {"tokyo-to", "tocho"}),          # adjacent, also inside 東京都庁; not 京都, not far apart
    ("空港", {"kansai"}),                        # inside an unknown compound
    ("アーキテクチャ", {"arch"}),
    ("コレクション", {"gc"}), ("ガベージ", {"gc"}),
    ("投資した", {"invest", "invest-past"}),     # inflection through base forms
    ("人々", {"people"}),                        # never degrades to 人
    ("サーバ", {"server"}), ("サーバー", {"server"}),
    ("猫", {"cat", "cat-title"}),                # one-character word
    ("aws", {"width"}), ("ＵＳＢ", {"width"}), ("カタカナ", {"width"}),
    ("東京 見学", {"tocho"}),
    ("東京\u3000見学", {"tocho"}),
    ("東京 OR 京都", {"tokyo-to", "tocho", "tokyo-eki", "apart", "kyoto"}),
    ("東京|京都", {"tokyo-to", "tocho", "tokyo-eki", "apart", "kyoto"}),
    ("東京｜見学", {"tocho"}),                   # a title's full-width bar: both words, not either
    ("東京 -都庁", {"tokyo-to", "tokyo-eki", "apart"}),
    ("東京 ー都庁", {"tokyo-to", "tokyo-eki", "apart"}),  # "-" typed in a Japanese input mode
    ("東京 −都庁", {"tokyo-to", "tokyo-eki", "apart"}),
    ("東京 NOT 都庁", {"tokyo-to", "tokyo-eki", "apart"}),  # NOT, as other search boxes spell it
    ('"東京都の人口"', {"tokyo-to"}),
    ("title:猫", {"cat-title"}),
    ("tag:投資", {"invest"}),
])
def test_matching(index, q, expected):
    assert ids(search_posts(index, q)) == expected


@pytest.mark.parametrize("q", ["の", "、", "は が を", "-東京", '"', "()", "OR"])
def test_queries_with_nothing_searchable_find_nothing(index, q):
    page = search_posts(index, q)
    assert page.total == 0 and page.hits == [] and page.match_mode == "none"


def test_word_matches_rank_above_fragment_matches(index):
    page = search_posts(index, "東京")
    assert page.hits[-1].post_id in {"tokyo-to", "tocho", "tokyo-eki", "apart"}
    assert {h.post_id for h in page.hits} == {"tokyo-to", "tocho", "tokyo-eki", "apart"}


def test_title_weighs_more_than_body(index):
    page = search_posts(index, "猫")
    assert page.hits[0].post_id == "cat-title"


def test_match_modes(index):
    assert search_posts(index, "東京駅").match_mode == "exact"
    assert search_posts(index, "コレクション").match_mode == "fragment"  # inside an unknown compound
    relaxed = search_posts(index, "東京の寺で猫を撮った")
    assert relaxed.match_mode == "relaxed" and relaxed.total > 0


@pytest.mark.parametrize("q, expected", [
    ("とうし", {"invest", "invest-past"}),           # a hiragana query finds the kanji it reads as
    ("とうきょうと", {"tokyo-to"}),                  # several words' readings in a row (東京 都; 都庁 reads トチョウ)
    ("かんさいこくさいくうこう", {"kansai"}),
    ("きょうと", {"kyoto"}),                         # a reading inside 東京都 (トウ|キョウ|ト) is not 京都
    ("さーばーのせってい", {"server"}),               # particles read too; long vowels fold
    ("せってい", {"server"}),
])
def test_readings(index, q, expected):
    page = search_posts(index, q)
    assert ids(page) == expected and page.match_mode == "reading"
    assert all("<mark>" in h.snippet_html for h in page.hits)


@pytest.mark.parametrize("q, expected, marked", [
    ("高橋", {"variant", "plain"}, {"髙橋", "高橋"}),       # a name's variant kanji (髙) as the common one
    ("髙橋", {"variant", "plain"}, {"髙橋", "高橋"}),       # ... and the other way round
    ("たかはし", {"variant", "plain"}, {"髙橋", "高橋"}),   # read like the common form
    ("吉野家", {"yoshinoya"}, {"𠮷野家"}),                 # outside the BMP
    ("学校", {"old-form"}, {"學校"}),                     # an old form (旧字体) of a Jōyō kanji
    ("埼玉", {"saitama"}, {"埼玉"}),                       # 埼 is not a variant of 崎
])
def test_kanji_variants_find_each_other(tmp_path, q, expected, marked):
    posts = [make_post("variant", "挨拶", "髙橋さんに会った。"), make_post("plain", "報告", "高橋さんの報告。"),
             make_post("yoshinoya", "昼食", "𠮷野家で食べた。"), make_post("old-form", "昔話", "古い學校の話。"),
             make_post("saitama", "旅行", "埼玉に行った。"), make_post("misaki", "岬", "長崎に行った。")]
    page = search_posts(build_index(tmp_path, posts), q)
    assert ids(page) == expected
    assert {m for h in page.hits for m in _marked(h.snippet_html)} == marked


@pytest.mark.parametrize("q, expected, marked, prefix", [
    ("とうきょ", {"tokyo", "tokyo-to"}, {"東京", "東京都"}, ["トウキョウ", "トウキョウト"]),  # half a word, unconverted
    ("ﾄｳｷｮ", {"tokyo", "tokyo-to"}, {"東京", "東京都"}, ["トウキョウ", "トウキョウト"]),  # any kana, any width
    ("けんきゅ", {"kenkyu"}, {"研究"}, ["ケンキュウ"]),
    ("かいはつしゃ", {"kaihatsu"}, {"開発者"}, None),   # a whole word's reading: no guessing needed
    ("きょう", set(), set(), None),                    # three kana begin too many words
    ("とうきょ ねこ", {"tokyo-to"}, {"猫"}, None),      # one word of several: the others answer
    ('"とうきょ"', set(), set(), None),                 # a phrase means exactly that
    ("ぬぬぬぬ", set(), set(), None),                   # no reading begins so
])
def test_half_a_word_typed_in_kana_is_read_as_the_start_of_a_reading(tmp_path, q, expected, marked, prefix):
    posts = [make_post("tokyo", "旅行", "東京の夜景を見た。"), make_post("tokyo-to", "散歩", "東京都の猫を見た。", tags=("東京都",)),
             make_post("kenkyu", "論文", "研究の成果をまとめた。"), make_post("kaihatsu", "採用", "開発者を募集する。"),
             make_post("kyoyu", "共有", "共有と競争の話。")]
    page = search_posts(build_index(tmp_path, posts), q)
    assert ids(page) == expected
    assert {m for h in page.hits for m in _marked(h.snippet_html)} == marked
    assert page.query_analysis["words"][0]["terms"].get("reading_prefix") == prefix
    if prefix:
        assert page.match_mode == "reading"


@pytest.mark.parametrize("q, expected, marked", [
    ("lara", {"laravel", "laravel-tag"}, {"Lara"}),            # half a name, before finishing it
    ("Larave", {"laravel", "laravel-tag"}, {"Larave"}),
    ("ＬＡＲＡ", {"laravel", "laravel-tag"}, {"Lara"}),          # any width and case
    ("kubern", {"k8s"}, {"Kubern"}),
    ("node.j", {"node"}, {"Node.j"}),                          # a tech name's marks kept
    ("la", set(), set()),                                       # two letters begin too many words
    ("Laravelx", set(), set()),                                 # longer than any word: no start of one
    ('"lara"', set(), set()),                                   # a phrase means exactly that
    ("lara ねこ", {"cat"}, {"ねこ", "猫"}),                      # one word of several: the others answer
    ("React", {"react"}, {"React"}),                            # a whole word: no guessing, Reactive not found
])
def test_half_a_latin_word_is_read_as_the_start_of_longer_words(tmp_path, q, expected, marked):
    posts = [make_post("laravel", "PHP", "Laravel でアプリを作った。"), make_post("laravel-tag", "記録", "作業の記録。", tags=("Laravel",)),
             make_post("k8s", "運用", "Kubernetes のクラスタを運用する。"), make_post("node", "JS", "Node.js を入れた。"),
             make_post("react", "UI", "React で画面を作る。"), make_post("reactive", "設計", "Reactive な設計。"),
             make_post("cat", "猫", "ねこが寝ている。")]
    page = search_posts(build_index(tmp_path, posts), q)
    assert ids(page) == expected
    assert {m for h in page.hits for m in _marked(h.snippet_html + h.title_html)} == marked
    started = page.match_mode == "prefix"
    assert started == (bool(expected) and q.casefold() not in ("react", "lara ねこ"))
    if started:
        assert page.query_analysis["words"][0]["terms"]["word_prefix"] == [q.casefold().replace("ｌａｒａ", "lara")]
        assert all(h.match_level == "partial" for h in page.hits)


@pytest.mark.parametrize("q, expected, marked", [
    ("にほん", {"nihon"}, {"日本"}),               # IPADIC reads 日本 ニッポン first; ニホン is its other reading
    ("にっぽん", {"nihon"}, {"日本"}),
    ("にほんのれきし", {"nihon"}, {"日本の歴史"}),  # the other reading inside a phrase of readings
    ("こんにち", {"konnichi"}, {"今日"}),
    ("あすのよてい", {"asu"}, {"明日の予定"}),
    ("あけび", set(), set()),                      # 明日 as a place name is another part of speech
])
def test_words_are_found_by_every_reading_the_dictionary_gives_them(tmp_path, q, expected, marked):
    posts = [make_post("nihon", "歴史", "日本の歴史を学ぶ。"), make_post("konnichi", "挨拶", "今日は晴れた。"),
             make_post("asu", "予定", "明日の予定を書く。"), make_post("other", "猫", "猫が寝ている。")]
    page = search_posts(build_index(tmp_path, posts), q)
    assert ids(page) == expected
    assert {m for h in page.hits for m in _marked(h.snippet_html)} == marked
    assert page.match_mode == ("reading" if expected else "none")


@pytest.mark.parametrize("q, expected, marked", [
    ('"生成 AI"', {"joined", "spaced"}, {"生成AI", "生成 AI", "生成ＡＩ"}),   # the space is optional beside kana/kanji
    ('"猫 カフェ"', {"cafe"}, {"猫カフェ"}),
    ('"生成AI"', {"joined", "spaced"}, {"生成AI", "生成ＡＩ", "生成 AI"}),  # ... whichever way it is typed
    ('"AWSを使う"', {"aws-spaced", "aws-joined"}, {"AWS を使う", "AWSを使う"}),
    ('"AWS を使う"', {"aws-spaced", "aws-joined"}, {"AWS を使う", "AWSを使う"}),
    ("生成AI", {"joined", "spaced"}, {"生成AI", "生成ＡＩ", "生成 AI"}),   # a user-dictionary word written apart
    ("生成AIの勉強会", {"joined"}, {"生成AIの勉強会"}),
    ("機械学習", {"ml", "ml-joined"}, {"機械 学習", "機械学習"}),
    ('"Hello World"', {"latin"}, {"Hello World"}),               # between Latin words the space stays a word break
])
def test_spaces_beside_japanese_are_optional(tmp_path, q, expected, marked):
    posts = [make_post("joined", "勉強会", "生成AIの勉強会に出た。生成ＡＩは便利。"),
             make_post("spaced", "言葉", "生成 AI という言葉。"),
             make_post("cafe", "週末", "猫カフェに行った。"),
             make_post("latin", "挨拶", "Hello World と書いた。HelloWorld ではない。"),
             make_post("ml", "入門書", "機械 学習 の入門書。"), make_post("ml-joined", "本", "機械学習の本。"),
             make_post("aws-spaced", "移行", "AWS を使う。"), make_post("aws-joined", "移行", "まずAWSを使う。")]
    page = search_posts(build_index(tmp_path, posts), q)
    assert ids(page) == expected
    shown = {m for h in page.hits for m in _marked(h.snippet_html)}
    assert shown <= marked and shown


@pytest.mark.parametrize("q, expected", [
    ("とうきょう", {"tag-word"}),     # a part of a user-dictionary word (the tag 東京都) by its reading
    ("とうきょうと", {"tag-word"}),
    ("せいせい", {"shipped-word"}),    # ... of a shipped one (生成AI)
    ("きょうと", set()),               # still no reading across its parts (トウ|キョウ|ト)
])
def test_readings_of_the_parts_of_dictionary_words(tmp_path, q, expected):
    posts = [make_post("tag-word", "散歩", "東京都の猫を見た。", tags=("東京都",)),
             make_post("shipped-word", "勉強会", "生成AIの勉強会。")]
    page = search_posts(build_index(tmp_path, posts), q)
    assert ids(page) == expected and page.match_mode in ("reading", "none")


def test_a_kana_query_read_as_several_words_is_relaxed_like_kanji(tmp_path):
    posts = [make_post("apart", "報告", "開発者が集まる会議に出た。"), make_post("other", "雑記", "天気の話。")]
    index = build_index(tmp_path, posts)
    kanji = search_posts(index, "開発者の会議")
    kana = search_posts(index, "かいはつしゃのかいぎ")
    assert ids(kana) == ids(kanji) == {"apart"} and kana.match_mode == kanji.match_mode == "relaxed"


def test_a_phrase_never_runs_across_a_line_break(tmp_path):
    index = build_index(tmp_path, [make_post("lines", "題", "黒い猫に\nカフェの話。"),
                                   make_post("spaced", "題", "黒い猫に カフェの話。")])
    page = search_posts(index, '"猫に カフェ"')
    assert ids(page) == {"spaced"} and page.match_mode == "fragment"


@pytest.mark.parametrize("kana, kanji", [
    ("とうきょうと ねこ", "東京都 猫"),
    ("とうし きろく", "投資 記録"),
    ("せってい さーばー", "設定 サーバー"),
])
def test_words_typed_in_hiragana_find_what_the_kanji_words_find(tmp_path, kana, kanji):
    """Two words in kana are two words, as in kanji: not a long query whose fill would add posts
    holding only one of them (Janome cuts hiragana as written: とうきょうと → とう + きょう + と)."""
    posts = [make_post("both", "東京都の猫", "東京都の猫の話。投資の記録。サーバーの設定。"),
             make_post("tokyo", "人口", "東京都の人口。投資の話。サーバーの話。"),
             make_post("cat", "写真", "猫の写真。記録した。設定した。")]
    index = build_index(tmp_path, posts)
    by_kanji = search_posts(index, kanji)
    by_kana = search_posts(index, kana)
    assert ids(by_kanji) == ids(by_kana) == {"both"}
    assert by_kana.match_mode == "reading"


def test_reading_matches_rank_below_exact_matches(tmp_path):
    posts = [make_post("kana", "かな", "とうしの話。"), make_post("kanji", "漢字", "投資の話。")]
    page = search_posts(build_index(tmp_path, posts), "とうし")
    assert [h.post_id for h in page.hits] == ["kana", "kanji"]


def test_sort_by_date(index):
    assert [h.post_id for h in search_posts(index, "猫", sort="newest").hits] == ["cat-title", "cat"]
    assert [h.post_id for h in search_posts(index, "猫", sort="oldest").hits] == ["cat", "cat-title"]


def test_paging(index):
    first = search_posts(index, "東京", per_page=2)
    second = search_posts(index, "東京", page=2, per_page=2)
    assert first.total == second.total == 4 and first.page_count == 2
    assert len(first.hits) == len(second.hits) == 2
    assert not ids(first) & ids(second)
    assert search_posts(index, "東京", page=3, per_page=2).hits == []


@pytest.mark.parametrize("kwargs", [{"page": 0}, {"page": 10_000}, {"per_page": 0}, {"per_page": MAX_PER_PAGE + 1},
                                    {"sort": "random"}])
def test_bad_paging_raises(index, kwargs):
    with pytest.raises(QueryError):
        search_posts(index, "東京", **kwargs)


def _marked(html):
    return [unicodedata.normalize("NFC", m) for m in re.findall(r"<mark>(.*?)</mark>", html)]


@pytest.mark.parametrize("q, marked", [
    ("東京都", {"東京都"}),
    ("空港", {"空港"}),
    ("サーバー", {"サーバー"}),
    ("aws", {"ＡＷＳ"}),
    ("カタカナ", {"ｶﾀｶﾅ"}),
    ("人々", {"人々"}),
])
def test_highlights_mark_the_characters_shown(index, q, marked):
    page = search_posts(index, q)
    spans = {m for hit in page.hits for m in _marked(hit.snippet_html)}
    assert spans == marked


def test_snippets_and_titles_are_escaped(index):
    hit = next(h for h in search_posts(index, "記号").hits if h.post_id == "xss")
    assert "<script>" not in hit.title_html and "&lt;script&gt;" in hit.title_html
    assert "<b>" not in hit.snippet_html and "&amp;" in hit.snippet_html
    page = search_posts(index, "<script>alert(1)</script>")
    assert all("<script>" not in h.snippet_html + h.title_html for h in page.hits)


def test_query_analysis(index):
    analysis = search_posts(index, "ＡＷＳ　投資した -京都").query_analysis
    assert analysis["normalized"] == "AWS 投資した -京都"
    words = {w["text"]: w for w in analysis["words"]}
    assert words["AWS"]["terms"]["word"] == ["aws"]
    assert words["投資した"]["terms"]["word"] == ["投資", "スル"]
    assert words["京都"]["negated"] is True


def test_json_shape(index):
    data = search_posts(index, "東京").to_json()
    assert {"query", "total", "page", "per_page", "took_ms", "match_mode", "hits", "query_analysis"} <= set(data)
    hit = data["hits"][0]
    assert {"id", "url", "title", "date", "tags", "categories", "author", "score", "snippet_html"} <= set(hit)
    assert datetime.fromisoformat(hit["date"]).tzinfo is not None


FACETED = [
    make_post("f1", "AWSの話", "クラウドの移行。", tags=("AWS", "クラウド"), categories=("インフラ",), author="佐藤",
              date=datetime(2023, 3, 1, tzinfo=timezone.utc)),
    make_post("f2", "GCPの話", "クラウドの比較。", tags=("GCP", "クラウド"), categories=("インフラ",), author="鈴木",
              date=datetime(2024, 6, 1, tzinfo=timezone.utc)),
    make_post("f3", "料理", "味噌汁を作った。", tags=("料理",), categories=("日記",), author="佐藤",
              date=datetime(2024, 7, 1, tzinfo=timezone.utc)),
]


@pytest.fixture(scope="module")
def faceted(tmp_path_factory):
    return build_index(tmp_path_factory.mktemp("facets"), FACETED)


def test_facet_counts_follow_the_query(faceted):
    from search.querying.facets import Filters
    page = search_posts(faceted, "クラウド")
    assert {f["value"]: f["count"] for f in page.facets["tags"]} == {"クラウド": 2, "AWS": 1, "GCP": 1}
    assert {f["value"]: f["count"] for f in page.facets["years"]} == {"2023": 1, "2024": 1}
    filtered = search_posts(faceted, "クラウド", filters=Filters(tags=("AWS",)))
    assert ids(filtered) == {"f1"}
    assert {f["value"]: f["count"] for f in filtered.facets["authors"]} == {"佐藤": 1}


@pytest.mark.parametrize("most", [30, 2, 1])
def test_facet_counts_are_those_of_a_count_post_by_post(faceted, monkeypatch, most):
    from collections import Counter

    from search.querying import facets
    monkeypatch.setattr(facets, "MAX_FACET_VALUES", most)
    with faceted.searcher() as searcher:
        reader = searcher.reader()
        everything = list(range(reader.doc_count_all()))
        for subset in [[], [0], [0, 2], [2, 1], everything, [1, 1]]:
            expected = {}
            for name, fieldname in facets.FACET_FIELDS.items():
                groups = Counter()
                for btext in reader.lexicon(fieldname):
                    holders = set(reader.postings(fieldname, btext).all_ids())
                    groups[btext.decode()] += sum(1 for d in subset if d in holders)
                ordered = sorted(((v, c) for v, c in groups.items() if c), key=lambda item: (-item[1], item[0]))
                expected[name] = [{"value": v, "count": c} for v, c in ordered[:most] if v]
            assert facets.facet_counts(searcher, faceted.cache_key, subset) == expected
            assert facets.facet_counts(searcher, faceted.cache_key, np.array(subset, dtype=np.int64)) == expected


@pytest.mark.parametrize("filters, expected", [
    ({"authors": ("佐藤",)}, {"f1", "f3"}),
    ({"categories": ("インフラ",), "years": ("2024",)}, {"f2"}),
    ({"date_from": datetime(2024, 1, 1).date()}, {"f2", "f3"}),
    ({"date_to": datetime(2024, 6, 1).date()}, {"f1", "f2"}),
    ({"tags": ("AWS", "GCP")}, set()),                   # tags: every one (a post carries several)
    ({"tags": ("aws",)}, {"f1"}),                         # in any letter case, as tag:aws matches
    ({"years": ("2023", "2024")}, {"f1", "f2", "f3"}),    # years and authors: any one (one per post)
    ({"authors": ("佐藤", "鈴木")}, {"f1", "f2", "f3"}),
])
def test_filters(faceted, filters, expected):
    from search.querying.facets import Filters
    assert ids(search_posts(faceted, "クラウド OR 味噌汁", filters=Filters(**filters))) == expected


JST = timezone(timedelta(hours=9))
EST = timezone(timedelta(hours=-5))
#: Posts whose own calendar date differs from their UTC one (Jekyll shows the date as written).
DATED = [
    make_post("new-year-morning", "元日", "日記。神社に初詣。", date=datetime(2025, 1, 1, 7, 0, tzinfo=JST)),  # 2024-12-31 22:00Z
    make_post("new-year-eve", "大晦日", "日記。", date=datetime(2024, 12, 31, 23, 30, tzinfo=EST)),  # 2025-01-01 04:30Z
    make_post("culture-day", "文化の日", "日記。", date=datetime(2024, 11, 3, 8, 0, tzinfo=JST)),  # 2024-11-02 23:00Z
    make_post("utc", "UTC", "日記。神社に初詣。", date=datetime(2024, 11, 3, 8, 0, tzinfo=timezone.utc)),
]


@pytest.fixture(scope="module")
def dated(tmp_path_factory):
    return build_index(tmp_path_factory.mktemp("dated"), DATED)


def test_hit_dates_keep_the_post_s_own_offset(dated):
    page = search_posts(dated, "日記")
    for hit in page.hits:
        post = next(p for p in DATED if p.post_id == hit.post_id)
        assert hit.date == post.date and hit.date.utcoffset() == post.date.utcoffset()
    dates = {hit["id"]: hit["date"] for hit in page.to_json()["hits"]}
    assert dates == {"new-year-morning": "2025-01-01T07:00:00+09:00", "new-year-eve": "2024-12-31T23:30:00-05:00",
                     "culture-day": "2024-11-03T08:00:00+09:00", "utc": "2024-11-03T08:00:00+00:00"}


def test_year_facet_and_filters_use_the_post_s_own_calendar_date(dated):
    from search.querying.facets import Filters

    def found(**filters):
        return ids(search_posts(dated, "日記", filters=Filters(**filters)))

    assert {f["value"]: f["count"] for f in search_posts(dated, "日記").facets["years"]} == {"2024": 3, "2025": 1}
    assert found(years=("2025",)) == {"new-year-morning"}
    assert found(years=("2024",)) == {"new-year-eve", "culture-day", "utc"}
    assert found(date_from=date(2024, 11, 3)) == {p.post_id for p in DATED}
    assert found(date_to=date(2024, 11, 2)) == set()
    assert found(date_from=date(2024, 12, 31), date_to=date(2024, 12, 31)) == {"new-year-eve"}
    assert found(date_from=date(2025, 1, 1)) == {"new-year-morning"}
    assert found(date_to=date(2024, 11, 3)) == {"culture-day", "utc"}


def test_sort_by_date_orders_posts_by_their_instant(dated):
    newest = ["new-year-eve", "new-year-morning", "utc", "culture-day"]  # in UTC: 04:30, 22:00 the day before, …
    assert [h.post_id for h in search_posts(dated, "日記", sort="newest").hits] == newest
    assert [h.post_id for h in search_posts(dated, "日記", sort="oldest").hits] == newest[::-1]


def test_related_posts_keep_the_post_s_own_offset(dated):
    from search.assist.related import build_vectors, related_posts
    from search.indexing.version_cache import VersionCache

    cache = VersionCache(build_vectors, "test-dated")  # not the process's: other tests' indexes are in it
    found = {post.post_id: post for post in related_posts(dated, "utc", cache=cache)}
    assert found["new-year-morning"].to_json()["date"] == "2025-01-01T07:00:00+09:00"


def test_synonyms_apply_at_query_time_and_edits_need_no_reindex(tmp_path):
    from search.analysis.synonyms import SynonymFile

    posts = [make_post("aws", "クラウド", "Amazon Web Services の話。"), make_post("js", "言語", "JavaScript 入門。"),
             make_post("other", "料理", "味噌汁。")]
    index = build_index(tmp_path, posts)
    synonyms_path = tmp_path / "synonyms.txt"
    synonyms_path.write_text("AWS, Amazon Web Services\n", encoding="utf-8")
    synonym_file = SynonymFile(synonyms_path)
    page = search_posts(index, "ＡＷＳ", synonyms=synonym_file.current())
    assert ids(page) == {"aws"}
    assert page.query_analysis["words"][0]["synonyms"] == ["Amazon Web Services"]
    assert "<mark>Amazon Web Services</mark>" in page.hits[0].snippet_html
    assert ids(search_posts(index, "js", synonyms=synonym_file.current())) == set()
    synonyms_path.write_text("AWS, Amazon Web Services\nJS => JavaScript\n", encoding="utf-8")
    import os
    os.utime(synonyms_path, ns=(1, 10**18))  # a different mtime even on coarse file systems
    assert ids(search_posts(index, "js", synonyms=synonym_file.current())) == {"js"}
    assert ids(search_posts(index, "javascript", synonyms=synonym_file.current())) == {"js"}  # one-way
    assert ids(search_posts(index, '"AWS"', synonyms=synonym_file.current())) == set()  # quoted: exact


@pytest.mark.parametrize("q, expected, mode", [
    ("Amazon Web Services", {"aws", "aws-full"}, "exact"),     # a synonym of several words: AWS too
    ("amazon　web services 移行", {"aws"}, "exact"),           # full-width space, with another word
    ("Web Services Amazon", {"aws-full", "other-order"}, "exact"),  # not the synonym: each word anywhere
])
def test_synonyms_of_several_words(tmp_path, q, expected, mode):
    from search.analysis.synonyms import Synonyms

    posts = [make_post("aws", "移行", "AWS へ移行した。"), make_post("aws-full", "記録", "Amazon Web Services の記録。"),
             make_post("other-order", "順序", "Web Services の Amazon 版。"), make_post("none", "料理", "味噌汁。")]
    synonyms = Synonyms.parse("AWS, Amazon Web Services\n")
    page = search_posts(build_index(tmp_path, posts), q, synonyms=synonyms)
    assert ids(page) == expected and page.match_mode == mode


def test_a_long_query_with_few_exact_hits_is_followed_by_posts_with_most_words(tmp_path):
    """A title typed whole: the post meant may word one of it differently, so posts with most of
    the words follow the posts with all of them; short queries and operators stay exact."""
    posts = [make_post("all", "全部", "Ruby の 新しい リリース 手順。"),
             make_post("most", "大半", "Ruby の 新しい 版の手順。"),
             make_post("one", "一語", "Ruby だけ。")]
    index = build_index(tmp_path, posts)
    page = search_posts(index, "Ruby 新しい リリース")
    assert [h.post_id for h in page.hits][:2] == ["all", "most"]
    # the page is named by its best hits (issue 17); each hit says how it matched
    assert page.match_mode == "exact" and [h.match_level for h in page.hits][:2] == ["full", "partial"]
    assert ids(search_posts(index, "Ruby リリース")) == {"all"}                  # two words: exact only
    assert ids(search_posts(index, '"Ruby" 新しい リリース')) == {"all"}          # an operator: exact only
    assert search_posts(index, "Ruby 新しい リリース", per_page=1).match_mode == "exact"  # the page shown


def test_a_long_title_quoted_by_other_posts_ranks_the_post_about_it_first(tmp_path):
    """A long title found word for word only where another post quotes or links it: the post
    most about its words comes first, the quoting post stays among the hits. Typed without
    spaces, it still counts as long."""
    about = ("Kubernetes のクラスタでは監視が大事。ダッシュボードは Grafana で構築した。手順は次のとおり。"
             "クラスタ監視のダッシュボードを Kubernetes 上に構築する。監視の手順。") * 3
    posts = [make_post("quote", "カレー", "前回の記事「Kubernetesクラスタの監視ダッシュボードを構築する手順」も"
                                          "どうぞ。" + "今日はカレーの作り方。玉ねぎを炒める。カレーは煮込む。" * 6),
             make_post("about", "監視", about), make_post("other", "料理", "味噌汁の手順。")]
    index = build_index(tmp_path, posts)
    page = search_posts(index, "Kubernetesクラスタの監視ダッシュボードを構築する手順")
    assert [h.post_id for h in page.hits][:2] == ["about", "quote"] and page.match_mode == "exact"
    assert {h.post_id: h.match_level for h in page.hits}["about"] == "partial"
    assert {h.post_id: h.match_level for h in page.hits}["quote"] == "full"
    assert ids(search_posts(index, '"Kubernetesクラスタの監視ダッシュボードを構築する手順"')) == {"quote"}


def test_a_long_query_typed_without_spaces_is_filled(tmp_path):
    """Three content terms typed together (a title copied whole) are long; two are not, and
    numbers do not count (``1000万円`` stays exact)."""
    posts = [make_post("all", "全部", "Rubyの新しいリリース手順。予算は1000万円。"),
             make_post("most", "大半", "Rubyの新しい版の手順。予算は千円。"), make_post("none", "無関係", "味噌汁。")]
    index = build_index(tmp_path, posts)
    assert ids(search_posts(index, "Rubyの新しいリリース")) == {"all", "most"}
    assert ids(search_posts(index, "新しいリリース")) == {"all"}
    assert ids(search_posts(index, "1000万円")) == {"all"}
    assert ids(search_posts(index, "Rubyの（新しいリリース）")) == {"all", "most"}  # groups are no operator


@pytest.mark.parametrize("q", ["ROLE_TO_ASSUME", "docker-entrypoint-initdb.d", "aws/configure-credentials"])
def test_a_name_of_code_is_not_filled_with_posts_holding_one_of_its_parts(tmp_path, q):
    """A name of code joined by ``_ - . /`` is one name, not a title of three words: the post
    holding it is not followed by posts that merely say one of its parts."""
    posts = [make_post("named", "設定", f"ワークフローでは {q} を指定する。"),
             make_post("parts", "英語", "I assume the role to be clear. The docker entrypoint runs initdb. "
                                       "Configure credentials for aws."),
             make_post("none", "無関係", "味噌汁。")]
    page = search_posts(build_index(tmp_path, posts), q)
    assert ids(page) == {"named"} and page.match_mode == "exact"


@pytest.mark.parametrize("q", ["2024-04-05", "十一", "2024/04/05"])
def test_one_number_of_several_parts_is_not_relaxed_to_its_parts(tmp_path, q):
    """A date or a kanji numeral no post holds finds nothing, not the posts holding one of its
    parts (2024, 一定)."""
    posts = [make_post("parts", "記録", "更新日 2024-01-01、手順 04 と 05。一定の成果。"),
             make_post("none", "無関係", "味噌汁。")]
    page = search_posts(build_index(tmp_path, posts), q)
    assert ids(page) == set() and page.match_mode == "none"


@pytest.mark.parametrize("q, expected, marked", [
    ("9.1", {"versions", "joined"}, {"9.1"}),         # not 9月1日
    ("8.2", {"versions"}, {"8.2"}),                    # not 8月2日
    ("3.2.5", {"versions"}, {"3.2.5"}),                # not 3と2と5
    ("8.0.1232", {"joined"}, {"8.0.1232"}),
])
def test_a_version_number_is_not_matched_across_other_characters(tmp_path, q, expected, marked):
    """Digits typed apart by a separator the n-gram fields do not index match the number, not the
    same digits with anything between them (a date, a list)."""
    posts = [make_post("dates", "記録", "9月1日に出た。8月2日も。3と2と5を比べた。"),
             make_post("versions", "版", "version 3.2.5 を入れた。Vim 9.1 と 8.2 が出た。"),
             make_post("joined", "版", "Vim9.1が出た。patch-8.0.1232 を当てた。")]
    page = search_posts(build_index(tmp_path, posts), q)
    assert ids(page) == expected
    assert {m for h in page.hits for m in _marked(h.snippet_html)} == marked


def test_default_synonym_file_parses():
    from search.analysis.synonyms import DEFAULT_SYNONYMS_FILE, load_synonyms

    synonyms = load_synonyms(DEFAULT_SYNONYMS_FILE)
    assert "Amazon Web Services" in synonyms.alternatives("aws")
    assert "ジェネレーティブAI" in synonyms.alternatives("生成ＡＩ")


@pytest.mark.parametrize("text", ["A =>", "=> B", " , => x"])
def test_malformed_synonym_lines_name_the_line(text):
    from search.errors import SearchError
    from search.analysis.synonyms import Synonyms

    with pytest.raises(SearchError, match="line 1"):
        Synonyms.parse(text, "syn.txt")


@pytest.mark.parametrize("q", ['"生成AI"', '"AWSの移行"', '"Ruby3.3の新機能"', '"GPT-4で要約"'])
def test_a_quoted_phrase_across_kanji_and_letters_matches_exactly(tmp_path, q):
    """Quoted, a phrase mixing kanji or kana with letters or digits is found where it stands
    (its character n-grams at the post's positions), not only after relaxing it."""
    posts = [make_post("has", "記事", "生成AIとAWSの移行、Ruby3.3の新機能、GPT-4で要約した話。"),
             make_post("apart", "別", "AIを生成する。移行はAWSで。新機能はRubyで3.3から。要約はGPT-4でした。")]
    page = search_posts(build_index(tmp_path, posts), q)
    assert ids(page) == {"has"} and page.match_mode in ("exact", "fragment")


def test_author_syntax_finds_an_author_written_with_a_kanji_variant(tmp_path):
    """The author field holds the name as written (facets show it so) while the query folds
    kanji variants (髙 → 高): ``author:`` typed either way finds 髙橋's post, as ``tag:`` does."""
    index = build_index(tmp_path, [make_post("a", "散歩", "町を歩いた。", author="髙橋"),
                                   make_post("b", "料理", "味噌汁を作った。", author="高橋"),
                                   make_post("c", "旅行", "國立へ行った。", author="𠮷田")])
    for q in ("author:髙橋", "author:高橋"):
        assert ids(search_posts(index, q)) == {"a", "b"}, q
    for q in ("author:𠮷田", "author:吉田"):
        assert ids(search_posts(index, q)) == {"c"}, q
