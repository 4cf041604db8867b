"""A term's postings read whole from Whoosh 2.7's block format ("W3"), without a matcher.

Whoosh's :class:`~whoosh.codec.whoosh3.W3LeafMatcher` reads a posting list a block at a time,
each block's header through :func:`pickle.load` on the file (dozens of small reads per block),
and delta-decodes the document numbers one by one in Python. :func:`read_postings` reads the
term's whole extent with one read and decodes each block from memory, the numbers with NumPy.
The layout it reads is the one the codec writes (``W3FieldWriter`` / ``W3PostingsWriter``): the
tag ``W3Bl``, then per block a signed big-endian int (the block's length, negative for the last
block), a pickled info tuple ``(count, max id, max weight, compression, min length, max
length)`` and the block data, ``(delta-coded ids, weights, values)`` pickled, zlib-compressed
when ``compression``. A short posting list is inlined in the term info instead.
"""

from __future__ import annotations

import io
import pickle
import struct
import zlib

import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermsReader

_BLOCK_LENGTH = struct.Struct("!i")


def read_postings(reader, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray, list] | None:
    """``(ids int64[n], weights float64[n], encoded values)`` of a term in a segment reader, or
    None when the reader is not of the W3 codec (the caller then uses Whoosh's matcher).

    :raises whoosh.reading.TermNotFound: the segment has no such term.
    :raises ValueError: the postings are not in the expected layout (a damaged file).
    """
    terms = getattr(reader, "_terms", None)
    if not isinstance(terms, W3TermsReader):
        return None
    info = terms.term_info(fieldname, btext)
    fixed = reader.schema[fieldname].format.fixed_value_size()
    if info.is_inlined():
        ids, weights, values = info.inlined_postings()
        return np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float64), list(values)
    offset, length = info.extent()
    if isinstance(length, tuple):  # Whoosh 2.7 reads it back as struct.unpack's tuple
        length = length[0]
    data = terms._postfile.get(offset, length)
    if data[:len(WHOOSH3_HEADER_MAGIC)] != WHOOSH3_HEADER_MAGIC:
        raise ValueError(f"no posting block at {offset} for {fieldname}:{btext!r}")
    ids: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    values: list = []
    at = len(WHOOSH3_HEADER_MAGIC)
    while True:
        size = _BLOCK_LENGTH.unpack_from(data, at)[0]
        last, size = size < 0, abs(size)
        start, end = at + _BLOCK_LENGTH.size, at + _BLOCK_LENGTH.size + size
        stream = io.BytesIO(data[start:end])
        count, _, _, compression, _, _ = pickle.load(stream)
        block = stream.read()
        block_ids, block_weights, block_values = pickle.loads(zlib.decompress(block) if compression else block)
        ids.append(np.cumsum(np.asarray(block_ids, dtype=np.int64)))
        if block_weights is None or isinstance(block_weights, float):
            weights.append(np.full(count, 1.0 if block_weights is None else block_weights))
        else:
            weights.append(np.asarray(block_weights, dtype=np.float64))
        values += _values(block_values, fixed, count)
        if last or end >= len(data):
            break
        at = end
    return np.concatenate(ids), np.concatenate(weights), values


def _values(values, fixed: int | None, count: int) -> list:
    """A block's encoded posting values, one per posting (as ``W3LeafMatcher._read_values``)."""
    if fixed is None or fixed < 0:
        return list(values)
    if fixed == 0:
        return [None] * count
    return [values[i:i + fixed] for i in range(0, len(values), fixed)]
