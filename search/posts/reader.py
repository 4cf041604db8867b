"""Posts: reading Jekyll-style Markdown files with YAML front matter into :class:`Post` records.

Data flow: posts folder --find_post_files()--> paths --read_post()--> Post (body already cleaned by
``search.posts.markdown``). ``load_posts()`` walks a whole folder and yields a :class:`SkippedPost` instead of
raising for a file that cannot be used, so one broken post never stops a reindex, and for a post
Jekyll would not publish (a ``published: false`` draft, or one dated after the build time:
:func:`publication_skip`).

Real files differ (as in the two real blogs the tests read): no ``date`` key (the date is in the file
name), dates as strings with a ``+0000`` offset that YAML does not recognise, ``tags`` as a list,
a bare string or nothing, CRLF line endings, Shift_JIS bytes. The front matter is read by
:mod:`search.posts.frontmatter`, dates by :mod:`search.posts.dates` and URLs built by
:mod:`search.posts.permalinks`.
"""

from __future__ import annotations

import errno
import hashlib
import math
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from stat import S_ISREG

from search.errors import PostFormatError
from search.posts.dates import FILE_DATE, post_date
from search.posts.frontmatter import (author_value, decode_post, is_published, name_list, scalar_text,
                                      split_front_matter, strip_controls)
from search.posts.permalinks import permalink_problem, post_url, site_permalink
from search.posts.markdown import clean_markdown
from search.posts.markdown_cache import clean_markdown_cached
from search.posts.render import LiquidContext, site_config
from search.posts.sections import Section

__all__ = [
    "POST_SUFFIXES",
    "Post",
    "SkippedPost",
    "find_post_files",
    "is_after",
    "load_posts",
    "post_url",
    "publication_skip",
    "read_or_skip",
    "read_post",
]

POST_SUFFIXES = (".md", ".markdown")
#: File names (without suffix, upper case) of repository documentation, never posts.
NON_POST_NAMES = frozenset({"README", "CHANGELOG", "LICENSE", "CONTRIBUTING", "CODE_OF_CONDUCT", "SECURITY"})
_SKIPPED_DIRS = frozenset({"node_modules"})


@dataclass(frozen=True)
class Post:
    """One blog post, parsed and cleaned.

    :ivar post_id: path relative to the posts folder, POSIX separators
        (``"2024/2024-01-05-hello.md"``); unique within a folder.
    :ivar url: Jekyll-style URL path (``/cat/2024/01/05/hello.html``), prefixed with ``base_url``.
    :ivar date: timezone-aware; UTC when the source gives no offset; a date alone is midnight.
    :ivar excerpt: front matter ``excerpt`` or ``description`` as plain text, ``""`` if absent.
    :ivar body: plain text, one block per line (:func:`search.posts.markdown.clean_markdown`).
    :ivar code: text of the code blocks, joined with ``"\\n"``.
    :ivar content_hash: SHA-256 hex digest of the file's bytes.
    :ivar links: ``(target, text)`` of the post's Markdown links (:attr:`search.posts.markdown.CleanedText.links`).
    :ivar anchors: the texts of other posts' links to this post (:mod:`search.posts.anchors`); set by
        the reindex, which knows every post, not by :func:`read_post`.
    :ivar sections: the post's headings, their ids on the blog's page and where each starts in
        ``body`` (:class:`search.posts.sections.Section`).
    :ivar post_refs: the posts its ``{% post_url %}``/``{% link %}`` tags name (then the reindex
        reads it again once every post's URL is known: :func:`search.posts.anchors.with_anchors`).
    :ivar warnings: what was wrong with the post but did not stop it being indexed (a permalink
        off the site, a title that is a mapping …), one short sentence each, for the reindex to report.
    :ivar ruby: the body's furigana: ``(start, end, reading)`` of each annotated base in ``body``
        (:attr:`search.posts.markdown.CleanedText.ruby`).
    """

    post_id: str
    path: Path
    url: str
    title: str
    date: datetime | None
    categories: tuple[str, ...]
    tags: tuple[str, ...]
    author: str
    excerpt: str
    body: str
    code: str
    published: bool
    content_hash: str
    links: tuple[tuple[str, str], ...] = ()
    anchors: tuple[str, ...] = ()
    sections: tuple[Section, ...] = ()
    post_refs: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    ruby: tuple[tuple[int, int, str], ...] = ()


@dataclass(frozen=True)
class SkippedPost:
    """A post file that :func:`load_posts` did not turn into a :class:`Post`, and why.

    :ivar unpublished: the post is fine but Jekyll would not publish it (a draft, or dated in the
        future): not an error (``--strict`` accepts it); False for a file that could not be used.
    :ivar publish_at: for a post skipped as dated in the future, its date: from then on it is
        published (an update indexes it then, even if its file did not change); else None.
    :ivar unreadable: the file is there but could not be read (permission denied, an I/O error)
        or its content is broken (empty, not text, bad front matter or date, too large: a save
        half done, a typo): a reindex keeps the post's indexed version, if it has one, instead of
        dropping it. Not set for a file that is no post file any more (a symbolic link to
        elsewhere, not a regular file, a name that is not UTF-8) or that is gone.
    """

    path: Path
    reason: str
    unpublished: bool = False
    publish_at: datetime | None = None
    unreadable: bool = False


#: The reason of a :class:`SkippedPost` for a ``published: false`` draft.
DRAFT_REASON = "published: false"


def check_posts_dir(posts_dir: Path) -> Path:
    """``posts_dir`` as a :class:`Path`, if it is a folder.

    :raises FileNotFoundError: it is not (the message names it and the options that set it).
    """
    posts_dir = Path(posts_dir)
    if not posts_dir.is_dir():
        raise FileNotFoundError(
            f"posts folder not found: {posts_dir}; check --posts or KENSAKU_POSTS_DIR"
        )
    return posts_dir


#: Largest post file read, in bytes (~20 times the largest of 1,406 real posts; Janome would
#: spend ~40 s on it). A larger file is skipped with its size.
MAX_POST_BYTES = 2_000_000
#: Most characters of text (title, body, code, excerpt) a post may have once read.
MAX_POST_CHARS = 1_000_000


def is_inside(path: Path | str, posts_dir: Path | str) -> bool:
    """Whether ``path``, with every symbolic link resolved, is in the folder ``posts_dir`` (resolved too)."""
    real, root = os.path.realpath(path), os.path.realpath(posts_dir)
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


def find_post_files(posts_dir: Path, *, follow_links: bool = False) -> list[Path]:
    """Every ``.md``/``.markdown`` file under ``posts_dir``, recursively, sorted by relative path.

    Hidden files and folders (name starting with ``.``) and ``node_modules`` are skipped, and so
    are a folder's documentation files (``README.md``, ``CHANGELOG.md``, ``LICENSE.md``, …: see
    :data:`NON_POST_NAMES`), which sit beside posts in repositories but are not posts.
    Symlinked folders are followed once; a symlink loop is not entered twice. A broken symlink
    is listed (reading it fails with that reason, so the reindex reports it). A symlinked folder
    that resolves outside ``posts_dir`` is not entered but listed itself, so the reindex reports
    it (:func:`read_post`), unless ``follow_links``.

    :raises FileNotFoundError: ``posts_dir`` is not a folder.
    """
    posts_dir = check_posts_dir(posts_dir)
    found: list[tuple[str, Path]] = []  # (relative POSIX path: the sort key, path)
    visited: set[tuple[int, int]] = set()
    for root, dirs, files in os.walk(posts_dir, followlinks=True):
        stat = os.stat(root)
        if (stat.st_dev, stat.st_ino) in visited:
            dirs[:] = []
            continue
        visited.add((stat.st_dev, stat.st_ino))
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in _SKIPPED_DIRS]
        relative_root = Path(root).relative_to(posts_dir).as_posix()
        prefix = "" if relative_root == "." else relative_root + "/"
        if not follow_links:
            outside = [d for d in dirs if os.path.islink(os.path.join(root, d))
                       and not is_inside(os.path.join(root, d), posts_dir)]
            dirs[:] = [d for d in dirs if d not in outside]
            found.extend((prefix + d, Path(root, d)) for d in outside)
        for name in files:
            if (not name.startswith(".") and name.lower().endswith(POST_SUFFIXES)
                    and name.rsplit(".", 1)[0].upper() not in NON_POST_NAMES):
                path = Path(root, name)
                # a broken symlink is listed too, so the reindex reports it (not FIFOs and the like)
                if os.path.isfile(path) or (os.path.islink(path) and not os.path.exists(path)):
                    found.append((prefix + name, path))
    found.sort(key=lambda item: item[0])
    return [path for _, path in found]


def load_posts(posts_dir: Path, base_url: str = "", *, future: bool = False,
               now: datetime | None = None, follow_links: bool = False) -> Iterator[Post | SkippedPost]:
    """Read every post file under ``posts_dir``, in :func:`find_post_files` order.

    :param base_url: prefix for :attr:`Post.url`, e.g. ``"https://example.com/blog"``.
    :param future: keep posts dated after ``now`` (``jekyll build --future``).
    :param now: the build time posts' dates are compared with; None: the time of the call.
    :param follow_links: read post files (and folders) that are symbolic links to places outside
        ``posts_dir`` too; else they are skipped.
    :returns: one item per file (:func:`read_or_skip`): a :class:`Post`, or a :class:`SkippedPost`.
    :raises FileNotFoundError: ``posts_dir`` is not a folder.
    """
    posts_dir = Path(posts_dir)
    now = now or datetime.now(timezone.utc)
    for path in find_post_files(posts_dir, follow_links=follow_links):
        yield read_or_skip(path, posts_dir, base_url, future=future, now=now, follow_links=follow_links)


def read_or_skip(path: Path, posts_dir: Path, base_url: str = "", *, future: bool = False,
                 now: datetime | None = None, follow_links: bool = False) -> Post | SkippedPost:
    """:func:`read_post`, or a :class:`SkippedPost` for a file that raised :class:`PostFormatError`
    (or any other exception: one post never stops a reindex) or a post Jekyll would not publish
    (:func:`publication_skip`)."""
    try:
        post = read_post(path, posts_dir, base_url, follow_links=follow_links)
        return publication_skip(post, future=future, now=now) or post
    except PostFormatError as exc:
        return SkippedPost(Path(path), exc.reason, unreadable=exc.unreadable)
    except RecursionError:
        return SkippedPost(Path(path), "could not be read: nested too deeply")
    except Exception as exc:  # noqa: BLE001 - a bug or a library's limit on one post: skip that post
        return SkippedPost(Path(path), f"could not be read: {type(exc).__name__}: {exc}"[:300])


def publication_skip(post: Post, *, future: bool = False, now: datetime | None = None) -> SkippedPost | None:
    """Why Jekyll would not publish ``post``, as an unpublished :class:`SkippedPost`; None if it would.

    As Jekyll's default ``future: false``: a post dated after the build time ``now`` (None: the time
    of the call) is not published, unless ``future`` (``jekyll build --future``). Instants are
    compared, to the second as Jekyll does; a post without a date is never in the future.
    """
    if not post.published:
        return SkippedPost(post.path, DRAFT_REASON, unpublished=True)
    if not future and post.date is not None and is_after(post.date, now or datetime.now(timezone.utc)):
        return SkippedPost(post.path, _future_reason(post.date), unpublished=True, publish_at=post.date)
    return None


def is_after(date: datetime, now: datetime) -> bool:
    """Whether the aware datetime ``date`` is after ``now`` to the second (Jekyll: ``date.to_i > time.to_i``)."""
    return math.floor(date.timestamp()) > math.floor(now.timestamp())


def _future_reason(date: datetime) -> str:
    when = date.strftime("%Y-%m-%d %H:%M:%S" if date.second else "%Y-%m-%d %H:%M")
    return (f"dated {when} {date.strftime('%z')}, in the future: Jekyll publishes it from then "
            "(reindex after that, or use --future)")


def read_post(path: Path, posts_dir: Path, base_url: str = "", post_urls: dict[str, str] | None = None, *,
              follow_links: bool = False) -> Post:
    """Parse one post file.

    Title falls back to the first Markdown heading, then the file stem; the date to a
    ``YYYY-MM-DD-`` file name prefix, then ``None``. Liquid in the text is rendered from the front
    matter (``page``) and the site's ``_config.yml`` (``site``: :func:`search.posts.render.site_config`).
    Control and bidi formatting characters are removed from every text
    (:func:`search.posts.frontmatter.strip_controls`).

    :param path: the Markdown file.
    :param posts_dir: the posts folder; ``post_id`` is ``path`` relative to it.
    :param base_url: prefix for the URL (see :func:`post_url`).
    :param post_urls: the site's posts' URLs by :func:`search.posts.render.reference_keys`, for
        ``{% post_url %}``/``{% link %}``; None: those tags render as their argument.
    :param follow_links: read ``path`` even when it resolves outside ``posts_dir``.
    :raises PostFormatError: unreadable (``unreadable`` set when the file is there but reading
        it failed), outside ``posts_dir``, larger than :data:`MAX_POST_BYTES` or
        :data:`MAX_POST_CHARS`, empty, binary or undecodable file, invalid or unclosed YAML front
        matter, front matter that is not a mapping or whose aliases expand too far, impossible,
        out-of-range or unknown date format.
    """
    path, posts_dir = Path(path), Path(posts_dir)
    if not _utf8_name(path):
        # os.walk gives undecodable bytes as lone surrogates, which no index field or JSON file can hold
        raise PostFormatError(path, "file name is not UTF-8 (rename it)")
    data = _read_bytes(path, posts_dir, follow_links)
    metadata, content = split_front_matter(path, decode_post(path, data))
    try:
        post_id = path.relative_to(posts_dir).as_posix()
    except ValueError:
        post_id = path.name
    warnings: list[str] = []
    date = post_date(path, metadata)
    categories = name_list(metadata, "category", "categories", warnings)
    tags = name_list(metadata, "tag", "tags", warnings)
    permalink = metadata.get("permalink")
    problem = permalink_problem(permalink, base_url)
    if problem is not None:
        warnings.append(problem)
    if not isinstance(permalink, str) or not permalink:  # the site's default, as Jekyll applies it
        permalink = site_permalink(site_config(posts_dir))
    url = post_url(post_id, date, categories, permalink if isinstance(permalink, str) else None, base_url)
    front_title = scalar_text(metadata, "title", warnings)
    liquid = None
    if "{{" in content or "{%" in content:
        page = {**metadata, "date": date, "url": url, "categories": list(categories), "tags": list(tags),
                "title": front_title or _slug_title(path.stem), "path": f"_posts/{post_id}"}
        liquid = LiquidContext(page, site_config(posts_dir), post_urls or {})
    cleaned = clean_markdown_cached(content, liquid)
    excerpt = scalar_text(metadata, "excerpt", warnings) or scalar_text(metadata, "description", warnings)
    title = front_title or strip_controls((cleaned.headings[:1] or (path.stem,))[0]).strip()
    body = strip_controls(cleaned.body)
    if len(title) + len(body) + len(cleaned.code) + len(excerpt) > MAX_POST_CHARS:
        raise PostFormatError(path, f"too much text once read (more than {MAX_POST_CHARS:,} characters)", unreadable=True)
    return Post(
        post_id=post_id,
        path=path,
        url=url,
        title=title,
        date=date,
        categories=categories,
        tags=tags,
        author=author_value(metadata.get("author"), warnings),
        excerpt=strip_controls(clean_markdown(excerpt).body.replace("\n", " ")) if excerpt else "",
        body=body,
        code=cleaned.code,
        published=is_published(metadata.get("published", True)),
        content_hash=hashlib.sha256(data).hexdigest(),
        links=cleaned.links,
        sections=cleaned.sections,
        post_refs=cleaned.post_refs,
        warnings=tuple(dict.fromkeys(warnings)),
        ruby=tuple(tuple(r) for r in cleaned.ruby),
    )


def _utf8_name(path: Path) -> bool:
    """Whether ``path`` encodes as UTF-8 (a name read from a non-UTF-8 disk has lone surrogates)."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _slug_title(stem: str) -> str:
    """Jekyll's title of a post without one: its file name's slug, words capitalized."""
    slug = FILE_DATE.sub("", stem)
    return " ".join(word[:1].upper() + word[1:] for word in re.split(r"[-_\s]+", slug) if word)


def _read_bytes(path: Path, posts_dir: Path, follow_links: bool) -> bytes:
    """The file's bytes, if it is a regular file inside ``posts_dir`` (or ``follow_links``) of at
    most :data:`MAX_POST_BYTES`. Where the opened file really is is checked after opening
    (``/proc/self/fd`` on Linux), so a link swapped in meanwhile is caught too."""
    if path.is_symlink() and not path.exists():
        raise PostFormatError(path, f"broken symbolic link (to {os.readlink(path)})")
    if not follow_links and not is_inside(path, posts_dir):
        kind = "folder" if os.path.isdir(path) else "file"
        raise PostFormatError(path, f"symbolic link to a {kind} outside the posts folder "
                                    f"({os.path.realpath(path)}): not read (--follow-links reads it)")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        if path.is_symlink() and not path.exists():
            raise PostFormatError(path, f"broken symbolic link (to {os.readlink(path)})") from exc
        raise _unreadable(path, exc) from exc
    try:
        opened = f"/proc/self/fd/{fd}"
        if not follow_links and os.path.islink(opened) and not is_inside(os.readlink(opened), posts_dir):
            raise PostFormatError(path, "symbolic link to a file outside the posts folder: not read "
                                        "(--follow-links reads it)")
        stat = os.fstat(fd)
        if not S_ISREG(stat.st_mode):
            raise PostFormatError(path, "not a regular file")
        if stat.st_size > MAX_POST_BYTES:
            raise PostFormatError(path, f"file too large ({stat.st_size:,} bytes; at most {MAX_POST_BYTES:,})", unreadable=True)
        with os.fdopen(fd, "rb", closefd=False) as stream:
            data = stream.read(MAX_POST_BYTES + 1)
    except OSError as exc:
        raise _unreadable(path, exc) from exc
    finally:
        os.close(fd)
    if len(data) > MAX_POST_BYTES:
        raise PostFormatError(path, f"file too large (more than {MAX_POST_BYTES:,} bytes)", unreadable=True)
    return data


def _unreadable(path: Path, exc: OSError) -> PostFormatError:
    """The error for a file that could not be read; ``unreadable`` unless it is gone (deleted)."""
    gone = exc.errno in (errno.ENOENT, errno.ENOTDIR) or not os.path.lexists(path)
    return PostFormatError(path, f"cannot read file: {exc.strerror or exc}", unreadable=not gone)
