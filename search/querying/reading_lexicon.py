"""The index's reading terms as query analysis asks for them (:class:`ReadingLexicon`): whether a
folded katakana reading is a term of the reading fields, the spelling keys a reading starts, how
many posts hold a word, the readings a few kana may begin, and whether some post holds a kana
text in a row, as written (n-grams) or read (adjacent words' readings). Answers are facts of a
segment reader's term table, remembered while it lives.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

from search.analysis.ngrams import ngrams
from search.analysis.readings import reading_segmentations
from search.analysis.spellings import SEPARATOR
from search.analysis.kana import LOOSE_MARK
from search.indexing.schema import LEXICON_FIELDS, READING_FIELDS
from search.querying.postings import field_lexicon, kept_per_reader, key_table

#: The word fields the reading fields' spelling keys mirror (title_reading holds title's keys, …).
MIRRORED_FIELDS = ("title", "anchors", "body")


class ReadingLexicon:
    """The reading terms of an index's reading fields, for reading kana queries.

    Called with a folded katakana reading, tells whether the index holds it (answers are
    remembered as long as the reader lives, at most :data:`MAX_REMEMBERED` of each kind: they are
    facts of its term table, like :func:`~search.querying.postings.field_lexicon`'s); :meth:`completions` lists the readings a few kana
    typed may be the start of. The fields of :data:`LEXICON_FIELDS` are asked in memory
    (:func:`search.querying.postings.field_lexicon`), so a reading that is no term costs one lookup in the
    term table, not one a field.

    :param reader: a Whoosh index reader, open while this is used.
    """

    def __init__(self, reader) -> None:
        self._reader = reader
        self._fields = [f for f in READING_FIELDS if f in reader.schema]
        self._kept = [field_lexicon(reader, f) for f in self._fields if f in LEXICON_FIELDS]
        self._looked_up = [f for f in self._fields if f not in LEXICON_FIELDS]
        self._known: dict[str, bool] = _remembered(reader, "readings")
        self._keys: dict[str, list[str]] = _remembered(reader, "spelling keys")
        self._posts: dict[str, int] = _remembered(reader, "word posts")
        self._in_kana: dict[str, bool] = _remembered(reader, "kana in a row")
        self._read_in_a_row: dict[str, bool] = _remembered(reader, "readings in a row")

    def __call__(self, term: str) -> bool:
        def known() -> bool:
            btext = term.encode("utf-8")
            return (any(btext in lexicon for lexicon in self._kept)
                    or any((f, btext) in self._reader for f in self._looked_up))
        return _answer(self._known, term, known)

    def spelling_keys(self, prefix: str) -> list[str]:
        """Spelling keys (``reading/skeleton``) of the reading fields that start with ``prefix``
        (a reading and :data:`~search.analysis.spellings.SEPARATOR`), those of the most posts
        first; remembered while the reader lives."""
        return _answer(self._keys, prefix, lambda: key_table(self._reader, self._fields, SEPARATOR, LOOSE_MARK)
                       .starting_with(prefix))

    def filed_with(self, key: str, term: str) -> bool:
        """Whether the spelling ``key`` is filed exactly where the word ``term`` is: as many
        postings in the reading fields as ``term`` has in the word fields they mirror (title,
        anchors, body). Every occurrence of a word files its own key, so the key's postings hold
        the word's; as many means no other spelling shares the key."""
        table = key_table(self._reader, self._fields, SEPARATOR, LOOSE_MARK)
        return table.filed_with(key, term, lambda: sum(self._reader.doc_frequency(f, term)
                                                       for f in MIRRORED_FIELDS if f in self._reader.schema))

    def occurs(self, katakana: str) -> bool:
        """Whether the title or body n-gram field holds ``katakana``'s query grams in a row in one
        post (a post written in kana: しんかんせん); remembered while the reader lives."""
        def known() -> bool:
            grams = ngrams(katakana, query=True)
            return bool(grams) and any(self._in_a_row(f, grams) for f in ("title_ngram", "body_ngram")
                                       if f in self._reader.schema)
        return _answer(self._in_kana, katakana, known)

    def reads(self, katakana: str) -> bool:
        """Whether some post's title or body holds adjacent words whose readings spell ``katakana``
        the way a kana query word is read (:func:`reading_segmentations`: カンリシャ in 管理者,
        read カンリ シャ), each of at least :data:`MIN_PIECE_KANA` kana (ヒデ is not 日 で);
        remembered while the reader lives."""
        def known() -> bool:
            return any(self._in_a_row(f, [_Piece(piece, i) for i, piece in enumerate(pieces)])
                       for pieces in reading_segmentations(katakana, self)
                       if len(pieces) > 1 and min(map(len, pieces)) >= MIN_PIECE_KANA
                       for f in ("title_reading", "body_reading") if f in self._reader.schema)
        return _answer(self._read_in_a_row, katakana, known)

    def _in_a_row(self, fieldname: str, grams) -> bool:
        found: dict[int, set[int]] | None = None
        for gram in grams:
            btext = gram.text.encode("utf-8")
            if (fieldname, btext) not in self._reader:
                return False
            postings = self._reader.postings(fieldname, btext)
            here: dict[int, set[int]] = {}
            while postings.is_active():
                docnum = postings.id()
                if found is None or docnum in found:
                    shift = gram.position - grams[0].position
                    starts = {p - shift for p in postings.value_as("positions")}
                    starts = starts if found is None else starts & found[docnum]
                    if starts:
                        here[docnum] = starts
                postings.next()
            if not here:
                return False
            found = here
        return bool(found)

    def word_posts(self, term: str) -> int:
        """How many posts hold ``term`` (folded) in the body or the title word field, at most."""
        return _answer(self._posts, term, lambda: max((self._reader.doc_frequency(f, term) for f in ("body", "title")
                                                       if f in self._reader.schema), default=0))

    def completions(self, prefix: str, limit: int) -> list[str]:
        """Readings longer than ``prefix`` (folded katakana) that start with it, those of the most
        posts first (document frequencies summed over the reading fields), at most ``limit``;
        reads the terms in that range of the term index once per field."""
        posts: dict[str, int] = {}
        for fieldname in self._fields:
            for btext in self._reader.expand_prefix(fieldname, prefix):
                term = btext.decode("utf-8")
                if len(term) > len(prefix) and SEPARATOR not in term:
                    posts[term] = posts.get(term, 0) + self._reader.doc_frequency(fieldname, btext)
        return sorted(posts, key=lambda term: (-posts[term], term))[:limit]


#: Fewest kana of each reading that :meth:`ReadingLexicon.occurs` reads a kana text as.
MIN_PIECE_KANA = 2


class _Piece(NamedTuple):
    """A reading term at its position in a phrase, as :meth:`ReadingLexicon._in_a_row` reads grams."""

    text: str
    position: int


#: Most answers of each kind a reader's :class:`ReadingLexicon` remembers (then it starts over).
MAX_REMEMBERED = 50_000


def _remembered(reader, kind: str) -> dict:
    """A dict of answers about ``reader``'s terms, shared by its lexicons while it lives."""
    return kept_per_reader(reader, ("answers", kind), dict)


def _answer(store: dict, key: str, compute: Callable[[], object]):
    """``store[key]``, computed and kept on first use; a full store (:data:`MAX_REMEMBERED`) starts over."""
    found = store.get(key)
    if found is None:
        if len(store) >= MAX_REMEMBERED:
            store.clear()
        found = store[key] = compute()
    return found


def reading_lexicon(reader) -> ReadingLexicon:
    """The :class:`ReadingLexicon` of ``reader``'s reading fields."""
    return ReadingLexicon(reader)
