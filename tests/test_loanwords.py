"""Issue 17, kinds 3, 4 and 10 on posts of our own: katakana loanwords spelled as 内閣告示「外来語の表記」
(1991) allows (long vowels written ー, ウ, イ or left out, ファ/ハ, ティ/チ, ヤ/ア, a dash for ー),
names written with or without ・, ＝ or a space, and English words and their katakana. Then
hypothesis: generated respellings of our own loanwords and names find the same posts as the word.
"""

from __future__ import annotations

import re

import jaconv
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search.analysis.kana import LOOSE_MARK, loose_key
from search.analysis.loanwords import english_of, katakana_of
from search.analysis.query_analysis import is_katakana_name
from search.querying.searcher import search_posts
from tests.factories import build_index, ids, make_post

#: Our own loanwords, each in a post of its own (none of them is in bench/variants).
LOANWORDS = {
    "platform": "プラットフォーム", "shadow": "シャドウ", "earphone": "イヤホン", "steam": "スチーム",
    "quarter": "クォーター", "review": "レビュー", "template": "テンプレート", "download": "ダウンロード",
    "mainframe": "メインフレーム", "folder": "フォルダー", "meeting": "ミーティング", "security": "セキュリティー",
    "directory": "ディレクトリー", "professional": "プロフェッショナル", "maid": "メイド", "engineer": "エンジニア",
    "controller": "コントローラー", "web": "ウェブ", "wave": "ウェーブ", "home": "ホーム", "form": "フォーム",
    "view": "ビュー", "viewer": "ビューア", "tweet": "ツイート", "cheat": "チート",
}
NAMES = {"jackson": ("マイケル", "ジャクソン"), "jordan": ("マイケル", "ジョーダン"),
         "potter": ("ハリー", "ポッター"), "styles": ("ハリー", "スタイルズ")}
ENGLISH = {"keyboard-en": "keyboard", "keyboard-ja": "キーボード", "printer-en": "printer",
           "print-ja": "プリント", "coat-ja": "コート", "darkmode-en": "Dark モード", "roadmap-en": "road map",
           "gameengine-mixed": "ゲーム engine", "visualmode-ja": "ビジュアルモード",
           "errormessage-ja": "エラーメッセージ"}


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    posts = [make_post(key, "メモ", f"今日は{word}について書いた。") for key, word in LOANWORDS.items()]
    posts += [make_post(key, "講演録", f"{first}・{last}の講演を聞いた。") for key, (first, last) in NAMES.items()]
    posts += [make_post(key, "道具", f"新しい{word}を買った。") for key, word in ENGLISH.items()]
    return build_index(tmp_path_factory.mktemp("loanwords"), posts)


def found(index, q: str) -> set[str]:
    return ids(search_posts(index, q, per_page=50))


# -- kind 3 ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("query, expected", [
    ("プラットホーム", "platform"),     # ファ行 as ハ行 after the first kana
    ("シャドー", "shadow"),             # the long o written ー or ウ
    ("イヤフォン", "earphone"),          # フォ/ホ, and ヤ after an i-row kana as ア
    ("スティーム", "steam"),             # ティ as チ
    ("クウォーター", "quarter"),         # クウォ as クォ
    ("レヴュー", "review"),              # ヴュ as ビュ
    ("テンプレイト", "template"),        # the long e written イ
    ("ダウンロウド", "download"),
    ("メーンフレーム", "mainframe"),
    ("フォルダ", "folder"),
    ("ミーティング", "meeting"),
    ("セキュリティ", "security"),
    ("ディレクトリ", "directory"),
    ("プロヘッショナル", "professional"),
    ("メード", "maid"),
    ("エンジニヤ", "engineer"),
    ("コントローラ", "controller"),
    ("コントロ－ラ－", "controller"),    # full-width hyphens typed for ー
    ("コントローラ―", "controller"),     # a horizontal bar typed for ー
])
def test_a_loanword_spelled_another_allowed_way_finds_the_post(index, query, expected):
    assert expected in found(index, query)


@pytest.mark.parametrize("query, other", [
    ("ウェブ", "wave"), ("ウェーブ", "web"),     # a long vowel tells short words apart
    ("ホーム", "form"), ("フォーム", "home"),     # フォ is not folded to ホ at a word's start
    ("ツイート", "cheat"), ("チート", "tweet"),   # ツイ stays ツイ (only ツィア is チア)
    ("ビュー", "viewer"),                         # a word plus one kana is another word
])
def test_near_loanwords_stay_apart(index, query, other):
    assert other not in found(index, query)


def test_loose_keys_follow_the_rules():
    assert loose_key("インターフェース") == loose_key("インタフェイス") == LOOSE_MARK + "インタヘス"
    assert loose_key("フィーチャー") != loose_key("フューチャー")
    assert loose_key("ディスク") != loose_key("デスク")
    assert loose_key("ビル") == ""  # too short to be keyed
    assert loose_key("東京") == loose_key("サーバー東京") == ""  # katakana words only


# -- kind 4 ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("key", sorted(NAMES))
@pytest.mark.parametrize("separator", ["", "・", " ", "\u3000", "＝", "=", "･"])
def test_a_name_finds_the_post_however_its_parts_are_joined(index, key, separator):
    first, last = NAMES[key]
    # a space typed between the parts makes two query words: quoted, the name as one phrase
    query = f'"{first}{separator}{last}"' if separator in (" ", "\u3000") else first + separator + last
    hits = found(index, query)
    assert key in hits
    assert not (hits - {key}), (query, hits)  # マイケル・ジャクソン is not マイケル・ジョーダン


def test_a_joined_name_is_one_unit():
    assert is_katakana_name("ティム・バーナーズ＝リー") and is_katakana_name("マイケル＝ジャクソン")
    assert not is_katakana_name("マイケル") and not is_katakana_name("東京・大阪")


# -- kind 10 ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("query, expected", [
    ("キーボード", {"keyboard-en", "keyboard-ja"}), ("keyboard", {"keyboard-en", "keyboard-ja"}),
    ("keyboards", {"keyboard-ja"}),  # the plural as its singular's katakana
    ("プリンター", {"printer-en"}), ("printer", {"printer-en"}),
    ("ダークモード", {"darkmode-en"}),
    # each piece translated on its own: road is ロード's second sense, map マップ's first
    ("ロードマップ", {"roadmap-en"}), ("ゲームエンジン", {"gameengine-mixed"}),
    # words typed apart, a post's one katakana word (Janome keeps ビジュアルモード whole)
    ("Visual モード", {"visualmode-ja"}), ("visual mode", {"visualmode-ja"}), ("ビジュアルモード", {"visualmode-ja"}),
])
def test_english_and_its_katakana_find_each_other(index, query, expected):
    assert expected <= found(index, query)


@pytest.mark.parametrize("query, other", [("printer", "print-ja"), ("プリンター", "print-ja"),
                                          ("code", "coat-ja"), ("コード", "coat-ja")])
def test_english_finds_no_other_word(index, query, other):
    assert other not in found(index, query)


def test_the_dictionary_maps_both_ways():
    assert "キーボード" in katakana_of("keyboard") and "キーボード" in katakana_of("Keyboards")
    assert "window" in english_of("ウィンドウ")  # by loose key: UniDic writes ウインドー
    assert english_of("ビル") == ()              # too short: bill, building
    assert katakana_of("the") == ()              # function words are English


# -- property tests --------------------------------------------------------------------------------

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])

_O_ROW, _E_ROW = "オコソトノホモヨロゴゾドボポョ", "エケセネヘメレゲゼベペ"
_F_TO_H = {"ファ": "ハ", "フィ": "ヒ", "フェ": "ヘ", "フォ": "ホ"}


def respellings(word: str) -> list[str]:
    """Spellings 外来語の表記 allows for ``word``, one change each: ー written ウ after an o-row kana
    or イ after an e-row kana (and back), ー written as a dash, ー left out inside a word long
    enough to be told by its other kana, ティ as チ, ファ行 after the first kana as ハ行."""
    out = []
    for i, char in enumerate(word):
        following = word[i + 1] if i + 1 < len(word) else ""
        if char == "ー" and i > 0:
            if word[i - 1] in _O_ROW and following not in "アイウエオ":
                out.append(word[:i] + "ウ" + word[i + 1:])
            if word[i - 1] in _E_ROW and following not in "アイウエオ":
                out.append(word[:i] + "イ" + word[i + 1:])
            out += [word[:i] + dash + word[i + 1:] for dash in ("－", "―")]
            if "ー" not in loose_key(word) and following:  # inside the word
                out.append(word[:i] + word[i + 1:])
        if char == "ウ" and i > 0 and word[i - 1] in _O_ROW and following not in "アイウエオァィェォ":
            out.append(word[:i] + "ー" + word[i + 1:])
    out += [word[:m.start()] + "チ" + word[m.end():] for m in re.finditer("ティ", word)]
    out += [word[:m.start()] + _F_TO_H[m.group()] + word[m.end():] for m in re.finditer("フ[ァィェォ]", word)
            if m.start() > 0]
    return [spelling for spelling in out if spelling != word]


RESPELLED = sorted(word for word in LOANWORDS.values() if respellings(word))


@SETTINGS
@given(data=st.data())
def test_respelled_loanwords_find_the_same_posts(index, data):
    word = data.draw(st.sampled_from(RESPELLED))
    variant = data.draw(st.sampled_from(respellings(word)))
    assert found(index, variant) == found(index, word), (word, variant)


@SETTINGS
@given(key=st.sampled_from(sorted(NAMES)), separator=st.sampled_from(["", "・", "＝", "=", "･"]))
def test_names_joined_any_way_find_the_same_posts(index, key, separator):
    first, last = NAMES[key]
    assert found(index, first + separator + last) == found(index, f"{first}・{last}")


@pytest.mark.parametrize("query, post", [("Visual モード", "visualmode-ja"), ("visual mode", "visualmode-ja"),
                                         ("VISUAL MODE", "visualmode-ja"), ("error message", "errormessage-ja"),
                                         ("エラー message", "errormessage-ja")])
def test_words_typed_apart_match_a_posts_one_katakana_word_fully(index, query, post):
    """Every word of the query matched (not a partial hit filled in): Visual is ビジュアル, and the
    two words typed apart are the one word the post writes, which Janome keeps whole."""
    page = search_posts(index, query)
    levels = {hit.post_id: hit.match_level for hit in page.hits}
    assert levels.get(post) == "full", levels


# -- a native word typed in hiragana is that word, not a loanword that sounds alike ---------------

NATIVE = [make_post("act", "心理", "人の行動を観察した。"), make_post("altitude", "登山", "高度が上がった。"),
          make_post("code", "実装", "コードを書いた。"), make_post("code-en", "実装2", "We wrote the code."),
          make_post("deploy", "運用", "デプロイを急いだ。")]


@pytest.fixture(scope="module")
def native_index(tmp_path_factory):
    return build_index(tmp_path_factory.mktemp("native"), NATIVE)


@pytest.mark.parametrize("query, expected", [
    ("こうどう", {"act"}), ("こうど", {"altitude"}),            # 行動, 高度: never コード or code
    ("こーど", {"code", "code-en"}), ("コード", {"code", "code-en"}),  # the loanword, as typed
    ("でぷろい", {"deploy"}),                                   # no native word: the loanword
])
def test_a_hiragana_word_the_site_writes_in_kanji_is_that_word(native_index, query, expected):
    page = search_posts(native_index, query)
    assert ids(page) == expected
    kinds = {v["kind"] for v in page.query_analysis["words"][0].get("variants", [])}
    assert ("english" in kinds) == (query in ("こーど", "コード", "でぷろい")), kinds


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(["こうどう", "こうど"]), st.sampled_from([None, "コード", "コウド", "コードー"]))
def test_native_word_needs_a_kanji_spelling_in_the_index(word, katakana_key):
    """Only a key with kanji (``コウドウ/行動``) makes a hiragana word native; kana keys do not."""
    from search.analysis.query_analysis import native_word

    reading = {"こうどう": "コウドウ", "こうど": "コウド"}[word]
    keys = {f"{reading}/": False, f"{reading}/{'行動' if word == 'こうどう' else '高度'}": True}
    for key, native in keys.items():
        held = [key] + ([f"~{katakana_key}"] if katakana_key else [])
        assert native_word(word, lambda prefix: [k for k in held if k.startswith(prefix)]) is native
    assert not native_word(word.replace("う", "ー"), lambda prefix: list(keys))  # こーど: typed as a loanword
    assert not native_word(reading, lambda prefix: list(keys))                  # typed in katakana


# -- half a katakana word, and a word that is the start of another -------------------------------

HALVES = [make_post("install", "手順", "ツールをインストールした。"), make_post("server", "運用", "サーバーを立てた。"),
          make_post("serval", "動物園", "サーバルを見た。"), make_post("template", "雛形", "テンプレートを直した。"),
          make_post("download", "配布", "ダウンロードが遅い。"), make_post("controller", "設計", "コントローラーを分けた。"),
          make_post("instructor", "講習", "インストラクターに習った。"), make_post("templar", "歴史", "テンプル騎士団を調べた。")]


@pytest.fixture(scope="module")
def halves_index(tmp_path_factory):
    return build_index(tmp_path_factory.mktemp("halves"), HALVES)


@pytest.mark.parametrize("query, expected", [
    ("インスト", {"install", "instructor"}), ("いんすと", {"install", "instructor"}), ("インストー", {"install", "instructor"}),
    ("サーバ", {"server"}), ("サーバー", {"server"}),   # a word of the site: not inside サーバル
    ("サーバル", {"serval"}),
])
def test_half_a_katakana_word_finds_it_and_a_word_not_the_longer_one(halves_index, query, expected):
    assert found(halves_index, query) == expected


@settings(max_examples=60, deadline=None)
@given(st.sampled_from([("install", "インストール"), ("template", "テンプレート"), ("download", "ダウンロード"),
                        ("controller", "コントローラー")]), st.integers(min_value=4, max_value=6), st.booleans())
def test_any_start_of_four_or_more_kana_finds_the_word(halves_index, word, length, hiragana):
    post_id, katakana = word
    start = katakana[:min(length, len(katakana) - 1)]
    query = jaconv.kata2hira(start) if hiragana else start
    assert post_id in found(halves_index, query), query
