"""The morpheme cache: Janome's analysis of each chunk of text it has seen, kept beside the index.

Janome's output for a chunk (a line of at most :data:`~search.analysis.morphemes.JANOME_CHUNK_CHARS`
characters, as :func:`~search.analysis.morphemes.chunk_tokens` hands it over) depends only on the
chunk, the system dictionary (Janome's version), and the user-dictionary words whose surfaces occur
in the chunk (Janome looks user words up only where their surface matches). So a rebuild needs
Janome only for chunks it has not analyzed, and after a change of the user dictionary only for
chunks that contain the surface of a word added, removed or changed.

File (``morphemes.cache`` in the index directory, written whole, atomically; little-endian)::

    MAGIC, u32 header length, header (JSON: format, Janome version, rebuild counter, the user
    dictionary's epochs and current words, the system dictionary's other readings of the words
    builds asked for), u32 entry count, entries (16-byte BLAKE2b of the chunk,
    u32 payload offset, u32 payload length, u32 epoch, u32 rebuild last used), payload (u32 words),
    32-byte BLAKE2b of everything before

Per chunk the payload is one u32 per token: length (11 bits), kind (2 bits: system dictionary,
user dictionary, unknown word) and the system dictionary entry id or the unknown word's part of
speech (19 bits) -- ids and lengths rather than strings; surfaces are slices of the chunk, and a
user-dictionary token is looked up by its surface in the current user dictionary.

Never trusted: a file that is not this format, of another Janome version or with a wrong
checksum is ignored (and replaced by the next save); an entry is used only if its lengths add up
to the chunk and its ids are in range; an entry made under an earlier user dictionary only if the
chunk contains none of the surfaces changed since (:meth:`MorphemeCache.set_dictionary`). Bounded:
a full rebuild drops the entries no text of the last :data:`KEEP_REBUILDS` rebuilds used, and the
least recently used beyond :data:`MAX_PAYLOAD_WORDS`.
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
import sys
from array import array
from pathlib import Path

from janome.version import JANOME_VERSION

from search.analysis import janome_tokenizers as _janome_tokenizers
from search.analysis import morphemes as _morphemes
from search.cache_files import checked_body, read_parsed, write_checked

FORMAT = 1
MAGIC = b"KENSAKU-MORPHEMES\n"
CACHE_FILE = "morphemes.cache"
#: A full rebuild keeps entries used by this many rebuilds (this one included).
KEEP_REBUILDS = 2
#: Most payload words kept (4 bytes each: 256 MB), least recently used dropped first.
MAX_PAYLOAD_WORDS = 64 * 1024 * 1024
#: Words whose other readings the header keeps (:meth:`MorphemeCache.other_readings`).
MAX_OTHER_READINGS = 1 << 16
#: User-dictionary versions remembered; entries of older ones are dropped.
MAX_EPOCHS = 16
_ENTRY = struct.Struct("<16sIIII")
_KIND_SYSTEM, _KIND_USER, _KIND_UNKNOWN = 0, 1, 2
_MAX_LENGTH = (1 << 11) - 1
_MAX_ID = (1 << 19) - 1


def chunk_key(chunk: str) -> bytes:
    return hashlib.blake2b(chunk.encode("utf-8"), digest_size=16).digest()


class _Janome:
    """What decoding needs of the process's Janome tokenizer for one user dictionary."""

    def __init__(self, dictionary: str) -> None:
        with _janome_tokenizers.lock():
            tokenizer = _janome_tokenizers.tokenizer(dictionary)
            self.system = tokenizer.sys_dic
            compact = getattr(tokenizer.sys_dic, "entries_compact", None)  # (mmap; else a list in memory)
            self.system_ids = max(end for _, end in compact.keys()) if compact else len(tokenizer.sys_dic.entries)
            user = tokenizer.user_dic
            entries = user.entries.values() if user is not None else ()
        self.unknown_pos = sorted({entry[3] for entries_ in self.system.unknowns.values() for entry in entries_})
        self.unknown_ids = {pos: number for number, pos in enumerate(self.unknown_pos)}
        self.words: dict[str, tuple[str, str, str]] = {}
        #: every entry of each surface (what an epoch compares), as JSON lists
        self.entries: dict[str, list[list]] = {}
        ambiguous = set()
        for entry in entries:
            extra = (entry[4], entry[7], entry[8])  # part of speech, base form, reading
            self.entries.setdefault(entry[0], []).append(list(entry[1:]))
            if self.words.setdefault(entry[0], extra) != extra:
                ambiguous.add(entry[0])
        for surface in ambiguous:  # two entries, one surface: which one Janome took is not recorded
            del self.words[surface]
        self._system_extra: dict[int, tuple[str, str, str]] = {}

    def system_extra(self, number: int) -> tuple[str, str, str]:
        extra = self._system_extra.get(number)
        if extra is None:
            with _janome_tokenizers.lock():
                found = self.system.lookup_extra(number)
            extra = self._system_extra[number] = (found[0], found[3], found[4])
        return extra


class MorphemeCache:
    """Janome's analyses of chunks, read from ``path`` (if valid) for the user dictionary ``dictionary``.

    :ivar dictionary: the user dictionary path the analyses are for (as the analyzers name it).
    :ivar hits: chunks taken from the file in this process; :ivar misses: chunks Janome analyzed.
    """

    def __init__(self, path: Path | None, dictionary: str) -> None:
        self.path = Path(path) if path is not None else None
        self.dictionary = dictionary
        self._janome = _Janome(dictionary)
        self.header: dict = {"format": FORMAT, "janome": JANOME_VERSION, "rebuilds": 0, "epochs": [], "words": {}}
        self._entries: dict[bytes, tuple[int, int, int, int]] = {}
        self._payload = self._table = memoryview(b"")
        self._fresh: dict[bytes, array] = {}
        self._used: set[bytes] = set()
        self._handed: set[bytes] = set()
        self._reported: set[bytes] = set()
        self._counted = (0, 0)
        self.hits = self.misses = 0
        self._others: dict[str, tuple[str, ...]] = {}  # other readings: from the file and looked up
        self._others_seen: dict[str, tuple[str, ...]] = {}  # asked for in this build
        self._others_handed: set[str] = set()
        if self.path is not None:
            self._load()
        self.set_dictionary()

    # -- reading ------------------------------------------------------------------------------

    def _load(self) -> None:
        parsed = read_parsed(self.path, _parse)
        if parsed is None:
            return  # none, corrupt or foreign: start empty
        self.header, self._entries, self._payload, self._table = parsed
        others = self.header.get("others")
        if isinstance(others, dict) and all(isinstance(key, str) and isinstance(value, list) and all(
                isinstance(reading, str) for reading in value) for key, value in others.items()):
            self._others = {key: tuple(value) for key, value in others.items()}

    def other_readings(self, surface: str, part_of_speech: str, reading: str) -> tuple[str, ...]:
        """:func:`~search.analysis.morphemes.other_readings`, kept in the file's header: otherwise
        every process of every rebuild looks each distinct word up in the system dictionary."""
        if len(surface) < 2 or not _morphemes.HAS_KANJI.search(surface):
            return ()
        key = f"{surface}\t{part_of_speech}\t{reading}"
        found = self._others.get(key)
        if found is None:
            found = self._others[key] = _morphemes.other_readings(surface, part_of_speech, reading)
        self._others_seen[key] = found
        return found

    def set_dictionary(self) -> None:
        """Start a new epoch if the user dictionary differs from the one the file's entries were
        last made under, recording the surfaces whose entries changed (added, removed, other reading)."""
        words = {surface: sorted(extras) for surface, extras in self._janome.entries.items()}
        digest = hashlib.sha256(json.dumps(sorted(words.items()), ensure_ascii=False).encode()).hexdigest()
        epochs = self.header["epochs"]
        if not epochs or epochs[-1][1] != digest:
            old = self.header["words"]
            changed = sorted(s for s in old.keys() | words.keys() if old.get(s) != words.get(s)) if epochs else []
            epochs.append([epochs[-1][0] + 1 if epochs else 1, digest, changed])
            del epochs[:-MAX_EPOCHS]
            self.header["words"] = words
        self.epoch = epochs[-1][0]
        self._stale: dict[int, re.Pattern | None] = {}
        changed: set[str] = set()
        for number, _, surfaces in reversed(epochs):
            self._stale[number] = _janome_tokenizers.surface_pattern(changed)
            changed.update(surfaces)

    def get(self, chunk: str) -> list[tuple[int, str, str, str, str]] | None:
        """:func:`~search.analysis.morphemes.chunk_tokens`' list for ``chunk``, or None (not cached,
        made under a user dictionary whose changes touch it, or not valid)."""
        key = chunk_key(chunk)
        payload = self._fresh.get(key)
        if payload is None:
            entry = self._entries.get(key)
            if entry is None or entry[2] not in self._stale:
                return None
            stale = self._stale[entry[2]]
            if stale is not None and stale.search(chunk):
                return None
            payload = array("I")
            payload.frombytes(self._payload[entry[0] * 4:(entry[0] + entry[1]) * 4])
            if sys.byteorder != "little":
                payload.byteswap()
        found = self._decode(chunk, payload)
        if found is not None:
            self._used.add(key)
            self.hits += 1
        return found

    def _decode(self, chunk: str, payload: array) -> list[tuple[int, str, str, str, str]] | None:
        janome = self._janome
        cursor = len(chunk) - len(chunk.lstrip())
        end = len(chunk.rstrip())
        found = []
        for word in payload:
            length, kind, number = word >> 21, (word >> 19) & 3, word & _MAX_ID
            surface = chunk[cursor:cursor + length]
            if not length:
                return None
            if kind == _KIND_SYSTEM and number < janome.system_ids:
                part_of_speech, base_form, reading = janome.system_extra(number)
            elif kind == _KIND_USER and surface in janome.words:
                part_of_speech, base_form, reading = janome.words[surface]
            elif kind == _KIND_UNKNOWN and number < len(janome.unknown_pos):
                part_of_speech, base_form, reading = janome.unknown_pos[number], surface, "*"
            else:
                return None
            found.append((cursor, surface, part_of_speech, base_form, reading))
            cursor += length
        return found if cursor == end else None

    # -- writing ------------------------------------------------------------------------------

    def put(self, chunk: str, tokens: list, found: list) -> None:
        """Keep Janome's ``tokens`` of ``chunk`` (``found``: what they gave) for later builds."""
        self.misses += 1
        payload = self._encode(chunk, tokens, found)
        if payload is not None:
            self._fresh[chunk_key(chunk)] = payload

    def _encode(self, chunk: str, tokens: list, found: list) -> array | None:
        janome = self._janome
        stripped = chunk.strip()
        if "".join(surface for _, surface, *_ in found) != stripped or len(found) != len(tokens):
            return None  # not contiguous: do not cache what decoding could not give back
        payload = array("I")
        for token in tokens:
            node = token.node
            kind = node.node_type
            length = len(node.surface)
            if kind == "SYS_DICT":
                code, number = _KIND_SYSTEM, node.num
            elif kind == "USER_DICT":
                code, number = _KIND_USER, 0
                if janome.words.get(node.surface) != (token.part_of_speech, token.base_form, token.reading):
                    return None
            else:
                code, number = _KIND_UNKNOWN, janome.unknown_ids.get(token.part_of_speech, _MAX_ID + 1)
            if length > _MAX_LENGTH or number > _MAX_ID:
                return None
            payload.append(length << 21 | code << 19 | number)
        return payload

    def take_new(self) -> tuple[list[tuple[bytes, bytes]], list[bytes], int, int, dict]:
        """The entries Janome made, the keys used, hits and misses, and the other readings asked for
        since the last call (a worker hands them back to the writer's cache, :meth:`add_new`)."""
        fresh = [(key, payload.tobytes()) for key, payload in self._fresh.items()
                 if key not in self._handed]
        self._handed.update(key for key, _ in fresh)
        used = list(self._used - self._reported)
        self._reported.update(used)
        counts = (self.hits - self._counted[0], self.misses - self._counted[1])
        self._counted = (self.hits, self.misses)
        others = {key: value for key, value in self._others_seen.items() if key not in self._others_handed}
        self._others_handed.update(others)
        return fresh, used, *counts, others

    def add_new(self, fresh: list[tuple[bytes, bytes]], used: list[bytes], hits: int = 0, misses: int = 0,
                others: dict[str, tuple[str, ...]] | None = None) -> None:
        """Take what :meth:`take_new` gave in another process."""
        self._others_seen.update(others or {})
        for key, data in fresh:
            payload = array("I")
            payload.frombytes(data)
            self._fresh[key] = payload
        self._used.update(used)
        self.hits += hits
        self.misses += misses

    def save(self, *, rebuild: bool) -> int:
        """Write the file: the entries made or used now (under the current epoch), and the others
        unless a full rebuild (``rebuild``) found them unused for :data:`KEEP_REBUILDS` rebuilds.

        :returns: the file's size in bytes (0 when there is no path or it cannot be written).
        """
        if self.path is None:
            return 0
        others = {**self._others, **self._others_seen}
        if len(others) > MAX_OTHER_READINGS:  # the words of this build only
            others = self._others_seen
        self.header["others"] = {key: list(value) for key, value in sorted(others.items())}
        if not rebuild and len(self._payload) // 4 + sum(map(len, self._fresh.values())) <= MAX_PAYLOAD_WORDS:
            return self._append()
        header = dict(self.header)
        header["rebuilds"] = stamp = header["rebuilds"] + (1 if rebuild else 0)
        records: list[tuple[int, bytes, memoryview | bytes, int]] = []
        for key, payload in self._fresh.items():
            records.append((stamp, key, payload.tobytes(), 0))
        for key, (offset, length, epoch, used) in self._entries.items():
            if key in self._fresh:
                continue
            if key in self._used:
                epoch, used = self.epoch, stamp
            elif epoch not in self._stale or (rebuild and used + KEEP_REBUILDS <= stamp):
                continue
            records.append((used, key, self._payload[offset * 4:(offset + length) * 4], epoch or self.epoch))
        records.sort(key=lambda record: -record[0])
        table, blobs, words = [], [], 0
        for used, key, data, epoch in records:
            length = len(data) // 4
            if words + length > MAX_PAYLOAD_WORDS:
                break
            table.append(_ENTRY.pack(key, words, length, epoch or self.epoch, used))
            blobs.append(data)
            words += length
        return self._write(header, table, blobs)

    def _append(self) -> int:
        """Save after an update: the file as it was, plus the entries Janome made (no entry
        dropped or restamped, so the old table and payload are copied as they are)."""
        words = len(self._payload) // 4
        table, blobs = [self._table], [self._payload]
        for key, payload in self._fresh.items():
            if key not in self._entries:
                table.append(_ENTRY.pack(key, words, len(payload), self.epoch, self.header["rebuilds"]))
                blobs.append(payload.tobytes())
                words += len(payload)
        return self._write(self.header, table, blobs, count=len(self._table) // _ENTRY.size + len(table) - 1)

    def _write(self, header: dict, table: list, blobs: list, count: int | None = None) -> int:
        head = json.dumps(header, ensure_ascii=False).encode("utf-8")
        count = len(table) if count is None else count
        body = b"".join([MAGIC, struct.pack("<I", len(head)), head, struct.pack("<I", count), *table, *blobs])
        if sys.byteorder != "little":
            return 0  # (payloads are written as the machine holds them; keep the format one)
        return write_checked(self.path, body)


def _parse(data: bytes) -> tuple[dict, dict[bytes, tuple[int, int, int, int]], memoryview, memoryview]:
    """Header, entries and payload of a cache file; ValueError if it is not a valid one."""
    if len(data) < len(MAGIC) + 40 or not data.startswith(MAGIC):
        raise ValueError("not a morpheme cache")
    view = memoryview(checked_body(data))
    at = len(MAGIC)
    (head_length,) = struct.unpack_from("<I", view, at)
    header = json.loads(bytes(view[at + 4:at + 4 + head_length]).decode("utf-8"))
    if header.get("format") != FORMAT or header.get("janome") != JANOME_VERSION:
        raise ValueError("another format or Janome version")
    epochs, words = header.get("epochs"), header.get("words")
    if not isinstance(epochs, list) or not epochs or not isinstance(words, dict) \
            or not isinstance(header.get("rebuilds"), int) or not all(
                isinstance(e, list) and len(e) == 3 and isinstance(e[0], int) and isinstance(e[1], str)
                and isinstance(e[2], list) and all(isinstance(s, str) for s in e[2]) for e in epochs):
        raise ValueError("header")
    at += 4 + head_length
    (count,) = struct.unpack_from("<I", view, at)
    at += 4
    table_end = at + count * _ENTRY.size
    payload = view[table_end:]
    words = len(payload) // 4
    entries = {}
    for key, offset, length, epoch, used in _ENTRY.iter_unpack(view[at:table_end]):
        if offset + length > words:
            raise ValueError("entry out of range")
        entries[key] = (offset, length, epoch, used)
    return header, entries, payload, view[at:table_end]


def open_cache(index_root: Path | None, dictionary: str) -> MorphemeCache:
    """The morpheme cache of the index directory ``index_root`` (None: one kept in memory only)."""
    return MorphemeCache(Path(index_root) / CACHE_FILE if index_root is not None else None, dictionary)
