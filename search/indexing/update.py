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
from typing import Iterable

from whoosh.filedb.filestore import FileStorage

from search.posts.anchors import LinkSource, anchor_texts, on_site_links, with_anchors, with_post_urls
from search.analysis.dictionary import DICTIONARY_FILE, dictionary_entries, write_dictionary
from search.indexing.generations import (DICTIONARIES_DIR, compile_dictionary, current_generation,
                                format_metadata, fsync_tree, link_file, new_generation_path, read_metadata,
                                reindex_lock, remove_abandoned_generations, remove_old_generations,
                                switch_current, write_metadata)
from search.indexing.manifest import (Manifest, absolute_paths, current_hashes, digest_dictionary_inputs,
                             post_keywords, record_skipped)
from search.indexing.pipeline import AnalysisPool, workers_for
from search.posts.reader import Post, SkippedPost, find_post_files
from search.indexing.schema import build_schema, post_to_document

from search.indexing.rebuild import (BASE_URL_CHANGED, DICTIONARY_CHANGED, FOLDER_CHANGED, FORMAT_CHANGED, FUTURE_CHANGED,
                                     MOST_CHANGED, NO_MANIFEST, UNSHARED_FILES, WRITER_LIMIT_MB, IndexStats,
                                     ProgressCallback, check_doc_count, rebuild_locked)


#: An update touching more than this share of the posts rebuilds instead (faster, one segment).
UPDATE_MAX_CHANGED_SHARE = 0.5



def update_index(posts_dir: Path, index_root: Path, *, base_url: str = "",
                 progress: ProgressCallback | None = None, owner_dictionaries: Iterable[Path] = (),
                 jobs: int | None = None, wait_s: float = 0.0, future: bool = False,
                 now: datetime | None = None) -> IndexStats:
    """Bring the index up to date with ``posts_dir``, re-indexing only new, changed and deleted posts.

    Post files are compared by content hash with the current generation's ``posts.json``. The
    changes go into a new generation made of hard links to the current one's files, switched to
    like a rebuild. It rebuilds instead (``stats.incremental`` is False) when there is no index
    yet; when the index has another format version, posts folder, base URL or ``future``; when the user
    dictionary would change (a new tag, another owner word list); or when more than
    :data:`UPDATE_MAX_CHANGED_SHARE` of the posts changed. When nothing changed, nothing is written.
    A post skipped as dated in the future counts as changed once its date is no longer after
    ``now``, though its file did not change: the first update from then on indexes it.

    :param progress: called once per new or changed post file handled.
    :param owner_dictionaries: the site owner's word lists for the user dictionary.
    :param jobs: most worker processes for the changed posts (None: one per CPU).
    :param wait_s: seconds to wait for a running reindex (see :func:`search.indexing.generations.reindex_lock`).
    :param future: index posts dated after ``now`` too (``jekyll build --future``); else skip them.
    :param now: the build time post dates are compared with; None: when the reindex starts.
    :raises ReindexInProgressError: another reindex holds the lock (after ``wait_s`` seconds).
    :raises EmptyPostsFolderError: there is no post file while the index holds posts (index unchanged).
    :raises FileNotFoundError: ``posts_dir`` is not a folder.
    """
    started = time.perf_counter()
    posts_dir, index_root = Path(posts_dir), Path(index_root)
    owner_dictionaries = list(owner_dictionaries)
    now = now or datetime.now(timezone.utc)
    with reindex_lock(index_root, wait_s):
        stats = _update_locked(posts_dir, index_root, base_url, progress, owner_dictionaries, jobs, future, now)
        if not isinstance(stats, IndexStats):
            reason = stats
            stats = rebuild_locked(posts_dir, index_root, base_url, progress, None, owner_dictionaries, jobs,
                                    future, now)
            stats.rebuilt_because = reason or ""
    stats.elapsed_s = time.perf_counter() - started
    return stats



def _update_locked(posts_dir: Path, index_root: Path, base_url: str, progress: ProgressCallback | None,
                   owner_dictionaries: list[Path], jobs: int | None, future: bool,
                   now: datetime) -> IndexStats | str | None:
    """Apply the changes in a new generation; when a full rebuild is needed instead, why (one of
    the ``*_CHANGED`` reasons, for :attr:`IndexStats.rebuilt_because`), or None when there is no
    index to update yet."""
    files = find_post_files(posts_dir)
    remove_abandoned_generations(index_root)
    previous = current_generation(index_root)
    if previous is None or not previous.is_dir():
        return None
    metadata = read_metadata(previous)
    manifest = Manifest.read(previous)
    if any(metadata.get(k) != v for k, v in format_metadata().items()):
        return FORMAT_CHANGED
    if manifest is None or manifest.posts_dir is None:
        return NO_MANIFEST
    if manifest.posts_dir != str(posts_dir.resolve()):
        return FOLDER_CHANGED
    if manifest.base_url != base_url:
        return BASE_URL_CHANGED
    if manifest.future != future:
        return FUTURE_CHANGED
    hashes = current_hashes(files, posts_dir, manifest)
    changed_ids = {post_id for post_id, (_, digest) in hashes.items()
                   if (manifest.indexed.get(post_id) or manifest.skipped.get(post_id) or [None])[0] != digest}
    changed_ids |= manifest.due(now) & hashes.keys()  # dated in the future until now: read again
    deleted = [post_id for post_id in [*manifest.indexed, *manifest.skipped] if post_id not in hashes]
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
    generation = new_generation_path(index_root)
    try:
        with AnalysisPool(workers_for(changed, jobs)) as pool:
            read, relinked = _read_with_anchors(pool, changed, hashes, changed_ids, manifest, posts_dir, base_url,
                                                future, now)
            keywords = [k for post_id, (_, words, *_) in manifest.indexed.items()
                        if post_id in hashes and post_id not in changed_ids for k in words]
            keywords += [k for p in read if isinstance(p, Post) for k in post_keywords(p)]
            generation.mkdir()
            dictionary_path = generation / DICTIONARY_FILE
            inputs = digest_dictionary_inputs(keywords, owner_dictionaries)
            if inputs == manifest.dictionary_inputs and (previous / DICTIONARY_FILE).is_file():
                link_file(previous / DICTIONARY_FILE, dictionary_path)  # the same dictionary
                digest = metadata.get("dictionary_digest")
            else:
                digest = write_dictionary(dictionary_entries(keywords, owner_dictionaries), dictionary_path)
                if digest != metadata.get("dictionary_digest"):
                    shutil.rmtree(generation, ignore_errors=True)
                    return DICTIONARY_CHANGED
            manifest.dictionary_inputs = inputs
            manifest.owner_dictionaries = absolute_paths(owner_dictionaries)
            _link_generation(previous, generation)
            compiled = index_root / DICTIONARIES_DIR / str(digest)  # loads faster than the CSV compiles
            schema = build_schema(str(compiled if compiled.is_dir() else dictionary_path))
            # Without mmap, as servers open it: with mmap Whoosh copies each file of the big
            # compound segment it opens (the term index, ~0.1 s each time) into memory.
            ix = FileStorage(str(generation), supports_mmap=False).open_index(schema=schema)
            skipped_before = len(stats.skipped)
            _apply_changes(ix, pool, read, posts_dir, manifest, deleted, stats, progress)
            stats.newly_skipped = len(stats.skipped) - skipped_before
            stats.relinked = relinked
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



def _read_with_anchors(pool: AnalysisPool, changed: list[Path], hashes: dict[str, tuple[Path, str]],
                       changed_ids: set[str], manifest: Manifest, posts_dir: Path,
                       base_url: str, future: bool, now: datetime) -> tuple[list[Post | SkippedPost], int]:
    """The changed post files read, each post with its anchor texts (:mod:`search.posts.anchors`), followed
    by the unchanged posts whose anchor texts the change alters (a link to them added, removed or
    reworded), read again to be re-indexed; and how many of those there are."""
    unchanged = [source for source in manifest.link_sources(leave_out=changed_ids) if source.post_id in hashes]
    read = with_post_urls(pool.read(changed, posts_dir, base_url, future=future, now=now), unchanged, base_url)
    if _links_unchanged(read, manifest, set(hashes), base_url):
        # The same posts linking the same way: every post's anchor texts are those recorded.
        return [dataclasses.replace(p, anchors=tuple(manifest.indexed[p.post_id][4])) for p in read], 0
    kept = [source for source in manifest.link_sources(leave_out=changed_ids) if source.post_id in hashes]
    before = anchor_texts(manifest.link_sources(), base_url)
    after = anchor_texts([*kept, *(LinkSource.of(p) for p in read if isinstance(p, Post))], base_url)
    relinked = sorted(source.post_id for source in kept
                      if before.get(source.post_id, ()) != after.get(source.post_id, ()))
    again = pool.read([hashes[post_id][0] for post_id in relinked], posts_dir, base_url, future=future, now=now)
    read += with_post_urls(again, [*kept, *(LinkSource.of(p) for p in read if isinstance(p, Post))], base_url)
    others = [source for source in kept if source.post_id not in set(relinked)]
    return with_anchors(read, others, base_url), len(relinked)



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
                   progress: ProgressCallback | None) -> None:
    """Delete ``deleted``, update or add ``posts`` (the changed files, read), commit; update ``manifest``."""
    writer = ix.writer(limitmb=WRITER_LIMIT_MB)
    try:
        for post_id in deleted:
            if manifest.indexed.pop(post_id, None) is not None:
                writer.delete_by_term("post_id", post_id)
                stats.deleted += 1
            manifest.skipped.pop(post_id, None)
        for item in pool.analyzed(posts, writer.schema):
            post_id = Path(item.path).relative_to(posts_dir).as_posix()
            was_indexed = manifest.indexed.pop(post_id, None) is not None
            manifest.skipped.pop(post_id, None)
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
            if progress is not None:
                progress(item)
    except BaseException:
        writer.cancel()
        raise
    writer.commit(mergetype=_drop_empty_then_merge_small)
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
