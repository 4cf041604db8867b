"""Suggestions while typing, from the index's own vocabulary.

The candidates — tags, categories, words of the posts and titles, filed by spelling and reading —
are mined from an index once per index version (:mod:`search.indexing.vocabulary`) and shared by
the process (:data:`default_cache`, also used by "did you mean", :mod:`search.assist.corrections`).
A completion is a binary search for the typed prefix: ``とう`` finds 東京 and 投資 by reading,
``くら`` finds クラウド by spelling, ``aw`` finds AWS. While an IME is still converting romaji, the
text can end in Latin letters (``けんs``): the letters are read as the start of the next kana
(:data:`ROMAJI_ROWS`), so 検索 is offered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


from search.indexing.candidates import vocabulary_of
from search.indexing.index import SearchIndex
from search.indexing.version_cache import VersionCache
from search.indexing.vocabulary import DEFAULT_SUGGESTIONS, Vocabulary, search_key
from search.analysis.normalize import normalize_query


#: Longest input, in characters, that suggestions are computed for (longer input gets none).
MAX_SUGGEST_CHARS = 64
#: Most suggestions returned by one call.
MAX_SUGGESTIONS = 20
#: Of the default suggestions, at most this many are post titles.
MAX_TITLE_SUGGESTIONS = 3

#: The kana a romaji letter typed mid-conversion can begin (``けんs`` → ケンサ, ケンシ, …).
ROMAJI_ROWS = {
    "a": "ア", "i": "イ", "u": "ウ", "e": "エ", "o": "オ",
    "k": "カキクケコ", "g": "ガギグゲゴ", "s": "サシスセソ", "z": "ザジズゼゾ", "j": "ジ",
    "t": "タチツテトッ", "c": "チ", "d": "ダヂヅデド", "n": "ナニヌネノン", "h": "ハヒフヘホ",
    "f": "フ", "b": "バビブベボ", "p": "パピプペポ", "m": "マミムメモ", "y": "ヤユヨ",
    "r": "ラリルレロ", "l": "ァィゥェォャュョッ", "x": "ァィゥェォャュョッ", "w": "ワヲウ", "v": "ヴ",
}
_ROMAJI_TAIL = re.compile(r"(?<=[\u3041-\u30fcー])([a-z]+)$")


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


# -- building -----------------------------------------------------------------------------------


#: The process's vocabularies, shared by every caller of :func:`suggest` and :func:`~search.assist.corrections.did_you_mean`.
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
    :raises IndexNotBuiltError, StaleIndexError, DamagedIndexError: the index cannot be used.
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
