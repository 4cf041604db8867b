"""A post file's bytes → its front matter (a mapping) and Markdown, and the front matter's values
read as Jekyll reads them: titles and authors as text, tags and categories as lists (a list, a
bare string or a comma-separated one), ``published``.

YAML is read with timestamps left as strings (dates are parsed by :mod:`search.posts.dates`), so an
impossible date is reported as such instead of surfacing as a YAML error. The YAML node graph is
composed and measured before any value is built (:data:`MAX_FRONT_MATTER_NODES`): aliases can make
a few hundred bytes stand for billions of values (a "billion laughs" alias bomb), so front matter
that expands past the bound, or refers to itself, is refused before it costs anything.

Text values lose control characters on the way (:func:`clean_text`): C0 and C1 controls and the
Unicode bidirectional formatting characters (UAX #9: U+200E/U+200F, U+202A–U+202E, U+2066–U+2069),
which would otherwise reach pages, JSON and terminals (a U+202E in a title reverses what follows).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from frontmatter.default_handlers import YAMLHandler

from search.errors import PostFormatError


#: Byte order marks and the encodings they announce (UTF-32 first: its LE mark starts like UTF-16's).
_BOMS = ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
         (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))


def decode_post(path: Path, data: bytes) -> str:
    """Bytes to text with ``\\n`` line ends: UTF-16 or UTF-32 with a byte order mark, UTF-8 (BOM
    stripped), else clean cp932 (Shift_JIS).

    :raises PostFormatError: empty file; binary file (NUL bytes; UTF-16 without a byte order mark
        is named as such); text in none of these encodings.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom):].decode(encoding)
            except UnicodeDecodeError:
                raise PostFormatError(path, f"invalid {encoding.upper()} text after its byte order mark", unreadable=True) from None
            if not text.strip():
                raise PostFormatError(path, "empty file", unreadable=True)
            return text.replace("\r\n", "\n").replace("\r", "\n")
    if b"\0" in data:
        raise PostFormatError(path, _nul_reason(data), unreadable=True)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if not data.strip():
        raise PostFormatError(path, "empty file", unreadable=True)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp932")
        except UnicodeDecodeError:
            raise PostFormatError(path, "not UTF-8 or Shift_JIS text", unreadable=True) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _nul_reason(data: bytes) -> str:
    """Why bytes holding NULs are not read: UTF-16 without a byte order mark (NULs in every
    other byte of ASCII text), or binary."""
    sample = data[:4096]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if len(sample) >= 4 and max(even, odd) >= len(sample) // 4 and min(even, odd) == 0:
        order = "big" if even > odd else "little"
        return f"UTF-16 text ({order}-endian) without a byte order mark: save it as UTF-8"
    return "binary file"


_BaseLoader = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader


class _NoTimestampLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    """Safe YAML loader that leaves timestamps as strings (dates are parsed by this module)."""


_NoTimestampLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


#: Most YAML nodes front matter may stand for once its aliases are expanded (each scalar, list and
#: mapping counts one). Real front matter has tens; an alias bomb of 300 bytes has billions.
MAX_FRONT_MATTER_NODES = 10_000


class FrontMatterTooLarge(ValueError):
    """Front matter whose aliases expand past :data:`MAX_FRONT_MATTER_NODES` or refer to themselves."""


def load_yaml(text: str) -> Any:
    """The YAML document ``text`` as Python values (timestamps as strings), measured first.

    The node graph is composed (aliases are shared nodes there, so this costs what the text
    does), its expanded size counted once per distinct node, and only then are values built.

    :raises FrontMatterTooLarge: it expands past :data:`MAX_FRONT_MATTER_NODES` nodes, or an
        alias refers to a node that holds it (a cycle).
    :raises yaml.YAMLError: not valid YAML.
    """
    loader = _NoTimestampLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        expanded = expanded_size(node, MAX_FRONT_MATTER_NODES)
        if expanded > MAX_FRONT_MATTER_NODES:
            raise FrontMatterTooLarge(
                f"its aliases expand to more than {MAX_FRONT_MATTER_NODES:,} values (a YAML alias bomb?)")
        return loader.construct_document(node)
    finally:
        loader.dispose()


def expanded_size(root: yaml.Node, limit: int) -> int:
    """How many nodes the graph under ``root`` stands for with every alias expanded, counting
    up to a little past ``limit`` (each distinct node is visited once: linear in the text).

    :raises FrontMatterTooLarge: a node holds itself (a recursive alias).
    """
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            on_path.discard(key)
            total = 1 + sum(sizes[id(child)] for child in _children(node))
            sizes[key] = min(total, limit + 1)
            continue
        if key in sizes:
            continue
        if key in on_path:
            raise FrontMatterTooLarge("an alias refers to a value that holds it (recursive YAML)")
        on_path.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in sizes)
    return sizes[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


class _FrontMatterHandler(YAMLHandler):
    def load(self, fm: str, **kwargs: object) -> Any:
        return load_yaml(fm)


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
        raise PostFormatError(path, "front matter has no closing '---' line", unreadable=True) from None
    try:
        metadata = _HANDLER.load(front_matter)
    except FrontMatterTooLarge as exc:
        raise PostFormatError(path, f"front matter refused: {exc}", unreadable=True) from None
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc).split("\n")[0]
        mark = getattr(exc, "problem_mark", None)
        skipped_lines = len(text) - len(stripped)
        where = f" (line {mark.line + 1 + skipped_lines})" if mark is not None else ""
        raise PostFormatError(path, f"invalid YAML front matter: {problem}{where}", unreadable=True) from exc
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        raise PostFormatError(path, "front matter is not a mapping of keys to values", unreadable=True)
    return {str(key): value for key, value in metadata.items()}, content.strip("\n")


#: C0 and C1 control characters but the tab and line feed, and the bidirectional formatting characters
#: (UAX #9: LRM, RLM, the embeddings and overrides U+202A–U+202E, the isolates U+2066–U+2069).
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def strip_controls(text: str) -> str:
    """``text`` without :data:`CONTROL_CHARACTERS` (tabs and line feeds stay)."""
    return CONTROL_CHARACTERS.sub("", text)


def text_value(value: object) -> str:
    """A front matter scalar or list as one line of text (lists joined with spaces), whitespace
    runs collapsed and :data:`CONTROL_CHARACTERS` removed. ``true``/``false`` are spelled as in YAML;
    a mapping gives ``""`` (never Python's repr of it)."""
    if value is None or isinstance(value, dict):
        return ""
    if isinstance(value, (list, tuple)):
        return " ".join(part for part in (text_value(v) for v in value) if part)
    if isinstance(value, bool):
        value = "true" if value else "false"
    return strip_controls(" ".join(str(value).split()))


def structure_name(value: object) -> str | None:
    """``"a mapping"`` or ``"a list"`` for front matter values that are not text; None for a scalar."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (list, tuple, set)):
        return "a list"
    return None


def scalar_text(metadata: dict[str, Any], key: str, problems: list[str]) -> str:
    """The text of ``metadata[key]``; a problem is noted when it is not a scalar (Jekyll would print
    Ruby's inspect output of it): a mapping is ignored, a list's items are joined with spaces."""
    value = metadata.get(key)
    kind = structure_name(value)
    if kind == "a mapping":
        problems.append(f"{key} is a mapping, not text: ignored")
        return ""
    if kind is not None:
        problems.append(f"{key} is a list, not text: its items are joined with spaces")
    return text_value(value)


def author_value(value: object, problems: list[str] | None = None) -> str:
    """Authors as one line: a name, a mapping with a ``name``, or a list of those (joined with ``, ``).

    :param problems: a mapping without ``name``, or a nested list, is noted there and left out.
    """
    if isinstance(value, (list, tuple)):
        return ", ".join(part for part in (author_value(v, problems) for v in value) if part)
    if isinstance(value, dict):
        name = value.get("name")
        if name is not None and structure_name(name) is None:
            return text_value(name)
        if problems is not None:
            problems.append("author is a mapping without a name: ignored")
        return ""
    return text_value(value)


_LIST_SEPARATOR = re.compile(r"\s*[,、，]\s*")


def name_list(metadata: dict[str, Any], singular: str, plural: str,
              problems: list[str] | None = None) -> tuple[str, ...]:
    """Tags or categories, as Jekyll reads them, without duplicates.

    A list stays a list; the plural key as a string is split on commas if it has any, else on
    whitespace; the singular key as a string is one name. ``None``/empty gives ``()``.

    :param problems: a name that is a mapping (or a list inside a list) is noted there and left out.
    """
    value = metadata.get(singular)
    one_name = isinstance(value, str)
    key = singular
    if value is None:
        value, key = metadata.get(plural), plural
    names: list[object] = []
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
    kept = []
    for name in names:
        kind = structure_name(name)
        if kind is None:
            kept.append(text_value(name))
        elif problems is not None:
            problems.append(f"{key} holds {kind}, not a name: ignored")
    return tuple(dict.fromkeys(name for name in kept if name))


def is_published(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() not in ("false", "no", "off")
    return value is not False
