"""The workers' faster analysis (issue 14: less CPU outside Janome) indexes exactly what it did:

* ``field_postings`` (our postings without Whoosh's token stream) gives ``list(field.index(value))``
  for every text field, on fixture texts and generated ones;
* every text field's postings of fixture texts equal the golden file written with the code before
  the analysis was made faster (``tests/data/analysis/field_postings.jsonl``,
  ``python -m tests.analysis_fixture``), so a faster n-gram, reading or morpheme path that changed
  a term, a position or an offset fails here;
* a rebuild of fixture posts writes the same segment, byte for byte, with and without it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from search.analysis import morphemes, ngrams, normalize, symbols
from search.analysis.readings import AnnotatedText
from search.indexing import pipeline
from search.indexing.field_postings import field_postings
from search.indexing.rebuild import rebuild_index
from search.indexing.schema import build_schema
from tests import analysis_fixture
from tests.test_indexing import index_contents, write_post_files
from tests.test_term_writer import segment_files

GOLDEN = Path(__file__).parent / "data" / "analysis" / "field_postings.jsonl"


@pytest.fixture(scope="module")
def dictionary(tmp_path_factory) -> str:
    return analysis_fixture.dictionary_file(tmp_path_factory.mktemp("dictionary"))


def _text_fields(dictionary: str):
    schema = build_schema(dictionary)
    return [(name, schema[name]) for name in schema.names() if type(schema[name]).__name__ == "TEXT"]


def test_the_fixture_texts_give_the_postings_they_gave_before(dictionary):
    found = analysis_fixture.all_postings(dictionary, lambda field, value: field_postings(field, value))
    got = [[name, *posting] for name, postings in found.items() for posting in postings]
    expected = [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines()]
    assert len(got) == len(expected) > 1000
    for got_posting, expected_posting in zip(got, expected):
        assert got_posting == expected_posting


def test_every_text_field_gives_what_whoosh_gives(dictionary):
    values = [*analysis_fixture.TEXTS, *(AnnotatedText(t, r) for t, r in analysis_fixture.RUBY_TEXTS)]
    for name, field in _text_fields(dictionary):
        for value in values:
            assert field_postings(field, value) == list(field.index(value)), (name, value)


_PIECES = st.sampled_from([
    "東京", "都庁", "結合テスト", "テスト", "生成AI", "Next.js入門", "量子計算機", "猫カフェ", "の", "を", "した",
    "サーバー", "ヴァ", "ウィ", "ー", "ｶﾞ", "か\u3099", "゛", "々", "ゞ", "1,000", "第五章", "3ヶ国", "C#", "Node.js",
    "👍", "1️⃣", "・", "＝", " ", "\u3000", "\n", "\t", "、", "。", "!?", "ＡＢＣ", "abc", "Straße", "髙", "お勧め",
    "書き込み", "インターフェース", "スティーブ・ジョブズ", "x += 1", "―", "-", "2",
])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_PIECES | st.text(max_size=3), max_size=14).map("".join))
def test_generated_texts_give_what_whoosh_gives(dictionary, text):
    for name, field in _text_fields(dictionary):
        assert field_postings(field, text) == list(field.index(text)), name


def test_other_values_are_left_to_whoosh(dictionary):
    schema = build_schema(dictionary)
    assert field_postings(schema["title"], ["a", "b"]) is None  # a list of terms: Whoosh's entoken
    assert field_postings(schema["post_id"], "p1") is None  # not our analyzer
    assert field_postings(schema["tag"], "a,b") is None


def test_a_rebuild_writes_the_same_segment_with_and_without_it(tmp_path, monkeypatch):
    posts = tmp_path / "posts"
    write_post_files(posts, 12, sentences=4)
    (posts / "2024").mkdir(exist_ok=True)
    (posts / "2024" / "2024-02-03-ruby.md").write_text(
        "---\ntitle: 東京都庁の結合テスト\ntags: [結合テスト, 生成AI]\n---\n"
        + "\n\n".join(analysis_fixture.TEXTS[:10]) + "\n\n<ruby>小鳥遊<rt>たかなし</rt></ruby>さん\n",
        encoding="utf-8")
    with monkeypatch.context() as patch:
        patch.setattr(pipeline, "field_postings", lambda field, value: None)
        rebuild_index(posts, tmp_path / "whoosh", jobs=1)
    rebuild_index(posts, tmp_path / "ours", jobs=1)
    expected, got = segment_files(tmp_path / "whoosh"), segment_files(tmp_path / "ours")
    assert sorted(got) == sorted(expected)
    for name in expected:
        assert got[name] == expected[name], name
    assert index_contents(tmp_path / "ours") == index_contents(tmp_path / "whoosh")


_CHARS = st.sampled_from(list("あア亜ａＡ１，,・＝ｶﾊﾟﾞﾟ゛゜\u3099\u309a㈱①…ﬁ ̈e\u0301\u3000 \n髙—-ー")) | st.characters()


@settings(max_examples=300, deadline=None)
@given(st.lists(_CHARS, max_size=30).map("".join))
def test_normalizing_character_by_character_equals_cluster_by_cluster(text):
    chars = {c: normalize._char_nfkc(c) for c in set(text)}
    if any(mark for _, mark in chars.values()):  # the by-character path is only taken without marks
        text = "".join(c for c in text if not chars[c][1])
        chars = {c: chars[c] for c in set(text)}
    assert normalize._normalize_chars(text, chars) == normalize._normalize_clusters(text)


_SYMBOLIC = st.sampled_from(["C#", "Node.js", ".NET", "@types/node", "👍", "1️⃣", "🇯🇵", "❤️", "x-1", "a.b", "\n", "\r\n",
                             " ", "東京", "abc", "#", "+", "-", "/", "@", "c++", "\u200d", "\ufe0f"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_SYMBOLIC | st.text(max_size=2), max_size=20).map("".join))
def test_a_lines_names_and_emoji_are_those_found_in_the_line_alone(text):
    lines = text.split("\n")
    assert list(symbols.spans_by_line(text, lines)) == [symbols.symbol_spans(line) for line in lines]


_KANA_MIX = st.sampled_from(list("アイウエオカキクケコーヴァィゥェォヶヵヂヅ・=･ \u3000々ゝゞあいうえお漢字ABCabcßİ1２\n。、"))


@settings(max_examples=300, deadline=None)
@given(st.lists(_KANA_MIX | st.characters(), max_size=30).map("".join))
def test_folding_a_text_whole_equals_folding_it_character_by_character(text):
    normalized = normalize.normalize_with_offsets(text)
    assert ngrams._folded_chars(normalized) == ngrams._folded_chars(normalized, one_for_one=False)


def test_a_warm_rebuild_takes_the_other_readings_from_the_cache(tmp_path, monkeypatch):
    posts = tmp_path / "posts"
    write_post_files(posts, 6, sentences=3)
    (posts / "2024").mkdir(exist_ok=True)
    (posts / "2024" / "2024-02-03-days.md").write_text(
        "---\ntitle: 今日と明日\n---\n日本の今日、明日の何か。\n", encoding="utf-8")
    monkeypatch.setattr(morphemes, "_words", {})  # as in a new process: no word worked out yet
    rebuild_index(posts, tmp_path / "index", jobs=1)
    expected = index_contents(tmp_path / "index")
    looked_up = []
    original = morphemes.other_readings

    def counting(*args):
        looked_up.append(args)
        return original(*args)

    monkeypatch.setattr(morphemes, "other_readings", counting)
    monkeypatch.setattr(morphemes, "_words", {})
    rebuild_index(posts, tmp_path / "index", jobs=1)
    assert looked_up == [] and index_contents(tmp_path / "index") == expected
    (tmp_path / "index" / "morphemes.cache").unlink()  # without the cache, each word is looked up
    monkeypatch.setattr(morphemes, "_words", {})
    rebuild_index(posts, tmp_path / "index", jobs=1)
    assert ("明日", "名詞,副詞可能,*,*", "アシタ") in looked_up and index_contents(tmp_path / "index") == expected
