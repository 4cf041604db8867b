"""The last steps of a search that found nothing: one word typed half, read as the start of
longer words — in kana as the start of readings (:func:`reading_prefix`: ``とうきょ`` → 東京), in
Latin letters as the start of words (:func:`word_prefix`: ``lara`` → Laravel), as a box that
completes while typing would have offered them.
"""

from __future__ import annotations

import re

from whoosh import query as wq

from search.analysis.analyzers import query_terms
from search.analysis.normalize import fold_reading, normalize_query, to_katakana
from search.analysis.query_analysis import is_kana_text
from search.indexing.schema import READING_FIELDS, WORD_FIELDS
from search.querying.clauses import READING_WEIGHT, or_query
from search.querying.highlight import Pattern
from search.querying.parser import Word
from search.querying.plan import QueryPlan

#: A kana word that matched nothing is read as the start of a longer word from this many kana on
#: (:func:`reading_prefix`), as half a word typed before the input method converted it;
#: fewer kana begin too many words (きょう: 共有, 競争, …) to guess which one was meant.
READING_PREFIX_MIN_CHARS = 4

#: Most readings such a start stands for.
MAX_READING_COMPLETIONS = 8

#: A Latin word that matched nothing is read as the start of a longer word from this many letters
#: on (:func:`word_prefix`): half a name typed (``lara``, ``Larave`` for Laravel), as a
#: search-as-you-type box completes it; two letters begin too many words to guess.
WORD_PREFIX_MIN_CHARS = 3
#: The word fields such a start is completed in, with their weights (each completes to the
#: commonest words it begins: :data:`search.querying.postings.MAX_PREFIX_EXPANSIONS`).
WORD_PREFIX_FIELDS = {f: WORD_FIELDS[f] for f in ("title", "tags_text", "body")}
#: A word typed in Latin letters and digits, with the marks of tech names (``node.j``, ``c+``).
_LATIN_WORD = re.compile(r"[a-z0-9][a-z0-9.+#_-]*")


def reading_prefix(plan: QueryPlan) -> tuple[wq.Query | None, list[Pattern]]:
    """A query of one kana word that matched nothing, read as the start of a longer word: the
    readings it begins (``とうきょ`` → トウキョウ 東京, トウキョク 当局), those of the most posts
    first (:data:`MAX_READING_COMPLETIONS`), like the completions offered while typing.

    Only for a plain word of at least :data:`READING_PREFIX_MIN_CHARS` kana (fewer begin too
    many words); ``(None, [])`` otherwise. The word's ``query_analysis`` lists the readings.
    """
    word = plan.tree
    if (not isinstance(word, Word) or word.phrase or word.field is not None or plan.lexicon is None
            or not is_kana_text(word.text)):
        return None, []
    prefix = fold_reading(to_katakana(normalize_query(word.text)))
    if len(prefix) < READING_PREFIX_MIN_CHARS:
        return None, []
    readings = plan.lexicon.completions(prefix, MAX_READING_COMPLETIONS)
    if not readings:
        return None, []
    clause = plan.clauses[id(word)]
    clause.analysis.setdefault("terms", {})["reading_prefix"] = readings
    query = or_query([wq.Term(f, reading, boost=READING_WEIGHT * w) for reading in readings
                 for f, w in READING_FIELDS.items()])
    return query, [Pattern(f, (reading,)) for reading in readings for f in READING_FIELDS]

def word_prefix(plan: QueryPlan) -> tuple[wq.Query | None, list[Pattern]]:
    """A query of one Latin word that matched nothing, read as the start of a longer word
    (``lara`` → laravel), in the title, tags and body: the commonest words it begins, as
    Elasticsearch's ``match_phrase_prefix`` expands its last term (``max_expansions``);
    highlights mark the letters typed.

    Only for a plain word whose term has at least :data:`WORD_PREFIX_MIN_CHARS` characters;
    ``(None, [])`` otherwise. The word's ``query_analysis`` lists the start under ``word_prefix``.
    """
    word = plan.tree
    if (not isinstance(word, Word) or word.phrase or word.field is not None
            or not _LATIN_WORD.fullmatch(normalize_query(word.text).casefold())
            or not any(c.isalpha() for c in word.text)):
        return None, []
    terms = [m.term for m in query_terms(word.text, plan.dictionary)]
    if not terms or len(terms[0]) < WORD_PREFIX_MIN_CHARS:
        return None, []
    start = terms[0]
    plan.clauses[id(word)].analysis.setdefault("terms", {})["word_prefix"] = [start]
    query = or_query([wq.Prefix(f, start, boost=w) for f, w in WORD_PREFIX_FIELDS.items()])
    return query, [Pattern(f, (start,), prefix=True) for f in ("title", "body")]
