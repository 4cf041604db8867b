"""Highlighting: span merging, escaping, snippet windows."""

import pytest

from hypothesis import given
from hypothesis import strategies as st

from search.querying.highlight import _best_window, make_snippet, mark_html, merge_spans


@pytest.mark.parametrize("spans, merged", [
    ([], []),
    ([(5, 7), (0, 2)], [(0, 2), (5, 7)]),
    ([(0, 2), (1, 3)], [(0, 3)]),
    ([(0, 2), (2, 4)], [(0, 4)]),            # touching marks become one
    ([(3, 3), (0, 1)], [(0, 1)]),            # empty spans dropped
])
def test_merge_spans(spans, merged):
    assert merge_spans(spans) == merged


def test_mark_html_escapes_text_and_marks():
    assert mark_html("<a>東京&都", [(3, 5)]) == "&lt;a&gt;<mark>東京</mark>&amp;都"


def test_snippet_centres_on_matches_and_cuts_with_ellipses():
    text = "前置き。" * 100 + "ここに東京都がある。" + "後書き。" * 100
    start = text.index("東京都")
    snippet = make_snippet(text, [(start, start + 3, 0)], max_chars=60)
    assert "<mark>東京都</mark>" in snippet
    assert snippet.startswith("…") and snippet.endswith("…")
    assert len(snippet.replace("<mark>", "").replace("</mark>", "")) <= 62


def test_snippet_prefers_the_densest_cluster():
    text = "猫。" + "あ" * 300 + "猫と猫と猫。"
    spans = [(0, 1, 0)] + [(i, i + 1, 0) for i, c in enumerate(text) if c == "猫" and i > 0]
    snippet = make_snippet(text, spans, max_chars=40)
    assert snippet.count("<mark>") == 3


def test_snippet_without_matches_is_the_opening():
    assert make_snippet("短い本文。", []) == "短い本文。"
    assert make_snippet("", []) == ""


def test_snippet_shows_line_breaks_as_spaces_after_sentences_and_slashes_between_blocks():
    assert make_snippet("一行目。\n二行目", [(0, 3, 0)]) == "<mark>一行目</mark>。 二行目"
    assert make_snippet("見出し\n本文です。", [(0, 3, 0)]) == "<mark>見出し</mark> / 本文です。"
    assert make_snippet("20:00 | 質疑応答\n発表資料", [(8, 12, 0)]) == "20:00 | <mark>質疑応答</mark> / 発表資料"


def test_snippet_prefers_covering_more_query_words():
    text = "猫猫猫猫。" + "あ" * 100 + "猫と犬。"
    cats = [(i, i + 1, 0) for i, c in enumerate(text) if c == "猫"]
    dog = text.index("犬")
    snippet = make_snippet(text, sorted(cats + [(dog, dog + 1, 1)]), max_chars=20)
    assert "<mark>犬</mark>" in snippet


def test_line_break_after_a_quote_or_a_marked_sentence_end_is_a_space():
    assert make_snippet('彼は"はい"\n次。', [(0, 1, 0)]) == '<mark>彼</mark>は&#34;はい&#34; 次。'
    assert make_snippet("見出し。\n次", [(0, 4, 0)]) == "<mark>見出し。</mark> 次"
    assert make_snippet("a / b\nc", [(0, 1, 0)]) == "<mark>a</mark> / b / c"


def _best_window_by_scanning(spans, max_chars):
    """Every window counted from scratch: what the sliding window must equal."""
    best, best_score = (0, 1), (0, 0)
    j = 0
    for i, (start, _, _) in enumerate(spans):
        j = max(j, i + 1)
        while j < len(spans) and spans[j][1] - start <= max_chars:
            j += 1
        score = (len({group for _, _, group in spans[i:j]}), j - i)
        if score > best_score:
            best, best_score = (i, j), score
    return best


@given(st.lists(st.tuples(st.integers(0, 400), st.integers(1, 30), st.integers(0, 4)), max_size=60),
       st.integers(1, 120))
def test_the_snippet_window_is_the_one_a_full_count_of_every_window_gives(raw, max_chars):
    spans = sorted((start, start + length, group) for start, length, group in raw)
    assert _best_window(spans, max_chars) == _best_window_by_scanning(spans, max_chars)


def test_a_bigram_chain_is_highlighted_from_the_terms_that_place_it(tmp_path):
    """A phrase of character bigrams is marked whole, read from every other bigram and the last
    (the ones that spell it), and decoded only in the posts that hold all of those."""
    from search.querying.highlight import Pattern, load_occurrences, match_spans
    from tests.factories import build_index, make_post

    posts = [make_post("whole", "一", "データベースを使う。"), make_post("apart", "二", "デー、タベ、ースの順。"),
             make_post("part", "三", "データだけ。")]
    index = build_index(tmp_path, posts)
    with index.searcher() as searcher:
        terms = tuple(t.text for t in searcher.schema["body_ngram"].analyzer("データベース") if len(t.text) == 2)
        assert len(terms) == 5
        pattern = Pattern("body_ngram", terms)
        docnum = {searcher.stored_fields(d)["post_id"]: d for d in range(3)}
        occurrences = load_occurrences(searcher, sorted(docnum.values()), [pattern])
        assert {term for _, term in occurrences} == {terms[0], terms[2], terms[4]}
        assert docnum["part"] not in occurrences[("body_ngram", terms[0])]
        assert match_spans(occurrences, docnum["whole"], [pattern]) == [(0, 6, 0)]
        assert match_spans(occurrences, docnum["apart"], [pattern]) == []
        assert match_spans(occurrences, docnum["part"], [pattern]) == []
