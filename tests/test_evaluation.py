"""Query evaluation on postings (search.querying.evaluation) against Whoosh's own matchers and scores."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timezone

import numpy as np
import pytest
from whoosh import index as whoosh_index
from whoosh import query as wq

from search.querying import evaluation, search_cache

from search.querying.reading_lexicon import reading_lexicon
from search.querying import plan as query_plan
from search.querying import postings as postings_module
from search.querying.nodes import AdjacentChoices, AdjacentTerms
from search.querying.evaluation import Evaluator, SearchCache
from search.indexing.generations import FILES_KEY, METADATA_FILE, current_generation, file_digests, read_metadata
from search.indexing.index import open_index
from search.querying.postings import PostingsCache, _character_positions, field_lexicon
from search.indexing.schema import LEXICON_FIELDS
from search.querying.plan import QueryPlan
from search.querying.searcher import search_posts
from tests.factories import build_index, make_post

POSTS = [
    make_post("tokyo", "東京の旅", "東京都の東京駅から歩いた。東京タワーも見た。", tags=("旅行",)),
    make_post("kyoto", "京都の寺", "京都で寺を巡った。東京から新幹線で来た。", tags=("旅行", "寺")),
    make_post("capture", "キャプチャツール", "画面キャプチャツールの使い方。キャプチャは簡単。"),
    make_post("invest", "投資入門", "とうしの基本と投資信託の話。長期投資がよい。"),
    make_post("server", "サーバー構築", "サーバーを構築した。サーバ証明書も設定した。", code="server { listen 80; }"),
    make_post("cloud", "クラウド移行", "クラウドへ移行する計画。オンプレミスから移行した。"),
]

QUERIES = ["東京", "東京駅", "京都 寺", "キャプチャ", "とうし", "サーバー", "移行", "東京 -京都",
           "東京 OR 投資", '"東京から"', "寺", "クラウド 計画"]


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    return build_index(tmp_path_factory.mktemp("evaluation"), POSTS)


def whoosh_scores(searcher, query) -> dict[int, float]:
    return {hit.docnum: hit.score for hit in searcher.search(query, limit=None)}


def evaluated(searcher, query) -> dict[int, float]:
    matches = Evaluator(searcher).evaluate(query)
    return {int(d): float(matches.scores[d]) for d in matches.docnums()}


def assert_same(ours: dict[int, float], theirs: dict[int, float]) -> None:
    assert set(ours) == set(theirs)
    for docnum, score in theirs.items():
        assert ours[docnum] == pytest.approx(score, rel=1e-9)


@pytest.fixture
def per_field_scores(monkeypatch):
    """Whoosh's own scoring: each field's BM25 summed (this project scores BM25F instead), no
    coordination factor (Whoosh's matcher ignores it)."""
    monkeypatch.setattr(evaluation, "BM25F", False)
    no_coordination(monkeypatch)


def no_coordination(monkeypatch) -> None:
    """Relaxed queries as Whoosh evaluates them: no coordination factor, and no bigram branch
    (Whoosh lets it match a post alone; a relaxed query here needs one of the words)."""
    monkeypatch.setattr(query_plan, "RELAXED", replace(query_plan.RELAXED, coordination=0.0, grams=0.0))


@pytest.mark.parametrize("q", QUERIES)
@pytest.mark.parametrize("kind", ["strict", "no-readings", "words", "relaxed"])
def test_same_documents_and_scores_as_whoosh(index, q, kind, per_field_scores):
    plan = QueryPlan.from_string(q, index.dictionary)
    query = {"strict": plan.strict(), "no-readings": plan.strict(readings=False),
             "words": plan.strict(fragments=False, readings=False), "relaxed": plan.relaxed()[0]}[kind]
    if query is None:
        pytest.skip("no query of this kind")
    with index.searcher() as searcher:
        ours, theirs = evaluated(searcher, query), whoosh_scores(searcher, query)
    if any(isinstance(leaf, wq.Prefix) for leaf in query.leaves()) or _weighted_single(query):
        assert set(ours) == set(theirs)  # scores differ on purpose: test_prefix_keeps_its_boost,
    else:                                # test_a_weighted_variant_keeps_its_weight
        assert_same(ours, theirs)


def _weighted_single(query: wq.Query) -> bool:
    """True if the tree holds a compound query of one subquery with a boost (a weighted variant's
    clause, ``server`` for サーバー at 0.3): Whoosh hands out the subquery's matcher and drops it."""
    return any(isinstance(node, wq.CompoundQuery) and len(node.subqueries) == 1 and node.boost != 1.0
               for node in _nodes(query))


def _nodes(query: wq.Query):
    yield query
    for child in query.children():
        yield from _nodes(child)


def test_a_weighted_variant_keeps_its_weight(index, per_field_scores):
    """A variant's clause weighted below the word (an English variant at 0.3) scores that share of
    its subquery's score here; Whoosh drops the boost of a compound query of one subquery."""
    with index.searcher() as searcher:
        word = wq.Or([wq.Term("body", "server"), wq.Term("code", "server", boost=0.5)])
        expected = {d: 0.3 * score for d, score in whoosh_scores(searcher, word).items()}
        assert expected
        assert_same(evaluated(searcher, wq.Or([word], boost=0.3)), expected)


def test_prefix_keeps_its_boost(index, per_field_scores):
    """Whoosh drops a ``Prefix``'s boost when it expands to one term, so a one-character fragment
    weighed as much as a word; here it is the boosted sum of its terms' scores."""
    with index.searcher() as searcher:
        terms = [t.decode() for t in searcher.reader().expand_prefix("body_ngram", "東")]
        expected: dict[int, float] = {}
        for term in terms:
            for docnum, score in whoosh_scores(searcher, wq.Term("body_ngram", term)).items():
                expected[docnum] = expected.get(docnum, 0.0) + 0.4 * score
        assert_same(evaluated(searcher, wq.Prefix("body_ngram", "東", boost=0.4)), expected)


@pytest.mark.parametrize("query", [
    wq.Term("body", "東京"),
    wq.Term("body", "東京", boost=2.5),
    AdjacentTerms("body_ngram", ["東京", "京都"], [0, 1]),    # 東京都, not 東京 … 京都
    AdjacentTerms("body_ngram", ["キャ", "プチ"], [0, 2]),
    wq.Prefix("body_ngram", "寺"),
    wq.And([wq.Term("body", "東京"), wq.Term("body", "京都")]),
    wq.AndNot(wq.Term("body", "東京"), wq.Term("body", "京都")),
    wq.Or([wq.Term("body", "寺"), wq.Term("title", "寺", boost=3.0)], boost=0.5),
    wq.Term("no_such_field", "x"),
])
def test_each_query_type_scores_like_whoosh(index, query, per_field_scores):
    with index.searcher() as searcher:
        assert_same(evaluated(searcher, query), whoosh_scores(searcher, query))


@pytest.mark.parametrize("query", [
    wq.Every(),
    wq.Term("tag", "旅行"),
    wq.DateRange("date", datetime(2023, 1, 1), datetime(2025, 1, 1)),  # evaluated by Whoosh's matcher
])
def test_filter_queries_match_like_whoosh(index, query):
    with index.searcher() as searcher:
        ours = evaluated(searcher, query)
        assert ours and set(ours) == set(whoosh_scores(searcher, query))


@pytest.mark.parametrize("q", QUERIES)
def test_bm25f_matches_the_same_documents(index, q, monkeypatch):
    no_coordination(monkeypatch)
    plan = QueryPlan.from_string(q, index.dictionary)
    for query in (plan.strict(), plan.relaxed()[0]):
        if query is not None:
            with index.searcher() as searcher:
                assert set(evaluated(searcher, query)) == set(whoosh_scores(searcher, query))


def test_bm25f_saturates_a_term_across_fields(tmp_path):
    """A word in the title and again in the body counts less than the two fields' scores summed,
    so a post that repeats the topic everywhere does not outrank one with the asked-for detail."""
    posts = [make_post("entity", "ライオンズ", "ライオンズの球団の歴史。ライオンズは強い。"),
             make_post("detail", "ライオンズ", "本拠地は所沢市にある球場である。"),
             make_post("other", "別の話", "ライオンズとは関係ない本の話。")]
    index = build_index(tmp_path, posts)
    both = wq.Or([wq.Term("title", "ライオンズ", boost=3.0), wq.Term("body", "ライオンズ")])
    with index.searcher() as searcher:
        fused = evaluated(searcher, both)
        evaluation.BM25F = False
        try:
            summed = evaluated(searcher, both)
        finally:
            evaluation.BM25F = True
        entity = next(d for d in fused if searcher.stored_fields(d)["post_id"] == "entity")
    assert set(fused) == set(summed)
    assert fused[entity] < summed[entity]
    assert [h.post_id for h in search_posts(index, "ライオンズの本拠地はどこ").hits][0] == "detail"


def test_coordination_scales_by_the_share_of_words(index):
    parts = [wq.Term("body", "東京"), wq.Term("body", "京都"), wq.Term("body", "新幹線")]
    with index.searcher() as searcher:
        plain = evaluated(searcher, wq.Or(parts))
        for power in (1.0, 2.0):
            coordinated = evaluated(searcher, evaluation.CoordinatedOr(parts, coordinated=3, power=power))
            assert set(coordinated) == set(plain)
            for docnum, score in plain.items():
                share = sum(bool(evaluated(searcher, p).get(docnum)) for p in parts) / 3
                assert coordinated[docnum] == pytest.approx(score * share ** power)


def test_a_relaxed_query_needs_one_of_its_words(tmp_path):
    """Character bigrams and word pairs add to a post's score but never bring in a post that has
    none of the words (する of 投資した, or a bigram like した, would match nearly every post)."""
    posts = [make_post("invest", "投資", "投資する話。"), make_post("other", "別", "勉強した話。散歩した。")]
    page = search_posts(build_index(tmp_path, posts), "投資した理由")
    assert page.match_mode == "relaxed" and [h.post_id for h in page.hits] == ["invest"]
    assert all(h.score > 0 for h in page.hits)


def test_pairs_in_a_relaxed_query_are_checked_for_order(tmp_path):
    """Only alternatives of one word may lean on each other's matches: a pair of words in a
    relaxed query scores where the two stand together, not wherever both occur."""
    posts = [make_post("together", "a", "東京観光の本。"), make_post("apart", "b", "観光の本。東京の話。")]
    index = build_index(tmp_path, posts)
    pair = AdjacentTerms("body", ["東京", "観光"], [0, 1])
    with index.searcher() as searcher:
        query = wq.Or([wq.Term("body", "東京"), wq.Term("body", "観光"), pair])
        found = evaluated(searcher, query)
        words_only = evaluated(searcher, wq.Or([wq.Term("body", "東京"), wq.Term("body", "観光")]))
        ids = {d: searcher.stored_fields(d)["post_id"] for d in found}
    together = next(d for d in found if ids[d] == "together")
    apart = next(d for d in found if ids[d] == "apart")
    assert found[together] > words_only[together]
    assert found[apart] == pytest.approx(words_only[apart])


def test_adjacency_checks_positions(index):
    with index.searcher() as searcher:
        found = evaluated(searcher, AdjacentTerms("body_ngram", ["東京", "京都"], [0, 1]))
        ids = {searcher.stored_fields(d)["post_id"] for d in found}
    assert ids == {"tokyo"}  # 東京都; kyoto has 京都 and 東京 apart


def test_deleted_documents_never_match(tmp_path):
    build_index(tmp_path, POSTS)
    generation = current_generation(tmp_path / "index")
    with whoosh_index.open_dir(str(generation)).writer() as writer:
        writer.delete_by_term("post_id", "kyoto")
    # A generation is never changed once written: record the new files, as a reindex would.
    metadata = read_metadata(generation)
    metadata[FILES_KEY] = file_digests(generation)
    (generation / METADATA_FILE).write_text(json.dumps(metadata), encoding="utf-8")
    reopened = open_index(tmp_path / "index")
    assert search_posts(reopened, "新幹線").total == 0
    assert {h.post_id for h in search_posts(reopened, "東京").hits} == {"tokyo"}
    assert search_posts(reopened, "東京").facets["tags"] == [{"value": "旅行", "count": 1}]


def test_undated_posts_sort_last(tmp_path):
    posts = [make_post("old", "猫", "猫", date=datetime(2020, 1, 1, tzinfo=timezone.utc)),
             replace(make_post("undated", "猫", "猫"), date=None),
             make_post("new", "猫", "猫", date=datetime(2024, 1, 1, tzinfo=timezone.utc))]
    index = build_index(tmp_path, posts)
    assert [h.post_id for h in search_posts(index, "猫", sort="newest").hits] == ["new", "old", "undated"]
    assert [h.post_id for h in search_posts(index, "猫", sort="oldest").hits] == ["old", "new", "undated"]


def test_character_positions_decode_like_whoosh(index):
    with index.searcher() as searcher:
        reader = searcher.reader()
        field = searcher.schema["body_ngram"]
        checked = 0
        for btext in reader.lexicon("body_ngram"):
            matcher = reader.postings("body_ngram", btext)
            while matcher.is_active():
                assert _character_positions(matcher.value()) == field.format.decode_positions(matcher.value())
                checked += 1
                matcher.next()
    assert checked > 50


def test_postings_are_read_once_per_search(index):
    cache = PostingsCache()
    with index.searcher() as searcher:
        (reader, _), = [(leaf.reader(), offset) for leaf, offset in searcher.leaf_searchers()]
        first = cache.term(reader, "body", "東京".encode())
        assert cache.term(reader, "body", "東京".encode()) is first
        assert cache.term(reader, "body", "存在しない".encode()) is None
        evaluator, search_cache = Evaluator(searcher), SearchCache()
        evaluator.evaluate(wq.Term("body", "東京"), search_cache)
        assert search_cache.result(wq.Term("body", "東京")) is not None


def test_equal_sub_queries_share_one_result_and_different_ones_do_not(index):
    """Trees built apart but equal in types and attributes are evaluated once per search; a
    different boost, field, word order, offset or query type is another node."""
    def tree(boost=1.0, field="body", words=("東京", "都"), offsets=(0, 1), kind=wq.Or):
        return kind([wq.Term(field, "天気", boost=boost), AdjacentTerms(field, list(words), list(offsets))])

    with index.searcher() as searcher:
        evaluator, cache = Evaluator(searcher), SearchCache()
        first = evaluator.evaluate(tree(), cache)
        assert cache.node_key(tree()) == cache.node_key(tree())
        assert cache.result(tree()) is not None
        others = [tree(boost=2.0), tree(field="title"), tree(words=("都", "東京")), tree(offsets=(0, 2)),
                  tree(kind=wq.And)]
        keys = {cache.node_key(other) for other in others}
        assert len(keys) == len(others) and cache.node_key(tree()) not in keys
        assert all(cache.result(other) is None for other in others)
        again = evaluator.evaluate(tree(), cache)
        assert np.array_equal(again.mask, first.mask) and np.array_equal(again.scores, first.scores)


def test_a_node_with_an_unhashable_attribute_is_evaluated_but_not_shared(index):
    term = wq.Term("body", "東京")
    term.note = [{"unhashable": True}]
    with index.searcher() as searcher:
        evaluator, cache = Evaluator(searcher), SearchCache()
        found = evaluator.evaluate(wq.Or([term, wq.Term("body", "天気")]), cache)
        assert cache.node_key(term) is None and cache.result(term) is None
        plain = Evaluator(searcher).evaluate(wq.Or([wq.Term("body", "東京"), wq.Term("body", "天気")]))
        assert np.array_equal(found.mask, plain.mask) and np.allclose(found.scores, plain.scores)


@pytest.fixture(scope="module")
def linked_index(tmp_path_factory):
    """POSTS with a link between two of them, so the link-text fields hold terms too."""
    linking = replace(POSTS[1], links=(("/capture/", "画面キャプチャの道具"),))
    return build_index(tmp_path_factory.mktemp("lexicons"), [POSTS[0], linking, *POSTS[2:]])


def _only_reader(searcher):
    (reader, _), = [(leaf.reader(), offset) for leaf, offset in searcher.leaf_searchers()]
    return reader


def test_lexicon_fields_read_the_same_postings(linked_index):
    """With lexicons kept for the small fields, every term of every field (and terms of other
    fields asked of them, which they lack) gives the postings a plain lookup gives."""
    with linked_index.searcher() as searcher:
        reader = _only_reader(searcher)
        assert field_lexicon(reader, "anchors_ngram") >= {"キャ".encode(), "道具".encode()}
        asked = {btext for fieldname in searcher.schema.names() if fieldname in reader.schema
                 and searcher.schema[fieldname].format is not None for btext in reader.lexicon(fieldname)}
        asked |= {"存在しない".encode(), b""}
        kept, plain = PostingsCache(LEXICON_FIELDS), PostingsCache()
        for fieldname in [*LEXICON_FIELDS, "body", "body_ngram"]:
            for btext in asked:
                ours, theirs = kept.term(reader, fieldname, btext), plain.term(reader, fieldname, btext)
                assert (ours is None) == (theirs is None), (fieldname, btext)
                if ours is not None:
                    assert ours.ids.tolist() == theirs.ids.tolist() and ours.weights.tolist() == theirs.weights.tolist()
        assert field_lexicon(reader, "no_such_field") == frozenset()


def test_absent_terms_of_lexicon_fields_cost_no_lookup(linked_index, monkeypatch):
    """A term missing from a field whose lexicon is kept is answered without the term table; a
    term that is there is looked up once (read, not first checked for)."""
    with linked_index.searcher() as searcher:
        reader = _only_reader(searcher)
        for fieldname in LEXICON_FIELDS:
            field_lexicon(reader, fieldname)  # read beforehand, as a searcher's first search does
        lookups = []
        real_contains, real_postings = type(reader).__contains__, type(reader).postings
        monkeypatch.setattr(type(reader), "__contains__", lambda self, term: lookups.append(term) or real_contains(self, term))
        monkeypatch.setattr(type(reader), "postings",
                            lambda self, fieldname, text, **kw: lookups.append((fieldname, text)) or real_postings(self, fieldname, text, **kw))
        real_read = postings_module.read_postings  # the W3 codec's postings are read without a matcher
        monkeypatch.setattr(postings_module, "read_postings",
                            lambda reader, fieldname, text: lookups.append((fieldname, text)) or real_read(reader, fieldname, text))
        cache = PostingsCache(LEXICON_FIELDS)
        for fieldname in LEXICON_FIELDS:
            assert cache.term(reader, fieldname, "存在しない".encode()) is None
        assert lookups == []
        assert cache.term(reader, "anchors", "道具".encode()) is not None
        assert cache.term(reader, "body", "東京".encode()) is not None
        assert cache.term(reader, "body", "存在しない".encode()) is None
        assert lookups == [("anchors", "道具".encode()), ("body", "東京".encode()), ("body", "存在しない".encode())]


def test_reading_lexicon_asks_the_term_table_only_of_the_large_fields(linked_index, monkeypatch):
    """Readings are checked in memory in the small reading fields: a reading found there costs no
    lookup, one found nowhere costs one (``body_reading``), and the answers are the same."""
    with linked_index.searcher() as searcher:
        reader = _only_reader(searcher)
        title_only = sorted(set(reader.lexicon("title_reading")) - set(reader.lexicon("body_reading")))
        anchors_only = sorted(set(reader.lexicon("anchors_reading")) - set(reader.lexicon("body_reading")))
        body = sorted(reader.lexicon("body_reading"))
        assert title_only and anchors_only and body
        is_reading = reading_lexicon(reader)
        field_lexicon(reader, "title_reading"), field_lexicon(reader, "anchors_reading")
        lookups = []
        real_contains = type(reader).__contains__
        monkeypatch.setattr(type(reader), "__contains__", lambda self, term: lookups.append(term) or real_contains(self, term))
        assert is_reading(title_only[0].decode()) and is_reading(anchors_only[0].decode())
        assert lookups == []
        assert is_reading(body[0].decode()) and not is_reading("ソンザイシナイ")
        assert lookups == [("body_reading", body[0]), ("body_reading", "ソンザイシナイ".encode())]


def test_search_with_lexicons_ranks_as_without(linked_index, monkeypatch):
    queries = ["キャプチャ", "道具", "東京 旅", "とうし", "画面 キャプチャ 道具", "存在しない言葉"]
    with_lexicons = [search_posts(linked_index, q) for q in queries]
    monkeypatch.setattr(search_cache, "LEXICON_FIELDS", ())
    without = [search_posts(linked_index, q) for q in queries]
    assert any(page.total for page in with_lexicons)
    for ours, theirs in zip(with_lexicons, without):
        assert [(h.post_id, h.score, h.snippet_html) for h in ours.hits] == [(h.post_id, h.score, h.snippet_html) for h in theirs.hits]
        assert (ours.total, ours.match_mode) == (theirs.total, theirs.match_mode)


def test_ranked_by_keeps_both_sets_and_ranks_all_by_the_second():
    import numpy as np
    from search.querying.evaluation import Matches

    exact = Matches(np.array([True, False, False, True]), np.array([9.0, 0.0, 0.0, 5.0]))
    topical = Matches(np.array([True, True, False, False]), np.array([1.0, 3.0, 0.0, 0.0]))
    ranked = exact.ranked_by(topical)
    assert ranked.mask.tolist() == [True, True, False, True]
    assert [d for d, _ in ranked.page(1, 10)] == [1, 0, 3]
    assert ranked.first.tolist() == [True, False, False, True]


@pytest.mark.parametrize("choices, offsets, body_posts", [
    ((("東京", "京都"), ("駅", "から", "で")), (0, 1), 1),   # 京都で and 東京から: one post (東京駅 is one word)
    ((("東京", "京都"), ("タワー",)), (0, 1), 1),
    ((("サーバー", "サーバ"), ("構築", "証明")), (0, 1), 1),
    ((("東京",), ("京都", "東京")), (0, 2), 0),                  # not two apart
    ((("画面",), ("キャプチャ", "東京"), ("ツール", "寺")), (0, 1, 2), 1),
])
def test_a_phrase_with_choices_matches_what_the_phrases_of_its_combinations_match(index, choices, offsets, body_posts):
    """An AdjacentChoices is the Or of one AdjacentTerms per combination (Lucene's
    MultiPhraseQuery): the same posts; each scored by the terms of each position it holds."""
    for fieldname in ("body", "title"):
        node = AdjacentChoices(fieldname, choices, offsets)
        with index.searcher() as searcher:
            ours = evaluated(searcher, node)
            per_combination = [evaluated(searcher, phrase) for phrase in node.phrases()]
            whoosh = {hit.docnum for hit in searcher.search(node, limit=None)}
            term_scores = {term: evaluated(searcher, wq.Term(fieldname, term)) for terms in choices for term in terms}
        union = set().union(*per_combination)
        assert set(ours) == union == whoosh
        assert fieldname != "body" or len(union) == body_posts
        for docnum in union:
            held = sum(term_scores[term].get(docnum, 0.0) for terms in choices for term in terms)
            assert ours[docnum] == pytest.approx(held, rel=1e-9)
