"""Incremental update of an index (:func:`update_index`): only the posts whose files changed (by
content hash, :mod:`search.indexing.manifest`), or whose links or publication date did, are read
and analyzed again; the new generation shares every unchanged segment file with the current one
(hard links) and is switched in atomically. Falls back to a full rebuild
(:func:`search.indexing.rebuild.rebuild_index`) when the index's format, folder, base URL, user
dictionary or most posts changed, saying why (:class:`~search.indexing.rebuild.IndexStats`).
"""

from __future__ import annotations

import dataclasses
import shutil
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable

from whoosh.filedb.filestore import FileStorage

from search.posts.anchors import LinkSource, anchor_texts, on_site_links, with_anchors, with_post_urls
from search.analysis.dictionary import DICTIONARY_FILE, dictionary_entries, write_dictionary
from search.indexing.writer_lengths import memoize_lengths
from search.indexing.generations import (DICTIONARIES_DIR, compile_dictionary, current_generation,
                                format_metadata, fsync_tree, link_file, new_generation_path, read_metadata,
                                reindex_lock, remove_abandoned_generations, remove_old_generations,
                                switch_current, write_metadata)
from search.indexing.integrity import generation_problems
from search.analysis.morpheme_cache import open_cache
from search.analysis.text_filter import may_contain
from search.indexing.manifest import (Manifest, absolute_paths, current_hashes, digest_dictionary_inputs,
                                      post_keywords, read_filters, record_skipped, write_filters)
from search.indexing.pipeline import AnalysisPool, workers_for
from search.posts.reader import Post, SkippedPost, find_post_files
from search.indexing.schema import build_schema, post_to_document

from search.indexing.safeguards import check_shrink
from search.indexing.rebuild import (BASE_URL_CHANGED, DICTIONARY_CHANGED, FOLDER_CHANGED, FOLLOW_LINKS_CHANGED,
                                     FORMAT_CHANGED, FUTURE_CHANGED, MOST_CHANGED, NO_MANIFEST, UNSHARED_FILES, WRITER_LIMIT_MB, IndexStats,
                                     ProgressCallback, refuse_to_empty, check_doc_count, rebuild_locked)


#: :attr:`IndexStats.rebuilt_because` when the current generation's files are damaged
#: (:mod:`search.indexing.integrity`); what is wrong follows in parentheses.
DAMAGED = "the index in use is damaged"
#: An update touching more than this share of the posts rebuilds instead (faster, one segment).
UPDATE_MAX_CHANGED_SHARE = 0.5


def update_index(posts_dir: Path, index_root: Path, *, base_url: str = "",
                 progress: ProgressCallback | None = None, owner_dictionaries: Iterable[Path] = (),
                 jobs: int | None = None, wait_s: float = 0.0, future: bool = False,
                 now: datetime | None = None, follow_links: bool = False, allow_shrink: bool = False) -> IndexStats:
    """Bring the index up to date with ``posts_dir``, re-indexing only new, changed and deleted posts.

    Post files are compared by content hash with the current generation's ``posts.json``. The
    changes go into a new generation made of hard links to the current one's files, switched to
    like a rebuild. It rebuilds instead (``stats.incremental`` is False) when there is no index
    yet; when the files of the current generation are damaged (:func:`search.indexing.integrity.generation_problems`,
    sizes and SHA-256: the damaged generation is never linked into the new one); when the index has another format version, posts folder, base URL or ``future``; when the user
    dictionary would change (a new tag, another owner word list); or when more than
    :data:`UPDATE_MAX_CHANGED_SHARE` of the posts changed. When nothing changed, nothing is written.
    A post skipped as dated in the future counts as changed once its date is no longer after
    ``now``, though its file did not change: the first update from then on indexes it.
    An indexed post whose file is there but cannot be read keeps its indexed version
    (``stats.kept``); one whose file is gone is deleted.

    :param progress: called once per new or changed post file handled.
    :param owner_dictionaries: the site owner's word lists for the user dictionary.
    :param jobs: most worker processes for the changed posts (None: one per CPU).
    :param wait_s: seconds to wait for a running reindex (see :func:`search.indexing.generations.reindex_lock`).
    :param future: index posts dated after ``now`` too (``jekyll build --future``); else skip them.
    :param now: the build time post dates are compared with; None: when the reindex starts.
    :param follow_links: read post files (and folders) linked in from outside ``posts_dir`` too.
    :param allow_shrink: apply the changes even when they drop a large share of the indexed posts
        (:func:`search.indexing.safeguards.check_shrink`).
    :raises ReindexInProgressError: another reindex holds the lock (after ``wait_s`` seconds).
    :raises EmptyPostsFolderError: there is no post file while the index holds posts (index unchanged).
    :raises IndexShrinkError: the changes would drop a large share of the indexed posts and not
        ``allow_shrink`` (index unchanged).
    :raises FileNotFoundError: ``posts_dir`` is not a folder.
    """
    started = time.perf_counter()
    posts_dir, index_root = Path(posts_dir), Path(index_root)
    owner_dictionaries = list(owner_dictionaries)
    now = now or datetime.now(timezone.utc)
    with reindex_lock(index_root, wait_s):
        stats = _update_locked(posts_dir, index_root, base_url, progress, owner_dictionaries, jobs, future, now,
                               follow_links, allow_shrink)
        if not isinstance(stats, IndexStats):
            reason = stats
            stats = rebuild_locked(posts_dir, index_root, base_url, progress, None, owner_dictionaries, jobs,
                                    future, now, follow_links=follow_links, allow_shrink=allow_shrink)
            stats.rebuilt_because = reason or ""
    stats.elapsed_s = time.perf_counter() - started
    return stats


def _update_locked(posts_dir: Path, index_root: Path, base_url: str, progress: ProgressCallback | None,
                   owner_dictionaries: list[Path], jobs: int | None, future: bool,
                   now: datetime, follow_links: bool, allow_shrink: bool) -> IndexStats | str | None:
    """Apply the changes in a new generation; when a full rebuild is needed instead, why (one of
    the ``*_CHANGED`` reasons, for :attr:`IndexStats.rebuilt_because`), or None when there is no
    index to update yet."""
    files = find_post_files(posts_dir, follow_links=follow_links)
    remove_abandoned_generations(index_root)
    previous = current_generation(index_root)
    if previous is None or not previous.is_dir():
        return None
    metadata = read_metadata(previous)
    if metadata and any(metadata.get(k) != v for k, v in format_metadata().items()):
        return FORMAT_CHANGED  # (an older kensaku's files may not even open: no need to check them)
    problems = generation_problems(previous)
    if problems:
        return f"{DAMAGED} ({'; '.join(problems[:3])})"
    manifest = Manifest.read(previous)
    if manifest is None or manifest.posts_dir is None:
        return NO_MANIFEST
    if manifest.posts_dir != str(posts_dir.resolve()):
        return FOLDER_CHANGED
    if manifest.base_url != base_url:
        return BASE_URL_CHANGED
    if manifest.future != future:
        return FUTURE_CHANGED
    if manifest.follow_links != follow_links:
        return FOLLOW_LINKS_CHANGED
    hashes = current_hashes(files, posts_dir, manifest)
    changed_ids = {post_id for post_id, (_, digest) in hashes.items()
                   if (manifest.indexed.get(post_id) or manifest.skipped.get(post_id) or [None])[0] != digest}
    changed_ids |= manifest.due(now) & hashes.keys()  # dated in the future until now: read again
    deleted = [post_id for post_id in [*manifest.indexed, *manifest.skipped] if post_id not in hashes]
    if not hashes and manifest.indexed:
        refuse_to_empty(posts_dir, index_root, previous)
    check_shrink(len(manifest.indexed), len(manifest.indexed) - sum(p in manifest.indexed for p in deleted),
                 index_root, allow=allow_shrink)
    if len(changed_ids) + len(deleted) > UPDATE_MAX_CHANGED_SHARE * max(len(hashes), len(manifest.indexed)):
        return MOST_CHANGED
    stats = IndexStats(incremental=True)
    stats.skipped = [manifest.skipped_post(post_id, posts_dir) for post_id in manifest.skipped
                     if post_id in hashes and post_id not in changed_ids]
    if (not changed_ids and not deleted and (previous / DICTIONARY_FILE).is_file()
            and digest_dictionary_inputs(manifest.keywords(), owner_dictionaries) == manifest.dictionary_inputs
            and manifest.owner_dictionaries == absolute_paths(owner_dictionaries)):
        stats.unchanged = len(manifest.indexed)
        return stats  # (other owner word lists or shipped words: the dictionary is checked below)
    changed = [path for post_id, (path, _) in hashes.items() if post_id in changed_ids]
    indexed_before = len(manifest.indexed)
    generation = new_generation_path(index_root)
    try:
        with AnalysisPool(workers_for(changed, jobs)) as pool:
            read = pool.read(changed, posts_dir, base_url, future=future, now=now, follow_links=follow_links)
            keywords = [k for post_id, (_, words, *_) in manifest.indexed.items()
                        if post_id in hashes and post_id not in changed_ids for k in words]
            keywords += [k for p in read if isinstance(p, Post) for k in post_keywords(p)]
            generation.mkdir()
            dictionary_path = generation / DICTIONARY_FILE
            inputs = digest_dictionary_inputs(keywords, owner_dictionaries)
            filters = read_filters(previous)
            touched: set[str] = set()
            if inputs == manifest.dictionary_inputs and (previous / DICTIONARY_FILE).is_file():
                link_file(previous / DICTIONARY_FILE, dictionary_path)  # the same dictionary
                digest = metadata.get("dictionary_digest")
            else:
                digest = write_dictionary(dictionary_entries(keywords, owner_dictionaries), dictionary_path)
                if digest != metadata.get("dictionary_digest"):
                    found = _touched_by_dictionary(previous / DICTIONARY_FILE, dictionary_path, filters,
                                                   [i for i in manifest.indexed if i in hashes and i not in changed_ids])
                    if found is None or len(changed_ids) + len(deleted) + len(found) > \
                            UPDATE_MAX_CHANGED_SHARE * max(len(hashes), len(manifest.indexed)):
                        shutil.rmtree(generation, ignore_errors=True)
                        return DICTIONARY_CHANGED
                    touched = found
                    stats.dictionary_changed = True
            read, relinked = _read_with_anchors(pool, read, hashes, changed_ids, touched, manifest, posts_dir,
                                                base_url, future, now, follow_links)
            stats.note_warnings(read, [(post_id, entry[2]) for post_id, entry in manifest.indexed.items()
                                       if post_id not in changed_ids and post_id in hashes and len(entry) > 2])
            manifest.dictionary_inputs = inputs
            manifest.owner_dictionaries = absolute_paths(owner_dictionaries)
            _link_generation(previous, generation)
            compiled = index_root / DICTIONARIES_DIR / str(digest)  # loads faster than the CSV compiles
            schema = build_schema(str(compiled if compiled.is_dir() else dictionary_path))
            # Without mmap, as servers open it: with mmap Whoosh copies each file of the big
            # compound segment it opens (the term index, ~0.1 s each time) into memory.
            ix = FileStorage(str(generation), supports_mmap=False).open_index(schema=schema)
            skipped_before = len(stats.skipped)
            cache = open_cache(index_root, schema["body"].analyzer.dictionary)
            _apply_changes(ix, pool, read, posts_dir, manifest, deleted, stats, progress, cache, filters, touched,
                           lambda after: check_shrink(indexed_before, after, index_root, allow=allow_shrink))
            stats.newly_skipped = len(stats.skipped) - skipped_before
            stats.relinked = relinked
        if cache.misses:
            cache.save(rebuild=False)
        if filters is not None:
            write_filters(generation, filters)
        manifest.write(generation)
        write_metadata(generation, posts=len(manifest.indexed), skipped=len(manifest.skipped),
                        dictionary_digest=digest, updated_from=previous.name)
        fsync_tree(generation)
        compile_dictionary(index_root, generation)
        switch_current(index_root, generation)
    except BaseException:
        shutil.rmtree(generation, ignore_errors=True)
        raise
    remove_old_generations(index_root, keep=(generation, previous))
    stats.index_dir = generation
    return stats



def _read_with_anchors(pool: AnalysisPool, read: list[Post | SkippedPost], hashes: dict[str, tuple[Path, str]],
                       changed_ids: set[str], touched: set[str], manifest: Manifest, posts_dir: Path,
                       base_url: str, future: bool, now: datetime,
                       follow_links: bool) -> tuple[list[Post | SkippedPost], int]:
    """The changed posts (``read``), each with its anchor texts (:mod:`search.posts.anchors`),
    followed by the unchanged posts ``touched`` (by a change of the user dictionary) and those whose
    anchor texts the change alters (a link to them added, removed or reworded), read again to be
    re-indexed; and how many of the latter there are. An indexed post that cannot be read now comes
    last, as read, to keep its indexed version (:func:`_apply_changes`)."""
    unreadable = [p for p in read if isinstance(p, SkippedPost) and p.unreadable
                  and Path(p.path).relative_to(posts_dir).as_posix() in manifest.indexed]
    if unreadable:
        changed_ids = changed_ids - {Path(p.path).relative_to(posts_dir).as_posix() for p in unreadable}
        read = [p for p in read if all(p is not u for u in unreadable)]
    unchanged = [source for source in manifest.link_sources(leave_out=changed_ids) if source.post_id in hashes]
    read = with_post_urls(read, unchanged, base_url)
    if _links_unchanged(read, manifest, set(hashes), base_url):
        # The same posts linking the same way: every post's anchor texts are those recorded.
        again = pool.read([hashes[post_id][0] for post_id in sorted(touched)], posts_dir, base_url,
                          future=future, now=now, follow_links=follow_links)
        read = read + with_post_urls(again, unchanged, base_url)
        return [dataclasses.replace(p, anchors=tuple(manifest.indexed[p.post_id][4])) for p in read] + unreadable, 0
    kept = [source for source in manifest.link_sources(leave_out=changed_ids) if source.post_id in hashes]
    before = anchor_texts(manifest.link_sources(), base_url)
    after = anchor_texts([*kept, *(LinkSource.of(p) for p in read if isinstance(p, Post))], base_url)
    relinked = sorted(source.post_id for source in kept
                      if before.get(source.post_id, ()) != after.get(source.post_id, ()))
    again_ids = sorted(set(relinked) | touched)
    again = pool.read([hashes[post_id][0] for post_id in again_ids], posts_dir, base_url, future=future, now=now,
                      follow_links=follow_links)
    read = read + with_post_urls(again, [*kept, *(LinkSource.of(p) for p in read if isinstance(p, Post))], base_url)
    others = [source for source in kept if source.post_id not in set(again_ids)]
    return with_anchors(read, others, base_url) + unreadable, len(relinked)


def _touched_by_dictionary(old: Path, new: Path, filters: dict[str, bytes] | None,
                           post_ids: list[str]) -> set[str] | None:
    """Which of ``post_ids`` may hold the surface of a word whose entry differs between the user
    dictionaries ``old`` and ``new`` (added, removed, another reading): only their analysis can
    change (:mod:`search.analysis.morpheme_cache`). None when that cannot be told (a dictionary or
    a post's filter missing): then every post is analyzed again."""
    try:
        before, after = (_dictionary_words(path) for path in (old, new))
    except (OSError, UnicodeDecodeError):
        return None
    surfaces = [s for s in before.keys() | after.keys() if before.get(s) != after.get(s)]
    if filters is None or any(post_id not in filters for post_id in post_ids):
        return None
    return {post_id for post_id in post_ids if any(may_contain(filters[post_id], s) for s in surfaces)}


def _dictionary_words(path: Path) -> dict[str, str]:
    """``{surface: rest of the line}`` of a user dictionary CSV (:func:`write_dictionary`'s)."""
    words: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        surface, _, rest = line.partition(",")
        if surface:
            words[surface] = rest if surface not in words else words[surface] + "\n" + rest
    return words


def _links_unchanged(read: list[Post | SkippedPost], manifest: Manifest, post_ids: set[str],
                     base_url: str) -> bool:
    """Whether no indexed post is gone (``post_ids``: the post files now), none is new, and the
    changed ones (``read``) kept their URLs and links: then no post's anchor texts changed
    (:mod:`search.posts.anchors`)."""
    if any(post_id not in post_ids for post_id in manifest.indexed):
        return False
    for post in read:
        entry = manifest.indexed.get(post.post_id) if isinstance(post, Post) else None
        if entry is None or len(entry) < 5 or entry[2] != post.url \
                or entry[3] != [list(link) for link in on_site_links(post.links, base_url)]:
            return False
    return True


def _apply_changes(ix, pool: AnalysisPool, posts: list[Post | SkippedPost], posts_dir: Path,
                   manifest: Manifest, deleted: list[str], stats: IndexStats,
                   progress: ProgressCallback | None, cache, filters: dict[str, bytes] | None,
                   touched: set[str], check: Callable[[int], None]) -> None:
    """Delete ``deleted``, update or add ``posts`` (the changed files, read), commit; update
    ``manifest`` and ``filters`` (each post's bigram filter), analyzing with the morpheme ``cache``.

    An unreadable post (:attr:`SkippedPost.unreadable`) that was indexed stays as it is (in
    ``stats.kept``). ``check(posts after the changes)`` runs before the commit (it may raise to
    cancel it)."""
    writer = ix.writer(limitmb=WRITER_LIMIT_MB)
    try:
        for post_id in deleted:
            if manifest.indexed.pop(post_id, None) is not None:
                writer.delete_by_term("post_id", post_id)
                stats.deleted += 1
            manifest.skipped.pop(post_id, None)
            if filters is not None:
                filters.pop(post_id, None)
        for item, signature in pool.analyzed(posts, writer.schema, cache):
            post_id = Path(item.path).relative_to(posts_dir).as_posix()
            if isinstance(item, SkippedPost) and item.unreadable and post_id in manifest.indexed:
                stats.kept.append(item)  # its document and manifest entry stay as they are
                if progress is not None:
                    progress(item)
                continue
            was_indexed = manifest.indexed.pop(post_id, None) is not None
            manifest.skipped.pop(post_id, None)
            if filters is not None:
                filters.pop(post_id, None)
                if signature is not None:
                    filters[post_id] = signature
            if isinstance(item, SkippedPost):
                if was_indexed:
                    writer.delete_by_term("post_id", post_id)
                    stats.deleted += 1
                stats.skipped.append(item)
                record_skipped(manifest, item, posts_dir)
            else:
                writer.update_document(**post_to_document(item))
                manifest.add(item)
                stats.indexed += 1
                if was_indexed:
                    stats.updated += 1
                else:
                    stats.added += 1
                stats.reanalyzed += post_id in touched
            if progress is not None:
                progress(item)
        check(len(manifest.indexed))
    except BaseException:
        writer.cancel()
        raise
    memoize_lengths(writer)
    writer.commit(mergetype=_drop_empty_then_merge_small)
    stats.janome_chunks, stats.cached_chunks = cache.misses, cache.hits
    check_doc_count(ix, len(manifest.indexed))
    ix.close()
    stats.unchanged = len(manifest.indexed) - stats.indexed


def _drop_empty_then_merge_small(writer, segments: list) -> list:
    """Whoosh merge policy of an update: segments whose posts were all replaced or deleted are
    dropped, then Whoosh's ``MERGE_SMALL`` decides about the rest.

    ``MERGE_SMALL`` alone reads every posting of a small segment even when all its documents are
    deleted (~0.2 s per post): editing one post again and again made every fifth update spend a
    second merging copies of it that nothing could find any more. Dropping such a segment loses
    nothing (a merge would have left all of it out too).

    :param writer: the ``SegmentWriter`` committing (its deletions are already on ``segments``).
    :param segments: the index's segments before this commit (``whoosh.codec.base.Segment``).
    :returns: the segments to keep unmerged, as a Whoosh ``mergetype`` returns them.
    """
    from whoosh.writing import MERGE_SMALL

    return MERGE_SMALL(writer, [segment for segment in segments if segment.doc_count() > 0])


def _link_generation(source: Path, target: Path) -> None:
    """Fill ``target`` with hard links to the Whoosh files of generation ``source``."""
    target.mkdir(exist_ok=True)
    for path in source.iterdir():
        if path.is_file() and path.name not in UNSHARED_FILES and not path.name.endswith("_WRITELOCK"):
            link_file(path, target / path.name)
