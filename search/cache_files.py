"""Cache files kept beside the index (:mod:`search.analysis.morpheme_cache`,
:mod:`search.posts.markdown_cache`): written whole and atomically, ending in a checksum that
reading checks, so a torn or altered file is never trusted.

A file is ``body + BLAKE2b-256(body)``; it is written to a hidden temporary name beside ``path``
and renamed over it (``.<name>.<random>``, which a reindex removes if a crash left one).
"""

from __future__ import annotations

import hashlib
import os
import struct
import uuid
from pathlib import Path
from typing import Callable, TypeVar

T = TypeVar("T")

DIGEST_SIZE = 32


def write_checked(path: Path, body: bytes) -> int:
    """Replace ``path`` with ``body`` and its checksum, atomically.

    :returns: the file's size in bytes; 0 if it could not be written (the old file stays).
    """
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}")
    try:
        with open(temporary, "wb") as handle:
            handle.write(body)
            handle.write(hashlib.blake2b(body, digest_size=DIGEST_SIZE).digest())
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)
        return 0
    return len(body) + DIGEST_SIZE


def checked_body(data: bytes) -> bytes:
    """The body of a file :func:`write_checked` wrote.

    :raises ValueError: the checksum does not match (or the file is shorter than one).
    """
    body, digest = data[:-DIGEST_SIZE], data[-DIGEST_SIZE:]
    if len(data) < DIGEST_SIZE or hashlib.blake2b(body, digest_size=DIGEST_SIZE).digest() != digest:
        raise ValueError("checksum")
    return body


def read_parsed(path: Path, parse: Callable[[bytes], T]) -> T | None:
    """``parse`` of the file's bytes; None if it cannot be read or ``parse`` finds it is not a
    valid file (raises ``ValueError``, ``KeyError``, ``TypeError`` or ``struct.error``: corrupt,
    foreign or of another version, to be ignored and replaced)."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    try:
        return parse(data)
    except (ValueError, KeyError, TypeError, struct.error):
        return None
