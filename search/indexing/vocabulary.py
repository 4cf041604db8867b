"""The suggestion vocabulary: what an index offers to complete, filed for prefix search.

Suggestions (:mod:`search.assist.suggest`) and "did you mean" (:mod:`search.assist.corrections`) work
from the index's vocabulary,
read once per index version (:attr:`search.indexing.index.SearchIndex.cache_key`) into a
:class:`Vocabulary`:

* **tags and categories** of the posts (front matter, original spelling), counted by posts;
* **nouns of the word fields** ``title`` and ``body`` that occur in at least :data:`~search.indexing.candidates.MIN_TERM_POSTS`
  posts, shown as they are written in the posts (``AWS``, ``サーバー``, not the folded terms
  ``aws``, ``サーバ``), each with its katakana reading from Janome; not grammar words written in
  hiragana (こと, ところ); counted by the posts where they stand on their own, not as a piece of a
  user-dictionary word (:func:`~search.indexing.candidates._posts_alone`), so クラ and ウド, seen only in クラウド, are none;
  nor a katakana or Latin word that a longer one starting with it outnumbers (エン of エンコード,
  Janome's own cut, beside エンジニア: :func:`~search.indexing.candidates._without_fragments`);
* **post titles**.

Every candidate is filed under its folded spelling (NFKC, case folded, hiragana → katakana) and,
for words and tags, its reading, in one sorted list, so a completion is a binary search for the
typed prefix: ``とう`` finds 東京 and 投資 by reading, ``くら`` finds クラウド by spelling, ``aw``
finds AWS. While an IME is still converting romaji, the text can end in Latin letters (``けんs``):
the letters are read as the start of the next kana (:data:`search.assist.suggest.ROMAJI_ROWS`),
so 検索 is offered.

Building the vocabulary of the 1,407 posts of the two real test blogs (about 12,000 candidates) took
12 s on a busy 2-core machine, mostly Janome reading the kanji words and the look-up of how kana
and Latin words are written; a completion then takes well under a millisecond.
:class:`~search.indexing.version_cache.VersionCache` builds it once per index version, in the background when an older version
of the same index can keep answering meanwhile.
"""

from __future__ import annotations

import bisect
import heapq
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable


from search.analysis.normalize import normalize_query, to_katakana


#: Default number of suggestions.
DEFAULT_SUGGESTIONS = 8

#: Prefix ranges longer than this are answered from a per-prefix memo instead of a scan.
SCAN_LIMIT = 3000

#: Kinds of suggestion, and the weight of a post carrying the text in ranking.
KIND_WEIGHTS = {"tag": 3.0, "category": 3.0, "term": 1.0, "title": 1.0}


def search_key(text: str) -> str:
    """The form candidates are filed and looked up under: NFKC, case folded, hiragana → katakana.

    >>> search_key("ＡＷＳ Lambda"), search_key("とうきょう")
    ('aws lambda', 'トウキョウ')
    """
    return to_katakana(normalize_query(text).casefold())


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


#: File of a generation holding its vocabulary, written by a full reindex (:func:`save_vocabulary`).
VOCABULARY_FILE = "suggestions.json"


def save_vocabulary(vocabulary: Vocabulary, path: Path) -> None:
    """Write the candidates of ``vocabulary`` to ``path`` as JSON (``[text, kind, reading, posts,
    url, other_readings]`` each), so servers load them instead of running Janome over the index's
    words."""
    rows = [[c.text, c.kind, c.reading, c.posts, c.url, list(c.other_readings)] for c in vocabulary.candidates]
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
