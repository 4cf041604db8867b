"""Analysis: Japanese text → Whoosh tokens, the same at index and query time.

Contract (Whoosh's, see ``whoosh.analysis``): a *tokenizer* takes a string and yields
``whoosh.analysis.Token`` objects; a *token filter* takes tokens and yields tokens; an *analyzer*
is a tokenizer composed with filters by ``|``. Every token carries ``startchar``/``endchar``
offsets into exactly the string that was passed in (the text shown to readers), so highlights
land on the right characters even after NFKC changed lengths.

Three analyzers, all fed by one Janome pass per text where they share it:

* :func:`word_analyzer` — morphemes. Janome (IPADIC) segments the NFKC text; particles,
  auxiliaries, symbols and whitespace are dropped (:data:`~search.analysis.morphemes.STOP_TAGS`), verbs and adjectives are
  reduced to their base form (``投資した`` → 投資 + する), every term is folded by
  :func:`search.analysis.normalize.fold_term`. One-character words are kept (猫, 都). Positions count
  every content *and* stop token, so a phrase of query tokens only matches where the same
  tokens stood next to each other.
* :func:`ngram_analyzer` — character bigrams of each CJK run (kanji, kana) plus the run's last
  character, and whole Latin/digit words, all folded. It finds words inside compounds that the
  dictionary does not split (キャプチャ in キャプチャツール) and never matches a multi-character
  query by a single character: a query becomes a phrase of adjacent bigrams (the approach of
  Lucene's CJKBigramFilter and Groonga's TokenBigram).
* :func:`reading_analyzer` — the katakana reading of each word (投資 → トウシ), so a hiragana
  query can find the kanji it reads as: one term per word, so a kana query that is a word's
  reading is one term lookup, and several words' readings in a row a phrase of them.

Janome runs in :mod:`search.analysis.morphemes`, bigrams come from :mod:`search.analysis.ngrams` and
readings from :mod:`search.analysis.readings`.
"""

from __future__ import annotations

import functools
from typing import Iterable, Iterator

from whoosh.analysis import Token, Tokenizer

from search.analysis.morphemes import Morpheme, morphemes
from search.analysis.ngrams import ngrams
from search.analysis.readings import text_readings



def _make_token(positions: bool, chars: bool, removestops: bool, mode: str, **kwargs) -> Token:
    return Token(positions, chars, removestops=removestops, mode=mode, **kwargs)


class WordTokenizer(Tokenizer):
    """Janome morphemes as folded terms; stop tokens dropped (or marked ``stopped``).

    With ``removestops=False`` (Whoosh's highlighter asks for that) stop tokens are yielded with
    ``token.stopped = True``.

    :param dictionary: path of the user dictionary to segment with (kept as a string, so the
        tokenizer pickles into the Whoosh schema).
    """

    def __init__(self, dictionary: str | None = None) -> None:
        self.dictionary = dictionary

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and getattr(other, "dictionary", None) == self.dictionary

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.dictionary))

    def __call__(self, value: str, positions: bool = False, chars: bool = False, keeporiginal: bool = False,
                 removestops: bool = True, start_pos: int = 0, start_char: int = 0, tokenize: bool = True,
                 mode: str = "", **kwargs) -> Iterator[Token]:
        token = _make_token(positions, chars, removestops, mode, **kwargs)
        for morpheme in morphemes(value, self.dictionary):
            stop = morpheme.is_stop
            if stop and removestops:
                continue
            if morpheme.is_mark:
                continue
            token.text = morpheme.term
            token.stopped = stop
            token.boost = 1.0
            if keeporiginal:
                token.original = value[morpheme.start:morpheme.end]
            if positions:
                token.pos = start_pos + morpheme.position
            if chars:
                token.startchar = start_char + morpheme.start
                token.endchar = start_char + morpheme.end
            yield token


class ReadingTokenizer(WordTokenizer):
    """The katakana reading of each word of a text (:func:`reading_words`), for kana queries, and
    the furigana of an :class:`~search.analysis.readings.AnnotatedText` (:func:`ruby_readings`)."""

    def __call__(self, value: str, positions: bool = False, chars: bool = False, keeporiginal: bool = False,
                 removestops: bool = True, start_pos: int = 0, start_char: int = 0, tokenize: bool = True,
                 mode: str = "", **kwargs) -> Iterator[Token]:
        token = _make_token(positions, chars, removestops, mode, **kwargs)
        for text, position, start, end in text_readings(value, self.dictionary):
            token.text = text
            token.stopped = False
            token.boost = 1.0
            if positions:
                token.pos = start_pos + position
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + end
            yield token


# -- character n-grams -------------------------------------------------------------------------


class NgramTokenizer(Tokenizer):
    """Whoosh tokenizer over :func:`ngrams` (``mode="query"`` gives query grams)."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self).__name__)

    def __call__(self, value: str, positions: bool = False, chars: bool = False, keeporiginal: bool = False,
                 removestops: bool = True, start_pos: int = 0, start_char: int = 0, tokenize: bool = True,
                 mode: str = "", **kwargs) -> Iterator[Token]:
        token = _make_token(positions, chars, removestops, mode, **kwargs)
        for gram in ngrams(value, query=(mode == "query")):
            token.text = gram.text
            token.stopped = False
            token.boost = 1.0
            if positions:
                token.pos = start_pos + gram.position
            if chars:
                token.startchar = start_char + gram.start
                token.endchar = start_char + gram.end
            yield token


@functools.cache
def word_analyzer(dictionary: str | None = None) -> WordTokenizer:
    """Analyzer of the word fields (title, body, tags, code): Janome terms, folded."""
    return WordTokenizer(dictionary)


@functools.cache
def ngram_analyzer() -> NgramTokenizer:
    """Analyzer of the n-gram fields: folded CJK bigrams and whole Latin/digit words."""
    return NgramTokenizer()


@functools.cache
def reading_analyzer(dictionary: str | None = None) -> ReadingTokenizer:
    """Analyzer of the reading fields: the katakana reading of each word."""
    return ReadingTokenizer(dictionary)


def query_terms(text: str, dictionary: str | None = None) -> list[Morpheme]:
    """The content morphemes of one query word, in order (stop tokens and symbols removed)."""
    return [m for m in morphemes(text, dictionary) if not m.is_stop]


def unique(items: Iterable[str]) -> list[str]:
    """Items in first-seen order without repeats."""
    return list(dict.fromkeys(items))
