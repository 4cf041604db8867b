"""Whoosh 2.7's ``W3Codec`` postings and term records, written from terms grouped in memory.

:func:`write_terms` turns ``(field name, term bytes, flat postings)`` in term order into the
bytes ``W3FieldWriter.add_postings`` writes for them, one loop per term instead of a dozen method
calls and a ``W3TermInfo`` per term: ``W3PostingsWriter`` blocks of ``blocklimit`` postings (a
pickle and a zlib stream each), the term records of the ordered hash file and its hash entries.
:func:`encode_terms` is that loop into any files (:class:`TermFiles`), so a part of the terms can
be encoded apart, as if it began the files (:mod:`search.indexing.forked_terms`).
Used by :class:`~search.indexing.term_writer.TermGroupingWriter`; ``tests/test_term_writer.py``
compares the bytes with Whoosh's.
"""

from __future__ import annotations

import zlib
from array import array
from hashlib import md5
from itertools import groupby
from operator import itemgetter, sub
from pickle import dumps
from struct import Struct

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3FieldWriter
from whoosh.filedb.filetables import _lengths as _KEY_VALUE_LENGTHS, md5_hash
from whoosh.system import pack_int, pack_ushort

#: Pieces (block heads, infos, data) gathered before one write to the postings file.
WRITE_PIECES = 3 * 4096
#: Compressed blocks kept for reuse.
COMPRESSED_KEPT = 200_000
# W3TermInfo.to_bytes of postings not inlined: its struct, then pack_long(offset) + pack_int(length).
_TERM_INFO = Struct("!BfIBBfIIqi")


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
