"""Anchor text: what the other posts of the site call a post when they link to it.

The text of a link describes the page it points to, often in the words a reader searches with,
and is indexed with that page rather than only with the page the link is on (Brin & Page 1998,
"The Anatomy of a Large-Scale Hypertextual Web Search Engine", §2.2 "Anchor Text"; Craswell,
Hawking & Robertson 2001, "Effective site finding using link anchor information"). On a blog
the links between posts name a series' other parts, a previous post, a post explained elsewhere:
``[前回の記事](/blogs/2022/04/14/lambda-function-url/)``. Each post gets the texts of the links
to it from other posts (the ``anchors`` field of :mod:`search.indexing.schema`).

A link target is resolved to a post of the same site (:class:`LinkResolver`):

1. resolved against the linking post's URL (``../other/`` works); a full URL only when its host
   is the site's own (the base URL's), otherwise it points off the site;
2. its path equal to a post's URL path (percent-escapes, a trailing ``/``, ``index.html`` and
   ``.html`` do not matter); else
3. its last path segment equal to exactly one post's *slug*: its file name without suffix or
   leading date (``2023-12-25-ruby-3-3-0-released.md`` and ``0414_lambda-function-url.md`` give
   ``ruby-3-3-0-released`` and ``lambda-function-url``), since a site generator's permalinks
   (which the posts need not spell out) usually end in it.

A link to the post itself, a link whose text is its own URL, and a text without a letter or digit
(``→``) give nothing.
"""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from urllib.parse import unquote, urljoin, urlsplit

from search.errors import PostFormatError
from search.posts.reader import Post, read_post
from search.posts.render import reference_keys

__all__ = ["LinkSource", "LinkResolver", "anchor_texts", "on_site_links", "post_urls", "with_anchors",
           "with_post_urls"]

T = TypeVar("T")

#: A file name's leading date or number (``2023-12-25-``, ``0414_``), dropped from a slug.
_LEADING_DATE = re.compile(r"^\d[\d_-]*[_-](?=[^\d_-])")
_SUFFIX = re.compile(r"\.(?:html?|md|markdown)$", re.IGNORECASE)
_URL_TEXT = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|www\.)", re.IGNORECASE)


@dataclass(frozen=True)
class LinkSource:
    """What anchor text needs of one post: its id, URL and ``(target, text)`` links."""

    post_id: str
    url: str
    links: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, post: Post) -> LinkSource:
        return cls(post.post_id, post.url, post.links)


def _path_key(path: str) -> str:
    """A URL path compared without escapes, trailing ``/``, ``index.html`` or ``.html``."""
    path = unquote(path).rstrip("/")
    if path.endswith("/index.html") or path.endswith("/index.htm"):
        path = path.rpartition("/")[0]
    return _SUFFIX.sub("", path).rstrip("/")


def slug(path: str) -> str:
    """The last segment of a path or post id without suffix and leading date, lowercased ("" if none)."""
    name = unquote(path).split("?")[0].split("#")[0].rstrip("/").rpartition("/")[2]
    name = _SUFFIX.sub("", name)
    return _LEADING_DATE.sub("", name).lower()


class LinkResolver:
    """Resolves link targets to the post ids of a site.

    :param posts: every post of the site.
    :param base_url: the site's base URL (``https://example.com/blog``); "" when unknown, then only
        links without a host resolve.
    """

    def __init__(self, posts: Iterable[LinkSource], base_url: str = "") -> None:
        self._host = urlsplit(base_url).netloc.lower()
        self._by_path: dict[str, str] = {}
        by_slug: dict[str, set[str]] = defaultdict(set)
        for post in posts:
            self._by_path.setdefault(_path_key(urlsplit(post.url).path), post.post_id)
            for name in {slug(post.post_id), slug(urlsplit(post.url).path)} - {""}:
                by_slug[name].add(post.post_id)
        self._by_slug = {name: next(iter(ids)) for name, ids in by_slug.items() if len(ids) == 1}

    def resolve(self, target: str, source_url: str = "/") -> str | None:
        """The post id ``target`` (a link's href on the page at ``source_url``) points to, or None."""
        target = target.strip()
        if not target or target.startswith("#"):
            return None
        absolute = urlsplit(urljoin(urlsplit(source_url)._replace(scheme="", netloc="").geturl() or "/", target))
        if absolute.scheme and absolute.scheme not in ("http", "https"):
            return None
        if absolute.netloc and absolute.netloc.lower() != self._host:
            return None
        found = self._by_path.get(_path_key(absolute.path))
        return found if found is not None else self._by_slug.get(slug(absolute.path))


def on_site_links(links: Iterable[tuple[str, str]], base_url: str = "") -> tuple[tuple[str, str], ...]:
    """The links that may point to a post of the site: no host, or the base URL's; no ``mailto:``,
    no ``#fragment`` alone (what :meth:`LinkResolver.resolve` can resolve at all)."""
    host = urlsplit(base_url).netloc.lower()
    kept = []
    for target, text in links:
        parts = urlsplit(target.strip())
        if parts.scheme not in ("", "http", "https") or (parts.netloc and parts.netloc.lower() != host):
            continue
        if parts.path or parts.netloc:
            kept.append((target, text))
    return tuple(kept)


def anchor_texts(posts: Iterable[LinkSource], base_url: str = "") -> dict[str, tuple[str, ...]]:
    """``{post_id: texts}``: the texts of the links to each post from the other posts.

    Each linking post counts a text once per post it links to; texts are in the order of the
    linking posts' ids, then of the links. Posts nobody links to are absent.
    """
    posts = list(posts)
    resolver = LinkResolver(posts, base_url)
    found: dict[str, dict[tuple[str, str], None]] = defaultdict(dict)
    for post in sorted(posts, key=lambda p: p.post_id):
        for target, text in post.links:
            if not any(c.isalnum() for c in text) or _URL_TEXT.match(text) or text == target:
                continue
            linked = resolver.resolve(target, post.url)
            if linked is not None and linked != post.post_id:
                found[linked].setdefault((post.post_id, text), None)
    return {post_id: tuple(text for _, text in texts) for post_id, texts in found.items()}


def with_anchors(items: list[T], others: Iterable[LinkSource] = (), base_url: str = "") -> list[T]:
    """``items`` with each :class:`Post` among them given its :attr:`Post.anchors`.

    :param items: posts (others, such as skipped posts, pass through unchanged).
    :param others: the site's posts not among ``items`` (an update's unchanged posts), which
        link and are linked to like them.
    """
    texts = anchor_texts([*others, *(LinkSource.of(p) for p in items if isinstance(p, Post))], base_url)
    return [dataclasses.replace(item, anchors=texts.get(item.post_id, ())) if isinstance(item, Post) else item
            for item in items]


def post_urls(posts: Iterable[LinkSource]) -> dict[str, str]:
    """The site's post URLs by the names ``{% post_url %}`` and ``{% link %}`` give them
    (:func:`search.posts.render.reference_keys`); a file name two posts share names neither."""
    urls: dict[str, str] = {}
    ambiguous: set[str] = set()
    for post in posts:
        for key in reference_keys(post.post_id):
            if urls.setdefault(key, post.url) != post.url:
                ambiguous.add(key)
    return {key: url for key, url in urls.items() if key not in ambiguous}


def with_post_urls(items: list[T], others: Iterable[LinkSource] = (), base_url: str = "") -> list[T]:
    """``items`` with each :class:`Post` whose ``{% post_url %}``/``{% link %}`` tags name other posts
    read again, now that every post's URL is known: its links and text carry the linked posts' real
    URLs (as Jekyll renders them), so :class:`LinkResolver` resolves them like any link.

    :param items: posts just read (others pass through unchanged).
    :param others: the site's posts not among ``items``.
    """
    if not any(isinstance(item, Post) and item.post_refs for item in items):
        return items
    urls = post_urls([*others, *(LinkSource.of(p) for p in items if isinstance(p, Post))])
    out: list[T] = []
    for item in items:
        if isinstance(item, Post) and item.post_refs:
            depth = len(item.post_id.split("/"))
            posts_dir = Path(*item.path.parts[:-depth]) if len(item.path.parts) > depth else Path(".")
            try:
                item = dataclasses.replace(read_post(item.path, posts_dir, base_url, urls), anchors=item.anchors)
            except PostFormatError:  # changed or gone since it was read: keep what was read
                pass
        out.append(item)
    return out
