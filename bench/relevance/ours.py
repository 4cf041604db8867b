"""Adapter for the project's own search (``search`` package), written against its contract.

Contract (see the lead's brief)::

    from search.posts.reader import Post            # frozen dataclass
    from search.indexing.rebuild import write_index  # write_index(posts, index_dir) -> IndexStats
    from search.indexing.index import open_index      # open_index(index_dir) -> SearchIndex
    from search.querying.searcher import search_posts
    # search_posts(index, q, *, page=1, per_page=10) -> ResultPage(hits=[Hit(post_id=...)], match_mode=...)

Until the library lands, :meth:`OursEngine.info` raises :class:`Unavailable` and the runner prints
``ours: not available (ImportError ...)``. One index per set serves both systems:

- ``ours``: ``search_posts(index, q, per_page=k)``, the query as typed.
- ``ours-words``: the same restricted to the word (morpheme) field: ``fields="words"``. While a
  ``search_posts`` without that option rejects it with ``TypeError``, the system is reported as
  unavailable.

``facets=False`` is passed when ``search_posts`` has that parameter (facet counts over all hits
change nothing in the ranking, and the benchmark reads only ``hits[].post_id``). Snippets and
highlighting are still built for every hit, as for a real request, and are part of the query time.
"""

from __future__ import annotations

import collections
import dataclasses
import hashlib
import inspect
import shutil
import time
from pathlib import Path
from typing import Sequence

from .data import Doc, QuerySet
from .engine import Unavailable

WORDS_KWARGS = {"fields": "words"}  # the option for "word field only" (search_posts(fields=...))
#: passed when ``search_posts`` takes them: facet counts do not change the ranking, only cost time
OPTIONAL_KWARGS = {"facets": False}


def _import():
    try:
        from search.indexing.index import open_index
        from search.indexing.rebuild import write_index
        from search.posts.reader import Post
        from search.querying.searcher import search_posts
    except Exception as exc:  # ImportError, or a half-written module failing at import
        raise Unavailable(f"{type(exc).__name__} {exc}") from exc
    return Post, write_index, open_index, search_posts


def make_post(Post, doc: Doc, with_code: bool):
    """A ``Post`` for ``doc``: id as post_id/path/url, no date, tags or author; title may be ''."""
    values = {
        "post_id": doc.id,
        "path": Path(doc.id),
        "url": "/" + doc.id,
        "title": doc.title,
        "date": None,
        "categories": (),
        "tags": (),
        "author": "",
        "excerpt": "",
        "body": doc.body,
        "code": doc.code if with_code else "",
        "published": True,
        "content_hash": hashlib.sha1(f"{doc.title}\0{doc.body}\0{doc.code}".encode()).hexdigest(),
        "links": doc.links,
    }
    names = {f.name for f in dataclasses.fields(Post)}
    missing = [f.name for f in dataclasses.fields(Post)
               if f.name not in values and f.default is dataclasses.MISSING
               and f.default_factory is dataclasses.MISSING]
    if missing:
        raise Unavailable(f"Post has fields this adapter does not know: {', '.join(missing)}")
    return Post(**{k: v for k, v in values.items() if k in names})


class OursEngine:
    systems = ("ours", "ours-words")
    #: the runner builds once, then runs query chunks in several processes on the same index
    chunkable = True

    def __init__(self) -> None:
        self.index = None
        self.index_dir: Path | None = None

    def info(self) -> dict:
        _import()
        import importlib.metadata as md
        info = {}
        for pkg in ("kensaku", "janome", "whoosh-reloaded"):
            try:
                info[pkg] = md.version(pkg)
            except md.PackageNotFoundError:
                pass
        return info

    def build(self, qs: QuerySet, workdir: Path, with_code: bool) -> dict:
        Post, write_index, open_index, _ = _import()
        posts = [make_post(Post, d, with_code) for d in qs.docs]
        index_dir = workdir / "index"
        if index_dir.exists():
            shutil.rmtree(index_dir)
        index_dir.mkdir(parents=True)
        t0 = time.perf_counter()
        base_url = qs.notes.get("base_url", "")
        takes_base_url = "base_url" in inspect.signature(write_index).parameters
        stats = write_index(posts, index_dir, **({"base_url": base_url} if base_url and takes_base_url else {}))
        index_s = time.perf_counter() - t0
        self.index = open_index(index_dir)
        self.index_dir = index_dir
        size = sum(p.stat().st_size for p in index_dir.rglob("*") if p.is_file())
        return {"index_s": index_s, "index_bytes": size, "index_stats": repr(stats)[:500]}

    def open(self, workdir: Path) -> None:
        """Open the index a previous :meth:`build` wrote in ``workdir`` (another process may have)."""
        *_, open_index, _ = _import()
        self.index_dir = workdir / "index"
        self.index = open_index(self.index_dir)

    def run(self, system: str, queries: Sequence[str], k: int) -> tuple[list[list[str]], dict]:
        *_, search_posts = _import()
        params = inspect.signature(search_posts).parameters
        kwargs = {k: v for k, v in OPTIONAL_KWARGS.items() if k in params}
        if system == "ours-words":
            kwargs.update(WORDS_KWARGS)
        out: list[list[str]] = []
        modes: collections.Counter[str] = collections.Counter()
        errors: collections.Counter[str] = collections.Counter()
        t0 = time.perf_counter()
        for q in queries:
            try:
                page = search_posts(self.index, q, page=1, per_page=k, **kwargs)
            except TypeError as exc:
                if system == "ours-words":
                    raise Unavailable(f"search_posts does not take {kwargs} yet (TypeError: {exc})") from exc
                raise
            except Exception as exc:  # QueryError and friends: count as no hits, report the kind
                errors[type(exc).__name__] += 1
                out.append([])
                continue
            modes[str(getattr(page, "match_mode", None))] += 1
            out.append([h.post_id for h in page.hits][:k])
        return out, {"query_s": time.perf_counter() - t0, "kwargs": kwargs, "match_modes": dict(modes),
                     "errors": sum(errors.values()), "error_kinds": dict(errors)}

    def close(self) -> None:
        close = getattr(self.index, "close", None)
        if callable(close):
            close()
        self.index = None
