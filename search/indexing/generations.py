"""The on-disk layout of an index directory, and switching the generation it serves atomically.

An index directory (``index/`` by default) holds *generations*::

    index/
      current -> gen-20261129T091500-3f2a   (relative symlink; the generation being served)
      gen-20261129T091500-3f2a/             (Whoosh files, userdic.csv, posts.json, kensaku.json)
      dictionaries/<digest>/                (the user dictionaries, compiled, for queries)
      .reindex.lock                         (held while a reindex runs)

A generation is never modified once ``current`` may point to it: a reindex
(:mod:`search.indexing.rebuild`) writes a new one, or hard-links the files of the current one into a new
one and changes only that, then switches ``current`` with one ``rename(2)`` (atomic on POSIX). A
running server never sees half an index, and a reindex that fails or is killed (even by SIGKILL)
leaves the old generation serving; the next reindex removes what it left behind.

``kensaku.json`` is written last and marks a complete generation; it records
:data:`search.indexing.schema.INDEX_VERSION` (:func:`search.indexing.index.open_index` refuses any other version)
and the digest of the user dictionary (``userdic.csv``, made from the posts' tags:
:mod:`search.analysis.dictionary`). ``posts.json`` is :mod:`search.indexing.manifest`'s.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import time
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from search.analysis.dictionary import DICTIONARY_FILE
from search.analysis.morpheme_cache import CACHE_FILE
from search.posts.markdown_cache import CACHE_FILE as MARKDOWN_CACHE_FILE
from search.errors import ReindexInProgressError
from search.indexing.schema import INDEX_VERSION

CURRENT_LINK = "current"
METADATA_FILE = "kensaku.json"
#: Compiled user dictionaries (one per content digest) that servers analyze queries with.
DICTIONARIES_DIR = "dictionaries"
LOCK_FILE = ".reindex.lock"
GENERATION_PREFIX = "gen-"
#: The key of ``kensaku.json`` recording ``{file name: [size in bytes, SHA-256 hex]}``.
FILES_KEY = "files"
#: Files of a generation written or rewritten after ``kensaku.json`` (the suggestion vocabulary)
#: or that Whoosh creates and deletes by itself (its lock): not recorded.
UNRECORDED_FILES = frozenset({METADATA_FILE, "suggestions.json"})


def format_metadata() -> dict[str, object]:
    """What a generation's analysis depends on; an update needs every value equal, else it rebuilds."""
    return {"format_version": INDEX_VERSION}


def current_generation(index_root: Path) -> Path | None:
    """The generation directory ``current`` points to, or None when there is none."""
    link = Path(index_root) / CURRENT_LINK
    try:
        target = os.readlink(link)
    except OSError:
        return None
    return Path(index_root) / target


def read_metadata(generation: Path) -> dict:
    """The ``kensaku.json`` of a generation, or ``{}`` if it is missing or unreadable."""
    try:
        return json.loads((generation / METADATA_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def indexed_post_count(index_root: Path) -> int:
    """Posts in the generation being served (0 when there is none)."""
    generation = current_generation(index_root)
    posts = read_metadata(generation).get("posts", 0) if generation is not None else 0
    return posts if isinstance(posts, int) else 0


@contextmanager
def reindex_lock(index_root: Path, wait_s: float = 0.0) -> Iterator[None]:
    """Hold the index directory's reindex lock, or raise :class:`ReindexInProgressError`.

    The lock is an ``fcntl`` lock, released by the kernel if the process dies (even by SIGKILL).

    :param wait_s: seconds to wait for another reindex to finish; 0 refuses at once.
    """
    index_root = Path(index_root)
    index_root.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_s
    with open(index_root / LOCK_FILE, "a+") as handle:
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError as exc:
                if time.monotonic() >= deadline:
                    raise ReindexInProgressError(
                        f"Another reindex is running on {index_root}; wait for it to finish and try again."
                    ) from exc
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def write_metadata(generation: Path, **values: object) -> None:
    """Write ``kensaku.json``, the mark of a complete generation, with ``values``, the format
    version and the size and SHA-256 of every file written so far (:data:`FILES_KEY`), which
    :mod:`search.indexing.integrity` checks."""
    metadata = {
        **format_metadata(),
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        **values,
        FILES_KEY: file_digests(generation),
    }
    write_file_durably(generation / METADATA_FILE, json.dumps(metadata, ensure_ascii=False, indent=2))


def write_file_durably(path: Path, text: str) -> None:
    # surrogateescape: a post file name that is not UTF-8 (skipped, but recorded) is written back as its bytes
    with open(path, "w", encoding="utf-8", errors="surrogateescape") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def file_digests(generation: Path) -> dict[str, list]:
    """``{name: [size, sha256 hex]}`` of the files in ``generation`` (not :data:`UNRECORDED_FILES`
    or Whoosh's ``*_WRITELOCK``); the cost is measured in ``docs/robustness-serving.md``."""
    digests = {}
    for path in sorted(Path(generation).iterdir()):
        if path.is_file() and path.name not in UNRECORDED_FILES and not path.name.endswith("_WRITELOCK"):
            digests[path.name] = [path.stat().st_size, sha256_of(path)]
    return digests


def sha256_of(path: Path) -> str:
    """The SHA-256 of the file ``path``, read in 1 MiB blocks. :raises OSError: unreadable."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def fsync_tree(directory: Path) -> None:
    for path in directory.iterdir():
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def link_file(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # a file system without hard links
        shutil.copy2(source, target)


def new_generation_path(index_root: Path) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%f")
    return index_root / f"{GENERATION_PREFIX}{stamp}-{uuid.uuid4().hex[:6]}"


def switch_current(index_root: Path, generation: Path) -> None:
    temporary = index_root / f".{CURRENT_LINK}.{uuid.uuid4().hex[:8]}"
    os.symlink(generation.name, temporary)
    os.replace(temporary, index_root / CURRENT_LINK)
    fd = os.open(index_root, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _generations(index_root: Path) -> list[Path]:
    return sorted(p for p in index_root.glob(f"{GENERATION_PREFIX}*") if p.is_dir())


def remove_abandoned_generations(index_root: Path) -> None:
    """Delete generations a killed reindex left without metadata (never the current one)."""
    current = current_generation(index_root)
    for generation in _generations(index_root):
        if generation != current and not (generation / METADATA_FILE).exists():
            shutil.rmtree(generation, ignore_errors=True)
    for stray in [*index_root.glob(f".{CURRENT_LINK}.*"), *index_root.glob(f".{CACHE_FILE}.*"),
                  *index_root.glob(f".{MARKDOWN_CACHE_FILE}.*")]:
        stray.unlink(missing_ok=True)
    for stray in (index_root / DICTIONARIES_DIR).glob(".*"):
        shutil.rmtree(stray, ignore_errors=True)


def remove_old_generations(index_root: Path, keep: tuple[Path | None, ...]) -> None:
    """Delete every generation but ``keep`` (the new one and the one served until now), and the
    compiled dictionaries no kept generation uses."""
    for generation in _generations(index_root):
        if generation not in keep:
            shutil.rmtree(generation, ignore_errors=True)
    used = {str(read_metadata(g).get("dictionary_digest")) for g in keep if g is not None}
    for compiled in (index_root / DICTIONARIES_DIR).glob("*"):
        if compiled.name not in used:
            shutil.rmtree(compiled, ignore_errors=True)


def compile_dictionary(index_root: Path, generation: Path) -> None:
    """Compile the generation's user dictionary into ``dictionaries/<digest>/`` unless it is there.

    Servers tokenize queries with the compiled copy (:attr:`search.indexing.index.SearchIndex.dictionary`): Janome
    loads it in milliseconds, once per process and dictionary content rather than per generation,
    and never compiles in a server thread (Janome's compiler is not thread-safe).
    """
    from janome import sysdic
    from janome.dic import UserDictionary

    digest = read_metadata(generation).get("dictionary_digest")
    source = generation / DICTIONARY_FILE
    target = index_root / DICTIONARIES_DIR / str(digest)
    if not digest or not source.is_file() or target.is_dir():
        return
    temporary = target.parent / f".{digest}.{uuid.uuid4().hex[:8]}"
    UserDictionary(str(source), "utf8", "simpledic", sysdic.connections).save(str(temporary))
    for path in temporary.iterdir():
        with open(path, "rb") as handle:
            os.fsync(handle.fileno())
    os.rename(temporary, target)
