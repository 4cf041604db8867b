"""The rebuild's segment writer (search/indexing/term_writer.py) writes the segment Whoosh's own
writer writes: the same files byte for byte, so the same postings, stored fields, lengths, hits and
scores; over generated postings, fixture posts, posts that spill to temporary runs, and real posts."""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path

import pytest
from hypothesis import example, given, settings, strategies as st
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec, W3Segment
from whoosh.fields import ID, KEYWORD, TEXT, Schema
from whoosh.filedb.filestore import RamStorage
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

import search.indexing.rebuild as rebuild
from search.indexing import forked_terms, term_encoding, term_writer
from search.indexing.index import open_index
from search.indexing.rebuild import rebuild_index
from search.indexing.update import update_index
from search.querying.searcher import search_posts
from tests.test_indexing import index_contents, write_post_files

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
QUERIES = ("共通語彙", "東京", "量子計算機", "とうきょう", "クラウド", "記事", "ラーメン 猫", "print", "Ruby", "リリース")


def _stock(ix, limitmb, jobs=1):
    return ix.writer(limitmb=limitmb)


def segment_files(root: Path) -> dict[str, object]:
    """The one segment of the served generation: each file in it (segment id left out), its
    field-length totals and document count."""
    ix = whoosh_index.open_dir(str((root / "current").resolve()))
    (segment,) = ix._segments()
    files = segment.open_compound_file(ix.storage)
    segid = segment.segment_id()
    found: dict[str, object] = {name.replace(segid, "SEG"): files.open_file(name).read() for name in files.list()}
    found["field lengths"] = dict(segment._fieldlengths)
    found["documents"] = segment.doc_count_all()
    ix.close()
    return found


def _hits(root: Path) -> dict[str, list[tuple[str, float]]]:
    index = open_index(root)
    try:
        return {q: [(hit.post_id, hit.score) for hit in search_posts(index, q, per_page=50).hits] for q in QUERIES}
    finally:
        index.close()


def _both(posts: Path, tmp_path: Path, monkeypatch) -> tuple[Path, Path]:
    """Rebuild ``posts`` with Whoosh's writer and with ours (each cold, serial); the two roots."""
    stock, ours = tmp_path / "stock", tmp_path / "ours"
    with monkeypatch.context() as patch:
        patch.setattr(rebuild, "segment_writer", _stock)
        rebuild_index(posts, stock, jobs=1)
    rebuild_index(posts, ours, jobs=1)
    return stock, ours


def _assert_same_index(stock: Path, ours: Path, min_postings: int) -> None:
    expected, got = segment_files(stock), segment_files(ours)
    assert sorted(got) == sorted(expected) and any(name.endswith(".pst") for name in got)
    for name in expected:
        assert got[name] == expected[name], name
    contents = index_contents(ours)
    assert contents == index_contents(stock) and len(contents[0]) >= min_postings
    assert _hits(ours) == _hits(stock)


def test_a_rebuild_writes_the_bytes_of_whooshs_writer(tmp_path, monkeypatch):
    posts = tmp_path / "posts"
    write_post_files(posts, 140, sentences=3)  # 共通語彙 in 140 posts: a term of two blocks
    stock, ours = _both(posts, tmp_path, monkeypatch)
    _assert_same_index(stock, ours, 5000)
    with open_index(ours).searcher() as searcher:  # some terms span two blocks of 128 postings
        assert max(info.doc_frequency() for _, info in searcher.reader().iter_field("body")) == 140


def test_runs_spilled_to_disk_merge_into_the_same_bytes(tmp_path, monkeypatch):
    posts = tmp_path / "posts"
    write_post_files(posts, 30, seed=7, sentences=4)
    spills = []
    original = term_writer.TermGroupingWriter._spill
    monkeypatch.setattr(term_writer.TermGroupingWriter, "_spill", lambda self: spills.append(1) or original(self))
    monkeypatch.setattr(rebuild, "rebuild_limit_mb", lambda: 0)  # both writers spill after every post
    stock, ours = _both(posts, tmp_path, monkeypatch)
    assert len(spills) == 30
    _assert_same_index(stock, ours, 1000)


def test_a_rebuilds_buffer_grows_with_the_memory_within_bounds():
    mb = 2**20
    assert rebuild.rebuild_limit_mb(0) == rebuild.WRITER_LIMIT_MB  # memory unknown
    assert rebuild.rebuild_limit_mb(2048 * mb) == rebuild.WRITER_LIMIT_MB
    assert rebuild.rebuild_limit_mb(8192 * mb) == 512
    assert rebuild.rebuild_limit_mb(2**40) == rebuild.REBUILD_LIMIT_MAX_MB
    assert rebuild.WRITER_LIMIT_MB <= rebuild.rebuild_limit_mb() <= rebuild.REBUILD_LIMIT_MAX_MB


def test_a_cgroup_limit_below_the_machines_memory_bounds_the_buffer(tmp_path, monkeypatch):
    real = Path.read_text
    limit = str(4096 * 2**20)
    monkeypatch.setattr(Path, "read_text", lambda self, *a, **k: limit if str(self) == "/sys/fs/cgroup/memory.max"
                        else real(self, *a, **k))
    monkeypatch.setattr(rebuild.os, "sysconf", lambda name: 2**20 if name == "SC_PAGE_SIZE" else 2**16)  # 64 GB
    assert rebuild.rebuild_limit_mb() == 256
    limit = "max"
    assert rebuild.rebuild_limit_mb() == rebuild.REBUILD_LIMIT_MAX_MB


def test_an_update_of_its_index_equals_an_update_of_whooshs(tmp_path, monkeypatch):
    """Updates keep Whoosh's writer; on top of our segment they give what they give on Whoosh's."""
    posts = tmp_path / "posts"
    paths = write_post_files(posts, 12, seed=3, sentences=4)
    stock, ours = _both(posts, tmp_path, monkeypatch)
    paths[2].write_text(paths[2].read_text(encoding="utf-8") + "\n量子計算機とラーメンの記事。\n", encoding="utf-8")
    paths[5].unlink()
    write_post_files(posts / "new", 2, seed=9, sentences=3)
    for root in (stock, ours):
        stats = update_index(posts, root, jobs=1)
        assert stats.incremental and (stats.added, stats.updated, stats.deleted) == (2, 1, 1)
    contents = index_contents(ours)
    assert contents == index_contents(stock) and len(contents[1]) == 13
    assert _hits(ours) == _hits(stock)


def test_an_index_it_cannot_restate_gets_whooshs_writer(tmp_path):
    ix = whoosh_index.create_in(str(tmp_path), Schema(title=TEXT(stored=True)))
    writer = term_writer.segment_writer(ix)
    assert isinstance(writer, term_writer.TermGroupingWriter)
    writer.add_document(title="one")
    writer.commit()
    writer = term_writer.segment_writer(ix)  # the index holds a segment now: nothing to merge with
    assert type(writer) is SegmentWriter
    writer.cancel()
    (tmp_path / "v").mkdir()
    vectors = whoosh_index.create_in(str(tmp_path / "v"), Schema(title=TEXT(vector=True)))
    writer = term_writer.segment_writer(vectors)
    assert type(writer) is SegmentWriter
    writer.cancel()


@pytest.mark.skipif(not CORPUS.is_dir(), reason="needs ../shared/corpus")
def test_real_posts_give_the_bytes_of_whooshs_writer(tmp_path, monkeypatch):
    files = sorted(CORPUS.rglob("*.md"))
    posts = tmp_path / "posts"
    for path in files[::max(1, len(files) // 16)][:16]:
        target = posts / path.relative_to(CORPUS)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    stock, ours = _both(posts, tmp_path, monkeypatch)
    _assert_same_index(stock, ours, 10_000)


# -- the block encoder alone, against Whoosh's FieldWriter.add_postings ------------------------------

FIELDS = {"a_text": TEXT(), "b_id": ID(), "c_keyword": KEYWORD(scorable=True)}  # Positions, Existence, Frequency
WEIGHTS = st.one_of(st.just(1.0), st.just(2.0), st.sampled_from([0.5, 0.3, 3.0, 0.0]),
                    st.floats(min_value=0, max_value=1e6, allow_nan=False))
TERM = st.tuples(st.sampled_from(sorted(FIELDS)), st.binary(min_size=1, max_size=5),
                 st.lists(st.tuples(st.integers(1, 40), WEIGHTS, st.binary(max_size=6)), min_size=1, max_size=300),
                 st.booleans())


@settings(max_examples=60, deadline=None)
@given(terms=st.lists(TERM, max_size=12), seed=st.integers(0, 2**32))
@example(terms=[("a_text", b"x", [(1, 1.5, b"ab")] * 128, False), ("a_text", b"y", [(2, 1.0, b"")] * 256, True),
                ("b_id", b"z", [(1, 2.0, b"")] * 129, True), ("c_keyword", b"k", [(3, 0.5, b"1234")] * 300, False)],
         seed=1)
def test_the_block_encoder_writes_whooshs_bytes(terms, seed):
    rng = random.Random(seed)
    schema = Schema(**FIELDS)
    lengths: dict[tuple[int, str], int] = {}
    stock_items, our_terms, seen = [], [], set()
    for fieldname, tbytes, postings, same_weight in sorted(terms, key=lambda t: (t[0], t[1])):
        if (fieldname, tbytes) in seen:
            continue
        seen.add((fieldname, tbytes))
        group, docnum = [], -1
        for gap, weight, value in postings:
            docnum += gap
            weight = postings[0][1] if same_weight else weight
            value = value.ljust(4, b"0")[:4] if fieldname == "c_keyword" else value
            length = lengths.setdefault((docnum, fieldname), rng.choice([0, rng.randint(1, 300), rng.randint(1, 200_000)]))
            stock_items.append((fieldname, tbytes, docnum, weight, value))
            group += (docnum, weight, value, length_to_byte(length) if length else 0)
        our_terms.append((fieldname, tbytes, group))

    class Lengths:  # what Whoosh's per-document reader answers: the length's byte, decoded
        @staticmethod
        def doc_field_length(docnum, fieldname):
            length = lengths[docnum, fieldname]
            return byte_to_length(length_to_byte(length)) if length else None

    def write(fill) -> dict[str, bytes]:
        storage = RamStorage()
        codec = W3Codec()
        writer = codec.field_writer(storage, W3Segment(codec, "MAIN", segid="s"))
        fill(writer)
        writer.close()
        return {name: storage.open_file(name).read() for name in storage.list()}

    expected = write(lambda writer: writer.add_postings(schema, Lengths, iter(stock_items)))
    got = write(lambda writer: term_encoding.write_terms(writer, schema, iter(our_terms), 128, 3))
    assert got == expected


def _forked(posts: Path, tmp_path: Path, monkeypatch, jobs: int) -> tuple[Path, Path, list[int]]:
    """Rebuild ``posts`` with Whoosh's writer, and with ours encoding the terms in ``jobs``
    processes at commit; the two roots and how many parts children encoded."""
    done: list[int] = []
    original = forked_terms.write_terms_forked

    def counted(*args):
        done.append(original(*args))
        return done[-1]

    stock = tmp_path / "stock"
    with monkeypatch.context() as patch:
        patch.setattr(rebuild, "segment_writer", _stock)
        rebuild_index(posts, stock, jobs=1)
    monkeypatch.setattr(forked_terms, "FORK_MIN_POSTINGS", 0)
    monkeypatch.setattr(forked_terms, "fork_safe", lambda: True)  # other tests may have left a thread
    monkeypatch.setattr(forked_terms, "write_terms_forked", counted)
    ours = tmp_path / "ours"
    rebuild_index(posts, ours, jobs=jobs)
    return stock, ours, done


@pytest.mark.skipif(not hasattr(os, "fork"), reason="forking is used on Linux only")
@pytest.mark.parametrize("jobs", [2, 3])
def test_terms_encoded_by_forked_children_give_the_same_bytes(tmp_path, monkeypatch, jobs):
    posts = tmp_path / "posts"
    write_post_files(posts, 140, sentences=3)  # 共通語彙 in 140 posts: a term of two blocks
    stock, ours, done = _forked(posts, tmp_path, monkeypatch, jobs)
    assert done == [jobs * forked_terms.CHUNKS_PER_PROCESS]  # every chunk by a child
    _assert_same_index(stock, ours, 5000)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="forking is used on Linux only")
def test_a_failed_child_s_part_is_encoded_by_the_writer(tmp_path, monkeypatch):
    posts = tmp_path / "posts"
    write_post_files(posts, 30, seed=7, sentences=4)

    def broken(*args):
        raise MemoryError("the child ran out of memory")

    monkeypatch.setattr(forked_terms, "encode_terms", broken)  # the children's loop; the writer's is term_writer's
    stock, ours, done = _forked(posts, tmp_path, monkeypatch, 2)
    assert done == [0]
    _assert_same_index(stock, ours, 1000)
    assert not list((ours / "current").resolve().glob("terms*"))


@given(st.lists(st.integers(min_value=4, max_value=2000), max_size=60), st.integers(min_value=1, max_value=6))
def test_split_points_cut_terms_into_parts_of_about_equal_postings(sizes, parts):
    cuts = forked_terms.split_points(sizes, parts)
    assert len(cuts) < parts and cuts == sorted(set(cuts)) and all(0 < cut < len(sizes) for cut in cuts)
    if sizes and len(cuts) == parts - 1:  # none skipped for a term outweighing a part
        pieces = [sum(sizes[a:b]) for a, b in zip([0, *cuts], [*cuts, len(sizes)])]
        assert max(pieces) <= sum(sizes) / parts + max(sizes)
