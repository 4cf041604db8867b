"""A post file's bytes → its front matter (a mapping) and Markdown, and the front matter's values
read as Jekyll reads them: titles and authors as text, tags and categories as lists (a list, a
bare string or a comma-separated one), ``published``.

YAML is read with timestamps left as strings (dates are parsed by :mod:`search.posts.dates`), so an
impossible date is reported as such instead of surfacing as a YAML error.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from frontmatter.default_handlers import YAMLHandler

from search.errors import PostFormatError


def decode_post(path: Path, data: bytes) -> str:
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


def split_front_matter(path: Path, text: str) -> tuple[dict[str, Any], str]:
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


def text_value(value: object) -> str:
    """A front matter scalar or list as one line of text (lists joined with spaces)."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return " ".join(part for part in (text_value(v) for v in value) if part)
    return " ".join(str(value).split())


def author_value(value: object) -> str:
    if isinstance(value, dict):
        return text_value(value.get("name"))
    if isinstance(value, (list, tuple)):
        return ", ".join(part for part in (text_value(v) for v in value) if part)
    return text_value(value)


_LIST_SEPARATOR = re.compile(r"\s*[,、，]\s*")


def name_list(metadata: dict[str, Any], singular: str, plural: str) -> tuple[str, ...]:
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
    cleaned = (text_value(name) for name in names)
    return tuple(dict.fromkeys(name for name in cleaned if name))


def is_published(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() not in ("false", "no", "off")
    return value is not False
