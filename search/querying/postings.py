"""Reading a term's posting list whole, once per search, for scoring, phrases and highlights.

Whoosh's matchers hand out one posting at a time and re-read (unpickle, decompress) a block
whenever another matcher on the same term walks it; one search used to read the same term up
to four times (scores, phrase positions, match-mode check, highlights). :class:`TermPostings`
reads a term's blocks in one pass into arrays — document numbers and term frequencies — and
keeps each posting's encoded value, decoded only for the documents that need positions or
character offsets (a block's values are not even unpacked until one of them is asked for:
:class:`search.querying.blocks.BlockValues`). :class:`PostingsCache` keeps them for the duration of one search.

A term is looked up in a segment's term table once: a term that is there is read at once (not
checked for first, which read the table twice), and in the fields whose whole lexicon a segment
reader keeps (:func:`field_lexicon`: fields of few terms, such as titles and link text) a term
that is not there costs no read at all.
"""

from __future__ import annotations

import bisect
import threading
import weakref
from itertools import accumulate, islice
from operator import itemgetter
from pickle import loads
from typing import Callable, Iterable, Sequence

import numpy as np
from whoosh.formats import _INT_SIZE, Characters
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound

from search.querying.blocks import read_postings


_FIRST = itemgetter(0)


class TermPostings:
    """One term's postings in one segment.

    :ivar ids: ``int64[n]`` segment document numbers, ascending (deleted documents included).
    :ivar weights: ``float64[n]`` term frequencies.
    """

    def __init__(self, matcher) -> None:
        if isinstance(matcher, FilterMatcher):  # deletions: the caller masks deleted documents
            matcher = matcher.child
        self._format = getattr(matcher, "format", None) or getattr(matcher, "_format", None)
        ids: list = []
        weights: list = []
        values: list = []
        if hasattr(matcher, "_read_ids") and hasattr(matcher, "_next_block"):  # Whoosh 3 block codec
            while matcher.is_active():
                matcher._read_ids()
                matcher._read_weights()
                matcher._read_values()
                ids.extend(matcher._ids)
                weights.extend(matcher._weights)
                values.extend(matcher._values)
                matcher._next_block()
        else:  # a short posting list inlined in the term info
            while matcher.is_active():
                ids.append(matcher.id())
                weights.append(matcher.weight())
                values.append(matcher.value())
                matcher.next()
        self.ids = np.asarray(ids, dtype=np.int64)
        self.weights = np.asarray(weights, dtype=np.float64)
        self._values = values
        self._decoded: dict[tuple[str, int], list] = {}

    @classmethod
    def from_arrays(cls, ids: np.ndarray, weights: np.ndarray, values: Sequence, format_) -> "TermPostings":
        """Postings already read (:func:`search.querying.blocks.read_postings`)."""
        postings = cls.__new__(cls)
        postings._format, postings.ids, postings.weights, postings._values = format_, ids, weights, values
        postings._decoded = {}
        return postings

    def _decode(self, docnums: Iterable[int], kind: str, decoder=None) -> dict[int, list]:
        docnums = list(docnums)
        if not docnums or self._format is None:
            return {}
        found: dict[int, list] = {}
        at = np.searchsorted(self.ids, docnums)
        for docnum, i in zip(docnums, at.tolist()):
            if i < len(self.ids) and self.ids[i] == docnum:
                key = (kind, docnum)
                value = self._decoded.get(key)
                if value is None:
                    encoded = self._values[i]
                    value = decoder(encoded) if decoder else self._format.decode_as(kind, encoded)
                    self._decoded[key] = value
                found[docnum] = value
        return found

    def holding(self, docnums: Iterable[int]) -> list[int]:
        """Those of ``docnums`` (segment document numbers) that hold the term (nothing decoded)."""
        docnums = list(docnums)
        if not docnums or not len(self.ids):
            return []
        at = np.minimum(np.searchsorted(self.ids, docnums), len(self.ids) - 1)
        return [d for d, i in zip(docnums, at.tolist()) if self.ids[i] == d]

    def supports(self, kind: str) -> bool:
        return self._format is not None and self._format.supports(kind)

    def positions(self, docnums: Iterable[int]) -> dict[int, list[int]]:
        """``docnum → positions`` for those of ``docnums`` holding the term."""
        if isinstance(self._format, Characters):
            return self._decode(docnums, "positions", _character_positions)
        return self._decode(docnums, "positions")

    def characters(self, docnums: Iterable[int]) -> dict[int, list[tuple[int, int, int]]]:
        """``docnum → [(position, startchar, endchar)]`` for those of ``docnums`` holding the term."""
        return self._decode(docnums, "characters")


def _character_positions(encoded: bytes) -> list[int]:
    """Positions from a ``Characters`` posting value: what Whoosh's ``decode_positions`` returns
    (a length, then a pickled list of ``(position delta, start delta, length)``), in one pass."""
    if not encoded.endswith(b"."):
        encoded += b"."
    return list(accumulate(map(_FIRST, loads(encoded[_INT_SIZE:]))))


_lexicons: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_lexicons_lock = threading.Lock()


def field_lexicon(reader, fieldname: str) -> frozenset[bytes]:
    """Every term (bytes) of ``fieldname`` in ``reader`` (a segment reader), read whole on first
    use and kept as long as the reader lives (a searcher's, one per thread and index generation).
    Meant for fields of few terms: at 1,406 posts the title and link-text fields hold 700–6,500
    terms each (~0.3 MB, ~10–40 ms to read), the body's n-grams 71,000."""
    return kept_per_reader(reader, ("lexicon", fieldname),
                 lambda: frozenset(reader.lexicon(fieldname)) if fieldname in reader.schema else frozenset())


def kept_per_reader(reader, key: tuple, build):
    """What ``build()`` returns for ``reader`` and ``key``, built on first use and kept as long as
    the reader lives."""
    per_reader = _lexicons.get(reader)
    if per_reader is None:
        with _lexicons_lock:
            per_reader = _lexicons.setdefault(reader, {})
    value = per_reader.get(key)
    if value is None:
        value = per_reader[key] = build()
    return value


class KeyTable:
    """The search keys of a reader's reading fields, in memory: spelling keys (``reading/skeleton``,
    and number and skeleton keys, which hold the separator too) by reading, and keys marked by
    their first character (loose keys ``~…``) sorted, each with its document frequency summed over
    the fields.

    One pass over the reading fields' term tables (~19,000 keys among 37,000 terms at 1,406
    posts, ~0.4 s) replaces a term-table search per query word: a prefix search costs ~1 ms in
    Whoosh's on-disk term index.
    """

    def __init__(self, reader, fieldnames: Iterable[str], separator: str, marks: str) -> None:
        posts: dict[str, int] = {}
        wanted = separator.encode("utf-8")
        firsts = tuple(mark.encode("utf-8") for mark in marks)
        for fieldname in fieldnames:
            if fieldname not in reader.schema:
                continue
            for btext, info in reader.iter_field(fieldname):
                if wanted in btext or btext.startswith(firsts):
                    term = btext.decode("utf-8")
                    posts[term] = posts.get(term, 0) + info.doc_frequency()
        self._separator = separator
        self._posts = posts
        self._by_reading: dict[str, list[str]] = {}
        for term in sorted((t for t in posts if separator in t), key=lambda t: (-posts[t], t)):
            self._by_reading.setdefault(term.partition(separator)[0], []).append(term)
        self._marked = sorted(t for t in posts if separator not in t)
        # keys without a reading (skeleton keys /書込) are many: looked up by bisection, not scanned
        self._unread = sorted(self._by_reading.pop("", ()))
        self._filed: dict[tuple[str, str], bool] = {}

    def posts(self, key: str) -> int:
        """The key's document frequency summed over the fields (0 if no field holds it)."""
        return self._posts.get(key, 0)

    def filed_with(self, key: str, term: str, word_posts: Callable[[], int]) -> bool:
        """Whether ``key`` has as many postings as ``word_posts()`` (the document frequency of
        ``term`` in the fields the key's mirror); remembered per key and term while the reader lives
        (at most one answer per key of the table and term asked)."""
        if key not in self._posts:
            return False
        known = self._filed.get((key, term))
        if known is None:
            known = self._filed[(key, term)] = self._posts[key] == word_posts()
        return known

    def starting_with(self, prefix: str) -> list[str]:
        """The keys that start with ``prefix``, those of the most posts first."""
        if self._separator in prefix:
            reading = prefix.partition(self._separator)[0]
            if not reading:
                return sorted(_starting_with(self._unread, prefix), key=lambda t: (-self._posts[t], t))
            return [t for t in self._by_reading.get(reading, ()) if t.startswith(prefix)]
        found = _starting_with(self._marked, prefix) + [t for t in self._by_reading.get(prefix, ())]
        return sorted(found, key=lambda t: (-self._posts[t], t))


def _starting_with(ordered: list[str], prefix: str) -> list[str]:
    """The strings of sorted ``ordered`` that start with ``prefix``."""
    first = last = bisect.bisect_left(ordered, prefix)
    while last < len(ordered) and ordered[last].startswith(prefix):
        last += 1
    return ordered[first:last]


def key_table(reader, fieldnames: Iterable[str], separator: str, marks: str) -> KeyTable:
    """The :class:`KeyTable` of ``reader``'s ``fieldnames``, read on first use and kept as long
    as the reader lives, like :func:`field_lexicon`."""
    fields = tuple(fieldnames)
    return kept_per_reader(reader, ("keys", fields, separator, marks), lambda: KeyTable(reader, fields, separator, marks))


class PostingsCache:
    """Terms read during one search, by segment reader, field and term (bytes).

    :param lexicon_fields: fields whose whole lexicon is kept per segment reader
        (:func:`field_lexicon`), so terms not in them are known absent without a lookup.
    """

    def __init__(self, lexicon_fields: Iterable[str] = ()) -> None:
        self._terms: dict[tuple[int, str, bytes], TermPostings | None] = {}
        self._lexicon_fields = frozenset(lexicon_fields)

    def term(self, reader, fieldname: str, btext: bytes) -> TermPostings | None:
        """The term's postings in ``reader`` (a segment reader), or None if it has none."""
        key = (id(reader), fieldname, btext)
        try:
            return self._terms[key]
        except KeyError:
            pass
        postings = None
        if fieldname not in self._lexicon_fields or btext in field_lexicon(reader, fieldname):
            try:
                found = read_postings(reader, fieldname, btext)
                postings = (TermPostings.from_arrays(*found, reader.schema[fieldname].format) if found is not None
                            else TermPostings(reader.postings(fieldname, btext)))
            except TermNotFound:
                pass
        self._terms[key] = postings
        return postings


#: Most terms one prefix (a single kana, read as the start of the character bigrams it begins)
#: expands to: its commonest ones, as Elasticsearch's ``max_expansions`` bounds a prefix query.
MAX_PREFIX_EXPANSIONS = 12
#: Most terms all the prefixes of one search expand to together. A kana begins ~200 bigrams of
#: the 1,406-post corpus; 24 single kana ORed read 9,077 terms' postings (0.8–4 s, the other
#: clients of the server waiting meanwhile): the cost bound of a query (docs/robustness-serving.md).
MAX_EXPANDED_TERMS = 48
#: Most entries of the term index a prefix looks through for its commonest terms (each one's
#: document frequency is decoded, ~50 µs).
MAX_PREFIX_SCAN = 256


def prefix_terms(reader, fieldname: str, prefix: str, budget: int) -> tuple[list[str], bool]:
    """The terms of ``fieldname`` that begin with ``prefix`` a search reads: the
    :data:`MAX_PREFIX_EXPANSIONS` commonest (by document frequency, from the term index: no
    postings read) of the first :data:`MAX_PREFIX_SCAN`, and no more than ``budget``.

    :returns: ``(terms, limited)``; ``limited`` is True when terms were left out.
    """
    room = min(MAX_PREFIX_EXPANSIONS, budget)
    if room <= 0:  # nothing left to read: only whether something was left out
        return [], next(iter(reader.expand_prefix(fieldname, prefix)), None) is not None
    found = [(info.doc_frequency(), word) for word, info in islice(reader.iter_prefix(fieldname, prefix),
                                                                    MAX_PREFIX_SCAN + 1)]
    limited = len(found) > room
    found = sorted(found[:MAX_PREFIX_SCAN], key=lambda item: (-item[0], item[1]))[:room]
    field = reader.schema[fieldname]
    return [field.from_bytes(word) for _, word in found], limited
