"""Highlighting: where a hit matched, from the index's stored character offsets, and its snippet.

No text is analyzed again here: the postings of each query term in a hit's document carry
``(position, startchar, endchar)`` (``TEXT(chars=True)``), so a phrase's occurrences are found by
position and marked on exactly the characters of the stored text that matched — the approach of
Whoosh's "pinpoint" highlighting, extended to phrases so that ``東京都`` is marked as one span and
a stray ``京都`` elsewhere is not. Adjacent and overlapping spans are merged, so a match never
shows as several marks or with inserted spaces.

A snippet is one window of at most ``snippet_max_chars`` characters around the densest cluster of
matches, widened to the sentence (``。！？!?`` or a line end) where it fits and to whole grapheme
clusters (UAX #29: a ZWJ emoji sequence, a flag or a keycap is never cut), HTML-escaped, with
``<mark>`` around each match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from markupsafe import escape
from whoosh.searching import Searcher

from search.analysis.symbols import cluster_ceil, cluster_floor
from search.querying.nodes import covering_terms
from search.querying.postings import PostingsCache

#: Longest snippet, in characters of post text (ellipses not counted).
SNIPPET_MAX_CHARS = 160
#: Characters of context kept before the first match when the sentence start is further away.
SNIPPET_LEAD_CHARS = 40
_SENTENCE_ENDS = "。！？!?\n"


@dataclass(frozen=True)
class Pattern:
    """What to mark for one query word in one field.

    :ivar field: the field whose postings hold the offsets.
    :ivar terms: the terms that must stand at ``offsets`` from each other (one term: a single match).
    :ivar offsets: each term's position relative to the first; empty means ``0, 1, 2, …``.
    :ivar prefix: ``terms[0]`` is a prefix; each expanded term's first character is marked.
    :ivar group: which query word the pattern belongs to (snippets prefer covering many words).
    """

    field: str
    terms: tuple[str, ...]
    offsets: tuple[int, ...] = ()
    prefix: bool = False
    group: int = 0

    @cached_property
    def checked(self) -> tuple[tuple[str, int], ...]:
        """The ``(term, offset from the first)`` pairs whose occurrences place a match
        (:func:`search.querying.nodes.covering_terms`: a bigram chain's every other bigram)."""
        offsets = self.offsets or tuple(range(len(self.terms)))
        return tuple(covering_terms(self.terms, tuple(o - offsets[0] for o in offsets)))


Occurrences = dict[tuple[str, str], dict[int, list[tuple[int, int, int]]]]


def load_occurrences(searcher: Searcher, docnums: list[int], patterns: list[Pattern],
                     postings: PostingsCache | None = None,
                     expansions: dict[tuple[str, str], list[str]] | None = None) -> Occurrences:
    """``(field, term) → docnum → [(position, startchar, endchar)]`` for the given documents.

    Each term's posting list is read once (:class:`search.querying.postings.PostingsCache`, shared with
    the search that found the hits). Of a pattern, only the terms that place a match are read
    (:attr:`Pattern.checked`), and their offsets are decoded only for those of ``docnums`` that
    hold every one of them: the rest cannot match it.

    :param expansions: ``(field, prefix) → terms`` a search expanded a prefix pattern to (it may
        have kept only some: :meth:`search.querying.evaluation.Evaluator._prefix`); a prefix not
        listed is expanded to every term it begins.
    """
    postings = postings if postings is not None else PostingsCache()
    leaves = [(leaf.reader(), offset, offset + leaf.doc_count_all()) for leaf, offset in searcher.leaf_searchers()]
    schema = searcher.schema

    def read(field: str, term: str, docs) -> list[tuple[int, list[int], object]]:
        """``(segment offset, segment document numbers, TermPostings)`` of the term in each
        segment holding some of ``docs``."""
        btext = schema[field].to_bytes(term)
        found = []
        for reader, start, end in leaves:
            local = [d - start for d in docs if start <= d < end]
            term_postings = postings.term(reader, field, btext) if local else None
            if term_postings is not None and term_postings.supports("characters"):
                found.append((start, local, term_postings))
        return found

    # Only the documents that hold every term a pattern checks are decoded for it (the values of
    # a posting are most of what reading it costs).
    wanted: dict[tuple[str, str], set[int]] = {}
    for pattern in patterns:
        if pattern.field not in schema:
            continue
        if pattern.prefix:
            expanded = (expansions or {}).get((pattern.field, pattern.terms[0]))
            if expanded is None:
                expanded = searcher.reader().expand_prefix(pattern.field, pattern.terms[0])
            for term in expanded:
                term = term.decode("utf-8") if isinstance(term, bytes) else term
                wanted.setdefault((pattern.field, term), set()).update(docnums)
            continue
        terms = [term for term, _ in pattern.checked]
        holding = set(docnums)
        for term in terms:
            holding = {start + d for start, local, found in read(pattern.field, term, holding)
                       for d in found.holding(local)}
            if not holding:
                break
        for term in terms if holding else ():
            wanted.setdefault((pattern.field, term), set()).update(holding)
    found: Occurrences = {}
    for (field, term), docs in wanted.items():
        per_doc: dict[int, list[tuple[int, int, int]]] = {}
        for start, local, term_postings in read(field, term, docs):
            per_doc.update((start + d, chars) for d, chars in term_postings.characters(local).items())
        if per_doc:
            found[(field, term)] = per_doc
    return found


def match_spans(occurrences: Occurrences, docnum: int, patterns: list[Pattern]) -> list[tuple[int, int, int]]:
    """Character spans ``(start, end, group)`` of the stored text matched by ``patterns``, sorted.

    :param occurrences: from :func:`load_occurrences` for a set of documents including ``docnum``.
    Spans are not merged (see :func:`merge_spans`); ``group`` is the matching pattern's group.
    """
    spans: list[tuple[int, int, int]] = []

    def occ(field: str, term: str) -> list[tuple[int, int, int]]:
        return occurrences.get((field, term), {}).get(docnum, [])

    for pattern in patterns:
        if pattern.prefix:
            prefix = pattern.terms[0]
            for (field, term), per_doc in occurrences.items():
                if field == pattern.field and term.startswith(prefix):
                    for _, start, end in per_doc.get(docnum, []):
                        spans.append((start, end if len(term) == len(prefix) else start + len(prefix), pattern.group))
            continue
        checked = pattern.checked
        lists = [occ(pattern.field, term) for term, _ in checked]
        if not all(lists):
            continue
        if len(lists) == 1:
            spans.extend((start, end, pattern.group) for _, start, end in lists[0])
            continue
        offsets = [offset for _, offset in checked]
        by_position = [{pos: (start, end) for pos, start, end in o} for o in lists]
        for pos, start, _ in lists[0]:
            if all(pos + offset in table for offset, table in zip(offsets[1:], by_position[1:])):
                spans.append((start, by_position[-1][pos + offsets[-1]][1], pattern.group))
    return sorted(set(spans))


def merge_spans(spans) -> list[tuple[int, int]]:
    """Sort ``(start, end[, group])`` spans and merge the ones that overlap or touch."""
    merged: list[tuple[int, int]] = []
    for start, end, *_ in sorted(spans):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def mark_html(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` HTML-escaped with ``<mark>…</mark>`` around each span (spans index ``text``)."""
    out: list[str] = []
    cursor = 0
    for start, end in spans:
        start, end = max(start, cursor), min(end, len(text))
        if start >= end:
            continue
        out.append(str(escape(text[cursor:start])))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        cursor = end
    out.append(str(escape(text[cursor:])))
    return "".join(out)


def _best_window(spans: list[tuple[int, int, int]], max_chars: int) -> tuple[int, int]:
    """The span range [i, j) that fits in ``max_chars`` covering the most distinct groups,
    then the most matches (the first such range). A sliding window: each span enters and
    leaves it once, with a count per group (a post with many matches is not quadratic)."""
    best, best_score = (0, 1), (0, 0)
    counts: dict[int, int] = {}
    j = 0
    for i, (start, _, _) in enumerate(spans):
        if j == i:  # the window emptied: it holds at least span i
            counts[spans[i][2]] = counts.get(spans[i][2], 0) + 1
            j = i + 1
        while j < len(spans) and spans[j][1] - start <= max_chars:
            counts[spans[j][2]] = counts.get(spans[j][2], 0) + 1
            j += 1
        score = (len(counts), j - i)
        if score > best_score:
            best, best_score = (i, j), score
        group = spans[i][2]
        if counts[group] == 1:
            del counts[group]
        else:
            counts[group] -= 1
    return best


def snippet_window(text: str, spans: list[tuple[int, int, int]], max_chars: int = SNIPPET_MAX_CHARS) -> tuple[int, int]:
    """The ``[start, end)`` characters of ``text`` a snippet shows: at most ``max_chars`` around the
    densest cluster of ``spans`` (``(start, end, group)``, sorted), from the sentence start when it
    is near enough; the text's opening when there are no spans."""
    if not spans:
        return 0, cluster_ceil(text, min(len(text), max_chars))
    i, j = _best_window(spans, max_chars)
    first, last = spans[i][0], max(end for _, end, _ in spans[i:j])
    room = max_chars - (last - first)
    # Start at the sentence start if it is near enough, else a little before the first match.
    sentence_start = max((text.rfind(c, 0, first) for c in _SENTENCE_ENDS), default=-1) + 1
    lead = min(room, SNIPPET_LEAD_CHARS) if room > 0 else 0
    start = sentence_start if first - sentence_start <= lead else max(0, first - lead)
    end = max(min(len(text), start + max_chars), min(len(text), last))
    # Never cut a user-perceived character (an emoji sequence, a flag, a kana and its voiced mark).
    return cluster_floor(text, start), cluster_ceil(text, end)


def make_snippet(text: str, spans: list[tuple[int, int]], max_chars: int = SNIPPET_MAX_CHARS,
                 window: tuple[int, int] | None = None) -> str:
    """A highlighted snippet of ``text``: escaped HTML with ``<mark>``.

    A line break shows as a space after a sentence end (``。！？!?`` or a closing bracket), and as
    `` / `` elsewhere, so a heading, a list item or a table row (its cells joined by `` | ``)
    does not run into the next block as if it were one sentence.

    :param text: the stored text of the field.
    :param spans: ``(start, end, group)`` match spans in ``text``, sorted (may be empty: then the
        text's opening is used).
    :param max_chars: longest window of ``text``, in characters (a few more where the window is
        widened to whole grapheme clusters).
    :param window: ``snippet_window(text, spans, max_chars)`` when the caller has it already.
    :returns: escaped HTML, with ``…`` where the window cuts the text.
    """
    if not text:
        return ""
    start, end = window or snippet_window(text, spans, max_chars)
    window_spans = [(max(s, start) - start, min(e, end) - start) for s, e in merge_spans(spans) if e > start and s < end]
    html = show_line_breaks(mark_html(text[start:end].rstrip("\n"), window_spans))
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    return f"{prefix}{html}{suffix}"


#: A line break after a sentence end, in escaped HTML (a quote is ``&#34;``; a match may end there).
_AFTER_SENTENCE_END = re.compile(rf"(?:(?<=[。！？!?」』）)\]】〕”’])|(?<=&#34;)|(?<=&#39;)|(?<=[。！？!?」』）)\]】〕”’]</mark>))\n")


def show_line_breaks(html: str) -> str:
    """Line breaks of escaped snippet HTML as a reader sees them: a space after a sentence end,
    `` / `` elsewhere (see :func:`make_snippet`)."""
    return _AFTER_SENTENCE_END.sub(" ", html).replace("\n", " / ")
