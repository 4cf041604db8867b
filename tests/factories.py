"""Small builders for tests: posts in memory and indexes built from them."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from pathlib import Path

from search.indexing.index import open_index
from search.indexing.rebuild import rebuild_index
from search.posts.reader import Post


def make_post(post_id: str, title: str, body: str, *, tags=(), categories=(), author="", code="",
              date: datetime | None = None) -> Post:
    """A :class:`Post` as the loader would give it, without a file."""
    return Post(
        post_id=post_id, path=Path(post_id), url=f"/{post_id}/", title=title,
        date=date or datetime(2024, 1, 1, tzinfo=timezone.utc), categories=tuple(categories), tags=tuple(tags),
        author=author, excerpt="", body=body, code=code, published=True,
        content_hash=hashlib.sha256((title + body).encode()).hexdigest(),
    )


def build_index(tmp_path: Path, posts: list[Post]):
    """Index ``posts`` under ``tmp_path / "index"`` and open it."""
    index_root = tmp_path / "index"
    rebuild_index(tmp_path / "no-posts", index_root, posts=posts)
    return open_index(index_root)


def ids(result_page) -> set[str]:
    """The post ids of a result page."""
    return {hit.post_id for hit in result_page.hits}
