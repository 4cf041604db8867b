"""Section hits: the headings of a post under which a query matched, as Pagefind's ``sub_results``.

A long post is often found by a passage deep inside it; the reader wants to land on that part.
The index stores each post's headings with their offsets in the body text
(:class:`search.posts.sections.Section`), and the hit's match spans are offsets in the same text,
so the section of each match is found by comparing offsets — the post is not read again.

For one hit, :func:`section_hits` returns the sections holding matches: first the section of the
hit's snippet (the densest cluster of matches, :func:`search.querying.highlight.snippet_window`),
then the others by how many query words and then matches they hold (ties in page order), at most
:data:`MAX_SECTIONS`; each with its own snippet cut from its own text. Matches before the first
heading belong to the post's opening, a section with no heading that links to the post itself.
A post without headings has no section hits: its hit links to the post, as before.
"""

from __future__ import annotations

from dataclasses import dataclass

from search.posts.sections import Section, fragment_url, section_at
from search.querying.highlight import SNIPPET_MAX_CHARS, make_snippet, snippet_window

__all__ = ["MAX_SECTIONS", "SectionHit", "section_hits", "stored_sections"]

#: Most sections listed for one hit (Pagefind's default UI shows 3 sub-results).
MAX_SECTIONS = 3


@dataclass(frozen=True)
class SectionHit:
    """One section of a hit's post that the query matched.

    :ivar heading: the heading's text; ``""`` for the post's opening, before any heading.
    :ivar anchor: the heading's id on the blog's page (kramdown's); ``""`` when there is none.
    :ivar url: the post's URL with ``#anchor`` (the post's URL when there is no anchor).
    :ivar snippet_html: up to ``SNIPPET_MAX_CHARS`` characters of the section, HTML-escaped,
        matches in ``<mark>``.
    """

    heading: str
    anchor: str
    url: str
    snippet_html: str

    def to_json(self) -> dict:
        return {"heading": self.heading, "anchor": self.anchor, "url": self.url, "snippet_html": self.snippet_html}


def stored_sections(value: object) -> list[Section]:
    """The ``sections`` stored field of a hit as :class:`Section` records (``[]`` when absent or unreadable)."""
    if not isinstance(value, (list, tuple)):
        return []
    try:
        return sorted((Section.from_stored(item) for item in value), key=lambda s: s.offset)
    except (TypeError, ValueError):
        return []


def section_hits(text: str, spans: list[tuple[int, int, int]], sections: list[Section], url: str,
                 limit: int = MAX_SECTIONS, max_chars: int = SNIPPET_MAX_CHARS,
                 window: tuple[int, int] | None = None) -> list[SectionHit]:
    """The sections of ``text`` that ``spans`` fall in, best first (see the module docstring).

    :param text: the post's stored body text.
    :param spans: ``(start, end, group)`` match spans in ``text``, sorted.
    :param sections: the post's sections, sorted by offset.
    :param url: the post's URL (anchors are appended to it).
    :param window: the hit's snippet window, ``snippet_window(text, spans, max_chars)``, when the
        caller has it already.
    :returns: at most ``limit`` section hits; ``[]`` when the post has no headings or no match is in the body.
    """
    if not sections or not spans or not text:
        return []
    by_section: dict[int, list[tuple[int, int, int]]] = {}
    for span in spans:
        by_section.setdefault(section_at(sections, span[0]), []).append(span)
    start, end = window or snippet_window(text, spans, max_chars)
    shown = [span for span in spans if start <= span[0] < end]
    main = section_at(sections, shown[0][0] if shown else spans[0][0])

    def rank(index: int) -> tuple:
        found = by_section[index]
        return (index != main, -len({group for _, _, group in found}), -len(found), index)

    hits = []
    for index in sorted(by_section, key=rank)[:limit]:
        first = sections[index].offset if index >= 0 else 0
        last = sections[index + 1].offset if index + 1 < len(sections) else len(text)
        below = text.find("\n", first, last) + 1  # the heading is shown apart: its snippet starts below it
        if index >= 0 and below and all(s >= below for s, _, _ in by_section[index]):
            first = below
        local = [(s - first, min(e, last) - first, g) for s, e, g in by_section[index]]
        snippet = make_snippet(text[first:last].rstrip("\n"), local, max_chars)
        heading, anchor = (sections[index].heading, sections[index].anchor) if index >= 0 else ("", "")
        hits.append(SectionHit(heading, anchor, fragment_url(url, anchor), snippet))
    return hits
