"""Text: Markdown (with Liquid and raw HTML) to the plain text that gets indexed.

Data flow: ``Post`` source after the front matter --clean_markdown()--> :class:`CleanedText`
(``body``: one block per line; ``code``: code block contents). ``search.posts`` calls it for every
post; the index stores ``body`` as is, so what is shown in snippets is exactly this text.

Steps of :func:`clean_markdown`, in order:

1. :func:`remove_liquid`: Jekyll/Eleventy template syntax out, outside code blocks only.
2. The blog's ``---END---`` chunk markers out.
3. markdown-it-py (CommonMark + tables + strikethrough + footnotes + ``:::`` containers) to
   blocks: each paragraph, heading, list item, table row or HTML text line becomes one body line;
   fenced and indented code goes to ``code``. Link text and image alt text stay, URLs go;
   inline code stays in the body; HTML tags go, their text stays, ``<script>``/``<style>``
   contents go; entities are decoded.
4. Each line stripped, whitespace runs collapsed to one space.
5. :func:`drop_repeated_passages` on the body; empty lines dropped.

Everything here is a pure function of its input string.
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.footnote import footnote_plugin

__all__ = ["CleanedText", "clean_markdown", "drop_repeated_passages", "remove_liquid"]

#: Sentences shorter than this many characters (whitespace normalized) are not deduplicated on
#: their own: see :func:`drop_repeated_passages`.
MIN_PASSAGE_CHARS = 8
#: A sentence cut off mid-way is only recognised from this many characters on: shorter
#: "fragments" are mostly headings and labels that happen to begin a longer sentence.
MIN_FRAGMENT_CHARS = 16


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
        the body shows it (:mod:`search.anchors` credits it to the post linked to).
    """

    body: str
    code: str
    headings: tuple[str, ...] = field(default=())
    links: tuple[tuple[str, str], ...] = field(default=())


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
        without_liquid = _remove_liquid(source, _code_spans(source, tokens))
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
    return CleanedText(
        body="\n".join(line for line in body.split("\n") if line),
        code="\n".join(code),
        headings=tuple(h for h in headings if h),
        links=tuple(links),
    )


# --------------------------------------------------------------------------------------------
# Liquid


_END_MARKER = re.compile(r"[ \t]*---END---[ \t]*")


def _tag(name: str) -> str:
    """Regex for one Liquid tag ``{% name … %}`` (with optional ``-`` whitespace control)."""
    return r"\{%-?\s*" + name + r"\b[^%]*?-?%\}"


_LIQUID_BLOCK = re.compile(
    "|".join(
        (
            "(?P<comment>" + _tag("comment") + ".*?" + _tag("endcomment") + ")",
            "(?P<raw>" + _tag("raw") + ")(?P<raw_body>.*?)" + _tag("endraw"),
            r"\{%-?\s*highlight\s+(?P<lang>[\w+#.-]*)[^%]*?-?%\}(?P<hl_body>.*?)"
            + _tag("endhighlight"),
        )
    ),
    re.DOTALL,
)
_RAW_TAG = re.compile(_tag("(?:end)?raw"))
_LINK_TAG = re.compile(r"\{%-?\s*(?:link|post_url)\s+(\S+?)\s*-?%\}")
# A tag or output may span lines but not a blank line: an unclosed ``{{`` must not eat paragraphs.
_ANY_TAG = re.compile(r"\{%(?:(?!\n[ \t]*\n).)*?%\}", re.DOTALL)
_AUTOLINK_OUTPUT = re.compile(r"<\{\{[^\n]*?\}\}>")
_OUTPUT = re.compile(r"\{\{(?:(?!\n[ \t]*\n).)*?\}\}", re.DOTALL)
_BACKTICKS = re.compile(r"`+")
#: Stands in for the text of a ``{% raw %}`` inside a line until the Liquid is removed (private use).
_INLINE_RAW = "\ue000"
_INLINE_RAW_MARK = re.compile(_INLINE_RAW + r"(\d+)" + _INLINE_RAW)


def remove_liquid(markdown: str) -> str:
    """Remove Liquid template syntax from Markdown, as if a template engine had rendered it empty.

    Outside code blocks: ``{% highlight lang %}…{% endhighlight %}`` and
    ``{% raw %}…{% endraw %}`` become fenced code blocks (their text is code) — a ``raw`` inside a
    line becomes an inline code span, so its text stays in the sentence, as Jekyll shows it;
    ``{% comment %}…{% endcomment %}`` goes with
    its content, ``{% link path %}``/``{% post_url path %}`` become ``path`` (so a Markdown link
    around them stays a link), and every other ``{% … %}`` tag and ``{{ … }}`` output is deleted
    (``<{{ url }}>`` autolinks too). Inside fenced or indented code blocks only the
    ``{% raw %}``/``{% endraw %}`` tags are deleted: code keeps its ``{{ … }}`` as written.

    :param markdown: Markdown source without front matter.
    :returns: Markdown source without Liquid; unchanged if it has no ``{%`` and no ``{{``.
    """
    if "{%" not in markdown and "{{" not in markdown:
        return markdown
    return _remove_liquid(markdown, _code_spans(markdown))


def _remove_liquid(markdown: str, code_spans: list[tuple[int, int]]) -> str:
    """:func:`remove_liquid`, given the code block spans of ``markdown``."""
    inline: list[str] = []  # texts of {% raw %} inside a line, kept out of the passes below
    if "{%" in markdown and _LIQUID_BLOCK.search(markdown):
        replaced = _LIQUID_BLOCK.sub(lambda m: _replace_block(m, code_spans, inline), markdown)
        if replaced != markdown:
            markdown, code_spans = replaced, _code_spans(replaced)
    parts: list[str] = []
    for segment, is_code in _split_code(markdown, code_spans):
        if is_code:
            parts.append(_RAW_TAG.sub("", segment))
        else:
            segment = _LINK_TAG.sub(r"\1", segment)
            segment = _ANY_TAG.sub(_blank_or_space, segment)
            segment = _AUTOLINK_OUTPUT.sub("", segment)
            parts.append(_OUTPUT.sub(_blank_or_space, segment))
    joined = "".join(parts)
    if inline:
        joined = _INLINE_RAW_MARK.sub(lambda m: _as_code_span(inline[int(m.group(1))]), joined)
    return joined


def _replace_block(match: re.Match[str], code_spans: Sequence[tuple[int, int]], inline: list[str] | None = None) -> str:
    if _inside(code_spans, match.start()):
        return _RAW_TAG.sub("", match.group(0)) if match.group("raw") else match.group(0)
    if match.group("comment"):
        return ""
    if match.group("raw"):
        body = match.group("raw_body")
        if "\n" not in body and inline is not None:  # inside a line: its text stays where Jekyll shows it
            inline.append(body)
            return f"{_INLINE_RAW}{len(inline) - 1}{_INLINE_RAW}"
        return _as_fence(body, "")
    return _as_fence(match.group("hl_body"), match.group("lang") or "")


def _as_fence(code: str, lang: str) -> str:
    code = code.strip("\n")
    longest = max((len(run) for run in _BACKTICKS.findall(code)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"\n\n{fence}{lang}\n{code}\n{fence}\n\n"


def _as_code_span(code: str) -> str:
    """``code`` as an inline code span, its text kept as written (Liquid and all)."""
    longest = max((len(run) for run in _BACKTICKS.findall(code)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if code.startswith("`") or code.endswith("`") else ""
    return f"{fence}{pad}{code}{pad}{fence}"


def _blank_or_space(match: re.Match[str]) -> str:
    """Delete a Liquid match, but leave a space where deleting it would empty a code span."""
    text, start, end = match.string, match.start(), match.end()
    if start > 0 and end < len(text) and text[start - 1] == "`" and text[end] == "`":
        return " "
    return ""


@functools.cache
def _block_markdown() -> MarkdownIt:
    """Same block grammar as :func:`_markdown`, without inline parsing: finds code blocks fast."""
    return _markdown_config().disable("inline")


def _code_spans(markdown: str, tokens: Sequence[Token] | None = None) -> list[tuple[int, int]]:
    """Character ranges ``[start, end)`` of fenced and indented code blocks, sorted.

    :param tokens: ``markdown`` already parsed with the same block grammar, if at hand.
    """
    if tokens is None:
        tokens = _block_markdown().parse(markdown)
    line_starts = [0] + [m.end() for m in re.finditer("\n", markdown)]
    spans = []
    for token in tokens:
        if token.type in ("fence", "code_block") and token.map:
            first, last = token.map
            end = line_starts[last] if last < len(line_starts) else len(markdown)
            spans.append((line_starts[first], end))
    return spans


def _inside(spans: Sequence[tuple[int, int]], pos: int) -> bool:
    i = bisect.bisect_right([start for start, _ in spans], pos) - 1
    return i >= 0 and pos < spans[i][1]


def _split_code(text: str, spans: Sequence[tuple[int, int]]) -> list[tuple[str, bool]]:
    segments, pos = [], 0
    for start, end in spans:
        segments.append((text[pos:start], False))
        segments.append((text[start:end], True))
        pos = end
    segments.append((text[pos:], False))
    return segments


# --------------------------------------------------------------------------------------------
# Markdown and HTML


def _markdown_config() -> MarkdownIt:
    md = (
        MarkdownIt("commonmark", {"html": True})
        .enable(["table", "strikethrough"])
        .use(footnote_plugin)
        .use(container_plugin, name="directive", validate=lambda params, markup: True)
    )
    # URLs never reach the text: skip percent-encoding every link target (~7% of parse time).
    md.normalizeLink = lambda url: url  # type: ignore[method-assign]
    return md


@functools.cache
def _markdown() -> MarkdownIt:
    return _markdown_config()


_SKIPPED_ELEMENTS = frozenset({"script", "style", "template"})
_BLOCK_ELEMENTS = frozenset(
    "address article aside blockquote br dd details dialog div dl dt figcaption figure footer "
    "form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table td th tr ul "
    "video audio iframe".split()
)


class _TextExtractor(HTMLParser):
    """Collects the text of an HTML fragment: ``<pre>`` text apart (it is code), block elements
    on new lines, ``<script>``/``<style>`` contents dropped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.code_parts: list[str] = []
        self.skip_depth = 0
        self.pre_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img" and not self.skip_depth:
            self.parts.append(" " + (dict(attrs).get("alt") or "") + " ")
        elif tag in _SKIPPED_ELEMENTS:
            self.skip_depth += 1
        elif tag == "pre":
            self.pre_depth += 1
        elif tag in _BLOCK_ELEMENTS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_ELEMENTS:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag == "pre":
            self.pre_depth = max(0, self.pre_depth - 1)
            self.parts.append("\n")
        elif tag in _BLOCK_ELEMENTS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            return
        (self.code_parts if self.pre_depth else self.parts).append(data)


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
        elif skip_depth:
            continue
        elif kind in ("text", "code_inline"):
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
    return unicodedata.east_asian_width(char) in ("W", "F")


_SPACE_RUN = re.compile(r"\s+")


def _normalize_space(line: str) -> str:
    return _SPACE_RUN.sub(" ", line).strip()


# --------------------------------------------------------------------------------------------
# Repeated passages


_SENTENCE = re.compile(r"""[^。！？!?]*[。！？!?]+[」』）)\]】〕"”’]*|[^。！？!?]+""")
_SENTENCE_END = frozenset("。！？!?」』）)]】〕\"”’")
_LEADING_ELLIPSIS = re.compile(r"^(?:\.{2,}|…+|‥+)\s*")

# Piece states: kept (_NEW, _SPACE, _SHORT_REPEAT unless in a dropped run) or dropped.
_NEW, _SPACE, _SHORT_REPEAT, _REPEAT, _TRUNCATED = range(5)
_DROPPED = (_REPEAT, _TRUNCATED)


@dataclass
class _Piece:
    index: int  # position in the list of all pieces
    line: int
    text: str
    key: str
    state: int = _NEW

    @property
    def long(self) -> bool:
        return len(self.key) >= MIN_PASSAGE_CHARS


def drop_repeated_passages(text: str) -> str:
    """Drop every passage that already appeared earlier in the same text; keep first occurrences.

    Works on sentences: each line is split after ``。！？!?`` (plus any closing brackets or
    quotes), and sentences are compared by their text with whitespace runs collapsed and a
    leading ``...``/``…`` removed. The repeat forms of the blog's ``---END---`` defect:

    - **same paragraphs again**: every sentence already seen is dropped;
    - **run together on one line**: the same, sentence by sentence; a piece with no sentence end
      between two old passages (a heading or title glued to the next paragraph by a space) is
      split at the space when the part before or after it was seen (a passage first seen glued
      and later repeated on its own is not caught: the blog's defect never does that);
    - **cut off mid-sentence**: the last sentence of a line, without a sentence end, at least
      :data:`MIN_FRAGMENT_CHARS` long and a proper prefix of a longer sentence anywhere in the
      text, is dropped when it sits inside a repeated run (the long sentence before it was
      dropped and the one after it is a repeat, or it ends the text), or when it ends a
      paragraph line after other sentences and either neighbour is a repeat or the next
      sentence is its full version. The full sentence is kept. A heading-like line that merely
      begins a later sentence ("Pythonのインストール" before "Pythonのインストールは簡単です。")
      is kept: lines alone need repeats on both sides.

    Judgement on short lines: sentences under :data:`MIN_PASSAGE_CHARS` characters ("はい",
    "まとめ", a table row of marks) legitimately repeat, so they are dropped only as part of a
    repeated run, i.e. when the nearest long sentences before and after them were dropped too.
    Surviving sentences keep their order and line; lines left empty are removed.

    :param text: plain text, one block per line.
    :returns: the text without repeated passages.
    """
    lines = text.split("\n")
    pieces = _classify(lines)
    _mark_truncations(pieces)
    _mark_short_runs(pieces)
    kept: list[list[str]] = [[] for _ in lines]
    for piece in pieces:
        if piece.state not in _DROPPED:
            kept[piece.line].append(piece.text)
    out = []
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        joined = "".join(kept[index]).strip()
        if joined:
            out.append(joined)
    return "\n".join(out)


def _key(text: str) -> str:
    key = " ".join(text.split())
    if key[:1] in (".", "…", "‥"):
        key = _LEADING_ELLIPSIS.sub("", key)
    return key


class _Seen:
    """Keys of the long sentences seen so far, with their first and last characters indexed so
    that :func:`_split_glued` can rule most sentences out without trying every space."""

    def __init__(self) -> None:
        self.keys: set[str] = set()
        self.heads: set[str] = set()
        self.tails: set[str] = set()

    def add(self, key: str) -> None:
        self.keys.add(key)
        self.heads.add(key[:MIN_PASSAGE_CHARS])
        self.tails.add(key[-MIN_PASSAGE_CHARS:])


def _classify(lines: Sequence[str]) -> list[_Piece]:
    """Split lines into sentences and mark exact repeats (first pass, in text order)."""
    seen = _Seen()
    seen_short: set[str] = set()
    pieces: list[_Piece] = []
    for index, line in enumerate(lines):
        for raw in _SENTENCE.findall(line):
            for text in _split_glued(raw, seen):
                piece = _Piece(len(pieces), index, text, _key(text))
                if not piece.key:
                    piece.state = _SPACE
                elif piece.long:
                    if piece.key in seen.keys:
                        piece.state = _REPEAT
                    else:
                        seen.add(piece.key)
                elif piece.key in seen_short:
                    piece.state = _SHORT_REPEAT
                else:
                    seen_short.add(piece.key)
                pieces.append(piece)
    return pieces


def _split_glued(raw: str, seen: _Seen) -> list[str]:
    """Split an unseen sentence at a space where the part before or after it was seen."""
    key = _key(raw)
    if len(key) <= MIN_PASSAGE_CHARS or key in seen.keys or " " not in key:
        return [raw]
    try_left = key[:MIN_PASSAGE_CHARS] in seen.heads
    try_right = key[-MIN_PASSAGE_CHARS:] in seen.tails
    if not (try_left or try_right):
        return [raw]
    for match in _SPACE_RUN.finditer(raw):
        left, right = raw[: match.start()], raw[match.start() :]
        left_key, right_key = _key(left), _key(right)
        if not left_key or not right_key:
            continue
        if try_left and len(left_key) >= MIN_PASSAGE_CHARS and left_key in seen.keys:
            return [left, *_split_glued(right, seen)]
        if try_right and len(right_key) >= MIN_PASSAGE_CHARS and right_key in seen.keys:
            return [*_split_glued(left, seen), right]
    return [raw]


def _mark_truncations(pieces: list[_Piece]) -> None:
    """Mark cut-off sentences (second pass): see :func:`drop_repeated_passages`."""
    keys = sorted({p.key for p in pieces if p.long})
    long_pieces = [p for p in pieces if p.long]
    for i, piece in enumerate(long_pieces):
        if (
            piece.state != _NEW
            or len(piece.key) < MIN_FRAGMENT_CHARS
            or piece.key[-1] in _SENTENCE_END
        ):
            continue
        following = piece.index + 1
        if following < len(pieces) and pieces[following].line == piece.line:
            continue  # not the last sentence of its line: not cut off
        j = bisect.bisect_right(keys, piece.key)
        if j == len(keys) or not keys[j].startswith(piece.key):
            continue  # not a prefix of any longer sentence
        before = long_pieces[i - 1] if i > 0 else None
        after = long_pieces[i + 1] if i + 1 < len(long_pieces) else None
        after_repeat = after is None or after.state == _REPEAT
        before_repeat = before is not None and before.state in _DROPPED
        restarts = after is not None and after.key.startswith(piece.key)
        ends_paragraph = piece.index > 0 and pieces[piece.index - 1].line == piece.line
        if (before_repeat and after_repeat) or (
            ends_paragraph and (before_repeat or after_repeat or restarts)
        ):
            piece.state = _TRUNCATED


def _mark_short_runs(pieces: list[_Piece]) -> None:
    """Drop a short repeated sentence when the long sentences around it were dropped."""
    last_long: _Piece | None = None
    pending: list[_Piece] = []
    for piece in pieces:
        if not piece.key:
            continue
        if not piece.long:
            if piece.state == _SHORT_REPEAT:
                pending.append(piece)
            continue
        for short in pending:
            if piece.state in _DROPPED and (last_long is None or last_long.state in _DROPPED):
                short.state = _REPEAT
        pending = []
        last_long = piece
    for short in pending:
        if last_long is not None and last_long.state in _DROPPED:
            short.state = _REPEAT
