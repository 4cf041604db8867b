"""A rebuild's terms encoded by forked processes at commit: the serial tail of a rebuild, cut.

At commit :class:`~search.indexing.term_writer.TermGroupingWriter` holds every posting grouped by
term and turns each term into Whoosh's blocks, a pickle and a zlib stream per block: most of the
commit's CPU, while the analysis workers have already exited. Terms are encoded independently,
so the ordered terms are cut into chunks of about equal cost, dealt out to forked children (one
per CPU). Each child writes each of its chunks' postings and term records as if the chunk began
both files, and the chunk's hash entries ``(hash, record position)``; the writer then appends the
chunks in order, adding the files' lengths so far to each chunk's positions: to its records'
postings offsets (in place, with NumPy) and to its hash entries. The segment is the bytes the
serial loop writes (``tests/test_term_writer.py`` compares them).

Used only where forking is safe (Linux, a process running one thread, as for the analysis
workers), when nothing was spilled (all terms are in memory) and when there are at least
:data:`FORK_MIN_POSTINGS` postings. The chunks of a child that fails (its exit status) are
encoded by the writer instead. A child holds a copy-on-write view of the writer's memory: the
pages of the groups it reads are copied as it touches them (reference counts).
"""

from __future__ import annotations

import marshal
import os
import sys
import threading
from array import array
from bisect import bisect_left
from itertools import accumulate

import numpy as np
from whoosh.system import pack_ushort

from search.indexing.pipeline import die_with_parent
from search.indexing.term_encoding import _TERM_INFO, TermFiles, encode_terms, term_hash, write_terms

#: Fewer postings than this are encoded in one process (a fork and its files cost more).
FORK_MIN_POSTINGS = 200_000
#: A block's pickling and compression, in the cost of encoding one posting (measured).
BLOCK_COST = 100
#: Chunks of the terms per process (see :func:`write_terms_forked`).
CHUNKS_PER_PROCESS = 8
#: Bytes copied at a time from a part's files into the segment's.
COPY_CHUNK = 1 << 22
# In a term record (lengths "!ii", key, W3TermInfo), where the postings offset ("q") starts
# after the key: the struct's fields before it.
_OFFSET_IN_INFO = _TERM_INFO.size - 12


def fork_safe() -> bool:
    """True on Linux in a process running one thread (forking copies only the calling thread)."""
    return sys.platform.startswith("linux") and hasattr(os, "fork") and threading.active_count() == 1


def split_points(sizes: list[int], parts: int) -> list[int]:
    """Where to cut terms of ``sizes`` (postings, or any cost) into ``parts`` runs of about
    equal sums: the start index of each part after the first, ascending, none empty."""
    totals = list(accumulate(sizes))
    total = totals[-1] if totals else 0
    cuts = []
    for part in range(1, parts):
        cut = bisect_left(totals, total * part / parts) + 1
        if (cuts[-1] if cuts else 0) < cut < len(sizes):
            cuts.append(cut)
    return cuts


def write_terms_forked(fieldwriter, schema, terms: list, blocklimit: int, compression: int,
                       tempstorage, processes: int) -> int:
    """:func:`~search.indexing.term_encoding.write_terms` of ``terms`` (a list) by ``processes``
    forked children; returns how many chunks of the terms they encoded (0: all here).

    The terms are cut into :data:`CHUNKS_PER_PROCESS` chunks a process, dealt out in turn (a
    field's terms cost more or less a posting than another's: dealt out, each child gets some
    of every field).

    :param tempstorage: Whoosh storage for the chunks' files (the writer's temporary storage).
    """
    cuts = split_points([_cost(len(group)) for _, _, group in terms], processes * CHUNKS_PER_PROCESS)
    if not cuts:
        write_terms(fieldwriter, schema, terms, blocklimit, compression)
        return 0
    fieldmap = fieldwriter._fieldmap
    for fieldname in dict.fromkeys(fieldname for fieldname, _, _ in terms):
        fieldmap.setdefault(fieldname, len(fieldmap))  # numbered before the fork, as in order
    hashfn = term_hash(fieldwriter._tindex)
    bounds = [0, *cuts, len(terms)]
    chunks = [(number, terms[start:end], _key(fieldmap, terms[start - 1]) if start else fieldwriter._tindex.lastkey)
              for number, (start, end) in enumerate(zip(bounds, bounds[1:]))]
    pids = [_fork(chunks[first::processes], schema, fieldmap, hashfn, blocklimit, compression, tempstorage)
            for first in range(min(processes, len(chunks)))]
    succeeded = [_child_succeeded(pid) for pid in pids]
    done = 0
    for number, chunk, _ in chunks:
        if succeeded[number % len(pids)] and _append_chunk(fieldwriter, tempstorage, number, _key(fieldmap, chunk[-1])):
            done += 1
        else:
            write_terms(fieldwriter, schema, chunk, blocklimit, compression)
        for suffix in ("pst", "trm", "ent"):
            name = _name(number, suffix)
            if tempstorage.file_exists(name):
                tempstorage.delete_file(name)
    return done


def _cost(flat: int) -> int:
    """A term's encoding cost, in postings, from the length of its flat group (four items a
    posting): its postings and, for each block, about a hundred (the block's pickles and zlib)."""
    postings = flat // 4
    return postings + BLOCK_COST * (1 + postings // 128)


def _key(fieldmap: dict[str, int], term: tuple) -> bytes:
    return pack_ushort(fieldmap[term[0]]) + term[1]


def _name(number: int, suffix: str) -> str:
    return f"terms{number}.{suffix}"


def _fork(chunks: list[tuple[int, list, bytes]], schema, fieldmap, hashfn, blocklimit: int,
          compression: int, tempstorage) -> int:
    """Fork a child that encodes each ``(number, terms, key before them)`` of ``chunks`` into
    the chunk's files; the child's pid."""
    parent = os.getpid()
    pid = os.fork()
    if pid:
        return pid
    status = 1
    try:
        die_with_parent(parent)  # a writer killed mid-commit leaves no encoding children behind
        for number, chunk, before in chunks:
            entries: list[tuple[int, int]] = []
            positions = array("q")
            with tempstorage.create_file(_name(number, "pst")).raw_file() as postings, \
                    tempstorage.create_file(_name(number, "trm")).raw_file() as records:
                files = TermFiles(postings.write, records.write, 0, 0, [entries] * 256, positions.append)
                encode_terms(chunk, schema, fieldmap, hashfn, blocklimit, compression, files, before)
            with tempstorage.create_file(_name(number, "ent")).raw_file() as out:
                marshal.dump((entries, positions.tobytes()), out)
        status = 0
    finally:
        os._exit(status)  # never back into the writer's code, nor its buffers flushed twice


def _child_succeeded(pid: int) -> bool:
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0


def _append_chunk(fieldwriter, tempstorage, number: int, lastkey: bytes) -> bool:
    """Append a chunk a child encoded to the segment's files; False (nothing written) if its files are missing."""
    names = [_name(number, suffix) for suffix in ("pst", "trm", "ent")]
    if not all(tempstorage.file_exists(name) for name in names):
        return False
    with tempstorage.open_file(names[2]).raw_file() as source:
        entries, positions_bytes = marshal.load(source)
    with tempstorage.open_file(names[1]).raw_file() as source:
        records = bytearray(source.read())
    postfile = fieldwriter._postfile
    tindex = fieldwriter._tindex
    positions = np.frombuffer(positions_bytes, dtype=np.int64)
    _shift_offsets(records, positions, postfile.tell())
    with tempstorage.open_file(names[0]).raw_file() as source:
        while chunk := source.read(COPY_CHUNK):
            postfile.write(chunk)
    base = tindex.dbfile.tell()
    tindex.dbfile.write(records)
    buckets = tindex.buckets
    for h, position in entries:
        buckets[h & 255].append((h, position + base))
    tindex.index.extend((positions + base).tolist())
    tindex.lastkey = lastkey
    return True


def _shift_offsets(records: bytearray, positions: np.ndarray, base: int) -> None:
    """Add ``base`` to the postings offset of each term record starting at ``positions`` in ``records``."""
    if not len(positions):
        return
    raw = np.frombuffer(records, dtype=np.uint8)
    key_lengths = raw[positions[:, None] + np.arange(4)].copy().view(">i4").ravel()
    at = positions + 8 + key_lengths + _OFFSET_IN_INFO
    where = at[:, None] + np.arange(8)
    offsets = raw[where].copy().view(">i8").ravel() + base
    raw[where] = offsets.astype(">i8").view(np.uint8).reshape(-1, 8)
