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

from search.posts.liquid import LiquidContext, find_code_spans, markdown_config, remove_liquid_outside
from search.posts.passages import kept_lines
from search.posts.sections import BLOCK_IAL, HEADER_ID, HeadingIds, Section, explicit_id
from search.posts.ruby import ANCHOR, MARKS, SEPARATOR, TERMINATOR, Ruby, curly_ruby, strip_ruby

__all__ = ["CleanedText", "clean_markdown"]


@dataclass(frozen=True)
class CleanedText:
    """Plain text of one Markdown document.

    :ivar body: one block (paragraph, heading, list item, table row) per line; no empty lines,
        no markup, whitespace runs collapsed to one space. A table row's cells are joined with
        `` | ``; inline math (``$x^2$``, kramdown's ``$$…$$`` inside a sentence) keeps its TeX
        source in the sentence, set off by spaces.
    :ivar code: contents of fenced/indented code blocks (and Liquid ``highlight``/``raw``
        blocks) and of display math blocks (``$$`` on their own lines), joined with ``"\\n"``.
    :ivar headings: text of the Markdown headings, in order (a title fallback for posts).
    :ivar links: ``(target, text)`` of each Markdown link with text, in order: the target as
        rendered (``{% post_url … %}`` and ``{% link … %}`` are the linked post's URL when known,
        :mod:`search.posts.liquid`), the text as the body shows it (:mod:`search.posts.anchors`
        credits it to the post linked to).
    :ivar sections: the headings with their ids and where each starts in ``body``
        (:class:`search.posts.sections.Section`), in order.
    :ivar post_refs: the posts named by ``{% post_url %}``/``{% link %}`` tags, as written.
    :ivar ruby: the furigana of the body (:mod:`search.posts.ruby`): offsets of each annotated
        base in ``body`` and its reading, which ``body`` itself does not hold.
    """

    body: str
    code: str
    headings: tuple[str, ...] = field(default=())
    links: tuple[tuple[str, str], ...] = field(default=())
    sections: tuple[Section, ...] = field(default=())
    post_refs: tuple[str, ...] = field(default=())
    ruby: tuple[Ruby, ...] = field(default=())


def clean_markdown(markdown: str, liquid: LiquidContext | None = None) -> CleanedText:
    """Turn a Markdown document (front matter already removed) into plain text.

    :param markdown: Markdown source; may contain Liquid, raw HTML and ``---END---`` lines.
    :param liquid: what Liquid output tags and ``post_url``/``link`` tags render from (the post's
        front matter, the site's ``_config.yml``, the site's post URLs); None: output tags render
        empty, link tags as their argument.
    :returns: the body lines, code text and headings; never raises on malformed Markdown
        (an unclosed fence simply runs to the end, as in CommonMark).
    """
    source = _END_MARKER.sub("\n", markdown)
    tokens = _markdown().parse(source)
    refs: list[str] = []
    if "{%" in source or "{{" in source:
        # Code blocks found by this parse; parse again only if Liquid outside them was rendered.
        context = liquid or LiquidContext()
        rendered = remove_liquid_outside(source, find_code_spans(source, tokens), context, refs)
        if rendered != source:
            tokens = _markdown().parse(rendered)
    lines: list[str] = []
    code: list[str] = []
    headings: list[tuple] = []  # (line, level, text, explicit id, text the id is made of)
    links: list[tuple[str, str]] = []
    row: list[str] | None = None
    heading: Token | None = None
    heading_end = -1  # source line after the last heading, where a block IAL may follow it
    for token in tokens:
        kind = token.type
        if kind == "inline":
            children = token.children or []
            text = _inline_text(children)
            links.extend(_inline_links(children))
            if row is not None:
                row.append(_normalize_space(text))
            elif heading is not None:
                text, explicit = _heading_text(text)
                id_text = _id_text(strip_ruby(_inline_text(children, images=False))[0])
                headings.append((len(lines), int(heading.tag[1]), text, explicit, id_text))
                lines.append(text)
            elif _is_block_ial(text):
                # ``{: #id}`` right under a heading names it; any other IAL line is markup, not text.
                if headings and token.map and token.map[0] == heading_end and headings[-1][0] == len(lines) - 1:
                    explicit = explicit_id(BLOCK_IAL.match(text.strip()).group("attrs"))
                    if explicit:
                        headings[-1] = (*headings[-1][:3], explicit, headings[-1][4])
            else:
                lines.append(_TRAILING_IAL.sub("", text))
        elif kind in ("fence", "code_block", "math_block"):
            code.append(token.content.strip("\n") if kind == "math_block" else token.content.rstrip("\n"))
        elif kind == "html_block":
            text, pre_text = _html_text(token.content)
            lines.extend(text.split("\n"))
            if pre_text.strip("\n"):
                code.append(pre_text.strip("\n"))
        elif kind == "heading_open":
            heading = token
            heading_end = token.map[1] if token.map else -1
        elif kind == "heading_close":
            heading = None
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close" and row is not None:
            lines.append(" | ".join(cell for cell in row if cell))
            row = None
        elif kind == "container_directive_open":
            # ``:::column:Title`` shows "Title" as the box heading: keep it; drop the name.
            name, _, title = token.info.strip().partition(":")
            lines.append(title if name and title else "")
    kept, ruby = _without_readings(kept_lines([_normalize_space(line) for line in lines]))
    return CleanedText(
        body="\n".join(line for line in kept if line),
        code="\n".join(code),
        headings=tuple(strip_ruby(heading[2])[0] for heading in headings if heading[2]),
        links=tuple((target, strip_ruby(text)[0]) for target, text in links),
        sections=_sections(headings, kept),
        post_refs=tuple(dict.fromkeys(refs)),
        ruby=ruby,
    )


def _heading_text(text: str) -> tuple[str, str | None]:
    """A heading's text without kramdown's trailing ``{#id}``, and that id (None if absent)."""
    text = _normalize_space(text)
    match = HEADER_ID.search(" " + text)
    if match and match.start() > 0:
        return text[: match.start() - 1].rstrip(), match.group("id")
    return text, None


#: A kramdown attribute list starting or ending a paragraph (``* 目次\n{:toc}`` joins it to the
#: line above, ``{: .note}\n段落`` to the line below).
_TRAILING_IAL = re.compile(r"^\s*\{:[^{}\n]*\}\s*|\s*\{:[^{}\n]*\}\s*$")


def _id_text(text: str) -> str:
    """The text kramdown makes a heading's id of: spaces as written (an image leaves two), no ``{#id}``."""
    text = text.strip()
    match = HEADER_ID.search(" " + text)
    return text[: match.start() - 1].rstrip() if match and match.start() > 0 else text


def _is_block_ial(text: str) -> bool:
    return text.startswith("{:") and BLOCK_IAL.match(text.strip()) is not None


def _without_readings(kept: list[str]) -> tuple[list[str], tuple[Ruby, ...]]:
    """``kept`` lines without their furigana (:func:`search.posts.ruby.strip_ruby`), and the
    readings with offsets into the body those lines make (non-empty lines joined by ``"\\n"``)."""
    lines: list[str] = []
    found: list[Ruby] = []
    offset = 0
    for line in kept:
        plain, ruby = strip_ruby(line)
        lines.append(plain)
        if plain:
            found += [Ruby(start + offset, end + offset, reading) for start, end, reading in ruby]
            offset += len(plain) + 1
    return lines, tuple(found)


def _sections(headings: list[tuple], kept: list[str]) -> tuple[Section, ...]:
    """The headings as :class:`Section` records, offsets into the body made of ``kept`` lines."""
    if not headings:
        return ()
    starts: list[int] = []
    offset = 0
    for line in kept:
        starts.append(offset)
        if line:
            offset += len(line) + 1
    ids = HeadingIds()
    sections = []
    for line, level, text, explicit, id_text in headings:
        anchor = ids.next(id_text, explicit)  # every heading counts, even one the body shows empty
        if text:
            sections.append(Section(min(starts[line], max(offset - 1, 0)), level, strip_ruby(text)[0], anchor))
    return tuple(sections)


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


def _inline_text(children: Sequence[Token], images: bool = True) -> str:
    """Plain text of an inline token's children (link text, alt text, code spans, HTML text).

    Inline math keeps its TeX source, set off by spaces from the words around it.

    :param images: include images' alt text (kramdown's heading ids leave it out).
    """
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
            if images:
                parts.append(child.content)
        elif kind in ("math_inline", "math_inline_double"):
            parts.append(f" {child.content} ")
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


