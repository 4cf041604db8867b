"""The rebuild's segment writer: postings grouped by term as documents arrive, written at commit
straight through Whoosh's block format, byte for byte what Whoosh's own writer writes.

Whoosh's ``SegmentWriter`` puts every posting into a ``PostingPool`` as a
``(field, term, document, weight, value)`` tuple, sorts them all at commit (an external sort that
spills runs to temporary files beyond ``limitmb``) and feeds them one by one through the codec's
``FieldWriter`` (``start_term``/``add``/``finish_term``), which reads the document's field length
back for each posting and builds each term's blocks with a dozen method calls per term. A rebuild
adds documents in document-number order, so the postings of a term arrive already sorted by
document: :class:`TermGroupingWriter` appends each posting to its term's list (one dict look-up),
and at commit sorts only the terms and encodes each term's blocks in one loop
(:func:`write_terms`), with the lengths it noted when the document was added. The files are the
same bytes as Whoosh 2.7's ``W3Codec`` writes for the same postings (``tests/test_term_writer.py``
compares them file by file): block format, term-info records and the ordered hash table are
Whoosh's own code paths, restated.

Memory is bounded as Whoosh's pool bounds it: beyond ``limitmb`` (estimated like the pool does)
the groups are written to a temporary file in term order and cleared; the commit then merges those
runs with what is in memory, term by term (a term's postings in run order are in document order).

Used for full rebuilds only (a new index, nothing to merge); updates keep Whoosh's writer.
:func:`segment_writer` falls back to Whoosh's writer for a codec or schema it does not restate
(vectors, spelling fields, inlined postings).
"""

from __future__ import annotations

import gc
import heapq
import marshal
import zlib
from array import array
from functools import cache
from hashlib import md5
from itertools import groupby
from operator import itemgetter, sub
from pickle import dumps
from struct import Struct

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3Codec, W3FieldWriter
from whoosh.filedb.filetables import _lengths as _KEY_VALUE_LENGTHS, md5_hash
from whoosh.system import pack_int, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

#: Terms per record of a spilled run (one marshal record each).
RUN_RECORD_TERMS = 2048
#: Pieces (block heads, infos, data) gathered before one write to the postings file.
WRITE_PIECES = 3 * 4096
#: Compressed blocks kept for reuse.
COMPRESSED_KEPT = 200_000
# Estimated bytes held per posting (four list slots, the weight and value objects) and per new
# term (its dict entry, bytes and list), for the memory limit.
_POSTING_BYTES = 32 + 24 + 40
_TERM_BYTES = 200
# W3TermInfo.to_bytes of postings not inlined: its struct, then pack_long(offset) + pack_int(length).
_TERM_INFO = Struct("!BfIBBfIIqi")


def segment_writer(ix, limitmb: int = 128, jobs: int = 1):
    """A writer for a new, empty index ``ix``: :class:`TermGroupingWriter` when it can restate
    the index's codec and schema, else Whoosh's ``SegmentWriter`` (``ix.writer()``).

    :param jobs: processes :class:`TermGroupingWriter` may encode the terms in at commit
        (:mod:`search.indexing.forked_terms`).
    """
    try:
        return TermGroupingWriter(ix, limitmb=limitmb, jobs=jobs)
    except ValueError:
        return ix.writer(limitmb=limitmb)


def supported(writer: SegmentWriter) -> bool:
    """True if ``writer``'s index is empty, its codec Whoosh's ``W3Codec`` without inlined postings,
    and no field keeps term vectors or a separate spelling field."""
    codec = writer.codec
    return (isinstance(writer, SegmentWriter) and not writer.segments and type(codec) is W3Codec
            and codec._inlinelimit <= 1 and type(writer.fieldwriter) is W3FieldWriter
            and _lengths_restate()
            and not any(field.vector or field.separate_spelling() for _, field in writer.schema.items()))


class TermGroupingWriter(SegmentWriter):
    """Whoosh's ``SegmentWriter`` for a new index, with postings grouped by term (module docstring).

    Takes the same arguments; ``add_document`` and ``commit`` behave as Whoosh's, and the segment
    written is the same. ``add_reader`` (merging) is not supported.

    :raises ValueError: the index already holds segments, or :func:`supported` is false.
    """

    def __init__(self, ix, limitmb: int = 128, jobs: int = 1, **kwargs) -> None:
        super().__init__(ix, limitmb=limitmb, **kwargs)
        if not supported(self):
            self.cancel()
            raise ValueError("TermGroupingWriter writes a new index with Whoosh's W3Codec only")
        # field name -> term bytes -> [docnum, weight, value, length byte, docnum, ...]
        self._groups: dict[str, dict[bytes, list]] = {}
        self._held = 0
        self._limit = limitmb * 1024 * 1024
        self._runs: list[str] = []
        self._postings = 0
        self.jobs = max(1, jobs)
        #: Parts of the terms that forked children encoded at commit (0: none).
        self.forked_parts = 0

    def add_reader(self, reader) -> None:
        raise NotImplementedError("TermGroupingWriter does not merge indexes")

    def add_document(self, **fields) -> None:
        """As ``SegmentWriter.add_document``: stored fields, lengths and columns go to the
        per-document writer at once; the postings to their terms' groups."""
        self._check_state()
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        docboost = self._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)
        held = 0
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields.get(fieldname)
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if field.indexed:
                    fieldboost = self._field_boost(fields, fieldname, docboost)
                    items = field.index(value)
                    if not isinstance(items, list):
                        items = list(items)
                    if field.scorable:
                        for item in items:
                            length += item[1]
                    # Whoosh's field writer gets the length back from the column of length
                    # bytes; it keeps only bytes of min and max (see _lengths_restate).
                    length_byte = length_to_byte(length) if length else 0
                    self._postings += len(items)
                    groups = self._groups.get(fieldname)
                    if groups is None:
                        groups = self._groups[fieldname] = {}
                    for tbytes, _freq, weight, vbytes in items:
                        group = groups.get(tbytes)
                        if group is None:
                            group = groups[tbytes] = []
                            held += _TERM_BYTES + len(tbytes)
                        group += (docnum, weight * fieldboost, vbytes, length_byte)
                        held += _POSTING_BYTES + (len(vbytes) if vbytes else 0)
                customval = fields.get("_stored_%s" % fieldname, value)
                perdocwriter.add_field(fieldname, field, customval if field.stored else None, length)
                column = field.column_type
                if column and customval is not None:
                    perdocwriter.add_column_value(fieldname, column, field.to_column_value(customval))
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1
        self._held += held
        if self._held > self._limit:
            self._spill()

    def _spill(self) -> None:
        """Write the groups to a temporary run file in (field, term) order, and drop them."""
        name = "%s.grun" % len(self._runs)
        with self._tempstorage.create_file(name).raw_file() as run:
            for fieldname, terms in sorted(self._groups.items()):
                ordered = sorted(terms.items())
                for start in range(0, len(ordered), RUN_RECORD_TERMS):
                    marshal.dump((fieldname, ordered[start:start + RUN_RECORD_TERMS]), run)
        self._runs.append(name)
        self._groups = {}
        self._held = 0

    def _read_run(self, name: str):
        with self._tempstorage.open_file(name).raw_file() as run:
            while True:
                try:
                    fieldname, terms = marshal.load(run)
                except EOFError:
                    return
                for tbytes, group in terms:
                    yield fieldname, tbytes, group

    def _terms(self):
        """``(field name, term bytes, postings)`` in field and term order, runs merged."""
        memory = ((fieldname, tbytes, group) for fieldname, terms in sorted(self._groups.items())
                  for tbytes, group in sorted(terms.items()))
        if not self._runs:
            yield from memory
            return
        # heapq.merge is stable: for one term, earlier runs (earlier documents) come first.
        merged = heapq.merge(*(self._read_run(name) for name in self._runs), memory, key=itemgetter(0, 1))
        for (fieldname, tbytes), parts in groupby(merged, key=itemgetter(0, 1)):
            group: list = []
            for part in parts:
                group += part[2]
            yield fieldname, tbytes, group

    def _flush_segment(self) -> None:
        from search.indexing import forked_terms

        self.perdocwriter.close()
        blocklimit, compression = self.codec._blocklimit, self.codec._compression
        # The commit makes objects by the term while millions of postings are held: each full
        # collection would walk them all, to free nothing (a third of the commit on the corpus).
        collecting = gc.isenabled()
        gc.disable()
        try:
            if (self.jobs > 1 and not self._runs and self._postings >= forked_terms.FORK_MIN_POSTINGS
                    and forked_terms.fork_safe()):
                self.forked_parts = forked_terms.write_terms_forked(
                    self.fieldwriter, self.schema, list(self._terms()), blocklimit, compression,
                    self._tempstorage, self.jobs)
            else:
                write_terms(self.fieldwriter, self.schema, self._terms(), blocklimit, compression)
        finally:
            if collecting:
                gc.enable()
        self._groups = {}
        self.fieldwriter.close()


def write_terms(fieldwriter: W3FieldWriter, schema, terms, blocklimit: int, compression: int) -> None:
    """Write ``terms`` (``(field name, term bytes, [docnum, weight, value, length byte, …])`` in
    field and term order, documents ascending) through ``fieldwriter``'s files exactly as its
    ``add_postings`` would: ``W3PostingsWriter`` blocks of ``blocklimit`` postings, ``W3TermInfo``
    records and the ordered hash table's entries (its ``close`` writes the table)."""
    tindex = fieldwriter._tindex
    tindex.lastkey = encode_terms(
        terms, schema, fieldwriter._fieldmap, term_hash(tindex), blocklimit, compression,
        TermFiles(fieldwriter._postfile.write, tindex.dbfile.write, fieldwriter._postfile.tell(),
                  tindex.dbfile.tell(), tindex.buckets, tindex.index.append), tindex.lastkey)


def term_hash(tindex):
    """The hash function of the term index ``tindex``, Whoosh's MD5 one restated faster."""
    return _md5_hash if tindex.hashfn is md5_hash else tindex.hashfn


class TermFiles:
    """Where :func:`encode_terms` writes: the postings file and the term index's records, their
    positions so far, and the term index's hash buckets and key positions (Whoosh's
    ``OrderedHashWriter.buckets`` and ``.index``)."""

    def __init__(self, write_postings, write_keys, position: int, key_position: int,
                 buckets: list[list[tuple[int, int]]], add_key_position) -> None:
        self.write_postings, self.write_keys = write_postings, write_keys
        self.position, self.key_position = position, key_position
        self.buckets, self.add_key_position = buckets, add_key_position


def encode_terms(terms, schema, fieldmap: dict[str, int], hashfn, blocklimit: int, compression: int,
                 files: TermFiles, lastkey: bytes) -> bytes:
    """The loop of :func:`write_terms`, into ``files`` (whose positions it advances); returns the
    last key written.

    :raises ValueError: a key does not follow ``lastkey`` and the keys before it in order.
    """
    buckets = files.buckets
    add_key_position = files.add_key_position
    pack_lengths = _KEY_VALUE_LENGTHS.pack
    pack_info = _TERM_INFO.pack
    blocks = _Blocks(compression)
    compress = blocks.compress
    position = files.position
    key_position = files.key_position
    postings: list[bytes] = []
    keys: list[bytes] = []
    for fieldname, field_terms in groupby(terms, key=itemgetter(0)):
        prefix = pack_ushort(fieldmap.setdefault(fieldname, len(fieldmap)))
        fixed = schema[fieldname].format.fixed_value_size()
        for _, tbytes, group in field_terms:
            start = position
            if len(group) == 4:  # most terms: one posting, the block arithmetic spelled out
                docnum, weight, vbytes, length_byte = group
                weight32 = array("f", (weight,))[0]
                if fixed is None or fixed < 0:
                    values = (vbytes,) if vbytes else ()
                else:
                    values = None if fixed == 0 else vbytes or b""
                data = compress(dumps(((docnum,), None if weight32 == 1.0 else weight32, values), 2))
                maxweight = weight if weight > 0 else 0
                info = dumps((1, docnum, maxweight, compression, length_byte, length_byte), 2)
                size = len(info) + len(data)
                postings += (WHOOSH3_HEADER_MAGIC + pack_int(-size), info, data)
                position += 8 + size
                value = pack_info(False, weight32, 1, length_byte, length_byte, maxweight, docnum, docnum,
                                  start, position - start)
            else:
                position += blocks.write(group, fixed, blocklimit, postings)
                lengths = group[3::4]
                value = pack_info(False, blocks.weight, len(lengths), _min_length(lengths), max(lengths),
                                  blocks.maxweight, group[0], group[-4], start, position - start)
            key = prefix + tbytes
            if key <= lastkey:
                raise ValueError("Keys must increase: %r..%r" % (lastkey, key))
            lastkey = key
            add_key_position(key_position)
            h = hashfn(key)
            buckets[h & 255].append((h, key_position))
            keys += (pack_lengths(len(key), len(value)), key, value)
            key_position += 8 + len(key) + len(value)
            if len(postings) >= WRITE_PIECES:
                files.write_postings(b"".join(postings))
                files.write_keys(b"".join(keys))
                postings, keys = [], []
    files.write_postings(b"".join(postings))
    files.write_keys(b"".join(keys))
    files.position, files.key_position = position, key_position
    return lastkey


class _Blocks:
    """``W3PostingsWriter``'s blocks of one term and its ``W3TermInfo`` totals (``weight``,
    ``maxweight``), with compressed block data kept for reuse (a quarter of a rebuild's blocks
    repeat one already written)."""

    def __init__(self, compression: int) -> None:
        self.compression = compression
        self._compressed: dict[bytes, bytes] = {}
        self.weight = 0
        self.maxweight = 0

    def compress(self, data: bytes) -> bytes:
        if not self.compression:
            return data
        compressed = self._compressed.get(data)
        if compressed is None:
            if len(self._compressed) >= COMPRESSED_KEPT:
                self._compressed.clear()
            compressed = self._compressed[data] = zlib.compress(data, self.compression)
        return compressed

    def write(self, group: list, fixed: int | None, blocklimit: int, out: list[bytes]) -> int:
        """Append the blocks of ``group`` (flat postings) to ``out``; return their size in bytes."""
        count = len(group)
        written = 0
        self.weight = self.maxweight = 0
        for first in range(0, count, blocklimit * 4):
            end = min(first + blocklimit * 4, count)
            ids = group[first:end:4]
            raw_weights = group[first + 1:end:4]
            weights = array("f", raw_weights)
            values = [v for v in group[first + 2:end:4] if v]
            lengths = group[first + 3:end:4]
            block_max = 0
            for weight in raw_weights:
                if weight > block_max:
                    block_max = weight
            size = len(ids)
            if weights.count(1.0) == size:
                mini_weights = None
            elif weights.count(weights[0]) == size:
                mini_weights = weights[0]
            else:
                mini_weights = tuple(weights)
            if fixed is None or fixed < 0:
                mini_values = tuple(values)
            else:
                mini_values = None if fixed == 0 else b"".join(values)
            deltas = [ids[0]]
            deltas += map(sub, ids[1:], ids)
            data = self.compress(dumps((tuple(deltas), mini_weights, mini_values), 2))
            info = dumps((size, ids[-1], block_max, self.compression, _min_length(lengths), max(lengths)), 2)
            block = len(info) + len(data)
            head = pack_int(-block if end == count else block)
            if first == 0:
                head = WHOOSH3_HEADER_MAGIC + head
            out += (head, info, data)
            written += len(head) + block
            # W3TermInfo.add_block
            self.weight += sum(weights)
            self.maxweight = max(self.maxweight, block_max)
        return written


def _min_length(length_bytes: list[int]) -> int:
    """The byte of the shortest length among ``length_bytes``, 0 (none) left out; 0 if all are."""
    return min(length_bytes) or min([n for n in length_bytes if n], default=0)


def _md5_hash(key: bytes) -> int:
    """``whoosh.filedb.filetables.md5_hash``: the low 32 bits of the key's MD5."""
    return int.from_bytes(md5(key, usedforsecurity=False).digest()[12:], "big")


@cache
def _lengths_restate() -> bool:
    """True if a length's byte stands for the length Whoosh reads back (so the writer may keep
    bytes: min and max of bytes are the bytes of min and max of lengths)."""
    return all(length_to_byte(byte_to_length(b)) == b for b in range(256)) and all(
        byte_to_length(b) < byte_to_length(b + 1) for b in range(255))
