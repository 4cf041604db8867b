"""What a reindex does not lose: posts it cannot see for a moment, and most of the index at once.

A reindex runs while files change (``git checkout``, an editor, ``rm -rf`` by mistake, a folder
on a network drive). Two guards keep what the index holds:

- A post that was indexed and whose file is there but cannot be read now (permission denied, an
  I/O error) or is broken (empty, bad front matter: a save half done, a typo;
  :attr:`search.posts.reader.SkippedPost.unreadable`) keeps its indexed version and is
  reported (:attr:`search.indexing.rebuild.IndexStats.kept`). An update leaves its document as it
  is; a full rebuild copies it from the previous generation's stored fields
  (:func:`kept_posts`: its code blocks, which are not stored, are not searchable until the file
  can be read again). A file that is gone is deleted from the index, as before.
- A reindex that would leave far fewer posts indexed than the index holds refuses
  (:func:`check_shrink`, :class:`search.errors.IndexShrinkError`) unless allowed: more than
  :data:`SHRINK_MAX_SHARE` of the indexed posts, and at least :data:`SHRINK_MIN_POSTS` of them,
  gone at once is more likely a checkout under way or a deleted folder than an edit.

Also here: :func:`duplicate_urls`, posts that would share one URL (one of them is unreachable).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Iterable

from search.errors import IndexShrinkError
from search.posts.reader import Post, SkippedPost

#: A reindex may drop at most this share of the indexed posts at once without ``--allow-shrink`` …
SHRINK_MAX_SHARE = 0.5
#: … or fewer than this many posts, whatever their share (a small blog deleting a few posts).
SHRINK_MIN_POSTS = 10


def check_shrink(before: int, after: int, index_root: Path, *, allow: bool = False) -> None:
    """Refuse a reindex that would take the index from ``before`` posts to ``after``.

    Refused when more than :data:`SHRINK_MAX_SHARE` of ``before`` and at least
    :data:`SHRINK_MIN_POSTS` posts would go, unless ``allow``.

    :raises IndexShrinkError: refused (the message says how to allow it).
    """
    lost = before - after
    if allow or lost < SHRINK_MIN_POSTS or lost <= before * SHRINK_MAX_SHARE:
        return
    raise IndexShrinkError(
        f"This reindex would drop {lost} of the {before} posts of the index in {index_root} at once "
        f"({after} left), so the index was not changed: were posts deleted on purpose, or is the posts "
        f"folder being checked out, moved or deleted? Run again with --allow-shrink to drop them.")


def shrink_limit_text() -> str:
    """The threshold in words, for help texts."""
    return (f"more than {SHRINK_MAX_SHARE:.0%} of the indexed posts (and at least {SHRINK_MIN_POSTS})")


def kept_posts(generation: Path | None, skipped: Iterable[SkippedPost], posts_dir: Path,
               indexed: dict[str, list]) -> dict[str, Post]:
    """The indexed versions of the unreadable ``skipped`` posts that ``generation`` holds.

    :param generation: the previous generation (None: none, nothing is kept).
    :param indexed: its manifest's ``indexed`` entries (keywords, URL, links, anchor texts).
    :returns: ``{post_id: Post}`` rebuilt from the stored fields (no ``code``: it is not stored),
        with ``content_hash`` ``""``, so the next update reads the file again.
    """
    wanted = {}
    for item in skipped:
        if item.unreadable:
            try:
                post_id = Path(item.path).relative_to(posts_dir).as_posix()
            except ValueError:
                continue
            if post_id in indexed:
                wanted[post_id] = Path(item.path)
    if not wanted or generation is None:
        return {}
    from whoosh.filedb.filestore import FileStorage

    from search.indexing.schema import build_schema, stored_date

    found: dict[str, Post] = {}
    ix = FileStorage(str(generation), supports_mmap=False).open_index(schema=build_schema(None))
    try:
        with ix.reader() as reader:
            for _, stored in reader.iter_docs():
                post_id = stored.get("post_id")
                if post_id not in wanted:
                    continue
                entry = indexed[post_id]
                found[post_id] = Post(
                    post_id=post_id, path=wanted[post_id], url=stored.get("url", ""),
                    title=stored.get("title", ""), date=stored_date(stored),
                    categories=_split(stored.get("category", "")), tags=_split(stored.get("tag", "")),
                    author=stored.get("author", ""), excerpt=stored.get("excerpt", ""),
                    body=stored.get("body", ""), code="", published=True,
                    content_hash="",  # recorded as unknown: the next update reads the file again
                    links=tuple(tuple(link) for link in (entry[3] if len(entry) > 3 else [])),
                    anchors=tuple(entry[4]) if len(entry) > 4 else ())
    finally:
        ix.close()
    return found


def _split(keywords: str) -> tuple[str, ...]:
    return tuple(name for name in keywords.split(",") if name)


def duplicate_urls(posts: Iterable[tuple[str, str]]) -> list[tuple[str, list[str]]]:
    """The URLs that more than one post has, each with those posts' ids (in the order given).

    :param posts: ``(post_id, url)`` pairs.
    """
    by_url: dict[str, list[str]] = defaultdict(list)
    for post_id, url in posts:
        by_url[url].append(post_id)
    return [(url, post_ids) for url, post_ids in by_url.items() if len(post_ids) > 1]
