"""Mining an index for the suggestion candidates of its vocabulary (:mod:`search.indexing.vocabulary`):
titles, tags and categories, and the nouns of the word fields as the posts write them.

:func:`vocabulary_of` reads the vocabulary a full reindex saved beside a generation, else builds it
(:func:`build_vocabulary`).
"""

from __future__ import annotations

import bisect
import json
import os
import re
from pathlib import Path
from typing import Callable, Iterable

from whoosh.reading import TermNotFound
from whoosh.searching import Searcher

from search.analysis.janome_tokenizers import janome_tokens, user_dictionary_terms
from search.analysis.morphemes import HAS_KANJI, other_readings
from search.analysis.normalize import KANJI_VARIANT_FORMS, fold_reading, fold_term, normalize_with_offsets, to_katakana

from search.indexing.vocabulary import VOCABULARY_FILE, Candidate, Vocabulary, search_key


#: A word of the posts is a candidate when it occurs in at least this many posts.
MIN_TERM_POSTS = 2

#: Longest candidate word, in characters.
MAX_TERM_CHARS = 30

#: Fields whose terms are candidates (the word fields of :mod:`search.indexing.schema`).
TERM_FIELDS = ("title", "body")

#: Occurrences looked at to find how a term is written in the posts.
SURFACE_SAMPLES = 4

#: Parts of speech (Janome, first level) a candidate word must consist of.
NOUN_TAGS = frozenset({"名詞", "カスタム名詞", "接頭詞"})

#: Kinds of noun (second level) that are no completion: こと, これ, 3, さん.
WEAK_NOUN_TAGS = frozenset({"非自立", "代名詞", "数", "接尾"})

#: A katakana or Latin word is left out when a longer word starting with it is in at least this
#: share of as many posts (:func:`_without_fragments`).
FRAGMENT_RATIO = 0.8

_LATIN_WORD = re.compile(r"[a-z0-9][a-z0-9.+#_-]*")

_HAS_LETTER = re.compile(r"[^\W\d_]")

_KANJI_ONLY = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")

_HIRAGANA = re.compile(r"[\u3041-\u309fー]+")

_KATAKANA = re.compile(r"[\u30a1-\u30feー]+")


def _reading_and_nouns(text: str) -> tuple[str, bool, tuple[str, ...]]:
    """Janome's katakana reading of ``text``, whether it is a content noun (not こと, これ, 3), and
    the dictionary's other readings of it when it is one word (日本: ニッポン, also ニホン).

    Latin letters and digits read as themselves (``生成AI`` → ``セイセイai``).

    :returns: ``(reading, nouns, other_readings)``; the reading is ``""`` when a piece has none.
    """
    parts: list[str] = []
    nouns = True
    text = normalize_with_offsets(text).text  # as the posts were read (NFKC, 髙 → 高)
    tokens = janome_tokens(text)
    for token in tokens:
        tag, _, rest = token.part_of_speech.partition(",")
        if tag not in NOUN_TAGS or rest.split(",", 1)[0] in WEAK_NOUN_TAGS:
            nouns = False
        reading = token.reading if token.reading != "*" else ""
        if not reading:
            kana = to_katakana(token.surface)
            if _KATAKANA.fullmatch(kana):
                reading = kana
            elif token.surface.isascii() and token.surface.isalnum():
                reading = token.surface.casefold()  # 生成AI reads セイセイai: せいせい completes it
        if not reading:
            return "", nouns, ()
        parts.append(reading)
    others = ()
    if len(tokens) == 1:
        others = tuple(fold_reading(r) for r in other_readings(text, tokens[0].part_of_speech, parts[0]))
    return "".join(parts), nouns, others


def _is_word_like(term: str) -> bool:
    return (2 <= len(term) <= MAX_TERM_CHARS and _HAS_LETTER.search(term) is not None
            and not term.startswith(("http", "www.")))


def _surface(term: str, occurrences: list[tuple[str, int, int]]) -> str:
    """How ``term`` is written where it occurs: the commonest surface that folds back to it."""
    counts: dict[str, int] = {}
    for text, start, end in occurrences:
        surface = text[start:end]
        if fold_term(normalize_with_offsets(surface).text) == term:
            counts[surface] = counts.get(surface, 0) + 1
    if not counts:
        return ""
    return max(counts.items(), key=lambda item: (item[1], item[0] != item[0].lower()))[0]


def _sampled_surface(reader, term: str, stored_text) -> str:
    """:func:`_surface` over the first :data:`SURFACE_SAMPLES` occurrences in the word fields."""
    occurrences: list[tuple[str, int, int]] = []
    btext = term.encode("utf-8")
    for fieldname in TERM_FIELDS:
        if len(occurrences) >= SURFACE_SAMPLES:
            continue
        try:  # (one term look-up: a term absent from the field has no postings)
            matcher = reader.postings(fieldname, btext)
        except TermNotFound:
            continue
        while matcher.is_active() and len(occurrences) < SURFACE_SAMPLES:
            text = stored_text(matcher.id(), fieldname)
            occurrences.extend((text, start, end) for _, start, end in matcher.value_as("characters")[:SURFACE_SAMPLES])
            matcher.next()
    return _surface(term, occurrences)


def _holders(terms: Iterable[str], longer_terms: Iterable[str]) -> dict[str, set[str]]:
    """Each of ``terms`` that is part of some of ``longer_terms`` → those longer terms."""
    wanted = set(terms)
    found: dict[str, set[str]] = {}
    for word in longer_terms:
        for length in range(2, len(word)):
            for start in range(len(word) - length + 1):
                part = word[start:start + length]
                if part in wanted:
                    found.setdefault(part, set()).add(word)
    return found


def _positions(reader, fieldname: str, term: str) -> dict[int, set[int]]:
    """Document number → the positions of ``term`` in ``fieldname`` there (none if it is not there)."""
    found: dict[int, set[int]] = {}
    btext = term.encode("utf-8")
    if (fieldname, btext) not in reader:
        return found
    matcher = reader.postings(fieldname, btext)
    while matcher.is_active():
        found[matcher.id()] = set(matcher.value_as("positions"))
        matcher.next()
    return found


def _posts_alone(reader, fieldname: str, term: str, holders: Iterable[str]) -> int:
    """How many posts have ``term`` in ``fieldname`` on its own, not only as a piece of a holder.

    A user-dictionary word is indexed with the pieces Janome's own dictionary cuts it into, at the
    word's position (:func:`search.analysis.morphemes.morphemes`): クラウド with クラ and ウド. A piece is no
    completion — typed ``くら``, the reader wants クラウド — so an occurrence of ``term`` counts only
    at a position where none of ``holders`` (the dictionary words containing it) stands too.
    """
    positions = _positions(reader, fieldname, term)
    covered: dict[int, set[int]] = {}
    for word in holders:
        for docnum, places in _positions(reader, fieldname, word).items():
            if docnum in positions:
                covered.setdefault(docnum, set()).update(places)
    return sum(1 for docnum, places in positions.items() if not places <= covered.get(docnum, set()))


def _without_fragments(words: list[Candidate], keywords: Iterable[tuple[str, int]] = ()) -> list[Candidate]:
    """Drop katakana and Latin words much rarer than a longer word of the posts starting with them.

    Janome also cuts words that no dictionary holds (エンコード → エン + コード): a short word that
    a longer one starting with it outnumbers is mostly such a fragment, and what a reader typing it
    wants is the longer word (エン → エンジニア). A word goes when a longer one is in at least
    :data:`FRAGMENT_RATIO` as many posts (サーバ ⊂ サーバーレス stays); a real word can go too
    (メモ beside メモリ). Pieces of user-dictionary words are not counted at all (:func:`_posts_alone`).

    :param keywords: ``(search key, posts)`` of the words the posts also carry as tags or
        categories (offered as those, not in ``words``), which count as longer words all the same.
    """
    keyed = sorted([(search_key(c.text), c.posts) for c in words] + list(keywords))
    keys = [key for key, _ in keyed]
    kept = []
    for candidate in words:
        key = search_key(candidate.text)
        if candidate.kind == "term" and not HAS_KANJI.search(key):
            i = bisect.bisect_right(keys, key)
            longest = 0
            while i < len(keys) and keys[i].startswith(key):
                longest = max(longest, keyed[i][1])
                i += 1
            if longest >= candidate.posts * FRAGMENT_RATIO:
                continue
        kept.append(candidate)
    return kept


def _user_dictionary(schema) -> str | None:
    """The user dictionary the word fields were analyzed with (:func:`search.analysis.analyzers.word_analyzer`)."""
    for fieldname in TERM_FIELDS:
        if fieldname in schema:
            return getattr(schema[fieldname].analyzer, "dictionary", None)
    return None


def build_vocabulary(searcher: Searcher, *, fork: bool = False) -> Vocabulary:
    """Read the suggestion candidates of an index (see the module docstring).

    Janome runs only on words with kanji (for their reading and part of speech); how a word is
    written is looked up in the posts only when folding may have changed it (kana, Latin letters).

    :param searcher: a Whoosh searcher on the index (:meth:`~search.indexing.index.SearchIndex.searcher`).
    :param fork: let a forked child work out every other word, with its own reader of the index
        (:func:`search.indexing.fork_map.map_forked`: a rebuild, in a single-threaded process).
    :returns: the vocabulary; empty for an empty index.
    """
    reader = searcher.reader()
    schema = searcher.schema
    dictionary_terms = user_dictionary_terms(_user_dictionary(schema))
    candidates: list[Candidate] = []
    stored: dict[int, dict] = {}
    stored_text = _stored_text(reader, stored)

    # Titles: every post's, as written.
    for docnum in reader.all_doc_ids():
        title = stored_text(docnum, "title").strip()
        if title:
            candidates.append(Candidate(title, "title", "", 1, stored_text(docnum, "url")))

    # Tags and categories: front-matter values with the number of posts carrying each.
    for kind, fieldname in (("tag", "tag"), ("category", "category")):
        if fieldname not in schema:
            continue
        for btext, info in reader.iter_field(fieldname):
            text = schema[fieldname].from_bytes(btext)
            reading, _, others = _reading_and_nouns(text) if not text.isascii() else ("", False, ())
            candidates.append(Candidate(text, kind, fold_reading(reading) if reading else "", info.doc_frequency(),
                                        other_readings=others))
    keyword_keys = {search_key(c.text) for c in candidates if c.kind in ("tag", "category")}

    # Words of the posts: nouns in enough posts on their own, spelled as the posts spell them.
    posts_per_term: dict[str, int] = {}
    for fieldname in TERM_FIELDS:
        if fieldname not in schema:
            continue
        field_terms: dict[str, int] = {}
        for btext, info in reader.iter_field(fieldname):
            df = info.doc_frequency()
            if df < MIN_TERM_POSTS:
                continue
            term = btext.decode("utf-8")
            if _is_word_like(term):
                field_terms[term] = df
        for term, holders in _holders(field_terms, dictionary_terms).items():
            field_terms[term] = _posts_alone(reader, fieldname, term, holders)
        for term, posts in field_terms.items():
            if posts >= MIN_TERM_POSTS:
                posts_per_term[term] = max(posts_per_term.get(term, 0), posts)

    def word_candidate() -> Callable[[tuple[str, int]], Candidate | tuple[str, int] | None]:
        if os.getpid() == parent:
            own, own_text = reader, stored_text
        else:  # a reader with file positions of its own; the stored fields all read already (titles)
            own = searcher._ix.reader()
            own_text = _stored_text(own, stored)
        return lambda item: _word_candidate(own, own_text, *item, keyword_keys, dictionary_terms)

    from search.indexing.fork_map import map_forked

    parent = os.getpid()
    words: list[Candidate] = []
    keywords: list[tuple[str, int]] = []  # words offered as a tag or category instead
    for found in map_forked(word_candidate, list(posts_per_term.items()), fork=fork and hasattr(searcher, "_ix")):
        if isinstance(found, Candidate):
            words.append(found)
        elif found is not None:
            keywords.append(found)
    return Vocabulary(candidates + _without_fragments(words, keywords))


def _stored_text(reader, stored: dict[int, dict]) -> Callable[[int, str], str]:
    """``stored_text(docnum, fieldname)``: a stored field of a post, each post's fields read once
    into ``stored`` (document number → fields)."""

    def stored_text(docnum: int, fieldname: str) -> str:
        fields = stored.get(docnum)
        if fields is None:
            fields = stored[docnum] = reader.stored_fields(docnum)
        return fields.get(fieldname) or ""

    return stored_text


def _word_candidate(reader, stored_text, term: str, posts: int, keyword_keys: set[str],
                    dictionary_terms: frozenset[str]) -> Candidate | tuple[str, int] | None:
    """A word of the posts (``term`` in ``posts`` posts) as a candidate; ``(search key, posts)`` if a
    tag or category has its key (offered as that instead); None if it is no completion."""
    if (_KANJI_ONLY.fullmatch(term) and not any(a == b for a, b in zip(term, term[1:]))
            and KANJI_VARIANT_FORMS.isdisjoint(term)):
        surface = term  # folding leaves kanji alone (but 人々 is indexed as 人人, 髙橋 as 高橋)
    else:
        surface = _sampled_surface(reader, term, stored_text)
    if not surface or _HIRAGANA.fullmatch(surface):
        return None  # hiragana-only words are mostly grammar (こと, ところ, とき)
    if search_key(surface) in keyword_keys:
        return search_key(surface), posts
    if _LATIN_WORD.fullmatch(term):
        return Candidate(surface, "term", "", posts)
    if _KATAKANA.fullmatch(term):
        return Candidate(surface, "term", term, posts)
    reading, nouns, others = _reading_and_nouns(surface)
    if nouns or term in dictionary_terms:  # also 脆弱性, which Janome alone cuts into 脆弱 + suffix 性
        return Candidate(surface, "term", fold_reading(reading) if reading else "", posts, other_readings=others)
    return None


def vocabulary_of(searcher: Searcher) -> Vocabulary:
    """The vocabulary of the searcher's index: read from its :data:`VOCABULARY_FILE` when a full
    reindex wrote one (and it is readable), else built (:func:`build_vocabulary`)."""
    storage = getattr(getattr(searcher, "_ix", None), "storage", None)
    folder = getattr(storage, "folder", None)
    if folder is not None:
        try:
            rows = json.loads((Path(folder) / VOCABULARY_FILE).read_text(encoding="utf-8"))
            return Vocabulary([Candidate(*row[:5], other_readings=tuple(row[5] if len(row) > 5 else ()))
                               for row in rows])
        except (OSError, ValueError, TypeError):
            pass  # none written (an incremental update) or unreadable: build it
    return build_vocabulary(searcher)
