"""Indexing: posts → a new generation of the index on disk, written whole or updated, then served.

:func:`rebuild_index` writes a complete new generation (Janome in worker processes,
:mod:`search.indexing.pipeline`); :func:`~search.indexing.update.update_index` hard-links the files of the current generation into
a new one and applies only the new, changed and deleted posts there (Whoosh writes new segment and
TOC files and records deletions in the new TOC, so files shared by hard links are never written).
Either way ``current`` is then switched atomically (:mod:`search.indexing.generations`, which describes
the index directory). ``posts.json`` (:mod:`search.indexing.manifest`) records what each generation was
built from, so the next update knows what changed. Searching is :mod:`search.indexing.index`'s.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable

from whoosh import index as whoosh_index

from search.posts.anchors import with_anchors, with_post_urls
from search.analysis.dictionary import DICTIONARY_FILE, dictionary_entries, write_dictionary
from search.errors import EmptyPostsFolderError
from search.indexing.term_writer import segment_writer
from search.indexing.writer_lengths import memoize_lengths
from search.indexing.safeguards import check_shrink, duplicate_urls, kept_posts
from search.indexing.generations import (METADATA_FILE, compile_dictionary, current_generation,
                                fsync_tree, new_generation_path, read_metadata,
                                reindex_lock, remove_abandoned_generations, remove_old_generations,
                                switch_current, write_metadata)
from search.indexing.index import SearchIndex
from search.analysis.morpheme_cache import open_cache
from search.indexing.manifest import (FILTERS_FILE, MANIFEST_FILE, Manifest, absolute_paths,
                                      digest_dictionary_inputs, post_keywords, record_skipped, write_filters)
from search.posts.markdown_cache import open_markdown_cache
from search.indexing.pipeline import AnalysisPool, Item, default_jobs, workers_for
from search.posts.reader import Post, SkippedPost, find_post_files
from search.indexing.schema import build_schema, post_to_document

#: Memory, in MB, an update's Whoosh writer may buffer postings in before flushing to disk; the
#: least a rebuild's writer gets (:func:`rebuild_limit_mb`).
WRITER_LIMIT_MB = 256
#: The most a rebuild's writer buffers, in MB (by the writer's estimate of its postings' size).
REBUILD_LIMIT_MAX_MB = 1024
#: Files of a generation that an update writes anew instead of linking (Whoosh's lock is skipped too).
UNSHARED_FILES = frozenset({METADATA_FILE, MANIFEST_FILE, DICTIONARY_FILE, FILTERS_FILE, "suggestions.json"})


@dataclass
class IndexStats:
    """What a reindex did.

    :ivar indexed: posts written to the index by this reindex (all of them for a full rebuild,
        the new and changed ones for an update).
    :ivar skipped: posts left out, each with file and reason.
    :ivar elapsed_s: wall time of the whole reindex, seconds.
    :ivar index_dir: the generation directory written (None when an update found nothing to do).
    :ivar incremental: True for an update of the current generation, False for a full rebuild.
    :ivar added: new posts (update only).
    :ivar updated: changed posts (update only).
    :ivar deleted: posts removed from the index (update only).
    :ivar relinked: unchanged posts indexed again because the links to them changed (update
        only; counted in ``indexed`` and ``updated`` too).
    :ivar unchanged: posts left as they were (update only).
    :ivar newly_skipped: skipped posts among the new and changed files (update only; they are in
        ``skipped`` too, beside the unchanged files skipped before).
    :ivar rebuilt_because: why an update rebuilt every post instead (e.g. :data:`DICTIONARY_CHANGED`);
        ``""`` when it did not, or for a reason the caller knows (a first index, another base URL).
    :ivar kept: indexed posts whose files are there but could not be read: their indexed version
        stays (:mod:`search.indexing.safeguards`); each with file and reason. Not in ``skipped``.
    :ivar warnings: ``(file, message)`` about posts indexed anyway (a permalink off the site, a
        title that is a mapping, two posts with one URL …).
    :ivar dictionary_changed: an update changed the user dictionary (without rebuilding).
    :ivar reanalyzed: unchanged posts indexed again because the user dictionary changed where
        their text may hold a changed word (update only; counted in ``indexed`` and ``updated``).
    :ivar janome_chunks: lines Janome analyzed; :ivar cached_chunks: lines taken from the morpheme
        cache (:mod:`search.analysis.morpheme_cache`) instead.
    :ivar cached_markdown: posts whose Markdown was taken cleaned from the Markdown cache
        (:mod:`search.posts.markdown_cache`) instead of parsed (full rebuilds only).
    """

    indexed: int = 0
    skipped: list[SkippedPost] = field(default_factory=list)
    elapsed_s: float = 0.0
    index_dir: Path | None = None
    incremental: bool = False
    added: int = 0
    updated: int = 0
    deleted: int = 0
    relinked: int = 0
    unchanged: int = 0
    newly_skipped: int = 0
    rebuilt_because: str = ""
    kept: list[SkippedPost] = field(default_factory=list)
    warnings: list[tuple[Path, str]] = field(default_factory=list)
    reanalyzed: int = 0
    dictionary_changed: bool = False
    janome_chunks: int = 0
    cached_chunks: int = 0
    cached_markdown: int = 0

    def summary(self) -> str:
        """One line: ``Indexed 42 posts, skipped 1, in 3.1 s.`` (or the changes of an update)."""
        kept = f", kept {len(self.kept)} unreadable as indexed" if self.kept else ""
        if not self.incremental:
            why = f"; rebuilt every post because {self.rebuilt_because}" if self.rebuilt_because else ""
            return (f"Indexed {self.indexed} posts, skipped {len(self.skipped)}{kept}, "
                    f"in {self.elapsed_s:.1f} s{why}.")
        if not (self.added or self.updated or self.deleted) and self.dictionary_changed:
            return (f"Updated the user dictionary (no post holds a changed word): {self.unchanged} posts unchanged, "
                    f"skipped {len(self.skipped)}{kept}, in {self.elapsed_s:.1f} s.")
        if not (self.added or self.updated or self.deleted):
            return (f"Index up to date ({self.unchanged} posts), skipped {len(self.skipped)}{kept}, "
                    f"in {self.elapsed_s:.1f} s.")
        reasons = [f"{self.relinked} for links to them"] if self.relinked else []
        reasons += [f"{self.reanalyzed} for the user dictionary"] if self.reanalyzed else []
        relinked = f" ({', '.join(reasons)})" if reasons else ""
        return (f"Updated the index: {self.added} new, {self.updated} changed{relinked}, {self.deleted} deleted, "
                f"{self.unchanged} unchanged, skipped {len(self.skipped)}{kept}, in {self.elapsed_s:.1f} s.")

    def note_warnings(self, posts: list[Post | SkippedPost], others: Iterable[tuple[str, str]] = ()) -> None:
        """Add the ``posts``' own warnings to :attr:`warnings`, and one for each URL that more than one
        post has (among ``posts`` and ``others``: ``(post_id, url)`` of posts indexed before)."""
        read = [post for post in posts if isinstance(post, Post)]
        for post in read:
            self.warnings.extend((post.path, warning) for warning in post.warnings)
        paths = {post.post_id: post.path for post in read}
        others = [(post_id, url) for post_id, url in others if post_id not in paths]  # read again: replaced
        for url, post_ids in duplicate_urls([*others, *((post.post_id, post.url) for post in read)]):
            mine = [post_id for post_id in post_ids if post_id in paths]
            if mine:
                path = paths[mine[0]]
                others_text = ", ".join(post_id for post_id in post_ids if post_id != mine[0])
                self.warnings.append((path, f"has the URL {url} of {others_text} too: one of them cannot be reached"))


ProgressCallback = Callable[[Post | SkippedPost], None]
#: :attr:`IndexStats.rebuilt_because` of an update that rebuilt every post instead: the user
#: dictionary changed; the index format; the index holds no record of its posts' files (built from
#: posts handed to it, or by an older kensaku); another posts folder, base URL or ``--future``; or
#: most posts changed (a rebuild is then about as fast); --follow-links was turned on or off.
DICTIONARY_CHANGED = "the user dictionary changed (tags or dictionary files)"
FORMAT_CHANGED = "the index format changed (another version of kensaku)"
NO_MANIFEST = "the index holds no record of its post files"
FOLDER_CHANGED = "the posts folder changed"
BASE_URL_CHANGED = "the base URL changed"
FUTURE_CHANGED = "--future was turned on or off"
MOST_CHANGED = "most posts changed"
FOLLOW_LINKS_CHANGED = "--follow-links was turned on or off"


def write_index(posts: Iterable[Item], index_dir: Path, progress: ProgressCallback | None = None, *,
                owner_dictionaries: Iterable[Path] = (), jobs: int | None = None,
                posts_dir: Path | None = None, base_url: str = "", future: bool = False,
                now: datetime | None = None, follow_links: bool = False,
                keep_from: Path | None = None, cache_dir: Path | None = None) -> IndexStats:
    """Write a new index of ``posts`` into the empty or missing directory ``index_dir``.

    The user dictionary (:mod:`search.analysis.dictionary`: shipped words, the posts' tags and
    categories, ``owner_dictionaries``) is written first as ``userdic.csv`` beside the index.
    Posts are read and analyzed by worker processes (:class:`search.indexing.pipeline.AnalysisPool`)
    when there is enough text; the index is the same either way.

    :param posts: posts to index, or post files to read (then give ``posts_dir``);
        :class:`SkippedPost` items are only counted.
    :param index_dir: where the Whoosh files, ``userdic.csv``, ``posts.json`` and ``kensaku.json`` go.
    :param progress: called once per item, after it is handled.
    :param owner_dictionaries: the site owner's word lists.
    :param jobs: most worker processes (None: one per CPU); 1 analyzes in this process.
    :param posts_dir: the posts folder that post files and post ids belong to.
    :param base_url: site base URL prefixed to post URLs (post files only).
    :param future: index post files dated after ``now`` too (``jekyll build --future``); else
        they are skipped (:func:`search.posts.reader.publication_skip`).
    :param now: the build time post dates are compared with; None: the time of the call.
    :param follow_links: read post files linked in from outside ``posts_dir`` too.
    :param keep_from: the previous generation: its posts whose files cannot be read now are
        indexed as they were there (:func:`search.indexing.safeguards.kept_posts`).
    :param cache_dir: the folder of the morpheme cache to analyze with and update
        (:mod:`search.analysis.morpheme_cache`) and of the Markdown cache to read posts with
        (:mod:`search.posts.markdown_cache`); None: Janome analyzes every text, and every post's
        Markdown is parsed.
    :returns: counts; ``elapsed_s`` covers this call.
    :raises SearchError: an owner word list cannot be read.
    """
    started = time.perf_counter()
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    items = list(posts)
    folder = Path(posts_dir) if posts_dir is not None else Path(".")
    stats = IndexStats(index_dir=index_dir)
    manifest = Manifest(str(folder.resolve()) if posts_dir is not None else None, base_url, future,
                        follow_links=follow_links)
    markdown_cache = open_markdown_cache(cache_dir)
    with AnalysisPool(workers_for(items, jobs)) as pool:
        read = pool.read(items, folder, base_url, future=future, now=now, follow_links=follow_links,
                         markdown_cache=markdown_cache)
        read = _keep_unreadable(read, keep_from, folder, stats)
        read = with_anchors(with_post_urls(read, base_url=base_url), base_url=base_url)
        stats.note_warnings(read)
        keywords = [k for p in read if isinstance(p, Post) for k in post_keywords(p)]
        owner_dictionaries = list(owner_dictionaries)
        manifest.dictionary_inputs = digest_dictionary_inputs(keywords, owner_dictionaries)
        manifest.owner_dictionaries = absolute_paths(owner_dictionaries)
        dictionary_path = index_dir / DICTIONARY_FILE
        dictionary_digest = write_dictionary(dictionary_entries(keywords, owner_dictionaries), dictionary_path)
        ix = whoosh_index.create_in(str(index_dir), build_schema(str(dictionary_path)))
        cache = open_cache(cache_dir, str(dictionary_path))
        filters: dict[str, bytes] = {}
        writer = segment_writer(ix, limitmb=rebuild_limit_mb(), jobs=default_jobs() if jobs is None else jobs)
        try:
            for item, signature in pool.analyzed(read, writer.schema, cache):
                if isinstance(item, SkippedPost):
                    stats.skipped.append(item)
                    record_skipped(manifest, item, folder)
                else:
                    writer.add_document(**post_to_document(item))
                    manifest.add(item)
                    filters[item.post_id] = signature
                    stats.indexed += 1
                if progress is not None:
                    progress(item)
        except BaseException:
            writer.cancel()
            raise
    memoize_lengths(writer)
    writer.commit()
    check_doc_count(ix, stats.indexed)
    ix.close()
    stats.janome_chunks, stats.cached_chunks = cache.misses, cache.hits
    stats.cached_markdown = markdown_cache.hits
    cache.save(rebuild=True)
    markdown_cache.save()
    write_filters(index_dir, filters)
    manifest.write(index_dir)
    write_metadata(index_dir, posts=stats.indexed, skipped=len(stats.skipped),
                    dictionary_digest=dictionary_digest)
    stats.elapsed_s = time.perf_counter() - started
    return stats


def rebuild_limit_mb(memory: int | None = None) -> int:
    """The postings a rebuild's writer buffers before it spills a sorted run to disk, in MB:
    1/16 of the memory this process may use, between :data:`WRITER_LIMIT_MB` and
    :data:`REBUILD_LIMIT_MAX_MB`. A spill costs its merge at commit (every spilled posting read
    back and merged), so a blog whose postings fit is written without one (docs/benchmarks.md).

    :param memory: bytes of memory available; None: the machine's physical memory, or the
        cgroup's limit (``/sys/fs/cgroup/memory.max``) when lower.
    """
    if memory is None:
        memory = _usable_memory()
    return int(min(REBUILD_LIMIT_MAX_MB, max(WRITER_LIMIT_MB, memory // 16 // 2**20)))


def _usable_memory() -> int:
    try:
        memory = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):  # not POSIX
        return 0
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
    except OSError:
        return memory
    return min(memory, int(limit)) if limit.isdigit() else memory


def _keep_unreadable(read: list[Post | SkippedPost], previous: Path | None, folder: Path,
                     stats: IndexStats) -> list[Post | SkippedPost]:
    """``read`` with each unreadable post that ``previous`` indexed replaced by its indexed version
    (noted in ``stats.kept``)."""
    manifest = Manifest.read(previous) if previous is not None else None
    if manifest is None or not any(isinstance(item, SkippedPost) and item.unreadable for item in read):
        return read
    kept = kept_posts(previous, [item for item in read if isinstance(item, SkippedPost)], folder, manifest.indexed)
    result: list[Post | SkippedPost] = []
    for item in read:
        post = kept.get(_post_id(item.path, folder)) if isinstance(item, SkippedPost) and item.unreadable else None
        if post is not None:
            stats.kept.append(item)
            result.append(post)
        else:
            result.append(item)
    return result


def _post_id(path: Path, folder: Path) -> str | None:
    try:
        return Path(path).relative_to(folder).as_posix()
    except ValueError:
        return None


def check_doc_count(ix, expected: int) -> None:
    found = ix.doc_count()
    if found != expected:
        raise RuntimeError(f"the new index holds {found} posts instead of {expected}; it was not used")


def rebuild_index(posts_dir: Path, index_root: Path, *, base_url: str = "",
                  progress: ProgressCallback | None = None,
                  posts: Iterable[Post | SkippedPost] | None = None,
                  owner_dictionaries: Iterable[Path] = (), jobs: int | None = None,
                  wait_s: float = 0.0, future: bool = False, now: datetime | None = None,
                  follow_links: bool = False, allow_shrink: bool = False) -> IndexStats:
    """Rebuild the whole index of the posts in ``posts_dir`` and switch the server to it.

    Writes a new generation under ``index_root`` (:func:`write_index`), fsyncs it, then
    atomically repoints ``index_root/current``; generations other than the new and the previous
    one are removed. On any error the new generation is deleted and ``current`` is untouched.

    :param posts_dir: folder of Markdown posts (searched recursively).
    :param index_root: the index directory (``index/``).
    :param base_url: site base URL prefixed to post URLs.
    :param progress: called once per post file handled.
    :param posts: the posts to index instead of loading ``posts_dir`` (for tests and benchmarks).
    :param owner_dictionaries: the site owner's word lists for the user dictionary.
    :param jobs: most worker processes running Janome (None: one per CPU).
    :param wait_s: seconds to wait for a running reindex (see :func:`search.indexing.generations.reindex_lock`).
    :param future: index posts dated after ``now`` too (``jekyll build --future``); else skip them.
    :param now: the build time post dates are compared with; None: when the reindex starts.
    :param follow_links: read post files (and folders) linked in from outside ``posts_dir`` too.
    :param allow_shrink: switch to the new index even when it holds far fewer posts than the
        current one (:func:`search.indexing.safeguards.check_shrink`).
    :raises ReindexInProgressError: another reindex holds the lock.
    :raises EmptyPostsFolderError: there is no post file (or no ``posts``) while the index holds
        posts; the index is left as it was (delete ``index_root`` to really empty it).
    :raises IndexShrinkError: the new index would hold far fewer posts and not ``allow_shrink``;
        the index is left as it was. Posts whose files cannot be read keep their indexed version.
    :raises FileNotFoundError: ``posts_dir`` is not a folder (and no ``posts`` were given).
    """
    started = time.perf_counter()
    index_root = Path(index_root)
    with reindex_lock(index_root, wait_s):
        stats = rebuild_locked(Path(posts_dir), index_root, base_url, progress, posts,
                                owner_dictionaries, jobs, future, now or datetime.now(timezone.utc),
                                follow_links=follow_links, allow_shrink=allow_shrink)
    stats.elapsed_s = time.perf_counter() - started
    return stats


def rebuild_locked(posts_dir: Path, index_root: Path, base_url: str, progress: ProgressCallback | None,
                    posts: Iterable[Post | SkippedPost] | None, owner_dictionaries: Iterable[Path],
                    jobs: int | None, future: bool, now: datetime, *, follow_links: bool = False,
                    allow_shrink: bool = False) -> IndexStats:
    remove_abandoned_generations(index_root)
    previous = current_generation(index_root)
    items = list(posts) if posts is not None else find_post_files(posts_dir, follow_links=follow_links)
    if not items:
        refuse_to_empty(posts_dir, index_root, previous)
    before = read_metadata(previous).get("posts", 0) if previous is not None else 0
    before = before if isinstance(before, int) else 0
    check_shrink(before, len(items), index_root, allow=allow_shrink)  # at most one post per file
    generation = new_generation_path(index_root)
    try:
        # Posts already read (reindex --strict) come from posts_dir too: the manifest records the
        # folder, base URL and future setting either way, so the next reindex keeps them.
        stats = write_index(items, generation, progress, owner_dictionaries=owner_dictionaries, jobs=jobs,
                            posts_dir=posts_dir, base_url=base_url, future=future, now=now,
                            follow_links=follow_links, keep_from=previous, cache_dir=index_root)
        check_shrink(before, stats.indexed, index_root, allow=allow_shrink)
        compile_dictionary(index_root, generation)
        _write_vocabulary(generation)
        fsync_tree(generation)
        switch_current(index_root, generation)
    except BaseException:
        shutil.rmtree(generation, ignore_errors=True)
        raise
    remove_old_generations(index_root, keep=(generation, previous))
    return stats


def refuse_to_empty(posts_dir: Path, index_root: Path, previous: Path | None) -> None:
    """Raise :class:`EmptyPostsFolderError` if the index ``previous`` holds posts (a posts folder
    found empty is more likely a failed checkout than a blog without posts)."""
    kept = read_metadata(previous).get("posts", 0) if previous is not None else 0
    if kept:
        raise EmptyPostsFolderError(
            f"No post files found in {posts_dir}: the index in {index_root} was not changed and keeps "
            f"its {kept} posts. Check the posts folder; to really empty the index, delete {index_root} "
            f"and reindex."
        )


def _write_vocabulary(generation: Path) -> None:
    """Save the suggestion vocabulary beside a rebuilt generation, so each server process loads it
    instead of building it (seconds of Janome and ~100 MB per process), its words worked out in two
    processes. An incremental update leaves it out; servers then build their own."""
    from search.indexing.vocabulary import VOCABULARY_FILE, save_vocabulary
    from search.indexing.candidates import build_vocabulary

    index = SearchIndex(generation)
    try:
        with index.searcher() as searcher:
            save_vocabulary(build_vocabulary(searcher, fork=True), generation / VOCABULARY_FILE)
    finally:
        index.close()


