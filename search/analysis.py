"""Analysis: Japanese text → Whoosh tokens, the same at index and query time.

Contract (Whoosh's, see ``whoosh.analysis``): a *tokenizer* takes a string and yields
``whoosh.analysis.Token`` objects; a *token filter* takes tokens and yields tokens; an *analyzer*
is a tokenizer composed with filters by ``|``. Every token carries ``startchar``/``endchar``
offsets into exactly the string that was passed in (the text shown to readers), so highlights
land on the right characters even after NFKC changed lengths.

Three analyzers, all fed by one Janome pass per text where they share it:

* :func:`word_analyzer` — morphemes. Janome (IPADIC) segments the NFKC text; particles,
  auxiliaries, symbols and whitespace are dropped (:data:`STOP_TAGS`), verbs and adjectives are
  reduced to their base form (``投資した`` → 投資 + する), every term is folded by
  :func:`search.normalize.fold_term`. One-character words are kept (猫, 都). Positions count
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

Janome's ``Tokenizer`` is not thread-safe and cannot be pickled (``../NOTES``): one per user
dictionary is kept per *process*, never on an analyzer object (so analyzers pickle into the Whoosh
schema), and every call into it goes through :func:`janome_tokens`, which holds one lock while
Janome runs. Each extra tokenizer would cost ~10 MB (its own decoded copy of the dictionary's
FST); the lock costs no throughput because Janome is pure Python and runs under the GIL anyway.
"""

from __future__ import annotations

import functools
import os
import re
import threading
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

import janome.tokenizer as _janome_tokenizer
from janome.tokenizer import Tokenizer as _Janome
from whoosh.analysis import Token, Tokenizer

from search.dictionary import USER_POS
from search.normalize import (NormalizedText, expand_iteration_marks, fold_term, normalize_with_offsets,
                              to_katakana)

#: Janome part-of-speech tags (first level) whose tokens are not terms: particles, auxiliary
#: verbs, conjunctions, symbols, fillers and others (kuromoji's default ``stoptags``, coarser).
STOP_TAGS = frozenset({"助詞", "助動詞", "接続詞", "記号", "フィラー", "その他"})
#: Parts of speech whose terms are their base (dictionary) form rather than the surface.
INFLECTED_TAGS = frozenset({"動詞", "形容詞", "助動詞"})
#: Longest text, in characters, handed to Janome in one call (a line longer than this is cut).
JANOME_CHUNK_CHARS = 4096

_local = threading.local()


@dataclass(frozen=True, slots=True)
class Morpheme:
    """One Janome token with offsets into the original (shown) text.

    :ivar surface: the characters as they appear in the normalized text.
    :ivar start: index of the first original character; ``end`` is one past the last.
    :ivar pos: first-level part of speech (``名詞``, ``助詞``, …).
    :ivar base_form: dictionary form (``した`` → ``する``); the surface when Janome has none.
    :ivar reading: katakana reading, or ``""`` when unknown.
    :ivar position: ordinal among the non-space, non-symbol tokens of the text.
    :ivar piece: a part of the user-dictionary word just before it, at that word's position.
    :ivar other_readings: the system dictionary's other readings of the same word
        (:func:`other_readings`: 日本 is read ニッポン, and also ニホン).
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

    @property
    def is_stop(self) -> bool:
        """True for particles, auxiliaries, symbols and anything made only of punctuation."""
        return self.pos in STOP_TAGS or is_punctuation(self.surface)

    @property
    def term(self) -> str:
        """The folded term this morpheme is indexed under."""
        form = self.base_form if self.pos in INFLECTED_TAGS else self.surface
        return fold_term(form)


def is_punctuation(text: str) -> bool:
    """True if every character is punctuation, a symbol, a separator or a control character."""
    return all(unicodedata.category(c)[0] in "PSZC" for c in text)


#: Janome tokenizers kept per process (one per user dictionary in use, least recently used dropped).
MAX_TOKENIZERS = 4

_tokenizers: OrderedDict[str | None, _Janome] = OrderedDict()
_janome_lock = threading.Lock()  # held while _tokenizers changes or any tokenizer runs


def _share_system_fst() -> None:
    """Make every Janome tokenizer of this process use one decoded copy of the system dictionary's FST.

    Janome 0.5's ``Tokenizer()`` base64-decodes the FST anew each time (~10 MB, 0.04–0.1 s):
    twice at the start of a one-post update (a tokenizer with the user dictionary, one without
    for the pieces of its words), and twice per server thread. The decoded ``bytes`` are only
    read (each tokenizer still has its own ``Matcher`` and caches), so sharing them changes no
    token. Does nothing if Janome has no ``all_fstdata`` there (another Janome version).
    """
    decode = getattr(_janome_tokenizer, "all_fstdata", None)
    if decode is not None and not hasattr(decode, "cache_info"):
        _janome_tokenizer.all_fstdata = functools.lru_cache(maxsize=1)(decode)


_share_system_fst()


def _reset_after_fork() -> None:
    """In a child forked while another thread held the lock, the tokenizer it was using may be
    half-updated (and the lock would never be released): start over with none."""
    global _janome_lock
    if _janome_lock.locked():
        _tokenizers.clear()
        _janome_lock = threading.Lock()


os.register_at_fork(after_in_child=_reset_after_fork)


def _janome(dictionary: str | None) -> _Janome:
    """The process's tokenizer for ``dictionary``; the caller holds ``_janome_lock``."""
    tokenizer = _tokenizers.get(dictionary)
    if tokenizer is None:
        if dictionary:
            tokenizer = _Janome(dictionary, udic_enc="utf8", udic_type="simpledic")
        else:
            tokenizer = _Janome()
        _tokenizers[dictionary] = tokenizer
        if len(_tokenizers) > MAX_TOKENIZERS:
            _tokenizers.popitem(last=False)
    else:
        _tokenizers.move_to_end(dictionary)
    return tokenizer


def janome_tokens(text: str, dictionary: str | None = None, *, wakati: bool = False) -> list:
    """Janome's tokens of ``text``, safe to call from any thread.

    :param dictionary: path of a Janome "simpledic" CSV or of a compiled user dictionary
        (:mod:`search.dictionary`); None: the system dictionary only.
    :param wakati: surfaces (``str``) instead of ``janome.tokenizer.Token`` objects.
    :returns: every token, in order (Janome strips leading and trailing whitespace first).
    """
    with _janome_lock:
        return list(_janome(dictionary).tokenize(text, wakati=wakati))


def user_dictionary_terms(dictionary: str | None) -> frozenset[str]:
    """The terms the words of the user dictionary ``dictionary`` are indexed under (folded surfaces).

    Read from the entries of its Janome tokenizer (``user_dic.entries``, surface first, in Janome
    0.5 for a CSV and a compiled dictionary alike); empty for None.
    """
    if not dictionary:
        return frozenset()
    with _janome_lock:
        entries = _janome(dictionary).user_dic.entries
        return frozenset(fold_term(entry[0]) for entry in entries.values())


def preload_janome(dictionary: str | None = None) -> None:
    """Load Janome's system dictionary and the tokenizers for ``dictionary`` (and for none) now,
    e.g. in a server's parent process before it forks workers, which then share those pages."""
    janome_tokens("検索", dictionary)
    janome_tokens("検索")


def _morpheme_cache() -> OrderedDict:
    cache = getattr(_local, "morphemes", None)
    if cache is None:
        cache = _local.morphemes = OrderedDict()
    return cache


def morphemes(text: str, dictionary: str | None = None) -> list[Morpheme]:
    """Janome morphemes of ``text`` with offsets into ``text``.

    The text is NFKC-normalized first (:func:`search.normalize.normalize_with_offsets`) and cut
    into lines; each surface is found from a moving cursor, because Janome drops leading
    whitespace and gives no offsets. The last few results are cached per thread, so the word and
    reading fields of one document share a single Janome pass.

    A word of the user dictionary comes with the pieces the system dictionary cuts it into, at the
    same position (like kuromoji's search mode), so both the compound and its parts are terms.

    :param text: any text; the offsets refer to it.
    :param dictionary: the user dictionary to segment with (path), or None.
    :returns: every token, stop tokens included (see :attr:`Morpheme.is_stop`).
    """
    cache = _morpheme_cache()
    key = (dictionary, text)
    found = cache.get(key)
    if found is not None:
        cache.move_to_end(key)
        return found
    found = _tokenize(text, dictionary)
    cache[key] = found
    if len(cache) > 8:
        cache.popitem(last=False)
    return found


def prime_morphemes(text: str, found: list[Morpheme], dictionary: str | None = None) -> None:
    """Hand the cache morphemes computed elsewhere (a worker process) for ``text``."""
    cache = _morpheme_cache()
    cache[(dictionary, text)] = found
    if len(cache) > 8:
        cache.popitem(last=False)


def _tokenize(text: str, dictionary: str | None = None) -> list[Morpheme]:
    normalized = normalize_with_offsets(text)
    norm = normalized.text
    result: list[Morpheme] = []
    position = 0
    line_start = 0
    for line in norm.split("\n"):
        for chunk_start in range(0, len(line), JANOME_CHUNK_CHARS):
            chunk = line[chunk_start:chunk_start + JANOME_CHUNK_CHARS]
            if not chunk.strip():
                continue
            cursor = 0
            base = line_start + chunk_start
            for token in janome_tokens(chunk, dictionary):
                surface = token.surface
                found_at = chunk.find(surface, cursor)
                if found_at < 0:  # should not happen; keep going without this token
                    continue
                cursor = found_at + len(surface)
                if not surface.strip():
                    continue
                tag = token.part_of_speech.split(",", 1)[0]
                start, end = normalized.span(base + found_at, base + cursor)
                base_form = token.base_form if token.base_form != "*" else surface
                reading = token.reading if token.reading != "*" else ""
                others = other_readings(surface, token.part_of_speech, reading) if reading else ()
                morpheme = Morpheme(surface, start, end, tag, base_form, reading, position,
                                    other_readings=others)
                result.append(morpheme)
                if tag == USER_POS and dictionary:
                    result.extend(_pieces(surface, base + found_at, normalized, position))
                if not is_punctuation(surface):
                    position += 1
        line_start += len(line) + 1
    return result


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
    with _janome_lock:
        tokenizer = _janome(None)
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


def _pieces(surface: str, offset: int, normalized: NormalizedText, position: int) -> list[Morpheme]:
    """The system dictionary's segmentation of a user-dictionary word, at the word's position."""
    pieces = []
    cursor = 0
    tokens = janome_tokens(surface)
    if len(tokens) < 2:
        return pieces
    for token in tokens:
        found_at = surface.find(token.surface, cursor)
        if found_at < 0:
            continue
        cursor = found_at + len(token.surface)
        tag = token.part_of_speech.split(",", 1)[0]
        if tag in STOP_TAGS or is_punctuation(token.surface):
            continue
        start, end = normalized.span(offset + found_at, offset + cursor)
        base_form = token.base_form if token.base_form != "*" else token.surface
        reading = token.reading if token.reading != "*" else ""
        pieces.append(Morpheme(token.surface, start, end, tag, base_form, reading, position, piece=True))
    return pieces


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
            if is_punctuation(morpheme.surface):
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
    """The katakana reading of each word of a text (:func:`reading_words`), for kana queries."""

    def __call__(self, value: str, positions: bool = False, chars: bool = False, keeporiginal: bool = False,
                 removestops: bool = True, start_pos: int = 0, start_char: int = 0, tokenize: bool = True,
                 mode: str = "", **kwargs) -> Iterator[Token]:
        token = _make_token(positions, chars, removestops, mode, **kwargs)
        for gram in reading_words(value, self.dictionary):
            token.text = gram.text
            token.stopped = False
            token.boost = 1.0
            if positions:
                token.pos = start_pos + gram.position
            if chars:
                token.startchar = start_char + gram.start
                token.endchar = start_char + gram.end
            yield token


def reading_of(morpheme: Morpheme) -> str:
    """The folded katakana reading of a morpheme (long vowels folded like terms), or ``""``."""
    reading = kana_reading(morpheme)
    return fold_term(reading) if reading else ""


def kana_reading(morpheme: Morpheme) -> str:
    """A morpheme's reading in katakana: Janome's reading, or its kana surface; ``""`` if unknown."""
    reading = morpheme.reading or morpheme.surface
    reading = to_katakana(reading)
    return reading if all("\u30a1" <= c <= "\u30fe" for c in reading) else ""


def reading_words(text: str, dictionary: str | None = None) -> list[Gram]:
    """The folded katakana reading of each word of ``text``, at the word's position.

    Every morpheme with a known reading counts, particles included (``東京の`` reads トウキョウ,
    ノ at adjacent positions), so a hiragana query read as several words in a row
    (``とうきょうの``) matches where they stand together (:func:`reading_segmentations`). A word
    with no reading (Latin letters, an unknown kanji word) leaves a gap. A user-dictionary word
    reads as a whole and as its system-dictionary pieces, all at its position, as the word fields
    hold it (``東京都`` is トウキョウト and トウキョウ, ト; ``生成AI`` セイセイエーアイ and セイセイ), so
    the reading of a part finds it like the part's spelling does. A word the dictionary also
    reads another way has those readings too, at its position (日本: ニッポン and ニホン;
    :attr:`Morpheme.other_readings`).
    Each term spans the word's original characters.
    """
    words: list[Gram] = []
    for morpheme in morphemes(text, dictionary):
        if is_punctuation(morpheme.surface):
            continue
        reading = reading_of(morpheme)
        if reading:
            words.append(Gram(reading, morpheme.position, morpheme.start, morpheme.end))
            for other in sorted({fold_term(other) for other in morpheme.other_readings} - {reading}):
                words.append(Gram(other, morpheme.position, morpheme.start, morpheme.end))
    return words


#: Longest reading piece, in characters, looked up when segmenting a kana query.
MAX_READING_CHARS = 16
#: Most segmentations of one kana query tried (those with the fewest pieces).
MAX_SEGMENTATIONS = 4


def reading_segmentations(word: str, is_reading: Callable[[str], bool]) -> list[list[str]]:
    """Ways to read a kana query word as adjacent words of the index, fewest words first.

    ``とうし`` → ``[["トウシ"]]``; ``とうきょうと`` → ``[["トウキョウ", "ト"], …]``. The word is
    NFKC-normalized and turned into katakana; each piece must be a reading term the index holds
    (``is_reading`` is asked with the folded piece, so ``さーばー`` matches the reading サーバ).
    Only segmentations with the fewest pieces are kept — the longest words, as a reader who
    types a word's reading means it — at most :data:`MAX_SEGMENTATIONS`; a query no way of which
    is made of indexed readings gives ``[]``. Lookups: at most ``n × MAX_READING_CHARS``.
    """
    kana = to_katakana(normalize_with_offsets(word).text)
    n = len(kana)
    if not n or not all("\u30a1" <= c <= "\u30fe" for c in kana):
        return []
    # fewest[i]: fewest pieces covering kana[i:]; ends[i]: where a piece starting at i may end.
    fewest = [0] * (n + 1)
    ends: list[list[int]] = [[] for _ in range(n + 1)]
    unreachable = n + 1
    for i in range(n - 1, -1, -1):
        fewest[i] = unreachable
        for j in range(min(n, i + MAX_READING_CHARS), i, -1):
            if fewest[j] < unreachable and is_reading(fold_term(kana[i:j])):
                ends[i].append(j)
                fewest[i] = min(fewest[i], fewest[j] + 1)
    if fewest[0] >= unreachable:
        return []
    found: list[list[str]] = []

    def walk(i: int, pieces: list[str]) -> None:
        if len(found) >= MAX_SEGMENTATIONS:
            return
        if i == n:
            found.append(pieces)
            return
        for j in ends[i]:  # longest piece first
            if fewest[j] + 1 == fewest[i]:
                walk(j, pieces + [fold_term(kana[i:j])])

    walk(0, [])
    return found


# -- character n-grams -------------------------------------------------------------------------

_CJK_RANGES = (
    (0x3041, 0x309F),  # hiragana
    (0x30A0, 0x30FF),  # katakana, ー
    (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3134F),  # kanji
    (0x3005, 0x3007),  # 々 〆 〇
    (0x31F0, 0x31FF),  # katakana phonetic extensions
)


def is_kana(char: str) -> bool:
    """Hiragana, katakana (folded n-gram characters are katakana) or the long-vowel mark."""
    return "\u3041" <= char <= "\u30ff"


def is_cjk(char: str) -> bool:
    """True for kanji, hiragana, katakana and the marks that live inside Japanese words."""
    cp = ord(char)
    return any(lo <= cp <= hi for lo, hi in _CJK_RANGES) or char == "ヶ"


@dataclass(frozen=True, slots=True)
class Gram:
    """One n-gram term with its position and original character span."""

    text: str
    position: int
    start: int
    end: int


def _folded_chars(normalized: NormalizedText) -> Iterator[tuple[str, int, int, str]]:
    """(folded char, start, end, class) for each character; class is 'c'jk, 'w'ord or 's'eparator."""
    text = normalized.text
    # Drop the trailing long-vowel mark of katakana runs of 4+ characters, as fold_term does.
    drop: set[int] = set()
    i, n = 0, len(text)
    while i < n:
        if "\u30a1" <= text[i] <= "\u30fe" or text[i] == "ー":
            j = i
            while j < n and ("\u30a1" <= text[j] <= "\u30fe" or text[j] == "ー"):
                j += 1
            k = j
            while k > i and text[k - 1] == "ー":
                k -= 1
            if j - i >= 4 and k < j and k > i:
                drop.update(range(k, j))
            i = j
        else:
            i += 1
    lowered = text.casefold()
    if len(lowered) == len(text):
        folded_chars = list(expand_iteration_marks(to_katakana(lowered)))
    else:  # casefold lengthened something (ß → ss): fold character by character instead
        folded_chars = [to_katakana(c.casefold()) for c in expand_iteration_marks(text)]
    for index, char in enumerate(folded_chars):
        if index in drop:
            continue
        start, end = normalized.starts[index], normalized.ends[index]
        if len(char) == 1 and is_cjk(char):
            yield char, start, end, "c"
        elif char.isalnum():
            yield char, start, end, "w"
        else:
            yield char, start, end, "s"


def ngrams(text: str, *, query: bool = False) -> list[Gram]:
    """Character n-gram terms of ``text`` (see :func:`ngram_analyzer`).

    A CJK run ``c1…cn`` gives bigrams ``c1c2 … c(n-1)cn`` at consecutive positions and, when
    indexing, the unigram ``cn`` after them, and the unigram of each kanji at its bigram's
    position: a one-kanji query is one term, a one-kana query a prefix (kana unigrams, mostly
    particles and endings, would double the field for queries nobody types). A one-character
    run gives that character. A run of letters or digits gives one
    term. Runs separated by spaces or punctuation are one position further apart, except for
    spaces beside kana or kanji, which Japanese writes or leaves out at will (``生成 AI`` and
    ``生成AI``, ``AWS を使う`` and ``AWSを使う`` give the same grams at the same positions); a line
    break (between blocks) always counts.

    :param query: build query grams: no trailing unigram on runs longer than one character (its
        position is still counted, so the grams of a query match a document's at the same offsets).
    :returns: grams in text order; ``start``/``end`` index ``text``.
    """
    normalized = normalize_with_offsets(text)
    grams: list[Gram] = []
    position = 0
    run: list[tuple[str, int, int]] = []
    run_class = "s"

    def flush() -> None:
        nonlocal position
        if not run:
            return
        if run_class == "w":
            grams.append(Gram("".join(c for c, _, _ in run), position, run[0][1], run[-1][2]))
            position += 1
        elif len(run) == 1:
            grams.append(Gram(run[0][0], position, run[0][1], run[0][2]))
            position += 1
        else:
            for (a, start, first_end), (b, _, end) in zip(run, run[1:]):
                grams.append(Gram(a + b, position, start, end))
                if not query and not is_kana(a):
                    grams.append(Gram(a, position, start, first_end))
                position += 1
            if not query:
                last = run[-1]
                grams.append(Gram(last[0], position, last[1], last[2]))
            position += 1  # in a query too, so what follows the run has the document's positions
        run.clear()

    gap = False  # separators since the last run (and a run before them)
    gap_is_space = True  # ... and all of them whitespace
    last_run_class = "s"
    for char, start, end, klass in _folded_chars(normalized):
        if klass != run_class or klass == "s":
            flush()
            if klass == "s":
                if grams:
                    gap = True
                    gap_is_space = gap_is_space and char.isspace() and char not in "\n\r"  # blocks stay apart
                run_class = "s"
                continue
            if gap and not (gap_is_space and "c" in (last_run_class, klass)):
                position += 1
            gap, gap_is_space = False, True
            run_class = last_run_class = klass
        run.append((char, start, end))
    flush()
    return grams


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
