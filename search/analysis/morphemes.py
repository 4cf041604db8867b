"""Janome: text → :class:`Morpheme` list, with a per-thread cache of recent texts.

Janome runs through :mod:`search.analysis.janome_tokenizers` (one tokenizer per user dictionary
and process, under one lock). A reindex hands
:func:`use_chunk_cache` the morpheme cache kept beside the index (:mod:`search.analysis.morpheme_cache`):
Janome then runs only on lines it has not analyzed.
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from collections import OrderedDict
from itertools import repeat
from typing import NamedTuple

from search.analysis.dictionary import USER_POS
from search.analysis.janome_tokenizers import janome_tokens, system_tokenizer, user_words_with_symbols
from search.analysis.normalize import NormalizedText, fold_term, normalize_with_offsets
from search.analysis.symbols import EMOJI, spans_by_line, symbol_pieces, symbol_spans, symbol_term


#: Janome part-of-speech tags (first level) whose tokens are not terms: particles, auxiliary
#: verbs, conjunctions, symbols, fillers and others (kuromoji's default ``stoptags``, coarser).
STOP_TAGS = frozenset({"助詞", "助動詞", "接続詞", "記号", "フィラー", "その他"})

#: Parts of speech given to the names and emoji of :mod:`search.analysis.symbols` (one term each,
#: never stop tokens though made of symbols).
NAME_POS = "記号名"
EMOJI_POS = "絵文字"
SYMBOL_TERM_TAGS = frozenset({NAME_POS, EMOJI_POS})

#: Parts of speech whose terms are their base (dictionary) form rather than the surface.
INFLECTED_TAGS = frozenset({"動詞", "形容詞", "助動詞"})

#: Longest text, in characters, handed to Janome in one call (a line longer than this is cut).
JANOME_CHUNK_CHARS = 4096

_local = threading.local()


class Morpheme(NamedTuple):
    """One Janome token with offsets into the original (shown) text (a named tuple: a rebuild makes
    millions, and a frozen dataclass takes seven times as long to make).

    :ivar surface: the characters as they appear in the normalized text.
    :ivar start: index of the first original character; ``end`` is one past the last.
    :ivar pos: first-level part of speech (``名詞``, ``助詞``, …).
    :ivar base_form: dictionary form (``した`` → ``する``); the surface when Janome has none.
    :ivar reading: katakana reading, or ``""`` when unknown.
    :ivar position: ordinal among the non-space, non-symbol tokens of the text.
    :ivar piece: a part of the user-dictionary word just before it, at that word's position.
    :ivar other_readings: the system dictionary's other readings of the same word
        (:func:`other_readings`: 日本 is read ニッポン, and also ニホン).
    :ivar counter: a counter suffix (IPADIC ``名詞,接尾,助数詞``: 章, 回, 円, ヶ国), which makes
        the number before it a count (:mod:`search.analysis.numerals`).
    """

    surface: str
    start: int
    end: int
    pos: str
    base_form: str
    reading: str
    position: int
    piece: bool = False
    other_readings: tuple[str, ...] = ()
    counter: bool = False

    @property
    def is_stop(self) -> bool:
        """True for particles, auxiliaries, symbols and anything made only of punctuation
        (a name or emoji of :mod:`search.analysis.symbols` is none of these)."""
        return self.pos not in SYMBOL_TERM_TAGS and (self.pos in STOP_TAGS or is_punctuation(self.surface))

    @property
    def is_mark(self) -> bool:
        """True for punctuation and symbols that take no position (not a name or emoji)."""
        return self.pos not in SYMBOL_TERM_TAGS and is_punctuation(self.surface)

    @property
    def term(self) -> str:
        """The folded term this morpheme is indexed under."""
        if self.pos in SYMBOL_TERM_TAGS:
            return fold_term(self.base_form)
        form = self.base_form if self.pos in INFLECTED_TAGS else self.surface
        return fold_term(form)


@functools.lru_cache(maxsize=65536)
def is_punctuation(text: str) -> bool:
    """True if every character is punctuation, a symbol, a separator or a control character."""
    return all(unicodedata.category(c)[0] in "PSZC" for c in text)


#: Texts this short (a query word, its variants, a title) are kept :data:`SHORT_TEXTS_KEPT` at a
#: time per thread: planning one query analyzes a word, its variants and their kana forms, a dozen
#: texts or more, several times each.
SHORT_TEXT_CHARS = 64
SHORT_TEXTS_KEPT = 64
_new_morpheme = functools.partial(tuple.__new__, Morpheme)  # Morpheme(*all ten fields), half the cost


def _morpheme_cache(kind: str = "morphemes") -> OrderedDict:
    cache = getattr(_local, kind, None)
    if cache is None:
        cache = OrderedDict()
        setattr(_local, kind, cache)
    return cache


def morphemes(text: str, dictionary: str | None = None) -> list[Morpheme]:
    """Janome morphemes of ``text`` with offsets into ``text``.

    The text is NFKC-normalized first (:func:`search.analysis.normalize.normalize_with_offsets`) and cut
    into lines; each surface is found from a moving cursor, because Janome drops leading
    whitespace and gives no offsets. The last few results are cached per thread, so the word and
    reading fields of one document share a single Janome pass.

    A word of the user dictionary comes with the pieces the system dictionary cuts it into, at the
    same position (like kuromoji's search mode), so both the compound and its parts are terms.

    :param text: any text; the offsets refer to it.
    :param dictionary: the user dictionary to segment with (path), or None.
    :returns: every token, stop tokens included (see :attr:`Morpheme.is_stop`).
    """
    short = len(text) <= SHORT_TEXT_CHARS
    cache = _morpheme_cache("short" if short else "morphemes")
    key = (dictionary, text)
    found = cache.get(key)
    if found is not None:
        cache.move_to_end(key)
        return found
    found = _tokenize(text, dictionary)
    cache[key] = found
    if len(cache) > (SHORT_TEXTS_KEPT if short else 8):
        cache.popitem(last=False)
    return found


def _pieces(surface: str, offset: int, normalized: NormalizedText, position: int) -> list[Morpheme]:
    """The system dictionary's segmentation of a user-dictionary word, at the word's position."""
    pieces = []
    for found_at, end, token_surface, tag, base_form, reading in _system_pieces(surface):
        start, stop = normalized.span(offset + found_at, offset + end)
        pieces.append(Morpheme(token_surface, start, stop, tag, base_form, reading, position, piece=True))
    return pieces


@functools.lru_cache(maxsize=4096)
def _system_pieces(surface: str) -> tuple[tuple[int, int, str, str, str, str], ...]:
    """``(start, end, surface, tag, base form, reading)`` of the content pieces the system dictionary
    cuts ``surface`` into (none when it keeps it whole): the same for every occurrence of a word."""
    pieces = []
    cursor = 0
    tokens = janome_tokens(surface)
    if len(tokens) < 2:
        return ()
    for token in tokens:
        found_at = surface.find(token.surface, cursor)
        if found_at < 0:
            continue
        cursor = found_at + len(token.surface)
        tag = token.part_of_speech.split(",", 1)[0]
        if tag in STOP_TAGS or is_punctuation(token.surface):
            continue
        base_form = token.base_form if token.base_form != "*" else token.surface
        reading = token.reading if token.reading != "*" else ""
        pieces.append((found_at, cursor, token.surface, tag, base_form, reading))
    return tuple(pieces)


#: The cache of chunk analyses consulted for its dictionary's chunks (see :func:`use_chunk_cache`).
_chunk_cache = None


def use_chunk_cache(cache) -> None:
    """Let ``_tokenize`` take Janome's analysis of a chunk from ``cache`` (None: no cache).

    ``cache`` has ``dictionary`` (the user dictionary path it holds analyses for), ``get(chunk)``
    (:func:`chunk_tokens`' list or None), ``put(chunk, tokens, found)`` (Janome's tokens and that
    list) and ``other_readings`` (as :func:`other_readings`): a :class:`~.morpheme_cache.MorphemeCache`."""
    global _chunk_cache
    _chunk_cache = cache


def chunk_tokens(chunk: str, dictionary: str | None) -> list[tuple[int, str, str, str, str]]:
    """Janome's analysis of one chunk (a line of at most :data:`JANOME_CHUNK_CHARS`): for each
    token ``(offset in chunk, surface, part of speech (4 levels), base form, reading)``, ``"*"``
    where Janome has none; from the chunk cache when it holds the chunk."""
    cache = _chunk_cache
    if cache is None or cache.dictionary != dictionary or dictionary is None:
        return _located(chunk, janome_tokens(chunk, dictionary))
    found = cache.get(chunk)
    if found is None:
        tokens = janome_tokens(chunk, dictionary)
        found = _located(chunk, tokens)
        cache.put(chunk, tokens, found)
    return found


def _located(chunk: str, tokens: list) -> list[tuple[int, str, str, str, str]]:
    located = []
    cursor = 0
    for token in tokens:
        surface = token.surface
        found_at = chunk.find(surface, cursor)
        if found_at < 0:  # should not happen; keep going without this token
            continue
        cursor = found_at + len(surface)
        located.append((found_at, surface, token.part_of_speech, token.base_form, token.reading))
    return located


def _tokenize(text: str, dictionary: str | None = None) -> list[Morpheme]:
    normalized = normalize_with_offsets(text)
    norm = normalized.text
    result: list[Morpheme] = []
    position = line_start = 0
    lines = norm.split("\n")
    whole = max(map(len, lines)) <= JANOME_CHUNK_CHARS  # every line one chunk: its spans from the text's
    for line, line_spans in zip(lines, spans_by_line(norm, lines) if whole else repeat(None)):
        for chunk_start in range(0, len(line), JANOME_CHUNK_CHARS):
            chunk = line[chunk_start:chunk_start + JANOME_CHUNK_CHARS]
            if not chunk.strip():
                continue
            base = line_start + chunk_start
            cursor = 0
            # Names and emoji are one morpheme each; Janome segments the text between them.
            chunk_spans = line_spans if whole else symbol_spans(chunk)
            for span in _outside_user_words(chunk_spans, chunk, dictionary):
                position = _janome_morphemes(chunk[cursor:span.start], base + cursor, normalized, dictionary,
                                             position, result)
                result.extend(_symbol_morphemes(chunk[span.start:span.end], span.kind, base + span.start,
                                                normalized, position))
                position += 1
                cursor = span.end
            position = _janome_morphemes(chunk[cursor:], base + cursor, normalized, dictionary, position, result)
        line_start += len(line) + 1
    return result


def _outside_user_words(spans: list, chunk: str, dictionary: str | None) -> list:
    """``spans`` less those inside a user-dictionary word of ``chunk``: the user's word (a tag such
    as ``Next.js入門``) stays one word, as Janome segments it with the dictionary."""
    if not spans or not dictionary:
        return spans
    words = user_words_with_symbols(dictionary)
    lowered = chunk.lower()
    if not words or len(lowered) != len(chunk):
        return spans
    covered = [(m.start(), m.start() + len(word)) for word in words if word in lowered
               for m in re.finditer(re.escape(word), lowered)]
    return [span for span in spans if not any(s < span.end and span.start < e for s, e in covered)]


def _symbol_morphemes(surface: str, kind: str, offset: int, normalized: NormalizedText,
                      position: int) -> list[Morpheme]:
    """A name or emoji (:mod:`search.analysis.symbols`) as one morpheme, and its pieces at its position."""
    pos = EMOJI_POS if kind == EMOJI else NAME_POS
    start, end = normalized.span(offset, offset + len(surface))
    found = [Morpheme(surface, start, end, pos, symbol_term(surface, kind), "", position)]
    for term, piece_start, piece_end in symbol_pieces(surface, kind):
        start, end = normalized.span(offset + piece_start, offset + piece_end)
        found.append(Morpheme(surface[piece_start:piece_end], start, end, pos, term, "", position, piece=True))
    return found


def _janome_morphemes(segment: str, offset: int, normalized: NormalizedText, dictionary: str | None,
                      position: int, result: list[Morpheme]) -> int:
    """Append Janome's morphemes of ``segment`` (at ``offset`` in the normalized text) to ``result``, positions
    counted from ``position``; returns the next position. Tokens come through :func:`chunk_tokens`."""
    if not segment.strip():
        return position
    starts, ends = normalized.starts, normalized.ends
    for found_at, surface, part_of_speech, base_form, reading in chunk_tokens(segment, dictionary):
        word = _words.get((surface, part_of_speech, base_form, reading))
        word = _word(surface, part_of_speech, base_form, reading) if word is None else word
        if not word:  # whitespace
            continue
        tag, base_form, reading, others, counter, punctuation = word
        at = offset + found_at
        if surface == "つ" and tag == "助動詞" and result and result[-1].surface.isdigit() and result[-1].end == starts[at]:
            tag, counter = "名詞", True  # 2つ: the counter of 二つ, not the auxiliary Janome tags it as
        result.append(_new_morpheme((surface, starts[at], ends[at + len(surface) - 1], tag, base_form, reading,
                                     position, False, others, counter)))
        if tag == USER_POS and dictionary:
            result.extend(_pieces(surface, at, normalized, position))
        if not punctuation:
            position += 1
    return position


#: What a morpheme takes of each Janome word seen (:func:`_word`): a blog repeats its words.
_words: dict[tuple[str, str, str, str], tuple] = {}


def _word(surface: str, part_of_speech: str, base_form: str, reading: str) -> tuple:
    """``(tag, base form, reading, other readings, counter, punctuation)`` of a Janome token."""
    if len(_words) >= 1 << 17:
        _words.clear()
    key, reading = (surface, part_of_speech, base_form, reading), reading if reading != "*" else ""
    word = _words[key] = () if not surface.strip() else (
        part_of_speech.split(",", 1)[0], base_form if base_form != "*" else surface, reading,
        getattr(_chunk_cache, "other_readings", other_readings)(surface, part_of_speech, reading) if reading else (),
        "助数詞" in part_of_speech, is_punctuation(surface))
    return word


#: A kanji (CJK unified ideographs, extension A, compatibility ideographs).
HAS_KANJI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

#: Distinct words whose other readings are kept per process (:func:`other_readings`).
OTHER_READINGS_CACHE = 65536


@functools.lru_cache(maxsize=OTHER_READINGS_CACHE)
def other_readings(surface: str, part_of_speech: str, reading: str) -> tuple[str, ...]:
    """The system dictionary's other readings of a word, for the same part of speech.

    IPADIC has one entry per reading, and Janome's lattice picks one: 日本 is read ニッポン, though
    most people type にほん; 今日 キョウ (also コンニチ), 明日 アシタ (also アス), 何 ナニ (also ナン).
    Only entries with exactly the chosen entry's part of speech count (明日 the place name アケビ
    does not), and only for words of two or more characters with a kanji: kana words read as
    written, and a single kanji has many readings that are mostly other words (者 シャ, also モノ).

    :param surface: the word as Janome cut it; ``part_of_speech``: Janome's four-level tag
        (``名詞,固有名詞,地域,国``); ``reading``: the reading Janome chose (katakana).
    :returns: the other katakana readings, sorted; ``()`` when there is none.
    """
    if len(surface) < 2 or not HAS_KANJI.search(surface):
        return ()
    with system_tokenizer() as tokenizer:
        dictionary = tokenizer.sys_dic
        entries = dictionary.lookup(surface.encode("utf8"), tokenizer.matcher)
        found = set()
        for entry in entries:
            if entry[1] != surface:
                continue
            extra = dictionary.lookup_extra(entry[0])
            if extra[0] == part_of_speech and extra[4] not in ("*", reading):
                found.add(extra[4])
    return tuple(sorted(found))
