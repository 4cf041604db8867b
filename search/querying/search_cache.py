"""What one search has read and computed, shared by its steps (:class:`SearchCache`).

A search evaluates several query trees (its escalation steps, the match-mode check, the
highlights) that share most sub-queries and terms; each sub-query's result and each term's
postings are computed once per search. Sub-queries are keyed by their structure, numbered
bottom-up (hash consing, as in Filliâtre & Conchon, "Type-safe modular hash-consing", 2006).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from whoosh import query as wq

from search.indexing.schema import LEXICON_FIELDS
from search.querying.postings import MAX_EXPANDED_TERMS, PostingsCache

if TYPE_CHECKING:
    from search.querying.evaluation import Matches


class SearchCache:
    """What one search has read and computed: sub-query results and term postings, shared by
    its escalation steps, its match-mode check and its highlights."""

    def __init__(self) -> None:
        self.nodes: dict = {}
        self.postings = PostingsCache(LEXICON_FIELDS)
        #: Terms prefixes may still expand to in this search (:data:`MAX_EXPANDED_TERMS`).
        self.expansions_left = MAX_EXPANDED_TERMS
        #: Whether a prefix was cut to its commonest terms (:meth:`Evaluator._prefix`).
        self.limited = False
        #: ``(field, prefix) → terms`` each prefix was expanded to, for the highlights.
        self.expansions: dict[tuple[str, str], list[str]] = {}
        self._keys: dict[int, tuple[wq.Query, int | None]] = {}
        self._key_numbers: dict[tuple, int] = {}

    def node_key(self, query: wq.Query) -> int | None:
        """A small number standing for ``query``'s structure in this search: equal for two trees
        of the same types and attributes, None for one that cannot be compared (an unhashable
        attribute). Whoosh's ``__hash__`` and ``__eq__`` walk a whole subtree at every call,
        so a cache keyed by the queries themselves hashed each subtree once per level above it;
        here each node is numbered once, from its own attributes and its children's numbers
        (hash consing)."""
        entry = self._keys.get(id(query))
        if entry is not None and entry[0] is query:
            return entry[1]
        parts = []
        for name, value in vars(query).items():
            if name == "subqueries":
                value = tuple(self.node_key(child) for child in value)
                if None in value:
                    value = None
            elif isinstance(value, wq.Query):
                value = self.node_key(value)
            elif isinstance(value, list):
                value = tuple(value)
            if value is None and name in ("subqueries", "a", "b", "query", "child"):
                parts = None
                break
            parts.append((name, value))
        number = None
        if parts is not None:
            structure = (type(query), tuple(parts))
            try:
                number = self._key_numbers.setdefault(structure, len(self._key_numbers))
            except TypeError:  # an unhashable attribute: never shared
                number = None
        self._keys[id(query)] = (query, number)  # the query kept alive: its id is not reused
        return number

    def result(self, query: wq.Query) -> "Matches | None":
        """The result this search computed for a query of ``query``'s structure, if any."""
        key = self.node_key(query)
        return None if key is None else self.nodes.get(key)
