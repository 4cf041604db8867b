"""The Markdown cache: the cleaned text of each post's Markdown, kept beside the index.

:func:`~search.posts.markdown.clean_markdown` of a document without Liquid (no ``{{``, no ``{%``)
is a pure function of the document and of the code that reads it: this package and markdown-it-py
with its plugins (and Python). So a full rebuild need not parse again the Markdown of a post whose text it has
cleaned before, as the morpheme cache spares it Janome (:mod:`search.analysis.morpheme_cache`).
A document with Liquid depends on its front matter, the site's ``_config.yml`` and the other
posts' URLs too; it is always parsed.

File (``markdown.cache`` in the index directory, written whole, atomically; little-endian)::

    MAGIC, u32 header length, header (JSON: format, the reader's digest, rebuild counter),
    u32 record count, records (16-byte BLAKE2b of the document, u32 rebuild last used,
    u32 data length, data: zlib of the JSON list of the cleaned text's fields),
    32-byte BLAKE2b of everything before

Never trusted: a file that is not this format, of another reader (:func:`reader_digest`) or with
a wrong checksum is ignored and replaced by the next save; a record whose data does not decode to
the fields' types is a miss. Bounded: a full rebuild drops the records no post of the last
:data:`KEEP_REBUILDS` rebuilds used, and the least recently used beyond :data:`MAX_BYTES`.
"""

from __future__ import annotations

import functools
import hashlib
import json
import struct
import sys
import unicodedata
import zlib
from pathlib import Path

from search.cache_files import checked_body, read_parsed, write_checked
from search.posts.markdown import CleanedText, clean_markdown
from search.posts.render import LiquidContext
from search.posts.ruby import Ruby
from search.posts.sections import Section

FORMAT = 1
MAGIC = b"KENSAKU-MARKDOWN\n"
CACHE_FILE = "markdown.cache"
#: A full rebuild keeps records used by this many rebuilds (this one included).
KEEP_REBUILDS = 2
#: Most record data kept, in bytes (compressed), least recently used dropped first.
MAX_BYTES = 64 * 1024 * 1024
_RECORD = struct.Struct("<16sII")
_COUNT = struct.Struct("<I")


def cacheable(markdown: str) -> bool:
    """Whether :func:`~search.posts.markdown.clean_markdown` of ``markdown`` depends on it alone (no Liquid)."""
    return "{{" not in markdown and "{%" not in markdown


@functools.lru_cache(maxsize=1)
def reader_digest() -> str:
    """SHA-256 of the source of :mod:`search.posts`, the versions of markdown-it-py and
    mdit-py-plugins, and Python's (its ``html.parser`` and Unicode data clean the text too):
    another reader's records are not this one's."""
    from importlib.metadata import PackageNotFoundError, version

    digest = hashlib.sha256(f"{sys.version}\0{unicodedata.unidata_version}\0".encode())
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.name.encode() + b"\0" + source.read_bytes() + b"\0")
    for package in ("markdown-it-py", "mdit-py-plugins"):
        try:
            digest.update(f"{package}=={version(package)}\0".encode())
        except PackageNotFoundError:
            digest.update(f"{package}\0".encode())
    return digest.hexdigest()


def document_key(markdown: str) -> bytes:
    return hashlib.blake2b(markdown.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class MarkdownCache:
    """Cleaned texts read from ``path`` (if valid); None: kept in memory only.

    :ivar hits: documents taken from the cache in this process; :ivar misses: documents parsed.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = Path(path) if path is not None else None
        self.header: dict = {"format": FORMAT, "reader": reader_digest(), "rebuilds": 0}
        self._records: dict[bytes, tuple[int, memoryview]] = {}  # key: (rebuild last used, data)
        self._fresh: dict[bytes, bytes] = {}
        self._used: set[bytes] = set()
        self._handed: tuple[int, int] = (0, 0)
        self.hits = self.misses = 0
        if self.path is not None:
            self._load()

    def _load(self) -> None:
        parsed = read_parsed(self.path, _parse)
        if parsed is not None:  # (else none, corrupt, foreign or another reader's: start empty)
            self.header, self._records = parsed

    def get(self, markdown: str) -> CleanedText | None:
        """The cleaned text of ``markdown`` if the cache holds it (and it decodes), else None."""
        key = document_key(markdown)
        data = self._fresh.get(key)
        if data is None:
            record = self._records.get(key)
            if record is None:
                return None
            data = record[1]
        try:
            cleaned = _decode(data)
        except (ValueError, TypeError, zlib.error, UnicodeDecodeError):
            return None
        self._used.add(key)
        self.hits += 1
        return cleaned

    def put(self, markdown: str, cleaned: CleanedText) -> None:
        """Keep the cleaned text of ``markdown`` for later rebuilds."""
        self.misses += 1
        self._fresh[document_key(markdown)] = _encode(cleaned)

    def take_new(self) -> tuple[list[tuple[bytes, bytes]], list[bytes], int, int]:
        """The records made, the keys used, hits and misses since the last call (a worker hands
        them to the writer's cache: :meth:`add_new`)."""
        fresh, used = list(self._fresh.items()), list(self._used)
        self._fresh, self._used = {}, set()
        hits, misses = self.hits - self._handed[0], self.misses - self._handed[1]
        self._handed = (self.hits, self.misses)
        return fresh, used, hits, misses

    def add_new(self, fresh: list[tuple[bytes, bytes]], used: list[bytes], hits: int = 0, misses: int = 0) -> None:
        """Take what a worker's cache made and used (:meth:`take_new`)."""
        self._fresh.update(fresh)
        self._used.update(used)
        self.hits += hits
        self.misses += misses

    def save(self) -> int:
        """Write the file after a full rebuild: the records made or used now, and the others
        unless unused for :data:`KEEP_REBUILDS` rebuilds, most recently used first up to :data:`MAX_BYTES`.

        :returns: the file's size in bytes (0 when there is no path or it cannot be written).
        """
        if self.path is None:
            return 0
        stamp = self.header["rebuilds"] + 1
        records = [(stamp, key, data) for key, data in self._fresh.items()]
        for key, (used, data) in self._records.items():
            if key in self._fresh:
                continue
            if key in self._used:
                used = stamp
            elif used + KEEP_REBUILDS <= stamp:
                continue
            records.append((used, key, data))
        records.sort(key=lambda record: -record[0])
        parts, size = [], 0
        for used, key, data in records:
            if size + len(data) > MAX_BYTES:
                break
            parts += (_RECORD.pack(key, used, len(data)), data)
            size += len(data)
        head = json.dumps({**self.header, "rebuilds": stamp}).encode("utf-8")
        body = b"".join([MAGIC, _COUNT.pack(len(head)), head, _COUNT.pack(len(parts) // 2), *parts])
        return write_checked(self.path, body)


def _encode(cleaned: CleanedText) -> bytes:
    fields = [cleaned.body, cleaned.code, list(cleaned.headings), [list(link) for link in cleaned.links],
              [[s.offset, s.level, s.heading, s.anchor] for s in cleaned.sections], list(cleaned.post_refs),
              [list(ruby) for ruby in cleaned.ruby]]
    return zlib.compress(json.dumps(fields, ensure_ascii=False).encode("utf-8", "surrogatepass"), 1)


def _decode(data: bytes | memoryview) -> CleanedText:
    """The cleaned text of a record's data; ValueError or TypeError if it is not one."""
    body, code, headings, links, sections, post_refs, ruby = json.loads(
        zlib.decompress(data).decode("utf-8", "surrogatepass"))
    cleaned = CleanedText(
        body=body, code=code, headings=tuple(headings),
        links=tuple((target, text) for target, text in links),
        sections=tuple(Section(offset, level, heading, anchor) for offset, level, heading, anchor in sections),
        post_refs=tuple(post_refs), ruby=tuple(Ruby(start, end, reading) for start, end, reading in ruby))
    if not (isinstance(body, str) and isinstance(code, str)
            and all(isinstance(text, str) for text in (*cleaned.headings, *cleaned.post_refs))
            and all(isinstance(target, str) and isinstance(text, str) for target, text in cleaned.links)
            and all(type(s.offset) is int and type(s.level) is int and isinstance(s.heading, str)
                    and isinstance(s.anchor, str) for s in cleaned.sections)
            and all(type(r.start) is int and type(r.end) is int and isinstance(r.reading, str) for r in cleaned.ruby)):
        raise TypeError("not a cleaned text")
    return cleaned


def _parse(data: bytes) -> tuple[dict, dict[bytes, tuple[int, memoryview]]]:
    """Header and records of a cache file; ValueError if it is not a valid one of this reader."""
    if len(data) < len(MAGIC) + 40 or not data.startswith(MAGIC):
        raise ValueError("not a Markdown cache")
    view = memoryview(checked_body(data))
    at = len(MAGIC)
    (head_length,) = _COUNT.unpack_from(view, at)
    header = json.loads(bytes(view[at + 4:at + 4 + head_length]).decode("utf-8"))
    if not isinstance(header, dict) or header.get("format") != FORMAT or header.get("reader") != reader_digest() \
            or not isinstance(header.get("rebuilds"), int):
        raise ValueError("another format or reader")
    at += 4 + head_length
    (count,) = _COUNT.unpack_from(view, at)
    at += 4
    records = {}
    for _ in range(count):
        key, used, length = _RECORD.unpack_from(view, at)
        at += _RECORD.size
        if at + length > len(view):
            raise ValueError("record out of range")
        records[key] = (used, view[at:at + length])
        at += length
    if at != len(view):
        raise ValueError("trailing bytes")
    return header, records


def open_markdown_cache(index_root: Path | None) -> MarkdownCache:
    """The Markdown cache of the index directory ``index_root`` (None: one kept in memory only)."""
    return MarkdownCache(Path(index_root) / CACHE_FILE if index_root is not None else None)


#: The cache :func:`clean_markdown_cached` consults in this process (:func:`use_markdown_cache`).
_in_use: MarkdownCache | None = None


def use_markdown_cache(cache: MarkdownCache | None) -> None:
    """Let :func:`clean_markdown_cached` take and keep cleaned texts in ``cache`` (None: parse every document)."""
    global _in_use
    _in_use = cache


def clean_markdown_cached(markdown: str, liquid: LiquidContext | None = None) -> CleanedText:
    """:func:`~search.posts.markdown.clean_markdown`, from the cache in use when the text depends on
    ``markdown`` alone (:func:`cacheable`, no ``liquid``); the same result either way."""
    cache = _in_use
    if cache is None or liquid is not None or not cacheable(markdown):
        return clean_markdown(markdown, liquid)
    found = cache.get(markdown)
    if found is None:
        found = clean_markdown(markdown)
        cache.put(markdown, found)
    return found
