"""User dictionary: the words Janome should keep whole stay whole however a reader types their case."""

import pytest

from search.analysis.dictionary import SHIPPED_WORDS, dictionary_entries, read_word_list, write_dictionary
from search.querying.searcher import search_posts
from search.querying.clauses import word_morphemes
from tests.factories import build_index, ids, make_post

LATIN_WORDS = sorted({w for w, _ in read_word_list(SHIPPED_WORDS)
                      if any(c.isascii() and c.isalpha() for c in w) and not w.isascii()})


@pytest.fixture(scope="module")
def dictionary(tmp_path_factory):
    path = tmp_path_factory.mktemp("dic") / "userdic.csv"
    write_dictionary(dictionary_entries(["Next.js入門", "生成AIガイド"]), path)
    return str(path)


def test_entries_with_latin_letters_come_in_every_case():
    entries = dict(dictionary_entries(["Rust製ツール"]))
    assert entries["生成AI"] == entries["生成ai"] == entries["生成AI".upper()]
    assert "rust製ツール" in entries and "RUST製ツール" in entries  # a tag's too


def test_the_shipped_list_has_words_with_latin_letters():
    assert "生成AI" in LATIN_WORDS  # else the test below tests only the tags


@pytest.mark.parametrize("word", LATIN_WORDS + ["Next.js入門", "生成AIガイド"])
def test_a_word_typed_in_another_case_is_the_same_terms(dictionary, word):
    terms = [m.term for m in word_morphemes(word, dictionary)]
    assert len(terms) == 1  # kept whole
    for typed in (word.lower(), word.upper()):
        assert [m.term for m in word_morphemes(typed, dictionary)] == terms, typed


def test_lower_case_query_finds_the_word_as_a_word(tmp_path):
    index = build_index(tmp_path, [make_post("a", "生成AIの話", "生成AIで文章を書く。"),
                                   make_post("b", "別の話", "生成された文書とAIの関係。")])
    for q in ("生成AI", "生成ai", "生成ＡＩ"):
        page = search_posts(index, q)
        assert (ids(page), page.match_mode) == ({"a"}, "exact"), q


def test_a_tag_written_with_a_kanji_variant_is_a_word_as_the_posts_are_read(tmp_path):
    """Posts are read with kanji variants folded (髙 → 高), so a tag's dictionary word must be
    too, or Janome never meets it: the tag 髙橋ビル前 stays one word, typed either way."""
    entries = dict(dictionary_entries(["髙橋ビル前"]))
    assert "高橋ビル前" in entries and "髙橋ビル前" not in entries
    posts = [make_post("a", "集合", "髙橋ビル前に集合。", tags=("髙橋ビル前",)), make_post("b", "橋", "高橋の前のビル。")]
    index = build_index(tmp_path, posts)
    for q in ("高橋ビル前", "髙橋ビル前"):
        assert ids(search_posts(index, q)) == {"a"}
        assert len(word_morphemes(q, index.dictionary)) == 1
