"""Facets and filters from front matter: tags, categories, author and year.

A :class:`Filters` value narrows a search to posts carrying given tags, categories, authors or
years, or dated within a range; :func:`facet_counts` counts, among the posts a query matched (after
filters), how many carry each value — so the counts follow the current query and filters, as in
Algolia's and Meilisearch's ``facetDistribution``.

Each document's values are read from the index once per index version and cached
(:func:`document_values`), instead of Whoosh's ``groupedby`` walking the lexicon on every query.
"""

from __future__ import annotations

import threading
from typing import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

import numpy as np
from whoosh import query as wq

#: Facet name → index field. The order is the order facets are shown in.
FACET_FIELDS = {"tags": "tag", "categories": "category", "authors": "author", "years": "year"}
#: Most values returned per facet (the most frequent first).
MAX_FACET_VALUES = 30


@dataclass(frozen=True)
class Filters:
    """Restrictions on which posts may match: every given tag and category (AND, in any letter
    case), any of the given authors and years (OR: a post has one of each), within the dates.

    :ivar tags, categories, authors, years: exact front-matter values (``years`` as ``"2024"``).
    :ivar date_from, date_to: inclusive date range (either end may be open), compared with each
        post's own calendar date (in the offset written in the post, as its URL and page show it).
    """

    tags: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    years: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None

    def is_empty(self) -> bool:
        """True when nothing is filtered."""
        return not (self.tags or self.categories or self.authors or self.years or self.date_from or self.date_to)

    def query(self) -> wq.Query | None:
        """The Whoosh filter query, or None when nothing is filtered."""
        parts: list[wq.Query] = []
        for name, values in (("tag", self.tags), ("category", self.categories)):
            parts += [_any_case(name, value) for value in values]  # a post must carry each one
        for name, values in (("author", self.authors), ("year", self.years)):
            if values:  # one value per post: any of those asked for
                parts.append(wq.Or([wq.Term(name, value) for value in values]))
        if self.date_from or self.date_to:
            start = datetime.combine(self.date_from, time.min) if self.date_from else None
            end = datetime.combine(self.date_to, time.max) if self.date_to else None
            parts.append(wq.DateRange("local_date", start, end))  # the post's own calendar date
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else wq.And(parts)

    def to_json(self) -> dict:
        """The filters as the JSON API echoes them (only the ones set)."""
        data = {"tags": list(self.tags), "categories": list(self.categories), "authors": list(self.authors),
                "years": list(self.years), "from": self.date_from.isoformat() if self.date_from else None,
                "to": self.date_to.isoformat() if self.date_to else None}
        return {key: value for key, value in data.items() if value}


def _any_case(fieldname: str, value: str) -> wq.Query:
    """A tag or category as written, lower-cased or upper-cased (``aws`` finds the tag ``AWS``),
    as the ``tag:`` query syntax matches it."""
    variants = list(dict.fromkeys((value, value.casefold(), value.upper())))
    if len(variants) == 1:
        return wq.Term(fieldname, value)
    return wq.Or([wq.Term(fieldname, v) for v in variants])


_cache_lock = threading.Lock()
_value_cache: dict[tuple, "DocumentValues"] = {}


@dataclass(frozen=True)
class DocumentValues:
    """A keyword field's values by document: ``values[value_ids[i]]`` is a value of document
    ``docnums[i]`` (one entry per document and value, documents in ascending order)."""

    values: tuple[str, ...]
    docnums: np.ndarray
    value_ids: np.ndarray


def document_values(searcher, fieldname: str, cache_key: tuple) -> DocumentValues:
    """For each document number, the values of a keyword field (read once per ``cache_key``).

    :param cache_key: identifies the index version (generation directory and Whoosh generation);
        a new key drops the old entries.
    """
    key = (*cache_key, fieldname)
    found = _value_cache.get(key)
    if found is not None:
        return found
    reader = searcher.reader()
    values: list[str] = []
    pairs: list[tuple[int, int]] = []
    if fieldname in searcher.schema:
        field = searcher.schema[fieldname]
        for btext in reader.lexicon(fieldname):
            values.append(field.from_bytes(btext))
            pairs += [(docnum, len(values) - 1) for docnum in reader.postings(fieldname, btext).all_ids()]
    pairs.sort()  # by document, then value in lexicon order
    found = DocumentValues(tuple(values), np.array([d for d, _ in pairs], dtype=np.int64),
                           np.array([v for _, v in pairs], dtype=np.int64))
    with _cache_lock:
        for stale in [k for k in _value_cache if k[:-1] != cache_key]:
            del _value_cache[stale]
        _value_cache[key] = found
    return found


def facet_counts(searcher, cache_key: tuple, docnums: Iterable[int]) -> dict[str, list[dict]]:
    """``{"tags": [{"value": "AWS", "count": 12}, …], …}`` among the documents ``docnums``.

    Values are ordered by count (descending), then by value; at most :data:`MAX_FACET_VALUES`.
    Counted over arrays (one ``bincount`` a field), not document by document: a query matching
    most posts used to spend ~1 ms here at 1,406 posts.
    """
    docnums = np.fromiter(docnums, dtype=np.int64)
    chosen = np.bincount(docnums, minlength=searcher.reader().doc_count_all())  # times each is listed
    counts: dict[str, list[dict]] = {}
    for name, fieldname in FACET_FIELDS.items():
        found = document_values(searcher, fieldname, cache_key)
        per_value = np.bincount(found.value_ids, weights=chosen[found.docnums], minlength=len(found.values))
        groups = [(found.values[i], int(per_value[i])) for i in np.flatnonzero(per_value).tolist()]
        ordered = sorted(groups, key=lambda item: (-item[1], str(item[0])))
        counts[name] = [{"value": value, "count": count} for value, count in ordered[:MAX_FACET_VALUES] if value]
    return counts
