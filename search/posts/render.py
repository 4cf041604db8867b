"""Liquid output tags (``{{ page.title }}``) rendered as Jekyll renders them, with python-liquid.

Jekyll runs a post through Liquid before Markdown, so ``この記事「{{ page.title }}」では`` reads
``この記事「検索の話」では`` on the blog. :class:`LiquidContext` holds what a post alone can give
Liquid: ``page`` (the front matter, plus the post's title, date, URL, tags and categories as
Jekyll sets them), ``site`` (the ``_config.yml`` of the site the posts folder belongs to:
:func:`site_config`) and the URLs of the site's posts, which ``{% post_url %}`` and ``{% link %}``
name (:meth:`LiquidContext.post_link`).

Output tags are rendered by python-liquid (a maintained implementation of Shopify's Liquid, the
language Jekyll uses), so ``| default: …``, ``| upcase``, ``| date: "%Y年%m月%d日"``, ``| append``,
``| size`` and the rest of the standard filters behave as on the blog; Jekyll's own
``relative_url``, ``absolute_url``, ``date_to_string``, ``date_to_long_string``,
``date_to_xmlschema``, ``xml_escape``, ``slugify`` and ``markdownify`` are added. As in Jekyll's
default (lax) mode, an unknown variable renders empty, an unknown filter leaves its input as it
is, and an expression that does not parse renders empty.

Only output expressions are handed to the engine — never ``{% … %}`` tags — and its loader holds no
templates, so nothing can include a file; the output of one expression is capped at
:data:`MAX_OUTPUT_CHARS`, and Liquid expressions have no loops, so rendering is bounded.
"""

from __future__ import annotations

import functools
import html
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from liquid import DictLoader, Environment, Mode
from liquid.filter import with_context

__all__ = ["LiquidContext", "MAX_OUTPUT_CHARS", "post_reference", "reference_keys", "site_config"]

#: Longest rendering of one ``{{ … }}``, in characters (a longer one renders empty).
MAX_OUTPUT_CHARS = 10_000
#: How many folders up from the posts folder a ``_config.yml`` is looked for (``ja/news/_posts``
#: sits three below the site's root on ruby-lang.org).
CONFIG_LEVELS = 3
_SUFFIX = re.compile(r"\.(?:md|markdown)$", re.IGNORECASE)


@dataclass(frozen=True)
class LiquidContext:
    """What Liquid in one post renders from.

    :ivar page: the ``page`` variable (front matter and Jekyll's computed keys).
    :ivar site: the ``site`` variable (the site's ``_config.yml``).
    :ivar post_urls: :func:`reference_keys` of each post of the site → its URL; empty before the
        site's posts are known (then link tags render as their argument).
    """

    page: Mapping[str, Any] = field(default_factory=dict)
    site: Mapping[str, Any] = field(default_factory=dict)
    post_urls: Mapping[str, str] = field(default_factory=dict)

    def render_output(self, source: str) -> str:
        """The text one ``{{ … }}`` output tag renders to ("" for anything that fails)."""
        template = _template(source)
        if template is None:
            return ""
        try:
            return template.render(page=self.page, site=self.site)
        except Exception:  # noqa: BLE001 - a post's template error must not stop its indexing
            return ""

    def post_link(self, tag: str, argument: str, refs: list[str] | None = None) -> str:
        """What ``{% post_url argument %}`` or ``{% link argument %}`` renders to: the linked post's
        URL when known, else ``argument`` itself. A post named is appended to ``refs``."""
        reference = post_reference(tag, argument)
        if reference is None:
            return argument
        if refs is not None:
            refs.append(reference)
        url = self.post_urls.get(reference) or self.post_urls.get(reference.rpartition("/")[2])
        return url or argument


def post_reference(tag: str, argument: str) -> str | None:
    """The post a link tag names, as a key of :attr:`LiquidContext.post_urls`, or None.

    ``post_url`` takes a post's file name without suffix, optionally under a subfolder of
    ``_posts`` (``2024-01-01-name``, ``tips/2024-01-01-name``); ``link`` takes a path from the
    site's root (``_posts/2024-01-01-name.md``, ``ja/news/_posts/…``): a path outside a ``_posts``
    folder is a page, not a post (None).
    """
    argument = argument.strip().strip("'\"")
    if tag == "link":
        head, marker, rest = argument.rpartition("_posts/")
        if not marker:
            return None
        argument = rest
    return _SUFFIX.sub("", argument.lstrip("/")) or None


def reference_keys(post_id: str) -> tuple[str, ...]:
    """The keys a post is named by in link tags: its id without suffix, and its file name alone."""
    key = _SUFFIX.sub("", post_id)
    name = key.rpartition("/")[2]
    return (key,) if name == key else (key, name)


def site_config(posts_dir: Path) -> dict[str, Any]:
    """The ``_config.yml`` of the Jekyll site ``posts_dir`` belongs to, as the ``site`` variable.

    Looked for in ``posts_dir`` and up to :data:`CONFIG_LEVELS` folders above it (``_posts``
    beside it is the usual place); ``{}`` when there is none or it cannot be read (a site's
    broken config must not stop indexing its posts).
    """
    folder = Path(posts_dir).resolve()
    for candidate in [folder, *folder.parents][: CONFIG_LEVELS + 1]:
        path = candidate / "_config.yml"
        if path.is_file():
            try:
                stat = path.stat()
                return _read_config(str(path), stat.st_mtime_ns, stat.st_size)
            except OSError:
                return {}
    return {}


@functools.lru_cache(maxsize=8)
def _read_config(path: str, mtime_ns: int, size: int) -> dict[str, Any]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    return data if isinstance(data, dict) else {}


# -- the engine ----------------------------------------------------------------------------------

class _PassThroughFilters(dict):
    """Liquid's filters; an unknown one leaves its input unchanged (Jekyll's lax ``strict_filters: false``)."""

    def __missing__(self, name: str):
        return _unknown_filter


def _unknown_filter(value: object, *args: object, **kwargs: object) -> object:
    return value


def _as_datetime(value: object) -> datetime | date | None:
    if isinstance(value, (datetime, date)):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _date_format(pattern: str):
    def render(value: object) -> object:
        when = _as_datetime(value)
        return when.strftime(pattern) if when is not None else value
    return render


def _date_to_xmlschema(value: object) -> object:
    when = _as_datetime(value)
    return when.isoformat() if when is not None else value


@with_context
def _relative_url(value: object, *, context) -> str:
    base = str((context.resolve("site") or {}).get("baseurl") or "").rstrip("/")
    path = str(value)
    return path if re.match(r"^[a-z][a-z0-9+.-]*:", path, re.IGNORECASE) else f"{base}/{path.lstrip('/')}"


@with_context
def _absolute_url(value: object, *, context) -> str:
    relative = _relative_url(value, context=context)
    if re.match(r"^[a-z][a-z0-9+.-]*:", relative, re.IGNORECASE):
        return relative
    return str((context.resolve("site") or {}).get("url") or "").rstrip("/") + relative


def _slugify(value: object) -> str:
    return re.sub(r"[^\w]+", "-", str(value).lower()).strip("-")


@functools.cache
def _environment() -> Environment:
    env = Environment(tolerance=Mode.LAX, loader=DictLoader({}))
    env.output_stream_limit = MAX_OUTPUT_CHARS
    filters = _PassThroughFilters(env.filters)
    filters.update(
        relative_url=_relative_url, absolute_url=_absolute_url,
        date_to_string=_date_format("%d %b %Y"), date_to_long_string=_date_format("%d %B %Y"),
        date_to_xmlschema=_date_to_xmlschema, xml_escape=lambda v: html.escape(str(v), quote=True),
        slugify=_slugify, markdownify=lambda v: v,
        jsonify=lambda v: json.dumps(v, ensure_ascii=False, default=str),
    )
    env.filters = filters
    return env


@functools.lru_cache(maxsize=4096)
def _template(source: str):
    """``source`` (one ``{{ … }}``) parsed, or None when it does not parse or holds a tag."""
    if "{%" in source:
        return None
    try:
        return _environment().from_string(source)
    except Exception:  # noqa: BLE001 - python-liquid's syntax errors: the output renders empty
        return None
