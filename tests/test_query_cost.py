"""One query cannot starve the others: every search has a cost bound (issue 13).

24 single kana ORed (``あ OR い OR …``) each read as the start of every character bigram it
begins expanded to 9,077 terms on the 1,406-post corpus (0.8–4 s of one request, while the
server's other clients waited). Now a prefix expands to its commonest terms only, the search to
:data:`~search.querying.postings.MAX_EXPANDED_TERMS` together, and the answer says so
(``limited``). The time it saves is measured in ``bench/cost`` (docs/benchmarks.md).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from search.indexing.index import open_index
from search.querying import postings
from search.querying.evaluation import SearchCache, evaluator_for
from search.querying.plan import QueryPlan
from search.querying.searcher import search_posts
from web.views import LIMITED_NOTE

KANA = "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをんアイウエオカキクケコ"


@pytest.fixture
def small_budget(monkeypatch):
    """Budgets small enough for the test index's few terms to exceed them."""
    monkeypatch.setattr(postings, "MAX_PREFIX_EXPANSIONS", 2)
    monkeypatch.setattr(postings, "MAX_PREFIX_SCAN", 4)
    monkeypatch.setattr("search.querying.search_cache.MAX_EXPANDED_TERMS", 5)


def _expanded(index, q: str) -> tuple[SearchCache, int]:
    """Evaluate ``q``'s strict step with a fresh cache: (the cache, terms its prefixes read)."""
    with index.searcher() as searcher:
        plan = QueryPlan.from_string(q, index.dictionary)
        cache = SearchCache()
        if plan.strict() is not None:  # (particles alone: nothing to search)
            evaluator_for(searcher).evaluate(plan.strict(), cache)
    return cache, sum(len(terms) for terms in cache.expansions.values())


def _all_prefix_terms(index, q: str) -> int:
    with index.searcher() as searcher:
        reader = searcher.reader()
        return sum(len(list(reader.expand_prefix(field, kana))) for (field, kana) in _expanded(index, q)[0].expansions)


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kana=st.lists(st.sampled_from(KANA), min_size=1, max_size=24, unique=True), joiner=st.sampled_from([" OR ", " ", " | "]))
def test_prefixes_read_at_most_the_budget_and_say_when_they_left_terms_out(index_dir, small_budget, kana, joiner):
    index = open_index(index_dir)
    q = joiner.join(kana)
    cache, read = _expanded(index, q)
    assert read <= 5
    assert all(len(terms) <= 2 for terms in cache.expansions.values())
    assert cache.limited == (_all_prefix_terms(index, q) > read)


def test_the_commonest_terms_are_kept(index_dir, monkeypatch):
    monkeypatch.setattr(postings, "MAX_PREFIX_EXPANSIONS", 1)
    index = open_index(index_dir)
    with index.searcher() as searcher:
        reader = searcher.reader()
        kana = max(KANA, key=lambda k: len(list(reader.expand_prefix("body_ngram", k))))
        everything = [(reader.doc_frequency("body_ngram", t), t) for t in reader.expand_prefix("body_ngram", kana)]
        kept, limited = postings.prefix_terms(reader, "body_ngram", kana, budget=10)
    commonest = max(everything)[0]
    assert len(everything) > 1 and limited
    assert len(kept) == 1 and reader.doc_frequency("body_ngram", kept[0]) == commonest


def test_a_search_within_the_budget_is_not_limited(index_dir):
    result = search_posts(open_index(index_dir), "東京")
    assert result.total and not result.limited and result.to_json()["limited"] is False


@pytest.mark.parametrize("q", [" OR ".join(KANA[:24]), " | ".join(KANA[10:34]), "(" + " OR ".join(KANA[:12]) + ") (" + " OR ".join(KANA[12:24]) + ")"])
def test_the_api_and_the_page_say_a_search_was_limited(client, small_budget, q):
    body = client.get("/api/search", query_string={"q": q}).get_json()
    assert body["ok"] and body["limited"] is True
    page = client.get("/search", query_string={"q": q}).get_data(as_text=True)
    assert LIMITED_NOTE in page
    assert LIMITED_NOTE not in client.get("/search?q=東京").get_data(as_text=True)


def test_kensaku_query_says_a_search_was_limited(runner, index_dir, small_budget):
    from web.cli import cli

    result = runner.invoke(cli, ["query", " OR ".join(KANA[:24]), "--index", str(index_dir)])
    assert result.exit_code == 0 and LIMITED_NOTE in result.output
    assert LIMITED_NOTE not in runner.invoke(cli, ["query", "東京", "--index", str(index_dir)]).output
