"""Issue 17, kinds 1 and 2: okurigana written or left out (文化庁「送り仮名の付け方」通則6 and its
許容 spellings) and one word written in kanji, hiragana or katakana, or with another kanji by a
public standard (国語審議会「同音の漢字による書きかえ」) — and never a homophone written with other
kanji (公園 / 講演 / 公演, 意外 / 以外, 開放 / 解放) nor a word of the same kanji with other
okurigana (申し出 / 申し込み, 気付き / 気付け). Our own posts and words, then property tests that
generate the 許容 spellings of compounds and find the same posts.
"""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search.analysis.expansions import variants
from search.analysis.query_analysis import spelling_alternatives, word_morphemes
from search.analysis.spellings import compound_skeleton
from search.analysis.respellings import read_respellings
from search.analysis.spellings import has_inner_okurigana, one_word, verb_readings
from search.querying.reading_lexicon import reading_lexicon
from search.querying.searcher import search_posts
from tests.factories import build_index, ids, make_post

POSTS = {
    # kind 1: the 許容 spelling in the post (送り仮名の付け方 通則6 examples and their kind)
    "toriatsukai": ("取扱説明", "荷物の取扱には十分注意してください。"),
    "hiatari": ("部屋探し", "この部屋は日当りが良いので決めました。"),
    "yobidashi": ("病院", "待合室で呼出しを待っていました。"),
    "kakinuki": ("読書メモ", "気になった箇所の書抜きを作った。"),
    "uriage": ("決算", "今月の売り上げを集計した。"),
    "norikae": ("通勤", "新宿駅で乗換えるのが面倒です。"),
    "torikeshi": ("予約", "予約の取消を申請した。"),
    "mooshide": ("退会", "退会の申し出を受けました。"),
    "kitsuke": ("着物", "成人式の着物の気付けを頼んだ。"),
    # kind 2: kana or kanji, or another kanji by a public standard
    "shiraberu": ("ログ", "ログを調べると原因が分かった。"),
    "tamesu": ("新機能", "新しい機能を試すことにした。"),
    "speaker": ("音響", "このためスピーカーを買い替えた。"),
    "dekiru": ("結局", "結局は出来ることをやるしかない。"),
    "kifu": ("募金", "赤十字に寄付をした。"),
    "henshu": ("動画", "週末は動画の編輯作業をしていた。"),
    "fuzoku": ("学校", "大学の附属病院に通っています。"),
    "goannai": ("お知らせ", "新しい講座のご案内を送りました。"),
    "tatoeba": ("説明", "たとえば次のように書けます。"),
    # homophones: never each other
    "kouen": ("散歩", "近所の公園を散歩した。"),
    "kouen2": ("学会", "学会で講演を聞いた。"),
    "kouen3": ("劇団", "劇団の公演を観た。"),
    "igai": ("感想", "意外な結果に驚いた。"),
    "igai2": ("規則", "関係者以外は立入禁止です。"),
    "kaihou": ("校庭", "校庭を地域に開放した。"),
    "kaihou2": ("人質", "人質が解放された。"),
}


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    return build_index(tmp_path_factory.mktemp("okurigana"),
                       [make_post(key, title, body) for key, (title, body) in POSTS.items()])


def found(index, q: str) -> set[str]:
    return ids(search_posts(index, q, per_page=50))


@pytest.mark.parametrize("query, expected, not_expected", [
    # kind 1: the full spelling finds the 許容 one, and the other way round
    ("取り扱い", {"toriatsukai"}, {"torikeshi"}), ("取扱い", {"toriatsukai"}, {"torikeshi"}),
    ("日当たり", {"hiatari"}, set()), ("呼び出し", {"yobidashi"}, set()),
    ("書き抜き", {"kakinuki"}, set()), ("売上", {"uriage"}, set()), ("売上げ", {"uriage"}, set()),
    ("乗り換える", {"norikae"}, set()),
    ("取り消し", {"torikeshi"}, {"toriatsukai"}),
    ("申し込み", set(), {"mooshide"}), ("申込", set(), {"mooshide"}),  # 申し出 is another word
    ("気付き", set(), {"kitsuke"}), ("気づき", set(), {"kitsuke"}),  # 気付け (きつけ) is another word
    # kind 2: kana typed for a kanji word; a replaced kanji
    ("しらべる", {"shiraberu"}, set()), ("ためす", {"tamesu"}, set()), ("できる", {"dekiru"}, set()),
    ("寄附", {"kifu"}, set()), ("編集", {"henshu"}, set()), ("付属", {"fuzoku"}, set()),
    ("ごあんない", {"goannai"}, set()), ("例えば", {"tatoeba"}, set()),
    # homophones stay apart
    ("公園", {"kouen"}, {"kouen2", "kouen3"}), ("講演", {"kouen2"}, {"kouen", "kouen3"}),
    ("公演", {"kouen3"}, {"kouen", "kouen2"}), ("意外", {"igai"}, {"igai2"}), ("以外", {"igai2"}, {"igai"}),
    ("開放", {"kaihou"}, {"kaihou2"}), ("解放", {"kaihou2"}, {"kaihou"}),
])
def test_each_spelling_finds_the_word_and_no_other(index, query, expected, not_expected):
    hits = found(index, query)
    assert expected <= hits, (query, hits)
    assert not (not_expected & hits), (query, hits)


def test_a_kana_verb_finds_its_kanji_spelling_before_a_fragment_across_scripts(index):
    # ためす is 試す; この「ため」+「ス」ピーカー only has its characters in a row
    page = search_posts(index, "ためす")
    assert page.hits[0].post_id == "tamesu", [h.post_id for h in page.hits]
    assert "<mark>試す</mark>" in page.hits[0].snippet_html


def test_a_kana_word_of_several_kanji_words_is_matched_by_reading_only(index):
    # こうえん is 公園, 講演 or 公演: the reader did not say which, so all, as readings
    page = search_posts(index, "こうえん")
    assert {"kouen", "kouen2", "kouen3"} <= ids(page) and page.match_mode == "reading"


def test_a_relaxed_query_counts_a_word_spelled_otherwise(index):
    # no post has all three words: the post with 取扱 (取り扱い) and 注意 has two of them
    page = search_posts(index, "取り扱い 注意 保証書")
    assert page.match_mode == "relaxed" and page.hits[0].post_id == "toriatsukai"


def test_query_analysis_names_the_okurigana_variant(index):
    words = search_posts(index, "払い戻し").query_analysis["words"]
    assert {"text": "払戻", "kind": "okurigana"} in words[0]["variants"]


@pytest.mark.parametrize("text, inner", [("書き込み", True), ("入り口", True), ("申込み", False), ("打合せ", False),
                                         ("人々", False), ("位置づけ", False), ("お知らせ", False)])
def test_inner_okurigana(text, inner):
    assert has_inner_okurigana(text) is inner


@pytest.mark.parametrize("word, skeleton", [("書き込み", "書込"), ("引落し", "引落"), ("高い山", ""), ("大きな木", ""),
                                            ("東京タワー見学", ""), ("東京の駅", "")])
def test_compound_skeleton_is_one_compound_only(word, skeleton):
    assert compound_skeleton(word_morphemes(word)) == skeleton


@pytest.mark.parametrize("word, expected", [("引き落とし", ["引落"]), ("払戻し", ["払戻"]), ("入り口", ["入口"]),
                                            ("出来る", []), ("位置づけ", []), ("足掛かり", []), ("高い山", [])])
def test_okurigana_variants(word, expected):
    assert [v.text for v in variants(word, kinds=["okurigana"])] == expected


def test_verb_readings_of_a_nouns_renyoukei():
    assert verb_readings("モウシコミ") == ["モウシコム", "モウシコミル"]
    assert verb_readings("ウチアワセ") == ["ウチアワセル"]
    assert verb_readings("コウエン") == []


def test_one_word_tells_one_spelling_from_homophones():
    assert one_word(["デキル/", "デキル/出来"])
    assert not one_word(["コウエン/公園", "コウエン/講演"])
    assert not one_word(["デキル/"])  # kana only: nothing to add


def test_respellings_are_groups_of_two_or_more():
    groups = read_respellings()
    assert len(groups) > 30 and all(len(g) >= 2 for g in groups)
    seen = [s for g in groups for s in g]
    assert len(seen) == len(set(seen)), "a spelling is in two lines"


def test_respellings_are_one_word_to_sudachi():
    dictionary = pytest.importorskip("sudachipy.dictionary")
    pytest.importorskip("sudachidict_core")
    tokenizer = dictionary.Dictionary(dict="core").tokenizer()
    for group in read_respellings():
        forms = set()
        for spelling in group:
            tokens = tokenizer.tokenize(spelling)
            forms.add("".join(t.normalized_form() for t in tokens))
        assert len(forms) == 1, (group, forms)


# -- property tests ------------------------------------------------------------------------------

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])

#: Compounds with okurigana between their kanji (送り仮名の付け方 通則6 and words of its kind).
COMPOUNDS = ["書き込み", "引き落とし", "打ち合わせ", "取り扱い", "売り上げ", "払い戻し", "読み取り", "乗り換え",
             "申し込み", "受け付け", "切り替え", "振り込み", "組み込み", "差し押さえ", "繰り越し", "立ち上げ",
             "問い合わせ", "呼び出し", "日当たり", "雨上がり", "落書き", "封切り", "田植え", "入り江", "飛び火",
             "取り消し", "書き換え", "割り当て", "見積もり", "貸し出し", "言い換え", "話し合い"]
_RUNS = re.compile(r"[\u4e00-\u9fff]+|[\u3041-\u309f]+")


def allowed_spellings(word: str) -> list[str]:
    """``word`` with any of the okurigana between its kanji left out (通則6 許容: 書き込み, 書込み).
    Only for words whose kana between kanji are okurigana as a whole (預かり金 is 預り金, not 預金)."""
    runs = _RUNS.findall(word)
    inner = [i for i in range(1, len(runs) - 1) if not runs[i][0] >= "\u4e00"]
    found = []
    for kept in itertools.product([True, False], repeat=len(inner)):
        dropped = {i for i, keep in zip(inner, kept) if not keep}
        found.append("".join(r for i, r in enumerate(runs) if i not in dropped))
    return list(dict.fromkeys(found))


@pytest.fixture(scope="module")
def compound_index(tmp_path_factory):
    posts = [make_post(f"{word}-{k}", "覚え書き", f"先月から{spelling}について確認しています。")
             for word in COMPOUNDS for k, spelling in enumerate(allowed_spellings(word))]
    return build_index(tmp_path_factory.mktemp("compounds"), posts)


@SETTINGS
@given(data=st.data())
def test_allowed_spellings_find_each_other_and_no_other_compound(compound_index, data):
    word = data.draw(st.sampled_from(COMPOUNDS))
    spellings = allowed_spellings(word)
    query = data.draw(st.sampled_from(spellings))
    hits = ids(search_posts(compound_index, query, per_page=50))
    assert {f"{word}-{k}" for k in range(len(spellings))} <= hits, (query, hits)
    assert all(hit.rsplit("-", 1)[0] == word for hit in hits), (query, hits)


#: Words and their spellings in kana (and kanji spellings the kana stand for).
KANA_WORDS = {"調べる": "しらべる", "試す": "ためす", "出来る": "できる", "椅子": "いす", "仕組み": "しくみ",
              "綺麗": "きれい", "友達": "ともだち", "林檎": "りんご", "嬉しい": "うれしい", "美味しい": "おいしい",
              "沢山": "たくさん", "宜しく": "よろしく"}


@pytest.fixture(scope="module")
def kana_index(tmp_path_factory):
    posts = [make_post(f"kanji-{k}", "覚え書き", f"今日は{word}について書きます。") for k, word in enumerate(KANA_WORDS)]
    posts += [make_post(f"kana-{k}", "覚え書き", f"今日は{kana}について書きます。") for k, kana in enumerate(KANA_WORDS.values())]
    return build_index(tmp_path_factory.mktemp("kana"), posts)


@SETTINGS
@given(k=st.integers(min_value=0, max_value=len(KANA_WORDS) - 1), katakana=st.booleans())
def test_a_word_in_kana_finds_its_kanji_spelling(kana_index, k, katakana):
    word, kana = list(KANA_WORDS.items())[k]
    query = kana.translate({c: c + 0x60 for c in range(0x3041, 0x3097)}) if katakana and k % 2 else kana
    hits = ids(search_posts(kana_index, query, per_page=50))
    assert {f"kanji-{k}", f"kana-{k}"} <= hits, (query, hits)
    assert {f"kana-{k}", f"kanji-{k}"} <= ids(search_posts(kana_index, word, per_page=50)), word


@pytest.mark.parametrize("text", ["こうかい", "コウカイ", "せいせい"])
def test_a_kana_word_the_index_holds_whole_is_not_read_as_its_pieces_homophones(text):
    """こうかい is 公開 or 後悔 where the index holds that word, never 高 + 回 (コウ + カイ, the pieces
    Janome may cut the kana into, each read as some kanji)."""
    reading = "セイセイ" if text == "せいせい" else "コウカイ"
    piece = reading[:len(reading) // 2]
    keys = {f"{reading}/": [f"{reading}/甲", f"{reading}/乙"], f"{piece}/": [f"{piece}/高", f"{piece}/"],
            f"{reading[len(piece):]}/": [f"{reading[len(piece):]}/回"]}
    found = [[key for keys_, _ in segments for key in keys_]
             for segments in spelling_alternatives(word_morphemes(text), lambda prefix: keys.get(prefix, []))]
    assert [f"{reading}/甲"] in found and [f"{reading}/乙"] in found
    assert all(len(spelling) == 1 or not any(k.split("/")[1] for k in spelling) for spelling in found), found


def test_the_index_keys_are_found_by_reading_and_by_skeleton(index):
    """Spelling keys by their reading (コウエン/…) and skeleton keys (/売上, no reading) by prefix;
    a key is filed with its word alone unless another spelling shares it."""
    with index.searcher() as searcher:
        lexicon = reading_lexicon(searcher.reader())
        assert lexicon.spelling_keys("/売上") == ["/売上"] and "/売上" in lexicon.spelling_keys("/売")
        assert lexicon.spelling_keys("/走") == []
        assert set(lexicon.spelling_keys("コウエン/")) >= {"コウエン/公園", "コウエン/講演", "コウエン/公演"}
        assert all(key.startswith("コウエン/公") for key in lexicon.spelling_keys("コウエン/公"))
        assert lexicon.filed_with("コウエン/公園", "公園")
        # 売上's own key is shared by 売り上げ in a post: a query for 売上 needs it
        assert "ウリアゲ/売上" in lexicon.spelling_keys("ウリアゲ/") and not lexicon.filed_with("ウリアゲ/売上", "売上")
