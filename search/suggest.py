"""Suggestions while typing, from the index's own vocabulary.

Suggestions (and "did you mean", :mod:`search.corrections`) work from the index's vocabulary,
read once per index version (:attr:`search.index.SearchIndex.cache_key`) into a
:class:`Vocabulary`:

* **tags and categories** of the posts (front matter, original spelling), counted by posts;
* **nouns of the word fields** ``title`` and ``body`` that occur in at least :data:`MIN_TERM_POSTS`
  posts, shown as they are written in the posts (``AWS``, ``サーバー``, not the folded terms
  ``aws``, ``サーバ``), each with its katakana reading from Janome; not grammar words written in
  hiragana (こと, ところ); counted by the posts where they stand on their own, not as a piece of a
  user-dictionary word (:func:`_posts_alone`), so クラ and ウド, seen only in クラウド, are none;
  nor a katakana or Latin word that a longer one starting with it outnumbers (エン of エンコード,
  Janome's own cut, beside エンジニア: :func:`_without_fragments`);
* **post titles**.

Every candidate is filed under its folded spelling (NFKC, case folded, hiragana → katakana) and,
for words and tags, its reading, in one sorted list, so a completion is a binary search for the
typed prefix: ``とう`` finds 東京 and 投資 by reading, ``くら`` finds クラウド by spelling, ``aw``
finds AWS. While an IME is still converting romaji, the text can end in Latin letters (``けんs``):
the letters are read as the start of the next kana (:data:`ROMAJI_ROWS`), so 検索 is offered.

Building the vocabulary of the 1,407 posts of the two real test blogs (about 12,000 candidates) took
12 s on a busy 2-core machine, mostly Janome reading the kanji words and the look-up of how kana
and Latin words are written; a completion then takes well under a millisecond.
:class:`VersionCache` builds it once per index version, in the background when an older version
of the same index can keep answering meanwhile.
"""

from __future__ import annotations

import bisect
import heapq
import json
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Generic, Iterable, TypeVar

from whoosh.searching import Searcher

from search.analysis import HAS_KANJI, janome_tokens, other_readings, user_dictionary_terms
from search.index import SearchIndex
from search.normalize import KANJI_VARIANT_FORMS, fold_term, normalize_query, normalize_with_offsets, to_katakana

T = TypeVar("T")

#: Longest input, in characters, that suggestions are computed for (longer input gets none).
MAX_SUGGEST_CHARS = 64
#: Most suggestions returned by one call.
MAX_SUGGESTIONS = 20
#: Default number of suggestions.
DEFAULT_SUGGESTIONS = 8
#: Of the default suggestions, at most this many are post titles.
MAX_TITLE_SUGGESTIONS = 3
#: A word of the posts is a candidate when it occurs in at least this many posts.
MIN_TERM_POSTS = 2
#: Longest candidate word, in characters.
MAX_TERM_CHARS = 30
#: Fields whose terms are candidates (the word fields of :mod:`search.schema`).
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
#: Prefix ranges longer than this are answered from a per-prefix memo instead of a scan.
SCAN_LIMIT = 3000
#: Kinds of suggestion, and the weight of a post carrying the text in ranking.
KIND_WEIGHTS = {"tag": 3.0, "category": 3.0, "term": 1.0, "title": 1.0}

#: The kana a romaji letter typed mid-conversion can begin (``けんs`` → ケンサ, ケンシ, …).
ROMAJI_ROWS = {
    "a": "ア", "i": "イ", "u": "ウ", "e": "エ", "o": "オ",
    "k": "カキクケコ", "g": "ガギグゲゴ", "s": "サシスセソ", "z": "ザジズゼゾ", "j": "ジ",
    "t": "タチツテトッ", "c": "チ", "d": "ダヂヅデド", "n": "ナニヌネノン", "h": "ハヒフヘホ",
    "f": "フ", "b": "バビブベボ", "p": "パピプペポ", "m": "マミムメモ", "y": "ヤユヨ",
    "r": "ラリルレロ", "l": "ァィゥェォャュョッ", "x": "ァィゥェォャュョッ", "w": "ワヲウ", "v": "ヴ",
}
_ROMAJI_TAIL = re.compile(r"(?<=[\u3041-\u30fcー])([a-z]+)$")
_LATIN_WORD = re.compile(r"[a-z0-9][a-z0-9.+#_-]*")
_HAS_LETTER = re.compile(r"[^\W\d_]")
_KANJI_ONLY = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_HIRAGANA = re.compile(r"[\u3041-\u309fー]+")
_KATAKANA = re.compile(r"[\u30a1-\u30feー]+")


def search_key(text: str) -> str:
    """The form candidates are filed and looked up under: NFKC, case folded, hiragana → katakana.

    >>> search_key("ＡＷＳ Lambda"), search_key("とうきょう")
    ('aws lambda', 'トウキョウ')
    """
    return to_katakana(normalize_query(text).casefold())


@dataclass(frozen=True)
class Suggestion:
    """One completion.

    :ivar text: the word, tag or title as written in the posts.
    :ivar query: the whole query to search for: the words typed before the last one, then ``text``
        (for a title: the title).
    :ivar kind: ``tag``, ``category``, ``term`` (a word of the posts) or ``title``.
    :ivar reading: katakana reading, Latin letters as they are (``""`` for titles and Latin words).
    :ivar posts: how many posts carry it.
    :ivar url: the post's URL, for a title (``""`` otherwise).
    """

    text: str
    query: str
    kind: str
    reading: str = ""
    posts: int = 0
    url: str = ""

    def to_json(self) -> dict:
        """``{"text", "query", "kind", "reading", "posts"}`` plus ``"url"`` for a title."""
        data = {"text": self.text, "query": self.query, "kind": self.kind, "reading": self.reading,
                "posts": self.posts}
        if self.kind == "title":
            data["url"] = self.url
        return data


@dataclass(frozen=True)
class Candidate:
    """A completion candidate of the vocabulary (see the module docstring)."""

    text: str
    kind: str
    reading: str
    posts: int
    url: str = ""
    other_readings: tuple[str, ...] = ()  # 日本 reads ニッポン, also ニホン (analysis.other_readings)

    @property
    def weight(self) -> float:
        return self.posts * KIND_WEIGHTS[self.kind]


@dataclass
class Vocabulary:
    """Candidates of one index version, filed for prefix search.

    :ivar candidates: every candidate, best (heaviest) first, so a lower id ranks higher.
    :ivar keys: sorted lookup keys; ``ids[i]`` is the candidate filed under ``keys[i]``.
    :ivar by_reading: reading → ids of words and tags with that reading, best first.
    """

    candidates: list[Candidate]
    keys: list[str] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)
    by_reading: dict[str, list[int]] = field(default_factory=dict)
    _memo: dict[str, list[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.candidates.sort(key=lambda c: (-c.weight, c.kind == "title", len(c.text), c.text))
        entries: set[tuple[str, int]] = set()
        for cid, candidate in enumerate(self.candidates):
            entries.add((search_key(candidate.text), cid))
            if candidate.reading and candidate.kind != "title":
                for reading in (candidate.reading, *candidate.other_readings):
                    entries.add((reading, cid))
                    self.by_reading.setdefault(reading, []).append(cid)
        ordered = sorted(entries)
        self.keys = [key for key, _ in ordered]
        self.ids = [cid for _, cid in ordered]

    def __len__(self) -> int:
        return len(self.candidates)

    def lookup(self, prefix: str, *, next_kana: str = "", kinds: Iterable[str] | None = None,
               limit: int = DEFAULT_SUGGESTIONS) -> list[Candidate]:
        """The best candidates filed under a key starting with ``prefix`` (then one of ``next_kana``).

        :param prefix: a :func:`search_key` form.
        :param next_kana: if given, the character after the prefix must be one of these.
        :param kinds: only these kinds (all when None).
        :param limit: most candidates returned.
        :returns: best first, each candidate once; of words, tags and categories with the same
            :func:`search_key` (クラウド as a tag and as a category), only the best (a word the posts
            carry as a tag and as a category is one suggestion). Titles may repeat: each is a post.
        """
        prefixes = [prefix + kana for kana in next_kana] if next_kana else [prefix]
        wanted = set(kinds) if kinds is not None else None
        found: set[int] = set()
        for start in prefixes:
            found.update(self._ids_with_prefix(start))
        best: list[Candidate] = []
        taken: set[str] = set()
        for cid in sorted(found):
            candidate = self.candidates[cid]
            if wanted is not None and candidate.kind not in wanted:
                continue
            if candidate.kind != "title":
                key = search_key(candidate.text)
                if key in taken:
                    continue
                taken.add(key)
            best.append(candidate)
            if len(best) >= limit:
                break
        return best

    def _ids_with_prefix(self, prefix: str) -> list[int]:
        """Ids filed under ``prefix…`` (any order); of a range over :data:`SCAN_LIMIT`, the best that many."""
        lo = bisect.bisect_left(self.keys, prefix)
        hi = bisect.bisect_left(self.keys, prefix + "\U0010ffff", lo)
        if hi - lo <= SCAN_LIMIT:
            return self.ids[lo:hi]
        memo = self._memo.get(prefix)
        if memo is None:
            memo = heapq.nsmallest(SCAN_LIMIT, set(self.ids[lo:hi]))
            self._memo[prefix] = memo
        return memo


# -- building -----------------------------------------------------------------------------------


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
        others = tuple(fold_term(r) for r in other_readings(text, tokens[0].part_of_speech, parts[0]))
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
        if len(occurrences) >= SURFACE_SAMPLES or not reader.doc_frequency(fieldname, btext):
            continue
        matcher = reader.postings(fieldname, btext)
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
    word's position (:func:`search.analysis.morphemes`): クラウド with クラ and ウド. A piece is no
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
    """The user dictionary the word fields were analyzed with (:func:`search.analysis.word_analyzer`)."""
    for fieldname in TERM_FIELDS:
        if fieldname in schema:
            return getattr(schema[fieldname].analyzer, "dictionary", None)
    return None


def build_vocabulary(searcher: Searcher) -> Vocabulary:
    """Read the suggestion candidates of an index (see the module docstring).

    Janome runs only on words with kanji (for their reading and part of speech); how a word is
    written is looked up in the posts only when folding may have changed it (kana, Latin letters).

    :param searcher: a Whoosh searcher on the index (:meth:`SearchIndex.searcher`).
    :returns: the vocabulary; empty for an empty index.
    """
    reader = searcher.reader()
    schema = searcher.schema
    dictionary_terms = user_dictionary_terms(_user_dictionary(schema))
    candidates: list[Candidate] = []
    stored: dict[int, dict] = {}

    def stored_text(docnum: int, fieldname: str) -> str:
        fields = stored.get(docnum)
        if fields is None:
            fields = stored[docnum] = reader.stored_fields(docnum)
        return fields.get(fieldname) or ""

    # Titles: every post's, as written.
    for docnum in reader.all_doc_ids():
        title = stored_text(docnum, "title").strip()
        if title:
            candidates.append(Candidate(title, "title", "", 1, stored[docnum].get("url", "")))

    # Tags and categories: front-matter values with the number of posts carrying each.
    for kind, fieldname in (("tag", "tag"), ("category", "category")):
        if fieldname not in schema:
            continue
        for btext, info in reader.iter_field(fieldname):
            text = schema[fieldname].from_bytes(btext)
            reading, _, others = _reading_and_nouns(text) if not text.isascii() else ("", False, ())
            candidates.append(Candidate(text, kind, fold_term(reading) if reading else "", info.doc_frequency(),
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
    words: list[Candidate] = []
    keywords: list[tuple[str, int]] = []  # words offered as a tag or category instead
    for term, posts in posts_per_term.items():
        if (_KANJI_ONLY.fullmatch(term) and not any(a == b for a, b in zip(term, term[1:]))
                and KANJI_VARIANT_FORMS.isdisjoint(term)):
            surface = term  # folding leaves kanji alone (but 人々 is indexed as 人人, 髙橋 as 高橋)
        else:
            surface = _sampled_surface(reader, term, stored_text)
        if not surface or _HIRAGANA.fullmatch(surface):
            continue  # hiragana-only words are mostly grammar (こと, ところ, とき)
        if search_key(surface) in keyword_keys:
            keywords.append((search_key(surface), posts))
            continue
        if _LATIN_WORD.fullmatch(term):
            words.append(Candidate(surface, "term", "", posts))
        elif _KATAKANA.fullmatch(term):
            words.append(Candidate(surface, "term", term, posts))
        else:
            reading, nouns, others = _reading_and_nouns(surface)
            if nouns or term in dictionary_terms:  # also 脆弱性, which Janome alone cuts into 脆弱 + suffix 性
                words.append(Candidate(surface, "term", fold_term(reading) if reading else "", posts,
                                       other_readings=others))
    return Vocabulary(candidates + _without_fragments(words, keywords))


#: File of a generation holding its vocabulary, written by a full reindex (:func:`save_vocabulary`).
VOCABULARY_FILE = "suggestions.json"


def save_vocabulary(vocabulary: Vocabulary, path: Path) -> None:
    """Write the candidates of ``vocabulary`` to ``path`` as JSON (``[text, kind, reading, posts,
    url, other_readings]`` each), so servers load them instead of running Janome over the index's
    words."""
    rows = [[c.text, c.kind, c.reading, c.posts, c.url, list(c.other_readings)] for c in vocabulary.candidates]
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")


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


class VersionCache(Generic[T]):
    """Data derived from an index (by ``build(searcher)``), built once per index version.

    Each index directory (:attr:`SearchIndex.index_root`) has its own data, never another's.
    While the data of a new version (after a reindex) is being built in the background, that
    index's previous version's keeps answering; only an index's very first build is waited for.

    :param build: reads what it needs from a searcher; runs outside any lock of this class.
    :param name: names the background thread.
    """

    def __init__(self, build: Callable[[Searcher], T], name: str) -> None:
        self._build_data = build
        self._name = name
        self._lock = threading.Lock()
        self._building: dict[tuple, threading.Event] = {}
        self._data: dict[Path, tuple[tuple, T]] = {}  # index root → (version key, data)

    def get(self, index: SearchIndex, *, wait: bool = True) -> T | None:
        """The data of the version ``index`` serves now (or of its previous one, see above).

        :param wait: wait for the build when there is no data of this index yet; else return None then.
        """
        key = index.cache_key
        known = self._data.get(index.index_root)
        if known is not None and known[0] == key:
            return known[1]
        with self._lock:
            event = self._building.get(key)
            starter = event is None
            if starter:
                event = self._building[key] = threading.Event()
        if starter:
            if known is None and wait:
                self._build(index, key, event)
            else:
                threading.Thread(target=self._build, args=(index, key, event), daemon=True,
                                 name=self._name).start()
        if known is None and wait:
            event.wait()
        known = self._data.get(index.index_root)
        return known[1] if known is not None else None

    def _build(self, index: SearchIndex, key: tuple, event: threading.Event) -> None:
        try:
            with index.searcher() as searcher:
                data = self._build_data(searcher)
            with self._lock:
                self._data[index.index_root] = (key, data)
        finally:
            event.set()
            with self._lock:
                self._building.pop(key, None)


#: The process's vocabularies, shared by every caller of :func:`suggest` and :func:`did_you_mean`.
default_cache: VersionCache[Vocabulary] = VersionCache(vocabulary_of, "kensaku-suggest-build")


def _split_input(q: str) -> tuple[str, str, str]:
    """``(words before the last, the last word's key, romaji tail)`` of typed input."""
    text = normalize_query(q)
    before, _, last = text.rpartition(" ")
    key = search_key(last)
    tail = ""
    match = _ROMAJI_TAIL.search(key)
    if match:
        tail = match.group(1)
        key = key[:match.start()]
    return before, key, tail


def suggest(index: SearchIndex, q: str, *, limit: int = DEFAULT_SUGGESTIONS,
            cache: VersionCache[Vocabulary] | None = None, wait: bool = True) -> list[Suggestion]:
    """Completions of what a reader is typing: words and tags for the last word, then titles.

    :param index: the open index.
    :param q: the input so far (any width; hiragana, katakana, kanji or Latin). Empty input, input
        of only spaces, or input longer than :data:`MAX_SUGGEST_CHARS` gets no suggestions.
    :param limit: most suggestions, 1 to :data:`MAX_SUGGESTIONS`; at most
        :data:`MAX_TITLE_SUGGESTIONS` (or a third of ``limit``, if larger) are titles.
    :param wait: wait for the vocabulary when none is built yet; if False, answer ``[]`` meanwhile.
    :returns: best first; words and tags before titles.
    :raises ValueError: ``limit`` out of range.
    :raises IndexNotBuiltError, StaleIndexError: the index cannot be used.
    """
    if not 1 <= limit <= MAX_SUGGESTIONS:
        raise ValueError(f"limit must be between 1 and {MAX_SUGGESTIONS}.")
    if not q or len(q) > MAX_SUGGEST_CHARS or not q.strip():
        return []
    vocabulary = (cache or default_cache).get(index, wait=wait)
    if vocabulary is None:
        return []
    before, key, tail = _split_input(q)
    if not key:
        return []
    next_kana = ""
    if tail:
        next_kana = ROMAJI_ROWS.get(tail[0], "")
        if not next_kana:
            return []
    title_limit = min(limit, max(MAX_TITLE_SUGGESTIONS, limit // 3))
    words = vocabulary.lookup(key, next_kana=next_kana, kinds=("tag", "category", "term"), limit=limit)
    whole_key = search_key(f"{before} {key}" if before else key)
    titles = vocabulary.lookup(whole_key, next_kana=next_kana, kinds=("title",), limit=title_limit)
    word_count = min(len(words), limit - min(len(titles), title_limit))
    prefix = f"{before} " if before else ""
    result = [Suggestion(c.text, prefix + c.text, c.kind, c.reading, c.posts) for c in words[:word_count]]
    result += [Suggestion(c.text, c.text, "title", "", c.posts, c.url) for c in titles[:limit - word_count]]
    return result
