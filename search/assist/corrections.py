""""Did you mean": a corrected query, from the index's own vocabulary, for a query that found nothing.

Edit distance, the usual spelling corrector, barely applies to Japanese: a mistyped kanji word is
usually a *conversion* mistake (変換ミス), another word with the same reading. So each word of the
query that the index does not know is corrected in one of two ways:

* **by reading** — the unknown morphemes' katakana readings are spelled again with words of the
  vocabulary (:class:`search.indexing.vocabulary.Vocabulary`, fewest words first, then the commonest):
  ``検策`` → ケンサク → 検索; ``けんさくエンジン`` → 検索エンジン;
* **by edit distance** — a Latin or katakana word with a typo is matched against the words of the
  vocabulary (distance 1 for words of up to 4 characters, else 2, transpositions counting 1):
  ``pyhton`` → Python, ``kubernetis`` → Kubernetes.

Phrases, ``-`` exclusions, ``OR`` and ``field:`` words are kept as typed. The corrected query is
offered only if it finds posts with all its words (it is searched once to check; a "relaxed" match
of some words does not count).
"""

from __future__ import annotations

import bisect
import re

from search.analysis.morphemes import Morpheme, morphemes
from search.analysis.readings import reading_of
from search.indexing.index import SearchIndex
from search.analysis.normalize import fold_term, normalize_query
from search.assist.suggest import MAX_SUGGEST_CHARS, default_cache
from search.indexing.candidates import MAX_TERM_CHARS
from search.indexing.vocabulary import Vocabulary, search_key
from search.indexing.version_cache import VersionCache

_LATIN_WORD = re.compile(r"[a-z0-9][a-z0-9.+#_-]*")
_KATAKANA_WORD = re.compile(r"[\u30a1-\u30feー]+")
_PLAIN_WORD = re.compile(r"^[^\s\"():|-][^\s\"():|]*$")

#: Shortest reading, in kana, of a word used to re-spell a reading.
MIN_RESPELL_READING = 2
#: Longest query word, in characters, that is re-spelled by reading.
MAX_RESPELL_CHARS = 24


def _known(searcher, term: str) -> bool:
    reader = searcher.reader()
    return any(reader.doc_frequency(f, term) > 0 for f in ("title", "body", "tags_text") if f in searcher.schema)


def _respell(reading: str, vocabulary: Vocabulary) -> str | None:
    """Spell ``reading`` with as few words of the vocabulary as possible (then the commonest).

    Dynamic programming over the reading: ``best[i]`` is the best spelling of ``reading[:i]``.
    """
    n = len(reading)
    longest = min(n, MAX_TERM_CHARS * 2)
    best: list[tuple[int, float, str] | None] = [None] * (n + 1)
    best[0] = (0, 0.0, "")
    for i in range(n):
        if best[i] is None:
            continue
        pieces, weight, spelled = best[i]
        for j in range(i + MIN_RESPELL_READING, min(n, i + longest) + 1):
            ids = vocabulary.by_reading.get(reading[i:j])
            if not ids:
                continue
            candidate = vocabulary.candidates[ids[0]]
            option = (pieces + 1, weight - candidate.weight, spelled + candidate.text)
            if best[j] is None or option[:2] < best[j][:2]:
                best[j] = option
    return best[n][2] if best[n] is not None else None


def _correct_word(word: str, searcher, vocabulary: Vocabulary, dictionary: str | None) -> str:
    """A correction of one query word (the first of the ways below that changes it), or the word."""
    found = morphemes(word, dictionary)
    content = [m for m in found if not m.is_stop]
    options: list[str | None] = []
    if len(word) <= MAX_RESPELL_CHARS:
        readings = [reading_of(m) for m in found]
        if readings and all(readings):  # the whole reading, fewest words: 検策 → 検索 (検, 策 are known)
            options.append(_respell("".join(readings), vocabulary))
        if content and not all(_known(searcher, m.term) for m in content):
            options.append(_respell_unknown(found, searcher, vocabulary))
    key = search_key(word)
    if _LATIN_WORD.fullmatch(key) or _KATAKANA_WORD.fullmatch(key):
        options.append(_nearest(fold_term(key), vocabulary, katakana=not _LATIN_WORD.fullmatch(key)))
    for option in options:
        if option and search_key(option) != key:
            return option
    return word


def _distance(a: str, b: str, limit: int) -> int:
    """Edit distance with transpositions (optimal string alignment); ``limit + 1`` once past ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def _nearest(term: str, vocabulary: Vocabulary, *, katakana: bool = False) -> str | None:
    """The vocabulary word nearest ``term`` by edit distance.

    Latin words of 3+ characters may be 1 edit away (2 from 5 characters on); katakana words, where
    one kana changes the word more (ドッカ, ドット), need 4+ characters and 1 edit (2 from 6 on).
    Only words starting with the term's first or second character are compared (a typo rarely
    hits both), so a lookup stays a few hundred comparisons.
    """
    shortest, longer = (4, 6) if katakana else (3, 5)
    if len(term) < shortest:
        return None
    limit = 1 if len(term) < longer else 2
    best: tuple[int, int] | None = None
    for first in dict.fromkeys(term[:2]):
        lo = bisect.bisect_left(vocabulary.keys, first)
        hi = bisect.bisect_left(vocabulary.keys, first + "\U0010ffff", lo)
        for i in range(lo, hi):
            cid = vocabulary.ids[i]
            if vocabulary.candidates[cid].kind == "title":
                continue
            distance = _distance(term, vocabulary.keys[i], limit)
            if distance <= limit and (best is None or (distance, cid) < best):
                best = (distance, cid)
    if best is None or best[0] == 0:
        return None
    return vocabulary.candidates[best[1]].text


def _respell_unknown(found: list[Morpheme], searcher, vocabulary: Vocabulary) -> str | None:
    """The word with each run of morphemes the index does not know re-spelled by its reading.

    ``検策エンジン`` → 検(?) 策(?) エンジン(known) → ケンサク → 検索 + エンジン.
    :returns: None when a run has no reading or cannot be spelled with the vocabulary.
    """
    pieces: list[str] = []
    run: list[Morpheme] = []

    def flush() -> bool:
        if not run:
            return True
        readings = [reading_of(m) for m in run]
        run.clear()
        if not all(readings):
            return False
        spelled = _respell("".join(readings), vocabulary)
        if spelled is None:
            return False
        pieces.append(spelled)
        return True

    for morpheme in found:
        if morpheme.is_stop or _known(searcher, morpheme.term):
            if not flush():
                return None
            pieces.append(morpheme.surface)
        else:
            run.append(morpheme)
    return "".join(pieces) if flush() else None



def did_you_mean(index: SearchIndex, q: str, *, cache: VersionCache[Vocabulary] | None = None,
                 wait: bool = True) -> str | None:
    """A corrected query that finds posts, for a query ``q`` that found none; else None.

    Plain words are corrected (see the module docstring); operators, phrases, ``-`` exclusions and
    ``field:`` words are kept as typed.

    :param index: the open index.
    :param q: the query as typed.
    :param wait: wait for the vocabulary when none is built yet; if False, answer None meanwhile.
    :returns: the corrected query, or None when nothing better was found.
    """
    from search.querying.searcher import search_posts  # searching imports nothing from here

    text = normalize_query(q)
    if not text or len(text) > MAX_SUGGEST_CHARS * 2:
        return None
    vocabulary = (cache or default_cache).get(index, wait=wait)
    if vocabulary is None or not len(vocabulary):
        return None
    dictionary = index.dictionary
    words = text.split(" ")
    changed = False
    with index.searcher() as searcher:
        for i, word in enumerate(words):
            if word == "OR" or not _PLAIN_WORD.match(word):
                continue
            corrected = _correct_word(word, searcher, vocabulary, dictionary)
            if corrected != word:
                words[i] = corrected
                changed = True
    if not changed:
        return None
    corrected_q = " ".join(words)
    result = search_posts(index, corrected_q, per_page=1, facets=False)
    return corrected_q if result.total and result.match_mode != "relaxed" else None
