"""Character n-grams: the terms of the n-gram fields and of a query word's fragments (:func:`ngrams`,
:class:`~search.analysis.analyzers.NgramTokenizer`).

Character bigrams of each CJK run (kanji, kana) plus the run's last character, and whole
Latin/digit words, all folded: they find words inside compounds that the dictionary does not
split (キャプチャ in キャプチャツール), and a multi-character query never matches by a single
character (the approach of Lucene's CJKBigramFilter and Groonga's TokenBigram).
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple


from search.analysis.kana import CHAR_FOLDS, needs_unifying, unified_kana_chars, unify_katakana
from search.analysis.normalize import (NormalizedText, expand_iteration_marks, normalize_with_offsets,
                              to_katakana)
from search.analysis.symbols import NAME, symbol_pieces, symbol_term, text_symbol_spans


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


@functools.lru_cache(maxsize=8192)
def is_cjk(char: str) -> bool:
    """True for kanji, hiragana, katakana and the marks that live inside Japanese words."""
    cp = ord(char)
    return any(lo <= cp <= hi for lo, hi in _CJK_RANGES) or char == "ヶ"


class Gram(NamedTuple):
    """One n-gram term with its position and original character span (a named tuple: cheaper to
    make than a dataclass, and what :mod:`search.indexing.field_postings` groups as it is)."""

    text: str
    position: int
    start: int
    end: int


#: Separators written or left out between the parts of a name in katakana (the middle dot, the
#: double hyphen ＝ after NFKC, a space): n-grams read across them, as Groonga's
#: ``unify_middle_dot`` does for the dot.
NAME_SEPARATORS = frozenset("・=･ \u3000")


def _is_katakana(char: str) -> bool:
    return "\u30a1" <= char <= "\u30fa" or char == "ー"


def _between_katakana(chars: list[str], index: int) -> bool:
    """True if ``chars[index]`` stands between two katakana (one separator only)."""
    return 0 < index < len(chars) - 1 and _is_katakana(chars[index - 1]) and _is_katakana(chars[index + 1])


#: A katakana run as ``_folded_chars`` drops its trailing ー: katakana (ァ..ヾ, ー), and a name
#: separator followed by a katakana (ァ..ヺ, ー) continues it.
_KATAKANA_RUN = re.compile("[\u30a1-\u30fe](?:[\u30a1-\u30fe]|[" + "".join(sorted(NAME_SEPARATORS))
                           + "](?=[\u30a1-\u30fa\u30fc]))*")
#: A name separator between two katakana, which the n-grams read across (:func:`_between_katakana`).
_SEPARATOR_IN_KATAKANA = re.compile("(?<=[\u30a1-\u30fa\u30fc])[" + "".join(sorted(NAME_SEPARATORS))
                                    + "](?=[\u30a1-\u30fa\u30fc])")
#: Where hiragana follows katakana or katakana hiragana (a long-vowel mark between stays with the
#: first): a word boundary nearly always (アクセス|した, ブローカー|に), so the n-grams of a CJK run
#: stop there as they do at a kanji-Latin change, and すし is not found across アクセ|スし.
_SCRIPT_CHANGE = re.compile("[\u30a1-\u30fa]\u30fc*(?=[\u3041-\u3096])|[\u3041-\u3096]\u30fc*(?=[\u30a1-\u30fa])")
#: Each folded character's class in ``_folded_chars`` (a blog uses a few thousand characters).
_CLASSES: dict[str, str] = {}


def _char_class(char: str) -> str:
    klass = _CLASSES.get(char)
    if klass is None:
        if len(_CLASSES) >= 1 << 16:
            _CLASSES.clear()
        klass = _CLASSES[char] = "c" if len(char) == 1 and is_cjk(char) else "w" if char.isalnum() else "s"
    return klass


def _folded_chars(normalized: NormalizedText, one_for_one: bool = True) -> list[tuple[int, str, int, int, str]]:
    """(index, folded char, start, end, class) for each character of the normalized text; class is
    'c'jk, 'w'ord or 's'eparator.

    :param one_for_one: fold a text whose characters fold one for one (no ヴ pair, no ß) as a whole
        string; False: character by character, as any text (the same list, slower: for tests).
    """
    text = normalized.text
    # Drop the trailing long-vowel mark of katakana runs of 4+ characters, as fold_term does; a
    # name separator between katakana continues the run (アンドリュー タネンバウム keeps the ー of
    # アンドリュータネンバウム, since the separator itself is read across).
    drop: set[int] = set()
    for match in _KATAKANA_RUN.finditer(text) if "ー" in text else ():
        i, j = match.span()
        k = j
        while k > i and text[k - 1] == "ー":
            k -= 1
        if k < j and k > i and len(unify_katakana(text[i:j])) >= 4:  # as fold_term counts
            drop.update(range(k, j))
    lowered = text.casefold()
    if len(lowered) == len(text):
        folded = expand_iteration_marks(to_katakana(lowered))
        folded_chars = list(folded)
    else:  # casefold lengthened something (ß → ss): fold character by character instead
        folded_chars = [to_katakana(c.casefold()) for c in expand_iteration_marks(text)]
        folded = None
    starts, ends = normalized.starts, normalized.ends
    if one_for_one and folded is not None and "ヴ" not in folded:  # no pair to join
        unified = folded.translate(CHAR_FOLDS) if needs_unifying(folded) else folded
        classes = {c: _char_class(c) for c in set(unified)}
        found = list(zip(range(len(unified)), unified, starts, ends, map(classes.__getitem__, unified)))
        if not NAME_SEPARATORS.isdisjoint(unified):
            drop.update(m.start() for m in _SEPARATOR_IN_KATAKANA.finditer(folded))
        return [item for item in found if item[0] not in drop] if drop else found
    unified = unified_kana_chars(folded_chars)
    classes = _CLASSES
    found = []
    index = 0
    for char, width in unified:
        first, index = index, index + width
        if first in drop:
            continue
        if char in NAME_SEPARATORS and _between_katakana(folded_chars, first):
            continue  # スティーブ・ジョブズ is スティーブジョブズ (and スティーブ ジョブズ)
        found.append((first, char, starts[first], ends[index - 1], classes.get(char) or _char_class(char)))
    return found


def ngrams(text: str, *, query: bool = False) -> list[Gram]:
    """Character n-gram terms of ``text`` (see :func:`~search.analysis.analyzers.ngram_analyzer`).

    A CJK run ``c1…cn`` gives bigrams ``c1c2 … c(n-1)cn`` at consecutive positions and, when
    indexing, the unigram ``cn`` after them, and the unigram of each kanji at its bigram's
    position: a one-kanji query is one term, a one-kana query a prefix (kana unigrams, mostly
    particles and endings, would double the field for queries nobody types). A one-character
    run gives that character. A run of letters or digits gives one
    term, and so does a name written with symbols (``Node.js``, ``C#``: :mod:`search.analysis.symbols`),
    with its parts of two or more characters at its position when indexing. Runs separated by spaces or punctuation are one position further apart, except for
    spaces beside kana or kanji, which Japanese writes or leaves out at will (``生成 AI`` and
    ``生成AI``, ``AWS を使う`` and ``AWSを使う`` give the same grams at the same positions); a line
    break (between blocks) always counts.

    :param query: build query grams: no trailing unigram on runs longer than one character (its
        position is still counted, so the grams of a query match a document's at the same offsets).
    :returns: grams in text order; ``start``/``end`` index ``text``.
    """
    return list(map(Gram._make, ngram_tuples(text, query=query)))


def ngram_tuples(text: str, *, query: bool = False) -> list[tuple[str, int, int, int]]:
    """:func:`ngrams` as plain ``(text, position, start, end)`` tuples (cheaper to make: the index
    side makes one or two per character)."""
    normalized = normalize_with_offsets(text)
    grams: list[tuple[str, int, int, int]] = []
    position = 0
    run: list[tuple[str, int, int]] = []
    run_class = "s"

    def flush() -> None:
        nonlocal position
        if not run:
            return
        if run_class == "w":
            grams.append(("".join(c for c, _, _ in run), position, run[0][1], run[-1][2]))
            position += 1
        elif len(run) == 1:
            grams.append((run[0][0], position, run[0][1], run[0][2]))
            position += 1
        else:
            for (a, start, first_end), (b, _, end) in zip(run, run[1:]):
                grams.append((a + b, position, start, end))
                if not query and not "\u3041" <= a <= "\u30ff":  # not is_kana(a)
                    grams.append((a, position, start, first_end))
                position += 1
            if not query:
                last = run[-1]
                grams.append((last[0], position, last[1], last[2]))
            position += 1  # in a query too, so what follows the run has the document's positions
        run.clear()

    gap = False  # separators since the last run (and a run before them)
    gap_is_space = True  # ... and all of them whitespace
    last_run_class = "s"
    spans = text_symbol_spans(normalized.text)
    names = {span.start: span.end for span in spans if span.kind == NAME}
    # An emoji is a separator here (the word fields hold it): the ``1`` of a keycap ``1️⃣`` is no digit.
    in_emoji = {i for span in spans if span.kind != NAME for i in range(span.start, span.end)}
    name_end = 0
    script_changes = {m.end() for m in _SCRIPT_CHANGE.finditer(normalized.text)}
    for index, char, start, end, klass in _folded_chars(normalized):
        if index < name_end:
            continue
        if index in script_changes:
            flush()  # the next run follows at the next position, as within one run
        if index in in_emoji:
            klass = "s"
        elif index in names:  # a name is one gram, like a run of letters
            flush()
            name_end = names[index]
            if gap and not (gap_is_space and last_run_class == "c"):
                position += 1
            gap, gap_is_space = False, True
            surface = normalized.text[index:name_end]
            span_start, span_end = normalized.span(index, name_end)
            grams.append((symbol_term(surface, NAME), position, span_start, span_end))
            if not query:
                grams += [(piece, position, *normalized.span(index + a, index + b))
                          for piece, a, b in symbol_pieces(surface, NAME)]
            position += 1
            run_class, last_run_class = "s", "w"
            continue
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


