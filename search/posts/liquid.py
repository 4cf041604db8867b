"""Liquid (Jekyll/Eleventy template syntax) in a post's Markdown, rendered as the reader saw it,
outside code blocks only (:func:`remove_liquid`).

Block tags such as ``{% highlight %}`` become fenced code, ``{% raw %}`` keeps its text (a block as
code, inline in its sentence), ``{% link %}``/``{% post_url %}`` become the linked post's URL,
output tags ``{{ page.title }}`` are rendered from the post's front matter and the site's
``_config.yml`` (:class:`LiquidContext`, :mod:`search.posts.render`), other tags go. What Liquid
inside a code block says is code, and stays.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Sequence

from search.posts.render import LiquidContext

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin


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

_LINK_TAG = re.compile(r"\{%-?\s*(link|post_url)\s+(\S+?)\s*-?%\}")

# A tag or output may span lines but not a blank line: an unclosed ``{{`` must not eat paragraphs.
_ANY_TAG = re.compile(r"\{%(?:(?!\n[ \t]*\n).)*?%\}", re.DOTALL)

_AUTOLINK_OUTPUT = re.compile(r"<(\{\{[^\n]*?\}\})>")

_OUTPUT = re.compile(r"\{\{(?:(?!\n[ \t]*\n).)*?\}\}", re.DOTALL)

_BACKTICKS = re.compile(r"`+")

#: Stands in for the text of a ``{% raw %}`` inside a line until the Liquid is removed (private use).
_INLINE_RAW = "\ue000"

_INLINE_RAW_MARK = re.compile(_INLINE_RAW + r"(\d+)" + _INLINE_RAW)


def remove_liquid(markdown: str, context: LiquidContext | None = None) -> str:
    """Render Liquid template syntax in Markdown as Jekyll would, as far as a post alone can tell.

    Outside code blocks: ``{% highlight lang %}…{% endhighlight %}`` and
    ``{% raw %}…{% endraw %}`` become fenced code blocks (their text is code) — a ``raw`` inside a
    line becomes an inline code span, so its text stays in the sentence, as Jekyll shows it;
    ``{% comment %}…{% endcomment %}`` goes with
    its content, ``{% link path %}``/``{% post_url name %}`` become the linked post's URL
    (:meth:`LiquidContext.post_link`; so a Markdown link around them stays a link), ``{{ … }}``
    outputs are rendered (:meth:`LiquidContext.render_output`: unknown variables are empty, as in
    Jekyll), and every other ``{% … %}`` tag is deleted (``<{{ url }}>`` autolinks too). Inside
    fenced or indented code blocks only the ``{% raw %}``/``{% endraw %}`` tags are deleted: code
    keeps its ``{{ … }}`` as written.

    :param markdown: Markdown source without front matter.
    :param context: the post's and site's variables and the site's post URLs; None: outputs render
        empty and link tags as their argument.
    :returns: Markdown source without Liquid; unchanged if it has no ``{%`` and no ``{{``.
    """
    if "{%" not in markdown and "{{" not in markdown:
        return markdown
    return remove_liquid_outside(markdown, find_code_spans(markdown), context or LiquidContext())


def remove_liquid_outside(markdown: str, code_spans: list[tuple[int, int]],
                          context: LiquidContext | None = None, refs: list[str] | None = None) -> str:
    """:func:`remove_liquid`, given the code block spans of ``markdown``.

    :param refs: if given, the posts named by ``post_url``/``link`` tags are appended to it.
    """
    context = context or LiquidContext()
    inline: list[str] = []  # texts of {% raw %} inside a line, kept out of the passes below
    if "{%" in markdown and _LIQUID_BLOCK.search(markdown):
        replaced = _LIQUID_BLOCK.sub(lambda m: _replace_block(m, code_spans, inline), markdown)
        if replaced != markdown:
            markdown, code_spans = replaced, find_code_spans(replaced)
    parts: list[str] = []
    for segment, is_code in _split_code(markdown, code_spans):
        if is_code:
            parts.append(_RAW_TAG.sub("", segment))
        else:
            segment = _LINK_TAG.sub(lambda m: context.post_link(m.group(1), m.group(2), refs), segment)
            segment = _ANY_TAG.sub(_blank_or_space, segment)
            segment = _AUTOLINK_OUTPUT.sub(lambda m: _autolink(context.render_output(m.group(1))), segment)
            parts.append(_OUTPUT.sub(lambda m: _blank_or_space(m, context.render_output(m.group(0))), segment))
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


def _blank_or_space(match: re.Match[str], value: str = "") -> str:
    """Replace a Liquid match with ``value``, but leave a space where an empty value would empty a code span."""
    text, start, end = match.string, match.start(), match.end()
    if not value and start > 0 and end < len(text) and text[start - 1] == "`" and text[end] == "`":
        return " "
    return value


def _autolink(url: str) -> str:
    """``<{{ url }}>`` rendered: an autolink when the value is a URL, else its text (or nothing)."""
    return f"<{url}>" if re.match(r"^[a-z][a-z0-9+.-]*:[^\s<>]*$", url, re.IGNORECASE) else url


def markdown_config() -> MarkdownIt:
    md = (
        MarkdownIt("commonmark", {"html": True})
        .enable(["table", "strikethrough"])
        .use(footnote_plugin)
        .use(container_plugin, name="directive", validate=lambda params, markup: True)
        # kramdown's math (``$$…$$``) and MathJax's inline ``$…$``; "$5 から $10" stays text.
        .use(dollarmath_plugin, allow_space=False, allow_digits=False, double_inline=True)
    )
    # URLs never reach the text: skip percent-encoding every link target (~7% of parse time).
    md.normalizeLink = lambda url: url  # type: ignore[method-assign]
    return md


@functools.cache
def _block_markdown() -> MarkdownIt:
    """Same block grammar as :func:`search.posts.markdown._markdown`, without inline parsing: finds code blocks fast."""
    return markdown_config().disable("inline")


def find_code_spans(markdown: str, tokens: Sequence[Token] | None = None) -> list[tuple[int, int]]:
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
