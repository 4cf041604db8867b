"""Text: Markdown (with Liquid and raw HTML) to the plain text that gets indexed.

Data flow: ``Post`` source after the front matter --clean_markdown()--> :class:`CleanedText`
(``body``: one block per line; ``code``: code block contents). ``search.posts.reader`` calls it for every
post; the index stores ``body`` as is, so what is shown in snippets is exactly this text.

Steps of :func:`clean_markdown`, in order:

1. :func:`~search.posts.liquid.remove_liquid`: Jekyll/Eleventy template syntax out, outside code blocks only.
2. The blog's ``---END---`` chunk markers out.
3. markdown-it-py (CommonMark + tables + strikethrough + footnotes + ``:::`` containers) to
   blocks: each paragraph, heading, list item, table row or HTML text line becomes one body line;
   fenced and indented code goes to ``code``. Link text and image alt text stay, URLs go;
   inline code stays in the body; HTML tags go, their text stays, ``<script>``/``<style>``
   contents go; entities are decoded.
4. Each line stripped, whitespace runs collapsed to one space.
5. :func:`~search.posts.passages.drop_repeated_passages` on the body; empty lines dropped.

Everything here is a pure function of its input string.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser

from markdown_it import MarkdownIt
from markdown_it.token import Token

from search.posts.liquid import find_code_spans, markdown_config, remove_liquid_outside
from search.posts.passages import drop_repeated_passages
from search.posts.ruby import ANCHOR, MARKS, SEPARATOR, TERMINATOR, Ruby, curly_ruby, strip_ruby

__all__ = ["CleanedText", "clean_markdown"]


@dataclass(frozen=True)
class CleanedText:
    """Plain text of one Markdown document.

    :ivar body: one block (paragraph, heading, list item, table row) per line; no empty lines,
        no markup, whitespace runs collapsed to one space.
    :ivar code: contents of fenced/indented code blocks (and Liquid ``highlight``/``raw``
        blocks), joined with ``"\\n"``.
    :ivar headings: text of the Markdown headings, in order (a title fallback for posts).
    :ivar links: ``(target, text)`` of each Markdown link with text, in order: the target as
        written (after Liquid, so ``{% link _posts/x.md %}`` is ``_posts/x.md``), the text as
        the body shows it (:mod:`search.posts.anchors` credits it to the post linked to).
    :ivar ruby: the furigana of the body (:mod:`search.posts.ruby`): offsets of each annotated
        base in ``body`` and its reading, which ``body`` itself does not hold.
    """

    body: str
    code: str
    headings: tuple[str, ...] = field(default=())
    links: tuple[tuple[str, str], ...] = field(default=())
    ruby: tuple[Ruby, ...] = field(default=())


def clean_markdown(markdown: str) -> CleanedText:
    """Turn a Markdown document (front matter already removed) into plain text.

    :param markdown: Markdown source; may contain Liquid, raw HTML and ``---END---`` lines.
    :returns: the body lines, code text and headings; never raises on malformed Markdown
        (an unclosed fence simply runs to the end, as in CommonMark).
    """
    source = _END_MARKER.sub("\n", markdown)
    tokens = _markdown().parse(source)
    if "{%" in source or "{{" in source:
        # Code blocks found by this parse; parse again only if Liquid outside them was removed.
        without_liquid = remove_liquid_outside(source, find_code_spans(source, tokens))
        if without_liquid != source:
            tokens = _markdown().parse(without_liquid)
    lines: list[str] = []
    code: list[str] = []
    headings: list[str] = []
    links: list[tuple[str, str]] = []
    row: list[str] | None = None
    in_heading = False
    for token in tokens:
        kind = token.type
        if kind == "inline":
            text = _inline_text(token.children or [])
            links.extend(_inline_links(token.children or []))
            if row is not None:
                row.append(text)
            else:
                lines.append(text)
                if in_heading:
                    headings.append(_normalize_space(text))
        elif kind in ("fence", "code_block"):
            code.append(token.content.rstrip("\n"))
        elif kind == "html_block":
            text, pre_text = _html_text(token.content)
            lines.extend(text.split("\n"))
            if pre_text.strip("\n"):
                code.append(pre_text.strip("\n"))
        elif kind == "heading_open":
            in_heading = True
        elif kind == "heading_close":
            in_heading = False
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close" and row is not None:
            lines.append(" ".join(row))
            row = None
        elif kind == "container_directive_open":
            # ``:::column:Title`` shows "Title" as the box heading: keep it; drop the name.
            name, _, title = token.info.strip().partition(":")
            lines.append(title if name and title else "")
    body = drop_repeated_passages("\n".join(_normalize_space(line) for line in lines))
    body, ruby = strip_ruby("\n".join(line for line in body.split("\n") if line))
    return CleanedText(
        body=body,
        code="\n".join(code),
        headings=tuple(strip_ruby(h)[0] for h in headings if h),
        links=tuple((target, strip_ruby(text)[0]) for target, text in links),
        ruby=ruby,
    )


# --------------------------------------------------------------------------------------------
# Liquid


_END_MARKER = re.compile(r"[ \t]*---END---[ \t]*")


# --------------------------------------------------------------------------------------------
# Markdown and HTML


@functools.cache
def _markdown() -> MarkdownIt:
    return markdown_config()


_SKIPPED_ELEMENTS = frozenset({"script", "style", "template", "rp"})
_BLOCK_ELEMENTS = frozenset(
    "address article aside blockquote br dd details dialog div dl dt figcaption figure footer "
    "form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table td th tr ul "
    "video audio iframe".split()
)


#: What the ruby elements write into the text (:mod:`search.posts.ruby`): a base starts at
#: ``<ruby>`` and after each ``</rt>``, its reading is the ``<rt>`` text; ``<rp>`` text is dropped.
_RUBY_MARKS = {"ruby": ANCHOR, "rt": SEPARATOR, "/rt": TERMINATOR + ANCHOR, "/ruby": TERMINATOR}


class _TextExtractor(HTMLParser):
    """Collects the text of an HTML fragment: ``<pre>`` text apart (it is code), block elements
    on new lines, ``<script>``/``<style>``/``<rp>`` contents dropped, furigana marked."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.code_parts: list[str] = []
        self.skip_depth = 0
        self.pre_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img" and not self.skip_depth:
            self.parts.append(" " + (dict(attrs).get("alt") or "") + " ")
        elif tag in _RUBY_MARKS and not self.skip_depth:
            self.parts.append(_RUBY_MARKS[tag])
        elif tag in _SKIPPED_ELEMENTS:
            self.skip_depth += 1
        elif tag == "pre":
            self.pre_depth += 1
        elif tag in _BLOCK_ELEMENTS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if "/" + tag in _RUBY_MARKS and not self.skip_depth:
            self.parts.append(_RUBY_MARKS["/" + tag])
        elif tag in _SKIPPED_ELEMENTS:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag == "pre":
            self.pre_depth = max(0, self.pre_depth - 1)
            self.parts.append("\n")
        elif tag in _BLOCK_ELEMENTS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            return
        (self.code_parts if self.pre_depth else self.parts).append(data if self.pre_depth else curly_ruby(data))


def _html_text(html: str) -> tuple[str, str]:
    """Text and ``<pre>`` text of an HTML block: tags removed, entities decoded."""
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    return "".join(extractor.parts), "".join(extractor.code_parts)


_TAG_NAME = re.compile(r"<\s*(/?)\s*([A-Za-z][A-Za-z0-9-]*)")


def _inline_text(children: Sequence[Token]) -> str:
    """Plain text of an inline token's children (link text, alt text, code spans, HTML text)."""
    parts: list[str] = []
    skip_depth = 0
    for child in children:
        kind = child.type
        if kind == "html_inline":
            match = _TAG_NAME.match(child.content)
            if match and match.group(2).lower() in _SKIPPED_ELEMENTS:
                skip_depth += -1 if match.group(1) else 1
                skip_depth = max(skip_depth, 0)
            elif match and match.group(2).lower() in ("br", "img") and not skip_depth:
                parts.append(_html_text(child.content)[0].replace("\n", " "))
            elif match and match.group(1) + match.group(2).lower() in _RUBY_MARKS and not skip_depth:
                parts.append(_RUBY_MARKS[match.group(1) + match.group(2).lower()])
        elif skip_depth:
            continue
        elif kind == "text":
            parts.append(curly_ruby(child.content))
        elif kind == "code_inline":
            parts.append(child.content)
        elif kind == "image":
            parts.append(child.content)
        elif kind in ("softbreak", "hardbreak"):
            parts.append("\n")
    return _join_breaks("".join(parts))


def _inline_links(children: Sequence[Token]) -> list[tuple[str, str]]:
    """``(target, text)`` of the links among an inline token's children, text as the body shows it."""
    links: list[tuple[str, str]] = []
    target: str | None = None
    start = 0
    for i, child in enumerate(children):
        if child.type == "link_open":
            target, start = str(child.attrGet("href") or ""), i + 1
        elif child.type == "link_close" and target is not None:
            text = _normalize_space(_inline_text(children[start:i]))
            if target and text:
                links.append((target, text))
            target = None
    return links


_LINE_BREAK = re.compile(r"\s*\n\s*")


def _join_breaks(text: str) -> str:
    """Join the lines of one paragraph: nothing between two wide (CJK) characters, else a space."""
    if "\n" not in text:
        return text

    def join(match: re.Match[str]) -> str:
        start, end = match.start(), match.end()
        if 0 < start and end < len(text) and _is_wide(text[start - 1]) and _is_wide(text[end]):
            return ""
        return " "

    return _LINE_BREAK.sub(join, text)


def _is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F") or char in MARKS


_SPACE_RUN = re.compile(r"\s+")


def _normalize_space(line: str) -> str:
    return _SPACE_RUN.sub(" ", line).strip()


# --------------------------------------------------------------------------------------------
# Repeated passages


