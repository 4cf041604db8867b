"""A term's postings read whole from Whoosh 2.7's block format ("W3"), without a matcher.

Whoosh's :class:`~whoosh.codec.whoosh3.W3LeafMatcher` reads a posting list a block at a time,
each block's header through :func:`pickle.load` on the file (dozens of small reads per block),
and delta-decodes the document numbers one by one in Python. :func:`read_postings` reads the
term's whole extent with one read and decodes each block from memory, the numbers with NumPy.
The layout it reads is the one the codec writes (``W3FieldWriter`` / ``W3PostingsWriter``): the
tag ``W3Bl``, then per block a signed big-endian int (the block's length, negative for the last
block), a pickled info tuple ``(count, max id, max weight, compression, min length, max
length)`` and the block data, ``(delta-coded ids, weights, values)`` pickled (protocol 2),
zlib-compressed when ``compression``. A short posting list is inlined in the term info instead.

Most of a block's bytes are its values (each posting's positions and character offsets), and
most searches need them for few documents: scoring needs only ids and weights. A block's values
are therefore decoded on first use (:class:`BlockValues`). Its ids and weights are read from the
start of the decompressed stream, where the pickle writes them: protocol 2 writes a ``bytes``
value as a call of ``_codecs.encode``, so the values begin where that global is first named; the
stream is cut there and closed (values ``None``). A cut that does not give ``count`` ids and
weights falls back to decoding the whole block.
"""

from __future__ import annotations

import bisect
import io
import pickle
import struct
import zlib

import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermsReader

_BLOCK_LENGTH = struct.Struct("!i")
#: How protocol 2 names the function that rebuilds a ``bytes`` value: the first value's opcode.
_FIRST_VALUE = b"c_codecs\nencode\n"
_MARK = ord("(")
#: ``None`` for the values, then TUPLE3 and STOP: what closes a stream cut before its values.
_CLOSE = b"N\x87."
#: Decompressed bytes read for a block's ids and weights (128 of each take at most ~1.8 KB).
_HEAD_BYTES = 2048


class BlockValues:
    """The encoded posting values of a term, one per posting, each block's decoded on first use.

    Indexable like a list (``values[i]`` is posting ``i``'s value); not sliceable.
    """

    __slots__ = ("_starts", "_blocks", "_decoded", "_fixed", "_count")

    def __init__(self, fixed: int | None) -> None:
        self._starts: list[int] = []
        self._blocks: list[tuple[bytes, int]] = []
        self._decoded: list[list | None] = []
        self._fixed = fixed
        self._count = 0

    def add(self, block: bytes, compression: int, count: int, values: list | None) -> None:
        """Append a block of ``count`` postings; ``values`` None: decode them when asked for."""
        self._starts.append(self._count)
        self._blocks.append((block, compression))
        self._decoded.append(values)
        self._count += count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, i: int):
        if not 0 <= i < self._count:
            raise IndexError(i)
        b = bisect.bisect_right(self._starts, i) - 1
        values = self._decoded[b]
        if values is None:
            block, compression = self._blocks[b]
            count = (self._starts[b + 1] if b + 1 < len(self._starts) else self._count) - self._starts[b]
            values = self._decoded[b] = _values(_load(block, compression)[2], self._fixed, count)
        return values[i - self._starts[b]]


def read_postings(reader, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray, BlockValues | list] | None:
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
    values = BlockValues(fixed)
    variable = fixed is None or fixed < 0
    at = len(WHOOSH3_HEADER_MAGIC)
    while True:
        size = _BLOCK_LENGTH.unpack_from(data, at)[0]
        last, size = size < 0, abs(size)
        start, end = at + _BLOCK_LENGTH.size, at + _BLOCK_LENGTH.size + size
        stream = io.BytesIO(data[start:end])
        count, _, _, compression, _, _ = pickle.load(stream)
        block = stream.read()
        head = _ids_and_weights(block, compression, count) if variable else None
        if head is None:
            block_ids, block_weights, block_values = _load(block, compression)
            values.add(block, compression, count, _values(block_values, fixed, count))
        else:
            block_ids, block_weights = head
            values.add(block, compression, count, None)
        ids.append(np.cumsum(np.asarray(block_ids, dtype=np.int64)))
        if block_weights is None or isinstance(block_weights, float):
            weights.append(np.full(count, 1.0 if block_weights is None else block_weights))
        else:
            weights.append(np.asarray(block_weights, dtype=np.float64))
        if last or end >= len(data):
            break
        at = end
    return np.concatenate(ids), np.concatenate(weights), values


def _load(block: bytes, compression: int) -> tuple:
    return pickle.loads(zlib.decompress(block) if compression else block)


def _ids_and_weights(block: bytes, compression: int, count: int) -> tuple[tuple, object] | None:
    """A block's ``(delta-coded ids, weights)`` from the start of its stream (see the module
    docstring), or None when they cannot be read apart from the values."""
    head = zlib.decompressobj().decompress(block, _HEAD_BYTES) if compression else block[:_HEAD_BYTES]
    cut = head.find(_FIRST_VALUE)
    if cut <= 0:
        return None
    # More than three values open with a MARK before the first; up to three do not.
    for at in (cut - 1, cut) if head[cut - 1] == _MARK else (cut,):
        try:
            ids, weights, values = pickle.loads(head[:at] + _CLOSE)
        except Exception:  # not a boundary: the next candidate, or the whole block
            continue
        if (values is None and type(ids) is tuple and len(ids) == count
                and (weights is None or type(weights) is float
                     or (type(weights) is tuple and len(weights) == count))):
            return ids, weights
    return None


def _values(values, fixed: int | None, count: int) -> list:
    """A block's encoded posting values, one per posting (as ``W3LeafMatcher._read_values``)."""
    if fixed is None or fixed < 0:
        return list(values)
    if fixed == 0:
        return [None] * count
    return [values[i:i + fixed] for i in range(0, len(values), fixed)]
