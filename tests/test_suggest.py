"""Suggestions (titles, tags, index terms; readings; IME tails) and "did you mean" (search.assist.corrections)."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path

import pytest

from factories import build_index, make_post
from search.assist.corrections import did_you_mean
from search.indexing.generations import current_generation
from search.indexing.index import open_index
from search.indexing.rebuild import rebuild_index
from search.indexing.update import update_index
from search.assist.suggest import MAX_SUGGEST_CHARS, suggest
from search.indexing.vocabulary import VOCABULARY_FILE, Vocabulary, search_key
from search.indexing.candidates import build_vocabulary, vocabulary_of
from search.indexing.version_cache import VersionCache

POSTS = [
    make_post("tokyo-1", "東京タワーの夜景", "東京の夜景を撮った。投資の話はしない。", tags=("東京", "写真")),
    make_post("tokyo-2", "週末の散歩", "東京を散歩した。サーバーの話も少し。", tags=("散歩",)),
    make_post("invest-1", "投資信託の始め方", "投資信託で投資を始める。形態素解析とは関係ない。", tags=("投資",)),
    make_post("invest-2", "長期投資の考え方", "長期の投資について。サーバー代も投資のうち。", tags=("投資",)),
    make_post("cloud-1", "クラウドの費用", "クラウドの費用を見直す。AWS のサーバーを減らした。", tags=("AWS", "クラウド")),
    make_post("cloud-2", "クラウド移行の記録", "クラウドに移行した。AWS の形態素解析サービスも試した。", tags=("AWS",)),
    make_post("search-1", "全文検索の仕組み", "検索の索引は形態素解析で作る。Python で書いた。", tags=("検索", "Python")),
    make_post("search-2", "検索エンジンを作る", "検索エンジンを Python で作った。形態素解析を使う。", tags=("検索",)),
]


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    return build_index(tmp_path_factory.mktemp("suggest"), POSTS)


@pytest.fixture(scope="module")
def cache():
    from search.indexing.candidates import build_vocabulary as build

    return VersionCache(build, "test-suggest")


def texts(suggestions, kind=None):
    return [s.text for s in suggestions if kind is None or s.kind == kind]


@pytest.mark.parametrize("typed, expected", [
    ("とう", {"東京", "投資"}),          # hiragana completes kanji words by reading
    ("トウ", {"東京", "投資"}),          # katakana input too
    ("くら", {"クラウド"}),             # hiragana completes a katakana word
    ("ｸﾗ", {"クラウド"}),              # half-width katakana
    ("aw", {"AWS"}),                  # Latin, shown as the posts write it
    ("ＡＷ", {"AWS"}),                  # full width
    ("けいたい", {"形態素"}),          # a word of the index (形態素解析 is 形態素 + 解析)
    ("さーば", {"サーバー"}),            # spelled as in the posts, with the long vowel
    ("けんs", {"検索"}),                # IME still converting: romaji tail
    ("東", {"東京"}),
])
def test_completions(index, cache, typed, expected):
    words = set(texts(suggest(index, typed, cache=cache), kind=None)) - set(texts(suggest(index, typed, cache=cache), "title"))
    assert expected <= words, (typed, words)


def test_words_are_completed_by_every_reading_the_dictionary_gives_them(tmp_path, monkeypatch):
    """IPADIC reads 日本 ニッポン first and 今日 キョウ: にほ and こんに complete them too, by
    word and by tag, also from the vocabulary file a rebuild saves."""
    posts = tmp_path / "posts"
    posts.mkdir()
    for name, title, tags, body in [("a", "旅行", "[日本]", "日本の今日の天気。"), ("b", "歴史", "[]", "日本の歴史と今日の話。"),
                                    ("c", "猫", "[]", "猫の話。")]:
        (posts / f"2024-01-01-{name}.md").write_text(f"---\ntitle: {title}\ntags: {tags}\n---\n\n{body}\n",
                                                     encoding="utf-8")
    rebuild_index(posts, tmp_path / "index")
    index = open_index(tmp_path / "index")
    assert (current_generation(tmp_path / "index") / VOCABULARY_FILE).is_file()
    monkeypatch.setattr("search.indexing.candidates.build_vocabulary", lambda s: pytest.fail("built, not loaded"))
    cache = VersionCache(vocabulary_of, "test-suggest-readings")
    assert ("日本", "tag") in {(s.text, s.kind) for s in suggest(index, "にほ", cache=cache)}
    assert ("日本", "tag") in {(s.text, s.kind) for s in suggest(index, "にっぽ", cache=cache)}
    assert "今日" in texts(suggest(index, "こんにち", cache=cache), "term")
    assert "今日" in texts(suggest(index, "きょ", cache=cache), "term")


def test_a_tag_that_is_also_a_category_is_suggested_once(tmp_path):
    """A word the posts carry as a tag and as a category (or in another letter case) is one
    suggestion, of the kind carried by more posts (a tag when as many)."""
    posts = [make_post("a", "費用", "本文。", tags=("クラウド", "AWS"), categories=("クラウド",)),
             make_post("b", "移行", "本文。", tags=("クラウド",), categories=("aws",)),
             make_post("c", "設計", "本文。", categories=("aws",))]
    index = build_index(tmp_path, posts)
    cache = VersionCache(build_vocabulary, "test-suggest-once")
    found = suggest(index, "くら", cache=cache)
    assert [(s.text, s.kind, s.posts) for s in found if s.kind != "title"] == [("クラウド", "tag", 2)]
    found = suggest(index, "aw", cache=cache)
    assert [(s.text, s.kind, s.posts) for s in found if s.kind != "title"] == [("aws", "category", 2)]


def test_romaji_tail_narrows_the_next_kana(index, cache):
    assert "検索" not in texts(suggest(index, "けんm", cache=cache))
    assert suggest(index, "けんq", cache=cache) == []


def test_tags_rank_first_and_carry_counts(index, cache):
    found = suggest(index, "とう", cache=cache)
    first = found[0]
    assert (first.kind, first.posts) in {("tag", 2), ("tag", 1)}
    invest = next(s for s in found if s.text == "投資")
    assert invest.kind == "tag" and invest.posts == 2 and invest.reading == "トウシ"


def test_no_verbs_particles_or_hiragana_words(index, cache):
    vocabulary = cache.get(index)
    words = {c.text for c in vocabulary.candidates if c.kind == "term"}
    assert not words & {"する", "スル", "作る", "使う", "の", "こと"}
    assert all(not search_key(w).startswith("http") for w in words)


def test_titles(index, cache):
    found = suggest(index, "くらうど", cache=cache)
    titles = [s for s in found if s.kind == "title"]
    assert {s.text for s in titles} == {"クラウドの費用", "クラウド移行の記録"}
    assert all(s.url.startswith("/cloud-") and s.query == s.text for s in titles)
    assert found.index(titles[0]) > max(found.index(s) for s in found if s.kind != "title")


def test_last_word_is_completed(index, cache):
    found = suggest(index, "東京　とう", cache=cache)
    assert "東京 投資" in [s.query for s in found if s.kind != "title"]


@pytest.mark.parametrize("typed", ["", " ", "\u3000", "x" * (MAX_SUGGEST_CHARS + 1), "zzzz", "の"])
def test_nothing_to_suggest(index, cache, typed):
    assert suggest(index, typed, cache=cache) == []


def test_limit(index, cache):
    assert len(suggest(index, "と", limit=1, cache=cache)) == 1
    with pytest.raises(ValueError):
        suggest(index, "と", limit=0, cache=cache)
    with pytest.raises(ValueError):
        suggest(index, "と", limit=21, cache=cache)


def test_json_shape(index, cache):
    [word] = suggest(index, "aw", limit=1, cache=cache)
    assert word.to_json() == {"text": "AWS", "query": "AWS", "kind": "tag", "reading": "", "posts": 2}
    title = next(s for s in suggest(index, "クラウド移", cache=cache) if s.kind == "title")
    assert title.to_json()["url"] == "/cloud-2/"


@pytest.mark.parametrize("q, expected", [
    ("検策", "検索"),                  # wrong kanji, same reading (変換ミス)
    ("検策エンジン", "検索エンジン"),
    ("pyhton", "Python"),            # typo in a Latin word
    ("けんさくエンジン", "検索エンジン"),  # a compound typed in hiragana, re-spelled by reading
    ("量子コンピュータ", None),          # nothing close
])
def test_did_you_mean(index, cache, q, expected):
    assert did_you_mean(index, q, cache=cache) == expected


def test_did_you_mean_keeps_operators(index, cache):
    assert did_you_mean(index, 'pyhton -"東京"', cache=cache) == 'Python -"東京"'
    assert did_you_mean(index, "pyhton ー検策", cache=cache) == "Python ー検策"  # ー: "-" in an input mode


def test_vocabulary_of_an_empty_index(tmp_path):
    empty = build_index(tmp_path, [])
    with empty.searcher() as searcher:
        assert len(build_vocabulary(searcher)) == 0
    assert suggest(empty, "と", cache=VersionCache(build_vocabulary, "t")) == []


class FakeIndex:
    """An index whose version and content a test changes."""

    def __init__(self, index_root: str = "index") -> None:
        self.index_root = Path(index_root)
        self.cache_key = (index_root, "v1")
        self.data = "one"

    @contextmanager
    def searcher(self):
        yield self.data


def test_version_cache_builds_once_per_version_and_serves_the_old_one_meanwhile():
    release = threading.Event()
    builds = []

    def build(searcher):
        builds.append(searcher)
        if searcher == "two":
            assert release.wait(10)
        return searcher

    index = FakeIndex()
    cache = VersionCache(build, "test")
    assert cache.get(index) == "one" and cache.get(index) == "one"
    index.cache_key, index.data = ("index", "v2"), "two"
    assert cache.get(index) == "one"          # the new version is being built in the background
    release.set()
    for _ in range(200):
        if cache.get(index) == "two":
            break
        threading.Event().wait(0.05)
    assert cache.get(index) == "two"
    assert builds == ["one", "two"]


def test_version_cache_never_answers_for_one_index_with_another_s_data():
    release = threading.Event()

    def build(searcher):
        if searcher == "other's":
            assert release.wait(10)
        return searcher

    cache = VersionCache(build, "test")
    first, other = FakeIndex("first"), FakeIndex("other")
    other.data = "other's"
    assert cache.get(first) == "one"
    assert cache.get(other, wait=False) is None  # still being built: nothing, not the first index's
    release.set()
    assert cache.get(other) == "other's"
    assert cache.get(first) == "one"


def test_did_you_mean_after_another_index(index, tmp_path):
    """Each app of a process (a test's) has its own index: the vocabulary of one must not
    correct the queries of the next (test_owner_settings' synonyms before test_did_you_mean)."""
    other = build_index(tmp_path, [make_post("food", "料理", "味噌汁を作った。")])
    cache = VersionCache(build_vocabulary, "test-two-indexes")
    assert did_you_mean(other, "みそしる", cache=cache) is None
    assert did_you_mean(index, "pyhton", cache=cache) == "Python"
    assert texts(suggest(index, "とう", cache=cache)) and not texts(suggest(other, "とう", cache=cache))


def test_version_cache_without_wait():
    index = FakeIndex()
    cache = VersionCache(lambda searcher: searcher, "test")
    first = cache.get(index, wait=False)
    assert first in (None, "one")
    assert cache.get(index) == "one"


#: Words the user dictionary keeps whole and Janome's own dictionary cuts into pieces, each piece
#: seen only inside its word here: クラウド (クラ + ウド), 脆弱性 (脆弱 + 性); and プロキシ (プロ + キシ),
#: whose プロ also stands on its own in four posts. Janome alone cuts エンコード (エン + コード), a word
#: of no dictionary, and エン gives way to エンジニア, a word of as many posts (and a tag).
PIECE_POSTS = [
    make_post("bill", "クラウドの請求書", "毎月クラウドの請求書を確かめる。", tags=("クラウド",)),
    make_post("proxy-1", "社内ネットワーク", "社内のプロキシを通してクラウドにつないだ。"),
    make_post("proxy-2", "引っ越し", "手元のサーバーをクラウドへ移した。プロキシの記録も読んだ。"),
    make_post("proxy-3", "接続の不調", "プロキシが落ちていた。"),
    make_post("patch-1", "ライブラリの更新", "脆弱性の知らせを受けて、すぐに更新した。"),
    make_post("patch-2", "診断の依頼", "外部に脆弱性の診断を頼んだ。"),
    make_post("chef", "料理教室", "プロの料理人に包丁の研ぎ方を教わった。"),
    make_post("baseball", "野球観戦", "プロの選手の投球は速かった。"),
    make_post("photo", "記念写真", "プロの写真家に撮ってもらった。"),
    make_post("camera", "新しいカメラ", "プロ向けのカメラを買った。"),
    make_post("encode-1", "文字化け", "文字列をエンコードしてから送る。エンジニアの基本だ。", tags=("エンジニア",)),
    make_post("encode-2", "画像の変換", "画像をエンコードし直した。エンジニアに相談した。"),
    make_post("encode-3", "動画の圧縮", "動画のエンコードに時間がかかる。エンジニアの腕の見せ所だ。"),
]


@pytest.fixture(scope="module")
def piece_index(tmp_path_factory):
    return build_index(tmp_path_factory.mktemp("pieces"), PIECE_POSTS)


@pytest.fixture(scope="module")
def piece_cache():
    return VersionCache(build_vocabulary, "test-pieces")


@pytest.mark.parametrize("typed, word, piece", [
    ("くら", "クラウド", "クラ"),      # the word is also a tag: the piece outranked the tag
    ("クラ", "クラウド", "クラ"),
    ("ぜいじゃく", "脆弱性", "脆弱"),  # kanji: the shorter piece came first at equal counts
    ("脆弱", "脆弱性", "脆弱"),
])
def test_a_piece_seen_only_inside_a_word_is_not_offered(piece_index, piece_cache, typed, word, piece):
    offered = texts(suggest(piece_index, typed, cache=piece_cache))
    assert word in offered and piece not in offered, offered


@pytest.mark.parametrize("typed, piece", [("うど", "ウド"), ("きし", "キシ"), ("キシ", "キシ")])
def test_the_inner_pieces_of_a_word_are_not_offered(piece_index, piece_cache, typed, piece):
    assert piece not in texts(suggest(piece_index, typed, cache=piece_cache))


def test_a_piece_that_also_stands_alone_counts_only_those_posts(piece_index, piece_cache):
    offered = [s for s in suggest(piece_index, "ぷろ", cache=piece_cache) if s.kind != "title"]
    assert [(s.text, s.posts) for s in offered] == [("プロ", 4), ("プロキシ", 3)]


def test_a_fragment_janome_cuts_gives_way_to_a_longer_word_also_a_tag(piece_index, piece_cache):
    offered = texts(suggest(piece_index, "えん", cache=piece_cache))
    assert "エンジニア" in offered and "エン" not in offered, offered


def test_vocabulary_lookup_prefers_heavier_candidates():
    from search.indexing.vocabulary import Candidate

    vocabulary = Vocabulary([Candidate("投資", "term", "トウシ", 2), Candidate("東京", "tag", "トウキョウ", 1),
                             Candidate("トウフ", "term", "トウフ", 1)])
    assert [c.text for c in vocabulary.lookup("トウ")] == ["東京", "投資", "トウフ"]
    assert [c.text for c in vocabulary.lookup("トウ", kinds=("term",), limit=1)] == ["投資"]
    assert [c.text for c in vocabulary.lookup("トウ", next_kana="シ")] == ["投資"]


def test_did_you_mean_without_waiting(index):
    release = threading.Event()

    def slow_build(searcher):
        release.wait(10)
        return build_vocabulary(searcher)

    cache = VersionCache(slow_build, "test-slow")
    assert did_you_mean(index, "pyhton", cache=cache, wait=False) is None
    release.set()
    assert did_you_mean(index, "pyhton", cache=cache) == "Python"


def test_a_rebuild_saves_the_vocabulary_and_servers_load_it(tmp_path, posts_dir, monkeypatch):
    rebuild_index(posts_dir, tmp_path / "index")
    index = open_index(tmp_path / "index")
    saved = current_generation(tmp_path / "index") / VOCABULARY_FILE
    assert saved.is_file()
    with index.searcher() as searcher:
        built = build_vocabulary(searcher)
        monkeypatch.setattr("search.indexing.candidates.build_vocabulary", lambda s: pytest.fail("built, not loaded"))
        loaded = vocabulary_of(searcher)
    assert loaded.candidates == built.candidates and loaded.keys == built.keys


def test_an_update_does_not_keep_a_stale_vocabulary(tmp_path, make_posts_dir):
    posts = make_posts_dir(tmp_path / "posts")
    rebuild_index(posts, tmp_path / "index")
    (posts / "new.md").write_text("---\ntitle: 新しい記事\n---\n\nコンパイラの話。\n", encoding="utf-8")
    update_index(posts, tmp_path / "index")
    assert not (current_generation(tmp_path / "index") / VOCABULARY_FILE).exists()
    with open_index(tmp_path / "index").searcher() as searcher:  # built afresh, with the new post
        assert any(c.text == "新しい記事" for c in vocabulary_of(searcher).candidates)


def test_a_word_written_with_a_kanji_variant_is_suggested_as_the_posts_write_it(tmp_path):
    posts = [make_post("a", "挨拶", "髙橋さんに会った。"), make_post("b", "報告", "髙橋さんの報告。"),
             make_post("c", "猫", "猫の話。")]
    index = build_index(tmp_path, posts)
    cache = VersionCache(build_vocabulary, "test-suggest-variants")
    assert "髙橋" in texts(suggest(index, "たかは", cache=cache), "term")
    assert "髙橋" in texts(suggest(index, "高橋", cache=cache), "term")


@pytest.mark.parametrize("which", ["index", "piece_index"])
def test_the_vocabulary_worked_out_in_two_processes_is_the_serial_one(which, request, monkeypatch, caplog):
    import os

    from search.indexing import fork_map

    chosen = request.getfixturevalue(which)
    forks = []
    real_fork = os.fork

    def counting_fork():
        forks.append(1)
        return real_fork()

    with chosen.searcher() as searcher:
        serial = build_vocabulary(searcher)
        monkeypatch.setattr(fork_map, "FORK_MIN_ITEMS", 0)
        monkeypatch.setattr(fork_map, "fork_safe", lambda: True)  # (threads other tests left)
        monkeypatch.setattr(fork_map.os, "fork", counting_fork)
        forked = build_vocabulary(searcher, fork=True)
    assert forks == [1] and "a forked child failed" not in caplog.text  # the child's words were used
    assert len(serial) > 10
    assert forked.candidates == serial.candidates and forked.keys == serial.keys
