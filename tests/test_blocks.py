"""Postings read whole from Whoosh's W3 blocks (:mod:`search.querying.blocks`) equal what
Whoosh's own matcher reads: every term of every field, over a posting list of several blocks
(more than 128 posts share words) and short lists inlined in the term info."""

from __future__ import annotations

import pytest
from whoosh.reading import TermNotFound

from search.querying.blocks import read_postings
from search.querying.postings import TermPostings
from tests.factories import build_index, make_post


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    posts = [make_post(f"p{i}", f"猫の記録 その{i}", f"今日も猫と犬が庭で遊んだ。{'雨' if i % 3 else '晴れ'}の日、{i}回目。")
             for i in range(150)]
    return build_index(tmp_path_factory.mktemp("blocks"), posts)


def test_every_term_reads_as_whooshs_matcher_reads_it(index):
    with index.searcher() as searcher:
        (reader,) = [leaf.reader() for leaf, _ in searcher.leaf_searchers()]
        several_blocks = 0
        for fieldname in reader.schema.names():
            if fieldname not in reader.schema or reader.schema[fieldname].format is None:
                continue
            for btext in reader.lexicon(fieldname):
                ids, weights, values = read_postings(reader, fieldname, btext)
                theirs = TermPostings(reader.postings(fieldname, btext))
                assert ids.tolist() == theirs.ids.tolist(), (fieldname, btext)
                assert weights.tolist() == theirs.weights.tolist(), (fieldname, btext)
                assert values == list(theirs._values), (fieldname, btext)
                several_blocks += len(ids) > 128
        assert several_blocks > 0


def test_an_absent_term_is_not_found(index):
    with index.searcher() as searcher:
        (reader,) = [leaf.reader() for leaf, _ in searcher.leaf_searchers()]
        with pytest.raises(TermNotFound):
            read_postings(reader, "body", "存在しない".encode())
