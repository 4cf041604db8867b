"""Analysis: Janome morphemes with exact offsets, word / n-gram / reading tokenizers."""

import pickle
import threading
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search.analysis.morphemes import STOP_TAGS, morphemes
from search.analysis.ngrams import is_cjk, ngrams
from search.analysis.analyzers import ngram_analyzer, query_terms, reading_analyzer, word_analyzer
from search.analysis.readings import reading_segmentations


def terms(text):
    return [t.text for t in word_analyzer()(text)]


@pytest.mark.parametrize("text", [
    "東京都庁を見学した。",
    "\n\n  先頭に空行がある本文。ＡＷＳとｶﾀｶﾅ",
    "ｶﾞｷﾞ㍿と１，０００円\n\n\u3000全角スペースの後",
    "週末は a beautiful day でした。",
    "CVE-2024-1234 の脆弱性",
])
def test_offsets_point_at_original_characters(text):
    for token in word_analyzer()(text, chars=True, removestops=False):
        original = text[token.startchar:token.endchar]
        assert original.strip() == original and original
    for m in morphemes(text):
        import unicodedata
        shown = unicodedata.normalize("NFKC", text[m.start:m.end]).replace(",", "")
        assert shown == m.surface


def test_one_character_words_are_kept():
    assert "猫" in terms("猫が好き")
    assert terms("東京都") == ["東京", "都"]


def test_particles_and_punctuation_are_dropped():
    assert terms("東京の天気。") == ["東京", "天気"]
    assert terms("の") == []
    assert terms("、。！？「」") == []
    assert "-" not in terms("CVE-2024-1234")


def test_inflected_forms_become_base_forms():
    assert terms("投資した") == terms("投資する") == ["投資", "スル"]
    assert terms("美しかった")[0] == terms("美しい")[0]


def test_width_and_case_fold():
    assert terms("ＡＷＳ") == terms("aws") == terms("AWS") == ["aws"]


def test_positions_keep_stop_gaps():
    positions = [t.pos for t in word_analyzer()("東京の都", positions=True)]  # tokens are reused: read as they come
    assert positions == [0, 2]


def test_stop_tags_constant():
    assert {"助詞", "助動詞", "記号"} <= STOP_TAGS
    assert "名詞" not in STOP_TAGS and "動詞" not in STOP_TAGS


def test_ngrams_of_compound():
    assert [g.text for g in ngrams("東京都庁")] == ["東京", "東", "京都", "京", "都庁", "都", "庁"]
    assert [g.text for g in ngrams("東京都庁", query=True)] == ["東京", "京都", "都庁"]
    assert [g.text for g in ngrams("猫")] == ["猫"]


@pytest.mark.parametrize("text", ["人々が集まる東京都庁", "ｶﾞｷﾞの国際空港とＡＷＳ", "データ基盤は〇〇", "猫"])
def test_each_kanji_is_also_a_unigram_at_its_own_position(text):
    """A one-kanji query is one term: every kanji has a unigram at the position of the bigram it
    starts, spanning exactly that character; kana have one only at the end of a run."""
    grams = ngrams(text)
    unigrams = {(g.position, g.start, g.end): g.text for g in grams if len(g.text) == 1}
    for gram in grams:
        if len(gram.text) == 2:
            first = gram.text[0]
            expected = None if "\u3041" <= first <= "\u30ff" else first
            assert unigrams.get((gram.position, gram.start, gram.start + 1)) == expected, (text, gram)
    shown = {text[start:end] for (_, start, end), char in unigrams.items()}
    assert all(len(unicodedata.normalize("NFKC", s)) == 1 for s in shown)  # ｷﾞ is one character, ギ


def test_ngrams_fold_width_kana_and_long_vowel():
    assert [g.text for g in ngrams("ﾘﾝｺﾞ", query=True)] == [g.text for g in ngrams("りんご", query=True)]
    assert [g.text for g in ngrams("サーバー", query=True)] == [g.text for g in ngrams("サーバ", query=True)]
    assert [g.text for g in ngrams("ＵＳＢケーブル")][0] == "usb"


MIXED_TEXTS = ["これは生成AIです", "AWSの移行は東京で", "Ruby3.3の新機能とYJIT", "人々が集まる東京都庁", "ＧＰＴ－４で要約した記事",
               "クラウドとAI、そしてデータ基盤", "日本語と English の mixed テキスト"]


@pytest.mark.parametrize("text", MIXED_TEXTS)
def test_query_grams_of_any_cut_of_a_text_stand_at_its_offsets(text):
    """A query cut from a post's text where its kind of characters changes (kana and kanji,
    letters and digits, spaces and punctuation): its grams must all be found among the post's
    grams at one common offset, so a quoted phrase or a fragment match spanning kanji and
    letters (生成AI, AWSの移行) matches."""
    def kind(char: str) -> str:
        char = unicodedata.normalize("NFKC", char)
        return "w" if char.isascii() and char.isalnum() else "c" if is_cjk(char) else "s"

    document = {(g.text, g.position) for g in ngrams(text)}
    cuts = [i for i in range(1, len(text)) if kind(text[i - 1]) != kind(text[i])]
    for i in [0] + cuts:
        for j in [c for c in cuts + [len(text)] if c > i]:
            query = ngrams(text[i:j], query=True)
            if not query:
                continue
            offsets = {p - query[0].position for t, p in document if t == query[0].text}
            assert any(all((g.text, g.position + o) in document for g in query) for o in offsets), text[i:j]


def test_ngram_offsets():
    text = "ｶﾞｷﾞの\u3000ＡＷＳ成長"
    for g in ngrams(text):
        assert text[g.start:g.end]
    grams = {g.text: text[g.start:g.end] for g in ngrams(text)}
    assert grams["aws"] == "ＡＷＳ" and grams["ガギ"] == "ｶﾞｷﾞ"


def test_readings_are_one_term_per_word_at_its_position():
    tokens = [(t.text, t.pos) for t in reading_analyzer()("投資した", positions=True)]
    assert [t for t in tokens if "/" not in t[0]] == [("トウシ", 0), ("シ", 1), ("タ", 2)]
    # each content word also has its spelling key (reading of the dictionary form / kanji)
    assert [t for t in tokens if "/" in t[0]] == [("トウシ/投資", 0), ("スル/", 1)]
    text = "東京都、ＡＷＳの人口とサーバー"
    tokens = [(t.text, t.pos, text[t.startchar:t.endchar]) for t in reading_analyzer()(text, positions=True, chars=True)]
    found = [t for t in tokens if "/" not in t[0] and not t[0].startswith("~")]
    # punctuation and Latin letters have no reading (AWS leaves a gap); long vowels fold like terms
    assert found == [("トウキョウ", 0, "東京"), ("ト", 1, "都"), ("ノ", 3, "の"), ("ジンコウ", 4, "人口"),
                     ("ト", 5, "と"), ("サーバ", 6, "サーバー")]
    # a katakana word also has its loose key (another spelling of the loanword: issue 17)
    assert [t for t in tokens if t[0].startswith("~")] == [("~サーバ", 6, "サーバー")]


@pytest.mark.parametrize("text, word, readings", [
    ("日本の話", "日本", {"ニッポン", "ニホン"}),      # Janome picks ニッポン; most people type にほん
    ("今日は晴れ", "今日", {"キョウ", "コンニチ"}),
    ("明日の予定", "明日", {"アシタ", "アス"}),        # not the place name アケビ (another part of speech)
    ("人気の店", "人気", {"ニンキ", "ヒトケ"}),
])
def test_a_word_read_several_ways_has_every_reading_at_its_position(text, word, readings):
    found = [(t.text, t.pos, text[t.startchar:t.endchar])
             for t in reading_analyzer()(text, positions=True, chars=True)
             if "/" not in t.text and not t.text.startswith("~")]  # keys aside
    assert {r for r, pos, shown in found if shown == word} == readings
    assert {pos for r, pos, shown in found if shown == word} == {0}


@pytest.mark.parametrize("text", ["サーバーの設定", "とうきょう", "東京都", "開発者", "私の物"])
def test_words_read_one_way_keep_one_reading(text):
    found = [(t.pos, t.text) for t in reading_analyzer()(text, positions=True)
             if "/" not in t.text and not t.text.startswith("~")]  # spelling and loose keys aside
    assert len({pos for pos, _ in found}) == len(found)


def test_reading_segmentations_fewest_indexed_words_first():
    readings = {"トウシ", "トウ", "シ", "トウキョウ", "ト", "キョウト", "サーバ", "セッテイ"}
    assert reading_segmentations("とうし", readings.__contains__) == [["トウシ"]]
    assert reading_segmentations("ﾄｳｼ", readings.__contains__) == [["トウシ"]]
    assert reading_segmentations("とうきょうと", readings.__contains__) == [["トウキョウ", "ト"], ["トウ", "キョウト"]]
    assert reading_segmentations("さーばーせってい", readings.__contains__) == [["サーバ", "セッテイ"]]
    assert reading_segmentations("きょうとし", readings.__contains__) == [["キョウト", "シ"]]
    assert reading_segmentations("ぱりし", readings.__contains__) == []  # no way made of indexed readings
    assert reading_segmentations("ab", readings.__contains__) == []


def test_reading_segmentations_are_bounded():
    asked = []
    found = reading_segmentations("あ" * 40, lambda t: asked.append(t) or True)
    assert len(found) <= 4 and all("".join(f) == "ア" * 40 for f in found)
    assert len(asked) <= 40 * 16


def test_query_terms_skip_stops():
    assert [m.term for m in query_terms("東京の観光")] == ["東京", "観光"]


def test_analyzers_pickle():
    for analyzer in (word_analyzer(), ngram_analyzer(), reading_analyzer()):
        assert pickle.loads(pickle.dumps(analyzer)) == analyzer


def test_thread_safety():
    texts = ["東京都庁を見学した。", "生成AIの投資が増えた。", "サーバーの設定を見直した。", "人々が集まる広場。"]
    expected = {t: terms(t) for t in texts}
    errors = []

    def work(seed):
        for i in range(60):
            text = texts[(seed + i) % len(texts)] + "。" * (i % 3)  # defeat the cache
            if terms(text) != expected[texts[(seed + i) % len(texts)]]:
                errors.append(text)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_janome_tokenizers_share_one_decoded_system_fst(tmp_path):
    """One decoded FST for all tokenizers (start-up of a one-post update, memory per server thread)."""
    from search.analysis.janome_tokenizers import janome_tokens, lock, tokenizer
    from search.analysis.dictionary import write_dictionary

    dictionary = tmp_path / "userdic.csv"
    write_dictionary([("生成AI", "セイセイエーアイ")], dictionary)
    with lock():
        base, user = tokenizer(None), tokenizer(str(dictionary))
    assert base.matcher.dict_data is user.matcher.dict_data
    text = "東京都で生成AIの投資が増えた。"
    assert janome_tokens(text, wakati=True) == ["東京", "都", "で", "生成", "AI", "の", "投資", "が", "増え", "た", "。"]
    assert "生成AI" in janome_tokens(text, str(dictionary), wakati=True)


def test_shared_janome_is_thread_safe():
    """One Janome tokenizer serves every thread of a process (janome_tokens holds a lock): without
    the lock, threads switching often get wrong tokens from Janome's shared matcher cache (seen in
    about 2 runs of 3 of this test)."""
    import sys

    from search.analysis.janome_tokenizers import janome_tokens

    lines = ["東京都庁を見学した。生成AIの投資が増えた。", "サーバーの設定を見直した。人々が集まる広場。",
             "形態素解析で全文検索を作る。", "クラウドのアーキテクチャを説明します。"]
    expected = {line: [str(t) for t in janome_tokens(line)] for line in lines}
    errors = []

    def work(seed):
        for i in range(150):
            line = lines[(seed + i) % len(lines)]
            if [str(t) for t in janome_tokens(line)] != expected[line]:
                errors.append(line)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    assert errors == []


@pytest.mark.parametrize("text, query, found", [
    ("アクセスした", "すし", False), ("ブローカーに渡す", "かに", False), ("ミスしない", "すし", False),
    ("すしを食べた", "すし", True), ("スシを食べた", "すし", True), ("インデックスシグネチャ", "すし", True),
    ("ググる", "ググる", True), ("キャプチャツール", "ぷちゃつ", True),
])
def test_ngrams_stop_where_hiragana_and_katakana_meet(text, query, found):
    """A change of script between kana is a word boundary: a query's grams are never found across
    it (アクセ|スし), but still inside a katakana compound, and a mixed word finds itself."""
    grams = {(g.text, g.position) for g in ngrams(text)}
    wanted = ngrams(query, query=True)
    hit = any(all((g.text, start + g.position - wanted[0].position) in grams for g in wanted)
              for start in range(len(text)))
    assert hit == found


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="あいうすしかにアイウスシカニー", min_size=2, max_size=12))
def test_no_bigram_spans_a_change_between_hiragana_and_katakana(text):
    for gram in ngrams(text):
        shown = text[gram.start:gram.end].replace("ー", "")
        if len(gram.text) == 2 and len(shown) == 2:
            assert not ({"\u3041" <= c <= "\u3096" for c in shown} == {True, False}), (text, gram)
