"""Postings read whole from Whoosh's W3 blocks (:mod:`search.querying.blocks`) equal what
Whoosh's own matcher reads: every term of every field, over a posting list of several blocks
(more than 128 posts share words) and short lists inlined in the term info; a block's ids and
weights read apart from its values equal the whole block's, for any ids, weights and values."""

from __future__ import annotations

import pickle
import zlib

import pytest
from hypothesis import given, settings, strategies as st
from whoosh.reading import TermNotFound

from search.querying import blocks
from search.querying.blocks import BlockValues, read_postings
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
                assert list(values) == list(theirs._values), (fieldname, btext)
                several_blocks += len(ids) > 128
        assert several_blocks > 0


def test_an_absent_term_is_not_found(index):
    with index.searcher() as searcher:
        (reader,) = [leaf.reader() for leaf, _ in searcher.leaf_searchers()]
        with pytest.raises(TermNotFound):
            read_postings(reader, "body", "存在しない".encode())


def test_most_blocks_are_read_without_their_values(index, monkeypatch):
    """The cut before the values is found in the blocks Whoosh writes (else every search decodes
    every value, as before)."""
    read_apart = []
    real = blocks._ids_and_weights
    monkeypatch.setattr(blocks, "_ids_and_weights", lambda *a: read_apart.append(found := real(*a)) or found)
    with index.searcher() as searcher:
        (reader,) = [leaf.reader() for leaf, _ in searcher.leaf_searchers()]
        for btext in reader.lexicon("body"):
            read_postings(reader, "body", btext)
    assert read_apart and sum(found is not None for found in read_apart) >= 0.9 * len(read_apart)


_weights = st.one_of(st.none(), st.floats(allow_nan=False, width=32),
                     st.lists(st.floats(allow_nan=False, width=32), min_size=1, max_size=140))


@settings(max_examples=300, deadline=None)
@given(deltas=st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=140), weights=_weights,
       values=st.lists(st.binary(min_size=1, max_size=40), max_size=140), compression=st.sampled_from([0, 3]),
       data=st.data())
def test_ids_and_weights_read_apart_equal_the_whole_block(deltas, weights, values, compression, data):
    """Whatever the numbers and bytes (a weight's bytes may spell a MARK or the global's name),
    the ids and weights read before the values are the block's own, or the cut is refused."""
    if isinstance(weights, list):
        weights = tuple(data.draw(st.lists(st.floats(allow_nan=False, width=32),
                                           min_size=len(deltas), max_size=len(deltas))))
    block = pickle.dumps((tuple(deltas), weights, tuple(values)), 2)
    if compression:
        block = zlib.compress(block, compression)
    found = blocks._ids_and_weights(block, compression, len(deltas))
    assert found is None or found == (tuple(deltas), weights)
    if values and len(deltas) <= 128 and not isinstance(weights, tuple):
        assert found is not None  # the usual block: the cut is found


def test_block_values_decode_each_block_when_asked():
    values = BlockValues(None)
    whole = []
    for b in range(3):
        block_values = tuple(f"{b}-{i}".encode() for i in range(5))
        whole += block_values
        values.add(zlib.compress(pickle.dumps(((1,) * 5, None, block_values), 2)), 3, 5, None)
    assert len(values) == 15
    assert values[7] == b"1-2" and values._decoded[0] is None  # only the block asked for
    assert list(values) == whole
    with pytest.raises(IndexError):
        values[15]
