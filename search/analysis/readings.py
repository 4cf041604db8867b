"""Readings: the katakana reading of each word (投資 → トウシ) as Janome gives it, the other readings
IPADIC has for the same word (日本: ニッポン, also ニホン), and the ways a kana query can be cut
into readings of the index (:func:`reading_segmentations`).
"""

from __future__ import annotations

from functools import lru_cache
from operator import itemgetter

from typing import Callable


from search.analysis.normalize import fold_reading, fold_term, normalize_with_offsets, to_katakana

from search.analysis.morphemes import Morpheme, morphemes
from search.analysis.ngrams import Gram
from search.analysis.numerals import number_keys
from search.analysis.spellings import prefixed_key, skeleton_key, spelling_key, split_skeleton_key
from search.analysis.kana import is_katakana_word, loose_key


class AnnotatedText(str):
    """A text with the readings its author gave some of its words (furigana), for the reading
    fields: ``ruby`` holds ``(start, end, reading)`` of each annotated word, offsets into the
    text (:attr:`search.posts.reader.Post.ruby`). Equal to, and analyzed once with, the plain text."""

    ruby: tuple[tuple[int, int, str], ...]

    def __new__(cls, text: str, ruby: tuple[tuple[int, int, str], ...] = ()) -> "AnnotatedText":
        self = super().__new__(cls, text)
        self.ruby = tuple(ruby)
        return self

    def __reduce__(self):
        return (AnnotatedText, (str(self), self.ruby))


def ruby_readings(text: str, ruby, dictionary: str | None = None) -> list[Gram]:
    """The readings an author gave (furigana: ``<ruby>小鳥遊<rt>たかなし</rt></ruby>``) as reading
    terms at the position of the first word of the annotated base, spanning the base, so the
    reading finds the word as a reading Janome knows does. Readings not in kana are left out.

    :param ruby: ``(start, end, reading)`` offsets into ``text``.
    """
    found: list[Gram] = []
    if not ruby:
        return found
    words = [m for m in morphemes(text, dictionary) if not m.is_mark and not m.piece]
    runs: list[tuple[int, int, str]] = []  # per-character furigana (東/とう 京/きょう) joined as well
    for start, end, reading in ruby:
        kana = to_katakana(normalize_with_offsets(reading).text.replace(" ", ""))
        if not kana or not all("\u30a1" <= c <= "\u30fe" for c in kana):
            continue
        if runs and runs[-1][1] == start:
            runs[-1] = (runs[-1][0], end, runs[-1][2] + kana)
        else:
            runs.append((start, end, kana))
        _add_reading(found, words, start, end, kana)
    for start, end, kana in runs:
        if not any(g.start == start and g.end == end for g in found):
            _add_reading(found, words, start, end, kana)
    return found


def _add_reading(found: list[Gram], words: list[Morpheme], start: int, end: int, kana: str) -> None:
    first = next((m for m in words if m.end > start and m.start < end), None)
    if first is not None:
        found.append(Gram(fold_term(kana), first.position, start, end))


def reading_of(morpheme: Morpheme) -> str:
    """The folded katakana reading of a morpheme (long vowels folded like terms), or ``""``."""
    reading = kana_reading(morpheme)
    return fold_reading(reading) if reading else ""


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
    :attr:`Morpheme.other_readings`). Each content word also has its spelling key there
    (``モウシコミ/申込``: :func:`search.analysis.spellings.spelling_key`), so another spelling of
    the word finds it, and a word with okurigana between its kanji its skeleton key (``/書込`` for
    書き込み: :func:`search.analysis.spellings.skeleton_key`; ``/貼付`` for 貼り付け, which Janome
    cuts in two: :func:`search.analysis.spellings.split_skeleton_key`), a noun after お or ご the key of
    both (``オススメ/勧`` for お勧め: :func:`search.analysis.spellings.prefixed_key`); a counted number its number key (``#5`` for 五 and 5 in 第五章, 第5章:
    :func:`search.analysis.numerals.number_keys`);
    a run of katakana words its loose key (``~インタヘス`` for インターフェース and インタフェイス:
    :func:`katakana_run_keys`).
    Each term spans the word's original characters.
    """
    return list(map(Gram._make, reading_tuples(text, dictionary)))


def text_readings(text: str, dictionary: str | None = None) -> list[tuple[str, int, int, int]]:
    """A reading field's ``(term, position, start, end)``: :func:`reading_tuples` of ``text``, and
    for an :class:`AnnotatedText` its furigana (:func:`ruby_readings`) among them by position."""
    found = reading_tuples(text, dictionary)
    ruby = getattr(text, "ruby", ())
    if ruby:
        found = sorted(found + ruby_readings(text, ruby, dictionary), key=itemgetter(1))
    return found


def reading_tuples(text: str, dictionary: str | None = None) -> list[tuple[str, int, int, int]]:
    """:func:`reading_words` as plain ``(text, position, start, end)`` tuples (cheaper to make)."""
    words: list[tuple[str, int, int, int]] = []
    found = morphemes(text, dictionary)
    for first, last, key in number_keys(found):
        words.append((key, found[last].position, found[first].start, found[last].end))
    for before, morpheme in zip([None] + found, found):
        if morpheme.is_mark:
            continue
        joined = prefixed_key(before, morpheme) if before is not None else ""
        if joined:
            words.append((joined, morpheme.position, before.start, morpheme.end))
        for term in _word_terms(morpheme.surface, morpheme.pos, morpheme.base_form, morpheme.reading,
                                morpheme.piece, morpheme.other_readings, morpheme.counter):
            words.append((term, morpheme.position, morpheme.start, morpheme.end))
        kanji = split_skeleton_key(before, morpheme) if before is not None else ""
        if kanji:
            words.append((kanji, morpheme.position, before.start, morpheme.end))
    words += katakana_run_keys(found)
    return words


@lru_cache(maxsize=1 << 16)
def _word_terms(surface: str, pos: str, base_form: str, reading: str, piece: bool,
                other_readings: tuple[str, ...], counter: bool) -> tuple[str, ...]:
    """One word's own terms in :func:`reading_words` (its reading, other readings, spelling key,
    skeleton key), which depend only on these attributes: a blog repeats its words, so each is
    worked out once per process."""
    morpheme = Morpheme(surface, 0, len(surface), pos, base_form, reading, 0, piece=piece,
                        other_readings=other_readings, counter=counter)
    terms: list[str] = []
    first = reading_of(morpheme)
    if first:
        terms.append(first)
        terms += sorted({fold_reading(other) for other in other_readings} - {first})
        key = spelling_key(morpheme)
        if key:
            terms.append(key)
    kanji = skeleton_key(morpheme)
    if kanji:
        terms.append(kanji)
    return tuple(terms)


def katakana_run_keys(found: list[Morpheme]) -> list[Gram]:
    """The loose keys (:func:`search.analysis.kana.loose_key`) of each run of adjacent katakana
    words, at its first word's position, and, in a run of several words, of each word: Janome cuts
    one loanword differently by its spelling (インターフェース is one word, インターフェイス
    インター + フェイス), so the run is the unit both spellings share."""
    grams: list[Gram] = []
    run: list[Morpheme] = []

    def flush() -> None:
        if not run:
            return
        seen: set[tuple[str, int]] = set()
        parts = [run] + ([[m] for m in run] if len(run) > 1 else [])
        for part in parts:
            key = loose_key("".join(m.surface for m in part))
            if key and (key, part[0].position) not in seen:
                seen.add((key, part[0].position))
                grams.append(Gram(key, part[0].position, part[0].start, part[-1].end))
        run.clear()

    for morpheme in found:
        katakana = is_katakana_word(morpheme.surface) and not morpheme.is_mark
        if katakana and (not run or run[-1].end == morpheme.start):
            run.append(morpheme)
            continue
        flush()
        if katakana:
            run.append(morpheme)
    flush()
    return grams


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
            if fewest[j] < unreachable and is_reading(fold_reading(kana[i:j])):
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
                walk(j, pieces + [fold_reading(kana[i:j])])

    walk(0, [])
    return found
