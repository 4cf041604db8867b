"""A text field's postings straight from our analysis, without Whoosh's token stream.

Whoosh's ``field.index(value)`` runs the analyzer as a stream of one mutated ``Token``, gathers
each term's ``(position, start, end)`` in ``Characters.word_values`` (``Positions`` for fields
without ``chars``) and encodes them with ``Format.encode``. For the fields our own tokenizers
analyze (:mod:`search.analysis.analyzers`) :func:`field_postings` computes the same tuples from the
morphemes, n-grams and readings directly: the same terms in the same first-seen order, the same
frequencies and weights, and values encoded byte for byte as Whoosh encodes them
(``pack_uint(n) + pickle.dumps(deltas, 2)``). It only answers for a plain string value, a field of
exactly those formats and tokenizers, and Whoosh's defaults (``start_pos``/``start_char`` 0, stop
tokens removed); anything else returns None and is left to ``field.index``.
"""

from __future__ import annotations

from pickle import dumps
from typing import Iterable

from whoosh.fields import FieldType
from whoosh.formats import Characters, Positions
from whoosh.system import pack_uint

from search.analysis.analyzers import NgramTokenizer, ReadingTokenizer, WordTokenizer
from search.analysis.morphemes import morphemes
from search.analysis.ngrams import ngram_tuples
from search.analysis.readings import AnnotatedText, text_readings

Posting = tuple[bytes, int, float, bytes]


def field_postings(field: FieldType, value: object) -> list[Posting] | None:
    """``list(field.index(value))`` for a field our tokenizers analyze, or None for another field.

    :returns: ``(term as UTF-8, frequency, weight, encoded positions)`` per distinct term, in the
        order the term first occurs (Whoosh's).
    """
    if type(value) is not str and type(value) is not AnnotatedText:
        return None
    fmt = getattr(field, "format", None)
    if type(fmt) is Characters:
        chars = True
    elif type(fmt) is Positions:
        chars = False
    else:
        return None
    items = _occurrences(getattr(field, "analyzer", None), value)
    if items is None:
        return None
    seen: dict[str, list] = {}
    for item in items:
        found = seen.get(item[0])
        if found is None:
            seen[item[0]] = [item]
        else:
            found.append(item)
    boost = fmt.field_boost
    encode = _encode_chars if chars else _encode_positions
    return [(term.encode("utf-8"), len(found), float(len(found)) * boost, encode(found))
            for term, found in seen.items()]


def _occurrences(analyzer: object, value: str) -> Iterable[tuple[str, int, int, int]] | None:
    """``(term, position, start, end)`` in the order the analyzer yields its tokens."""
    kind = type(analyzer)
    if kind is WordTokenizer:
        return [(m.term, m.position, m.start, m.end) for m in morphemes(value, analyzer.dictionary)
                if not m.is_stop]  # (a mark is a stop token too)
    if kind is ReadingTokenizer:
        return text_readings(value, analyzer.dictionary)
    if kind is NgramTokenizer:
        return ngram_tuples(value)
    return None


def _encode_chars(found: list[tuple[str, int, int, int]]) -> bytes:
    """Whoosh's ``Characters.encode`` of the occurrences' ``(position, start, end)``."""
    deltas = []
    position = end_before = 0
    for _, pos, start, end in found:
        deltas.append((pos - position, start - end_before, end - start))
        position, end_before = pos, end
    return pack_uint(len(deltas)) + dumps(deltas, 2)


def _encode_positions(found: list[tuple[str, int, int, int]]) -> bytes:
    """Whoosh's ``Positions.encode`` of the occurrences' positions."""
    deltas = []
    position = 0
    for _, pos, _, _ in found:
        deltas.append(pos - position)
        position = pos
    return pack_uint(len(deltas)) + dumps(deltas, 2)
