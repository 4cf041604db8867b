"""``posts.json``: what a generation was built from, for the next update and for ``kensaku reindex``.

It records each post file's content hash (and the stat it was hashed at), keywords, URL and
links, the posts skipped and why, and the posts folder, base URL, ``--future`` setting and owner's
word lists the generation was built with (which ``kensaku reindex`` keeps when not given them).
:func:`search.indexing.update.update_index` compares the post files with it to find what changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from search.posts.anchors import LinkSource, on_site_links
from search.analysis.dictionary import SHIPPED_WORDS
from search.indexing.generations import current_generation, write_file_durably
from search.posts.reader import MAX_POST_BYTES, Post, SkippedPost, is_after

MANIFEST_FILE = "posts.json"


@dataclass
class Manifest:
    """``posts.json``: where the posts came from, each post file's content hash, keywords, URL and links."""

    posts_dir: str | None = None
    base_url: str = ""
    #: whether posts dated in the future were indexed (``--future``); None: a manifest written
    #: before the setting was recorded (it may hold such posts: an update rebuilds)
    future: bool | None = False
    #: post_id -> [content hash, [keywords], url, [[link target, link text] of links that may be
    #: to posts], [anchor texts]]
    indexed: dict[str, list] = field(default_factory=dict)
    #: post_id -> [content hash, reason, unpublished (a draft or dated in the future: not broken),
    #: the date from which a post dated in the future is published (ISO 8601) or None]
    skipped: dict[str, list] = field(default_factory=dict)
    dictionary_inputs: str = ""  # digest of what the user dictionary was made from
    #: post_id -> the file's :func:`_stat_key` taken before its recorded hash was computed
    file_stats: dict[str, list[int]] = field(default_factory=dict)
    #: the site owner's word lists the user dictionary was made from (absolute paths)
    owner_dictionaries: list[str] = field(default_factory=list)
    #: whether post files linked in from outside the posts folder were read (``--follow-links``)
    follow_links: bool = False

    def add(self, post: Post) -> None:
        self.indexed[post.post_id] = [post.content_hash, post_keywords(post), post.url,
                                      [list(link) for link in on_site_links(post.links, self.base_url)],
                                      list(post.anchors)]

    def link_sources(self, leave_out: set[str] = frozenset()) -> list[LinkSource]:
        """The indexed posts' links (:mod:`search.posts.anchors`), but those of ``leave_out``."""
        return [LinkSource(post_id, entry[2], tuple(tuple(link) for link in entry[3]))
                for post_id, entry in self.indexed.items() if post_id not in leave_out]

    def keywords(self) -> list[str]:
        return [keyword for _, keywords, *_ in self.indexed.values() for keyword in keywords]

    def skipped_post(self, post_id: str, posts_dir: Path) -> SkippedPost:
        """The :class:`SkippedPost` recorded for ``post_id``."""
        _, reason, unpublished, publish_at = [*self.skipped[post_id], False, None][:4]
        return SkippedPost(posts_dir / post_id, reason, bool(unpublished),
                           datetime.fromisoformat(publish_at) if publish_at else None)

    def due(self, now: datetime) -> set[str]:
        """The skipped posts dated in the future whose date is no longer after ``now``."""
        return {post_id for post_id, entry in self.skipped.items()
                if len(entry) > 3 and entry[3] and not is_after(datetime.fromisoformat(entry[3]), now)}

    def next_publication(self) -> datetime | None:
        """The earliest date of the skipped posts dated in the future (None: there is none)."""
        dates = [datetime.fromisoformat(entry[3]) for entry in self.skipped.values() if len(entry) > 3 and entry[3]]
        return min(dates, default=None)

    @classmethod
    def read(cls, generation: Path) -> Manifest | None:
        try:
            data = json.loads((generation / MANIFEST_FILE).read_text(encoding="utf-8", errors="surrogateescape"))
            return cls(data["posts_dir"], data["base_url"], data.get("future"), dict(data["indexed"]),
                       dict(data["skipped"]), data.get("dictionary_inputs", ""), dict(data.get("file_stats", {})),
                       [str(path) for path in data.get("owner_dictionaries", [])],
                       bool(data.get("follow_links", False)))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def write(self, generation: Path) -> None:
        data = {"posts_dir": self.posts_dir, "base_url": self.base_url, "future": self.future,
                "indexed": self.indexed,
                "skipped": self.skipped, "dictionary_inputs": self.dictionary_inputs,
                "file_stats": self.file_stats, "owner_dictionaries": self.owner_dictionaries,
                "follow_links": self.follow_links}
        write_file_durably(generation / MANIFEST_FILE, json.dumps(data, ensure_ascii=False))


def indexed_base_url(index_root: Path) -> str | None:
    """The base URL the serving index's post URLs were built with (``""``: none), or None when
    the index has no readable manifest."""
    generation = current_generation(index_root)
    manifest = Manifest.read(generation) if generation is not None else None
    return manifest.base_url if manifest is not None else None


def indexed_posts_dir(index_root: Path) -> str | None:
    """The posts folder (absolute path) the serving index was built from, or None when the index
    has no readable manifest."""
    generation = current_generation(index_root)
    manifest = Manifest.read(generation) if generation is not None else None
    return manifest.posts_dir if manifest is not None else None


def indexed_owner_dictionaries(index_root: Path) -> list[Path]:
    """The site owner's word lists (absolute paths) the serving index's user dictionary was made
    from; ``[]`` when none, or when the index has no readable manifest."""
    generation = current_generation(index_root)
    manifest = Manifest.read(generation) if generation is not None else None
    return [Path(path) for path in manifest.owner_dictionaries] if manifest is not None else []


def next_publication(index_root: Path) -> datetime | None:
    """When the earliest post the serving index skipped as dated in the future is published (its
    date: the first update from then on indexes it); None when there is none."""
    generation = current_generation(index_root)
    manifest = Manifest.read(generation) if generation is not None else None
    return manifest.next_publication() if manifest is not None else None


def post_keywords(post: Post) -> list[str]:
    """The words of a post that go into the user dictionary: its tags and categories."""
    return [*post.tags, *post.categories]


def absolute_paths(paths: list[Path]) -> list[str]:
    """The owner's word lists as the manifest records them: absolute, symbolic links kept."""
    return [os.path.abspath(path) for path in paths]


def digest_dictionary_inputs(keywords: list[str], owner_dictionaries: list[Path]) -> str:
    """A digest of everything :func:`search.analysis.dictionary.dictionary_entries` reads.

    Equal digests mean equal dictionaries, so an update can skip making it (Janome runs on every
    tag for that); unreadable files give a digest of their own and the dictionary is made anew.
    """
    digest = hashlib.sha256(json.dumps(sorted(set(keywords)), ensure_ascii=False).encode("utf-8"))
    for path in [SHIPPED_WORDS, *owner_dictionaries]:
        try:
            digest.update(hashlib.sha256(Path(path).read_bytes()).digest())
        except OSError:
            digest.update(os.urandom(16))
    return digest.hexdigest()


#: A file whose modification or status change is more recent than this, in ns, is hashed on every
#: update (a change within the file system's timestamp granularity could keep its stat unchanged).
_STAT_SETTLE_NS = 2_000_000_000


def _stat_key(stat: os.stat_result) -> list[int]:
    """What tells that a file may have changed (as git's index does): size, mtime, ctime, inode.

    Any write changes the ctime, which no tool can set back (``cp -p``, ``rsync -t`` and
    ``touch -d`` set only the mtime).
    """
    return [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino]


def current_hashes(files: list[Path], posts_dir: Path, manifest: Manifest) -> dict[str, tuple[Path, str]]:
    """``{post_id: (path, content hash)}`` of the post files; records their stats in ``manifest``.

    A file whose :func:`_stat_key` equals the one recorded with its hash is not read again
    (hashing all 1,406 posts of a blog took ~0.06 s of each update); every other file is. The
    stat is taken before hashing, so a file changed meanwhile differs next time and is re-read.
    Files removed since they were listed (an editor saving) are left out: gone for this update.
    A file that is there but cannot be read (permissions, a broken symlink) gets the hash ``""``,
    so the update reads it and reports why it is skipped, as a rebuild does.
    """
    hashes: dict[str, tuple[Path, str]] = {}
    file_stats: dict[str, list[int]] = {}
    settled_before = time.time_ns() - _STAT_SETTLE_NS
    for path in files:
        post_id = path.relative_to(posts_dir).as_posix()
        try:
            stat = os.stat(path)
            key = _stat_key(stat)
            recorded = (manifest.indexed.get(post_id) or manifest.skipped.get(post_id) or [None])[0]
            if recorded is None or manifest.file_stats.get(post_id) != key:
                recorded = _file_hash(path)
        except OSError:
            if os.path.lexists(path):  # unreadable or a broken symlink: read, so it is reported
                hashes[post_id] = (path, "")
            continue
        hashes[post_id] = (path, recorded)
        if max(stat.st_mtime_ns, stat.st_ctime_ns) < settled_before:
            file_stats[post_id] = key
    manifest.file_stats = file_stats
    return hashes


def record_skipped(manifest: Manifest, item: SkippedPost, posts_dir: Path) -> None:
    if manifest.posts_dir is None:
        return
    try:
        post_id = Path(item.path).relative_to(posts_dir).as_posix()
        publish_at = item.publish_at.isoformat() if item.publish_at is not None else None
        manifest.skipped[post_id] = [_file_hash(Path(item.path)), item.reason, item.unpublished, publish_at]
    except (ValueError, OSError):
        pass


def _file_hash(path: Path) -> str:
    """SHA-256 of the file's bytes; for a file too large to be a post (which the reindex skips
    unread), of its size and times instead: a huge file is never read whole into memory."""
    with open(path, "rb") as stream:
        stat = os.fstat(stream.fileno())
        if stat.st_size > MAX_POST_BYTES:
            return "large:" + ":".join(map(str, _stat_key(stat)))
        return hashlib.sha256(stream.read()).hexdigest()
