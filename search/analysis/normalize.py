"""Unicode normalization for Japanese search, with an offset map back to the shown text.

Two stages, used identically on posts and on queries:

* :func:`normalize_with_offsets` rewrites a whole text before tokenization: NFKC (UAX #15) per
  character cluster, so ``ＡＷＳ`` → ``AWS``, ``ｶﾞ`` → ``ガ``, full-width digits and punctuation →
  ASCII; spacing voiced sound marks (``゛`` U+309B) are joined to the kana before them; thousands
  separators between digits are removed (``1,000`` → ``1000``); a dash typed for the long-vowel
  mark after a katakana becomes ``ー`` (``ユ－ザ－`` → ``ユーザー``); kanji variants are folded to
  one form (``髙橋`` → ``高橋``, ``國`` → ``国``: the table in ``search/data/kanji_variants.txt``,
  the Jōyō kanji table's old forms and variants common in names). It returns, for each output
  character, the span of input characters it came from, so a token found in the normalized text
  maps back to exactly the characters shown to the reader.
* :func:`fold_term` folds one term after tokenization: case (``str.casefold``), hiragana →
  katakana, iteration marks expanded (``人々`` → ``人人``, ``いすゞ`` → ``イススズ``), and one
  trailing long-vowel mark removed from katakana words of 4+ characters (``サーバー`` → ``サーバ``,
  the rule of Lucene's ``JapaneseKatakanaStemFilter``; ``サーバ`` and ``サバ`` stay apart).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from search.analysis.kana import unify_katakana

#: Hiragana ぁ..ゖ and the iteration marks ゝゞ, mapped to katakana (U+3041..U+309E → +0x60).
_HIRAGANA_TO_KATAKANA = {cp: cp + 0x60 for cp in range(0x3041, 0x3097)} | {0x309D: 0x30FD, 0x309E: 0x30FE}
_SPACING_VOICED_MARKS = {"\u309b": "\u3099", "\u309c": "\u309a"}  # ゛ ゜ → combining forms
_HALFWIDTH_VOICED_MARKS = "\uff9e\uff9f"  # ﾞ ﾟ
_THOUSANDS_SEPARATOR = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_LONG_VOWEL_MARK = "ー"
_KATAKANA_WORD = re.compile(r"[\u30a1-\u30fa\u30fc-\u30fe]+")
_ITERATION_MARKS = {"々", "〻", "ヽ", "ヾ"}
#: A hyphen, dash or box-drawing line typed for the long-vowel mark after a katakana (ユ－ザ－,
#: サーバ―): Groonga's ``unify_hyphen_and_prolonged_sound_mark``, here only after a katakana
#: and not before a letter or digit (a dash pair ―― or テスト-2 stays).
_DASHES = "\\-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2500\u2501\ufe63\uff0d"
_DASH_FOR_LONG_VOWEL = re.compile(f"(?<=[\u30a1-\u30fa])[{_DASHES}](?![{_DASHES}0-9A-Za-z０-９Ａ-Ｚａ-ｚ])")
#: Minimum length, in characters, of a katakana term whose trailing ー is removed (kuromoji default).
LONG_VOWEL_MIN_CHARS = 4
#: Kanji variants and the form each is searched as: ``variant form`` per line, ``#`` comments.
KANJI_VARIANTS_FILE = Path(__file__).with_name("data") / "kanji_variants.txt"


def _read_kanji_variants(path: Path) -> dict[int, int]:
    """The variant table as a :meth:`str.translate` table (one character for one character).

    :raises ValueError: a line is not two single characters (the offsets map needs one for one).
    """
    table: dict[int, int] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        if len(fields) != 2 or len(fields[0]) != 1 or len(fields[1]) != 1:
            raise ValueError(f"{path}:{number}: expected a variant and its form, one character each: {line!r}")
        table[ord(fields[0])] = ord(fields[1])
    return table


_KANJI_VARIANTS = _read_kanji_variants(KANJI_VARIANTS_FILE)
#: Symbols NFKC leaves apart from the ASCII one a name is typed with: the music sharp of ``C♯``
#: and ``F♯`` (U+266F; the languages' names are "C sharp", Microsoft writes them ``C#``).
_SYMBOL_FOLDS = {0x266F: ord("#")}
#: Every one-for-one fold made before NFKC (offsets do not move).
_CHAR_FOLDS = {**_KANJI_VARIANTS, **_SYMBOL_FOLDS}
_HAS_CHAR_FOLD = re.compile("[" + "".join(re.escape(chr(c)) for c in _CHAR_FOLDS) + "]")
#: The kanji that variants are folded to (高 for 髙): a term holding one may be written otherwise.
KANJI_VARIANT_FORMS = frozenset(chr(form) for form in _KANJI_VARIANTS.values())
_HAS_KANJI_VARIANT = re.compile("[" + "".join(re.escape(chr(c)) for c in _KANJI_VARIANTS) + "]")
_VARIANTS_OF: dict[str, list[str]] = {}
for _variant, _form in _KANJI_VARIANTS.items():
    _VARIANTS_OF.setdefault(chr(_form), []).append(chr(_variant))


def kanji_spellings(text: str, limit: int = 16) -> list[str]:
    """``text`` (kanji variants already folded) and, up to ``limit`` in all, the spellings with
    variants that fold to it (``高橋`` → ``高橋``, ``髙橋``): for a field kept as written, such as
    the author, that a folded query must still match."""
    spellings = [""]
    for char in text:
        spellings = [s + c for s in spellings for c in (char, *_VARIANTS_OF.get(char, ()))][:limit]
    return spellings


@dataclass(frozen=True)
class NormalizedText:
    """A normalized text with, for each of its characters, the span it came from.

    :ivar text: the normalized text.
    :ivar starts: ``starts[i]`` is the index in the original text of the first character that
        produced ``text[i]``; ``len(starts) == len(text)``.
    :ivar ends: ``ends[i]`` is the index just past the last original character that produced
        ``text[i]``.
    """

    text: str
    starts: tuple[int, ...] | range
    ends: tuple[int, ...] | range

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map ``text[start:end]`` (``end > start``) to a ``(start, end)`` span of the original."""
        return self.starts[start], self.ends[end - 1]


def _is_cluster_mark(char: str) -> bool:
    return unicodedata.combining(char) != 0 or char in _HALFWIDTH_VOICED_MARKS or char in _SPACING_VOICED_MARKS


#: Distinct characters whose NFKC form is kept (a blog uses a few thousand).
MAX_NFKC_CHARS = 1 << 16
#: Each character seen: (its NFKC form alone, whether it joins the cluster before it).
_NFKC_CHARS: dict[str, tuple[str, bool]] = {}


def _char_nfkc(char: str) -> tuple[str, bool]:
    found = _NFKC_CHARS.get(char)
    if found is None:
        if len(_NFKC_CHARS) >= MAX_NFKC_CHARS:
            _NFKC_CHARS.clear()
        found = _NFKC_CHARS[char] = (unicodedata.normalize("NFKC", char), _is_cluster_mark(char))
    return found


@functools.lru_cache(maxsize=16)  # the word, n-gram and reading fields of a post normalize one text each
def normalize_with_offsets(text: str) -> NormalizedText:
    """NFKC-normalize ``text`` cluster by cluster, keeping an offset map to the original.

    A cluster is one character plus the combining marks and voiced sound marks after it, so
    decomposed ``か`` + U+3099 and half-width ``ｶﾞ`` both become ``ガ`` mapped to the whole pair.
    Thousands separators inside numbers are deleted. Costs about 1% of Janome's time.

    :param text: any text, e.g. a post body as shown to the reader.
    :returns: the normalized text and its offset map (identity ranges when nothing changed).
    """
    if _HAS_CHAR_FOLD.search(text):  # one character for one: the offsets do not move
        text = text.translate(_CHAR_FOLDS)
    if _DASH_FOR_LONG_VOWEL.search(text):  # one for one too
        text = _DASH_FOR_LONG_VOWEL.sub(_LONG_VOWEL_MARK, text)
    if unicodedata.is_normalized("NFKC", text) and not any(m in text for m in _SPACING_VOICED_MARKS):
        if "," not in text:
            return NormalizedText(text, range(len(text)), range(1, len(text) + 1))
        out, starts, ends = list(text), list(range(len(text))), list(range(1, len(text) + 1))
    else:
        chars = {c: _char_nfkc(c) for c in set(text)}
        if any(mark for _, mark in chars.values()):
            out, starts, ends = _normalize_clusters(text)
        else:  # every cluster one character
            out, starts, ends = _normalize_chars(text, chars)
    joined = "".join(out)
    if _HAS_KANJI_VARIANT.search(joined):  # one NFKC made from a compatibility ideograph
        joined = joined.translate(_KANJI_VARIANTS)
        out = list(joined)
    if "," in joined:
        keep = [True] * len(out)
        for match in _THOUSANDS_SEPARATOR.finditer(joined):
            keep[match.start()] = False
        if not all(keep):
            out = [c for c, k in zip(out, keep) if k]
            starts = [s for s, k in zip(starts, keep) if k]
            ends = [e for e, k in zip(ends, keep) if k]
            joined = "".join(out)
    return NormalizedText(joined, tuple(starts), tuple(ends))


def _normalize_clusters(text: str) -> tuple[list[str], list[int], list[int]]:
    """NFKC of each cluster of ``text``: the output characters, and the span each came from."""
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        while j < n and _is_cluster_mark(text[j]):
            j += 1
        cluster = text[i:j]
        if j - i > 1 or cluster in _SPACING_VOICED_MARKS:
            cluster = "".join(_SPACING_VOICED_MARKS.get(c, c) for c in cluster)
        normalized = unicodedata.normalize("NFKC", cluster)
        for char in normalized:
            out.append(char)
            starts.append(i)
            ends.append(j)
        i = j
    return out, starts, ends


def _normalize_chars(text: str, chars: dict[str, tuple[str, bool]]) -> tuple[list[str], list[int], list[int]]:
    """:func:`_normalize_clusters` of a text whose every cluster is one character (no mark joins
    the one before it), given ``chars``: :func:`_char_nfkc` of each of its characters."""
    mapped = [chars[c][0] for c in text]
    out = list("".join(mapped))
    if len(out) == len(mapped):
        return out, list(range(len(out))), list(range(1, len(out) + 1))
    return out, [i for i, m in enumerate(mapped) for _ in m], [i + 1 for i, m in enumerate(mapped) for _ in m]


def normalize_query(q: str) -> str:
    """NFKC-normalize a raw query string and turn every kind of space into one ASCII space.

    Full-width letters, operators (``ＯＲ``, ``＂``, ``－``) and the ideographic space U+3000
    become their ASCII forms; control characters are dropped. The full-width vertical bar ``｜``
    becomes a space, not the ``|`` of ``OR``: Japanese titles use it as a separator
    (``連載 その1｜Deno 入門``), and a reader pasting one means its words, not either half.
    """
    text = normalize_with_offsets(q.replace("\uff5c", " ")).text
    text = "".join(" " if (c.isspace() or unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp"))
                   and not _joins_emoji(text, i) else c for i, c in enumerate(text))
    return " ".join(text.split())


def _joins_emoji(text: str, i: int) -> bool:
    """The zero-width joiner or tag character ``text[i]`` continues an emoji (``👨‍👩‍👧``, the
    tag sequence of a subdivision flag), so it is kept: the query's emoji is one term (UAX #29)."""
    if text[i] != "\u200d" and not "\U000e0020" <= text[i] <= "\U000e007f":
        return False
    before = text[i - 1] if i > 0 else ""
    return bool(before) and (ord(before) > 0xFFFF or before == "\ufe0f" or "\u2600" <= before <= "\u27bf")


def to_katakana(text: str) -> str:
    """Hiragana → katakana, one character for one character (``りんご`` → ``リンゴ``)."""
    return text.translate(_HIRAGANA_TO_KATAKANA)


def expand_iteration_marks(text: str) -> str:
    """Replace 々 〻 ヽ ヾ by the character they repeat (``人々`` → ``人人``); one for one.

    ``ヾ`` repeats the previous kana voiced (``ス`` + ``ヾ`` → ``スズ``). A mark at the start
    of the text is kept as it is.
    """
    if not any(mark in text for mark in _ITERATION_MARKS):
        return text
    chars = list(text)
    for i, char in enumerate(chars):
        if char in _ITERATION_MARKS and i > 0:
            previous = chars[i - 1]
            if char == "ヾ":
                voiced = unicodedata.normalize("NFC", previous + "\u3099")
                chars[i] = voiced if len(voiced) == 1 else previous
            else:
                chars[i] = previous
    return "".join(chars)


def strip_long_vowel(term: str) -> str:
    """Remove trailing ー from an all-katakana term of at least :data:`LONG_VOWEL_MIN_CHARS`."""
    if len(term) >= LONG_VOWEL_MIN_CHARS and term.endswith(_LONG_VOWEL_MARK) and _KATAKANA_WORD.fullmatch(term):
        return term.rstrip(_LONG_VOWEL_MARK)
    return term


@functools.lru_cache(maxsize=65536)  # a blog repeats its words: most calls are repeats
def fold_term(term: str) -> str:
    """Fold an NFKC-normalized term for indexing and querying alike.

    casefold → hiragana to katakana → iteration marks expanded → katakana spelling variants
    unified (:func:`search.analysis.kana.unify_katakana`) → trailing ー stripped (katakana words of
    4+ characters). Examples: ``AWS`` → ``aws``, ``りんご`` → ``リンゴ``, ``人々`` → ``人人``,
    ``コンピューター`` → ``コンピュータ``, ``ヴァイオリン`` → ``バイオリン``, ``サバ`` → ``サバ``.
    """
    return strip_long_vowel(unify_katakana(expand_iteration_marks(to_katakana(term.casefold()))))


def fold_reading(reading: str) -> str:
    """Fold a katakana reading like a term, but keep its spelling (no :func:`unify_katakana`): a
    reading is the dictionary's standard kana, where ファ and フア are different sounds."""
    return strip_long_vowel(expand_iteration_marks(to_katakana(reading.casefold())))
