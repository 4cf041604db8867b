"""Sections of a post: its headings, the ids Jekyll gives them, and where each starts in the body.

A search hit deep inside a long post links to the heading nearest before the matched passage
(``/2024/05/20/post.html#見出し``), as Pagefind's ``sub_results`` do. The heading ids must be the
ones the blog's pages carry: Jekyll renders Markdown with kramdown and its GFM parser
(``markdown: kramdown``, ``kramdown: input: GFM``, ``auto_ids: true`` by default), whose
``generate_gfm_header_id`` (kramdown-parser-gfm, ``lib/kramdown/parser/gfm.rb``) makes the id of
a heading from its text without markup (``auto_id_stripping``: link text without the URL, code
spans' text, no image alt text):

1. lowercase it (Unicode lowercasing: ``Ａ`` → ``ａ``, Japanese unchanged);
2. drop every character that is not a letter, mark, number or connector punctuation (Onigmo's
   ``\\p{Word}``), ``-``, space or tab: punctuation (``、。「」！？()``), symbols and emoji go,
   kanji, kana, ``ー`` and digits stay;
3. spaces and tabs become ``-`` (each one: ``a  b`` → ``a--b``);
4. the n-th repeat of an id in the same post gets ``-n`` (``まとめ``, ``まとめ-1``, ``まとめ-2``).

An explicit id wins and is not counted: kramdown's header id ``## 見出し {#intro}`` (an ASCII
letter, then ``[A-Za-z0-9_:-]``) or a block attribute list on the line after the heading
(``{: #intro}``). A heading whose id comes out empty (only emoji or punctuation) has no anchor to
link to: its hits link to the post itself.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

__all__ = ["HEADER_ID", "BLOCK_IAL", "Section", "HeadingIds", "gfm_heading_id", "fragment_url", "section_at"]

#: kramdown's header id at the end of a heading's text: ``見出し {#intro}`` (``HEADER_ID`` in
#: ``kramdown/parser/kramdown/header.rb``; Ruby's ``\\w`` is ASCII there).
HEADER_ID = re.compile(r"[\t ]\{#(?P<id>[A-Za-z][A-Za-z0-9_:-]*)\}\s*$")
#: A kramdown block attribute list alone on a line: ``{: #intro .note}``, ``{:toc}``.
BLOCK_IAL = re.compile(r"^\{:(?P<attrs>[^{}\n]*)\}$")
_IAL_ID = re.compile(r"(?:^|\s)#(?P<id>[A-Za-z][A-Za-z0-9_:-]*)")
#: kramdown's typographic symbols (``---``, ``--``, ``...``, ``<<``, ``>>``) become dashes,
#: an ellipsis and guillemets before the id is made, all of which the id drops.
_TYPOGRAPHIC = re.compile(r"-{2,3}|\.\.\.|<<|>>")
#: Characters percent-encoded in a URL fragment (non-ASCII letters are left as they are).
_UNSAFE_IN_FRAGMENT = re.compile(r"[\s\"<>\\^`{|}%#]")


@dataclass(frozen=True)
class Section:
    """One heading of a post.

    :ivar offset: where the section starts in the post's body text (:attr:`Post.body`), in
        characters: the start of the heading's own line, so a match on the heading belongs to it.
    :ivar level: 1 to 6 (``#`` to ``######``; setext ``===`` is 1, ``---`` is 2).
    :ivar heading: the heading's text as the body shows it (no markup, no ``{#id}``).
    :ivar anchor: the heading's id on the blog's page, ``""`` when it has none.
    """

    offset: int
    level: int
    heading: str
    anchor: str

    def to_stored(self) -> tuple[int, int, str, str]:
        return (self.offset, self.level, self.heading, self.anchor)

    @classmethod
    def from_stored(cls, value: tuple | list) -> Section:
        offset, level, heading, anchor = value
        return cls(int(offset), int(level), str(heading), str(anchor))


def _is_word_char(char: str) -> bool:
    """Onigmo's ``\\p{Word}``: Letter, Mark, Number or Connector_Punctuation."""
    category = unicodedata.category(char)
    return category[0] in "LMN" or category == "Pc"


def gfm_heading_id(text: str) -> str:
    """The id kramdown's GFM parser makes of a heading's text, before de-duplication.

    :param text: the heading's text without markup (``auto_id_stripping``).
    :returns: the id, possibly ``""`` (``"🎉"``, ``"？"``).
    """
    text = _TYPOGRAPHIC.sub("", text.lower())
    kept = "".join(c for c in text if c in "- \t" or _is_word_char(c))
    return kept.replace(" ", "-").replace("\t", "-")


class HeadingIds:
    """Gives the headings of one post their ids in order, de-duplicated as kramdown does."""

    def __init__(self) -> None:
        self._seen: Counter[str] = Counter()

    def next(self, text: str, explicit: str | None = None) -> str:
        """The id of the next heading: ``explicit`` if given (not counted), else :func:`gfm_heading_id`
        with ``-1``, ``-2``, … for repeats."""
        if explicit:
            return explicit
        generated = gfm_heading_id(text)
        repeats = self._seen[generated]
        self._seen[generated] += 1
        return f"{generated}-{repeats}" if repeats else generated


def explicit_id(attrs: str) -> str | None:
    """The ``#id`` of a kramdown attribute list's contents (``" #intro .note"`` → ``"intro"``), or None."""
    match = _IAL_ID.search(attrs)
    return match.group("id") if match else None


def fragment_url(url: str, anchor: str) -> str:
    """``url`` with ``#anchor`` (percent-encoding only what a URL cannot hold), or ``url`` when
    ``anchor`` is empty. Japanese ids stay readable: ``/post.html#見出し``."""
    if not anchor:
        return url
    fragment = _UNSAFE_IN_FRAGMENT.sub(lambda m: "".join(f"%{b:02X}" for b in m.group(0).encode()), anchor)
    return f"{url.partition('#')[0]}#{fragment}"


def section_at(sections: list[Section] | tuple[Section, ...], offset: int) -> int:
    """Index in ``sections`` (sorted by offset) of the section holding body offset ``offset``:
    the last one starting at or before it; -1 before the first heading."""
    found = -1
    for i, section in enumerate(sections):
        if section.offset > offset:
            break
        found = i
    return found
