"""Posts: reading Jekyll-style Markdown files with YAML front matter into :class:`Post` records.

Data flow: posts folder --find_post_files()--> paths --read_post()--> Post (body already cleaned by
``search.text``). ``load_posts()`` walks a whole folder and yields a :class:`SkippedPost` instead of
raising for a file that cannot be used, so one broken post never stops a reindex, and for a post
Jekyll would not publish (a ``published: false`` draft, or one dated after the build time:
:func:`publication_skip`).

Real files differ (as in the two real blogs the tests read): no ``date`` key (the date is in the file
name), dates as strings with a ``+0000`` offset that YAML does not recognise, ``tags`` as a list,
a bare string or nothing, CRLF line endings, Shift_JIS bytes. This module absorbs all of that;
YAML is read with timestamps left as strings and every date is parsed here, so an impossible
date is reported as such instead of surfacing as a YAML error.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date as Date
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import yaml
from frontmatter.default_handlers import YAMLHandler

from search.errors import PostFormatError
from search.text import clean_markdown

__all__ = [
    "POST_SUFFIXES",
    "Post",
    "SkippedPost",
    "find_post_files",
    "is_after",
    "load_posts",
    "parse_date",
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
    :ivar body: plain text, one block per line (:func:`search.text.clean_markdown`).
    :ivar code: text of the code blocks, joined with ``"\\n"``.
    :ivar content_hash: SHA-256 hex digest of the file's bytes.
    :ivar links: ``(target, text)`` of the post's Markdown links (:attr:`search.text.CleanedText.links`).
    :ivar anchors: the texts of other posts' links to this post (:mod:`search.anchors`); set by
        the reindex, which knows every post, not by :func:`read_post`.
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


@dataclass(frozen=True)
class SkippedPost:
    """A post file that :func:`load_posts` did not turn into a :class:`Post`, and why.

    :ivar unpublished: the post is fine but Jekyll would not publish it (a draft, or dated in the
        future): not an error (``--strict`` accepts it); False for a file that could not be used.
    :ivar publish_at: for a post skipped as dated in the future, its date: from then on it is
        published (an update indexes it then, even if its file did not change); else None.
    """

    path: Path
    reason: str
    unpublished: bool = False
    publish_at: datetime | None = None


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


def find_post_files(posts_dir: Path) -> list[Path]:
    """Every ``.md``/``.markdown`` file under ``posts_dir``, recursively, sorted by relative path.

    Hidden files and folders (name starting with ``.``) and ``node_modules`` are skipped, and so
    are a folder's documentation files (``README.md``, ``CHANGELOG.md``, ``LICENSE.md``, …: see
    :data:`NON_POST_NAMES`), which sit beside posts in repositories but are not posts.
    Symlinked folders are followed once; a symlink loop is not entered twice. A broken symlink
    is listed (reading it fails with that reason, so the reindex reports it).

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
               now: datetime | None = None) -> Iterator[Post | SkippedPost]:
    """Read every post file under ``posts_dir``, in :func:`find_post_files` order.

    :param base_url: prefix for :attr:`Post.url`, e.g. ``"https://example.com/blog"``.
    :param future: keep posts dated after ``now`` (``jekyll build --future``).
    :param now: the build time posts' dates are compared with; None: the time of the call.
    :returns: one item per file (:func:`read_or_skip`): a :class:`Post`, or a :class:`SkippedPost`.
    :raises FileNotFoundError: ``posts_dir`` is not a folder.
    """
    posts_dir = Path(posts_dir)
    now = now or datetime.now(timezone.utc)
    for path in find_post_files(posts_dir):
        yield read_or_skip(path, posts_dir, base_url, future=future, now=now)


def read_or_skip(path: Path, posts_dir: Path, base_url: str = "", *, future: bool = False,
                 now: datetime | None = None) -> Post | SkippedPost:
    """:func:`read_post`, or a :class:`SkippedPost` for a file that raised :class:`PostFormatError`
    or a post Jekyll would not publish (:func:`publication_skip`)."""
    try:
        post = read_post(path, posts_dir, base_url)
    except PostFormatError as exc:
        return SkippedPost(Path(path), exc.reason)
    return publication_skip(post, future=future, now=now) or post


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


def read_post(path: Path, posts_dir: Path, base_url: str = "") -> Post:
    """Parse one post file.

    Title falls back to the first Markdown heading, then the file stem; the date to a
    ``YYYY-MM-DD-`` file name prefix, then ``None``.

    :param path: the Markdown file.
    :param posts_dir: the posts folder; ``post_id`` is ``path`` relative to it.
    :param base_url: prefix for the URL (see :func:`post_url`).
    :raises PostFormatError: unreadable, empty, binary or undecodable file, invalid or unclosed
        YAML front matter, front matter that is not a mapping, impossible or unknown date format.
    """
    path, posts_dir = Path(path), Path(posts_dir)
    try:
        data = path.read_bytes()
    except OSError as exc:
        if path.is_symlink() and not path.exists():
            raise PostFormatError(path, f"broken symbolic link (to {os.readlink(path)})") from exc
        raise PostFormatError(path, f"cannot read file: {exc.strerror or exc}") from exc
    metadata, content = _split_front_matter(path, _decode(path, data))
    cleaned = clean_markdown(content)
    try:
        post_id = path.relative_to(posts_dir).as_posix()
    except ValueError:
        post_id = path.name
    date = _post_date(path, metadata)
    categories = _name_list(metadata, "category", "categories")
    permalink = metadata.get("permalink")
    excerpt = metadata.get("excerpt") or metadata.get("description") or ""
    return Post(
        post_id=post_id,
        path=path,
        url=post_url(
            post_id, date, categories, permalink if isinstance(permalink, str) else None, base_url
        ),
        title=_text(metadata.get("title")) or (cleaned.headings[:1] or (path.stem,))[0],
        date=date,
        categories=categories,
        tags=_name_list(metadata, "tag", "tags"),
        author=_author(metadata.get("author")),
        excerpt=clean_markdown(_text(excerpt)).body.replace("\n", " ") if excerpt else "",
        body=cleaned.body,
        code=cleaned.code,
        published=_is_published(metadata.get("published", True)),
        content_hash=hashlib.sha256(data).hexdigest(),
        links=cleaned.links,
    )


# --------------------------------------------------------------------------------------------
# Bytes and front matter


def _decode(path: Path, data: bytes) -> str:
    """Bytes to text with ``\\n`` line ends: UTF-8 (BOM stripped), else clean cp932."""
    if b"\0" in data:
        raise PostFormatError(path, "binary file")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if not data.strip():
        raise PostFormatError(path, "empty file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp932")
        except UnicodeDecodeError:
            raise PostFormatError(path, "not UTF-8 or Shift_JIS text") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


_BaseLoader = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader


class _NoTimestampLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    """Safe YAML loader that leaves timestamps as strings (dates are parsed by this module)."""


_NoTimestampLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _FrontMatterHandler(YAMLHandler):
    def load(self, fm: str, **kwargs: object) -> Any:
        return yaml.load(fm, Loader=_NoTimestampLoader)  # noqa: S506 - a SafeLoader subclass


_HANDLER = _FrontMatterHandler()
_OPENING_LINE = re.compile(r"\A-{3,}[ \t]*\n")


def _split_front_matter(path: Path, text: str) -> tuple[dict[str, Any], str]:
    """Front matter mapping (``{}`` if none) and the Markdown after it.

    Front matter is there when the first non-blank line is ``---`` (as for Jekyll); it ends at
    the next ``---`` line. python-frontmatter's YAML handler splits it off.
    """
    stripped = text.lstrip("\n")
    if not _OPENING_LINE.match(stripped):
        return {}, text
    try:
        front_matter, content = _HANDLER.split(stripped)
    except ValueError:
        raise PostFormatError(path, "front matter has no closing '---' line") from None
    try:
        metadata = _HANDLER.load(front_matter)
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc).split("\n")[0]
        mark = getattr(exc, "problem_mark", None)
        skipped_lines = len(text) - len(stripped)
        where = f" (line {mark.line + 1 + skipped_lines})" if mark is not None else ""
        raise PostFormatError(path, f"invalid YAML front matter: {problem}{where}") from exc
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        raise PostFormatError(path, "front matter is not a mapping of keys to values")
    return {str(key): value for key, value in metadata.items()}, content.strip("\n")


# --------------------------------------------------------------------------------------------
# Front matter values


def _text(value: object) -> str:
    """A front matter scalar or list as one line of text (lists joined with spaces)."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return " ".join(part for part in (_text(v) for v in value) if part)
    return " ".join(str(value).split())


def _author(value: object) -> str:
    if isinstance(value, dict):
        return _text(value.get("name"))
    if isinstance(value, (list, tuple)):
        return ", ".join(part for part in (_text(v) for v in value) if part)
    return _text(value)


_LIST_SEPARATOR = re.compile(r"\s*[,、，]\s*")


def _name_list(metadata: dict[str, Any], singular: str, plural: str) -> tuple[str, ...]:
    """Tags or categories, as Jekyll reads them, without duplicates.

    A list stays a list; the plural key as a string is split on commas if it has any, else on
    whitespace; the singular key as a string is one name. ``None``/empty gives ``()``.
    """
    value = metadata.get(singular)
    one_name = isinstance(value, str)
    if value is None:
        value = metadata.get(plural)
    names: list[str] = []
    if isinstance(value, str):
        if one_name:
            names = [value]
        elif _LIST_SEPARATOR.search(value):
            names = _LIST_SEPARATOR.split(value)
        else:
            names = value.split()
    elif isinstance(value, (list, tuple, set)):
        for item in value:
            names.extend(item if isinstance(item, (list, tuple)) else [item])
    elif value is not None:
        names = [value]
    cleaned = (_text(name) for name in names)
    return tuple(dict.fromkeys(name for name in cleaned if name))


def _is_published(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() not in ("false", "no", "off")
    return value is not False


_FILE_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})-")
_DATE_STRING = re.compile(
    r"""^(?P<y>\d{4})[-/](?P<m>\d{1,2})[-/](?P<d>\d{1,2})
    (?:(?:[Tt]|\s+)(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.(?P<f>\d+))?)?)?
    \s*(?P<tz>[Zz]|UTC|GMT|JST|[+-]\d{1,2}(?::?\d{2})?)?$""",
    re.VERBOSE,
)


def _post_date(path: Path, metadata: dict[str, Any]) -> datetime | None:
    value = metadata.get("date")
    if value is None or value == "":
        match = _FILE_DATE.match(path.name)
        if not match:
            return None
        value, source = match.group(0)[:-1], "file name"
    else:
        source = "front matter"
    try:
        return parse_date(value)
    except ValueError as exc:
        raise PostFormatError(path, f"invalid date {str(value)!r} in {source}: {exc}") from exc


def parse_date(value: object) -> datetime:
    """A front matter date as a timezone-aware datetime.

    Accepts a ``datetime`` or ``date``, ``YYYY-MM-DD`` with an optional time
    (``2020-12-25 00:00:00 +0000``, ``2024-01-05T09:30:00+09:00``, ``…Z``) or an RFC 2822 string
    (``Mon, 21 Nov 2022 14:09:50 GMT``). No offset means UTC; a date alone means midnight.

    :raises ValueError: impossible (``2021-02-30``) or unrecognised date.
    """
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, Date):
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    text = str(value).strip()
    match = _DATE_STRING.match(text)
    if match is None:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            raise ValueError(
                "not a recognised date format (use YYYY-MM-DD HH:MM:SS +0900)"
            ) from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    part = match.groupdict()
    fraction = (part["f"] or "0")[:6].ljust(6, "0")
    return datetime(
        int(part["y"]),
        int(part["m"]),
        int(part["d"]),
        int(part["H"] or 0),
        int(part["M"] or 0),
        int(part["S"] or 0),
        int(fraction),
        tzinfo=_zone(part["tz"]),
    )


def _zone(text: str | None) -> timezone:
    if not text or text.upper() in ("Z", "UTC", "GMT"):
        return timezone.utc
    if text == "JST":
        return timezone(timedelta(hours=9))
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = (int(digits[:-2]), int(digits[-2:])) if len(digits) > 2 else (int(digits), 0)
    if hours > 23 or minutes > 59:
        raise ValueError(f"bad time zone offset {text}")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


# --------------------------------------------------------------------------------------------
# URLs


_PLACEHOLDER = re.compile(
    r":(categories|year|month|day|i_month|i_day|short_year|hour|minute|second|title|slug"
    r"|output_ext)\b"
)
#: Characters percent-encoded in URLs (a ``%`` that already starts an escape is left alone).
_UNSAFE_IN_URL = re.compile(r"[\s#?\"<>\\^`{|}]|%(?![0-9A-Fa-f]{2})")


def post_url(
    post_id: str,
    date: datetime | None,
    categories: tuple[str, ...] | list[str],
    permalink: str | None,
    base_url: str,
) -> str:
    """The post's URL, the way Jekyll builds it by default.

    - ``permalink`` from front matter wins; ``:year``, ``:month``, ``:day``, ``:title``,
      ``:categories`` … in it are filled in when a date is known; a permalink holding Liquid
      (``{{ … }}``) cannot be evaluated here and is ignored; a full ``http(s)://`` URL is kept.
    - A ``YYYY-MM-DD-slug`` file: ``/:categories/:year/:month/:day/:title.html`` with the
      categories lowercased, de-duplicated and joined with ``/`` (Jekyll's ``UrlDrop``).
    - Any other file: ``/`` + ``post_id`` without its suffix + ``/``.

    Non-ASCII characters are kept as they are; spaces and URL delimiters become ``%XX``.

    :param base_url: prepended without doubling the ``/`` (``https://example.com/blog``).
    :returns: an absolute path, or a full URL when ``base_url`` has a scheme.
    """
    if permalink and "{{" not in permalink and "{%" not in permalink:
        if re.match(r"^[a-z][a-z0-9+.-]*://", permalink, re.IGNORECASE):
            return permalink
        values = _placeholder_values(post_id, date, categories)
        path = _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), permalink)
    else:
        stem, _, _ = post_id.rpartition(".")
        name = stem.rpartition("/")[2]
        if date is not None and _FILE_DATE.match(name):
            values = _placeholder_values(post_id, date, categories)
            path = "/{categories}/{year}/{month}/{day}/{title}.html".format(**values)
        else:
            path = f"/{stem or post_id}/"
    path = re.sub(r"/{2,}", "/", "/" + path)
    path = _UNSAFE_IN_URL.sub(lambda m: "".join(f"%{b:02X}" for b in m.group(0).encode()), path)
    return base_url.rstrip("/") + path


def _placeholder_values(
    post_id: str, date: datetime | None, categories: tuple[str, ...] | list[str]
) -> dict[str, str]:
    name = post_id.rpartition("/")[2].rpartition(".")[0] or post_id
    slug = _FILE_DATE.sub("", name)
    values = {
        "categories": "/".join(dict.fromkeys(c.lower() for c in categories)),
        "title": slug,
        "slug": slug,
        "output_ext": ".html",
    }
    if date is not None:
        values.update(
            year=f"{date.year:04d}",
            month=f"{date.month:02d}",
            day=f"{date.day:02d}",
            i_month=str(date.month),
            i_day=str(date.day),
            short_year=f"{date.year % 100:02d}",
            hour=f"{date.hour:02d}",
            minute=f"{date.minute:02d}",
            second=f"{date.second:02d}",
        )
    return values
