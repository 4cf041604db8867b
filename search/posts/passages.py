"""Repeated passages out of a post's text (:func:`drop_repeated_passages`): the blog's publishing
pipeline repeats sentences and cuts some off mid-way (see the seed post's ``---END---`` defect);
search keeps each passage once.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass




#: Sentences shorter than this many characters (whitespace normalized) are not deduplicated on
#: their own: see :func:`drop_repeated_passages`.
MIN_PASSAGE_CHARS = 8

#: A sentence cut off mid-way is only recognised from this many characters on: shorter
#: "fragments" are mostly headings and labels that happen to begin a longer sentence.
MIN_FRAGMENT_CHARS = 16

_SENTENCE = re.compile(r"""[^。！？!?]*[。！？!?]+[」』）)\]】〕"”’]*|[^。！？!?]+""")

_SENTENCE_END = frozenset("。！？!?」』）)]】〕\"”’")

_SPACE_RUN = re.compile(r"\s+")
_LEADING_ELLIPSIS = re.compile(r"^(?:\.{2,}|…+|‥+)\s*")

# Piece states: kept (_NEW, _SPACE, _SHORT_REPEAT unless in a dropped run) or dropped.
_NEW, _SPACE, _SHORT_REPEAT, _REPEAT, _TRUNCATED = range(5)

_DROPPED = (_REPEAT, _TRUNCATED)



@dataclass
class _Piece:
    index: int  # position in the list of all pieces
    line: int
    text: str
    key: str
    state: int = _NEW

    @property
    def long(self) -> bool:
        return len(self.key) >= MIN_PASSAGE_CHARS



def drop_repeated_passages(text: str) -> str:
    """Drop every passage that already appeared earlier in the same text; keep first occurrences.

    Works on sentences: each line is split after ``。！？!?`` (plus any closing brackets or
    quotes), and sentences are compared by their text with whitespace runs collapsed and a
    leading ``...``/``…`` removed. The repeat forms of the blog's ``---END---`` defect:

    - **same paragraphs again**: every sentence already seen is dropped;
    - **run together on one line**: the same, sentence by sentence; a piece with no sentence end
      between two old passages (a heading or title glued to the next paragraph by a space) is
      split at the space when the part before or after it was seen (a passage first seen glued
      and later repeated on its own is not caught: the blog's defect never does that);
    - **cut off mid-sentence**: the last sentence of a line, without a sentence end, at least
      :data:`MIN_FRAGMENT_CHARS` long and a proper prefix of a longer sentence anywhere in the
      text, is dropped when it sits inside a repeated run (the long sentence before it was
      dropped and the one after it is a repeat, or it ends the text), or when it ends a
      paragraph line after other sentences and either neighbour is a repeat or the next
      sentence is its full version. The full sentence is kept. A heading-like line that merely
      begins a later sentence ("Pythonのインストール" before "Pythonのインストールは簡単です。")
      is kept: lines alone need repeats on both sides.

    Judgement on short lines: sentences under :data:`MIN_PASSAGE_CHARS` characters ("はい",
    "まとめ", a table row of marks) legitimately repeat, so they are dropped only as part of a
    repeated run, i.e. when the nearest long sentences before and after them were dropped too.
    Surviving sentences keep their order and line; lines left empty are removed.

    :param text: plain text, one block per line.
    :returns: the text without repeated passages.
    """
    return "\n".join(line for line in kept_lines(text.split("\n")) if line)


def kept_lines(lines: Sequence[str]) -> list[str]:
    """:func:`drop_repeated_passages` line by line: what is left of each of ``lines`` (``""`` for
    a line dropped whole or blank), so the caller can tell where each input line ends up."""
    pieces = _classify(lines)
    _mark_truncations(pieces)
    _mark_short_runs(pieces)
    kept: list[list[str]] = [[] for _ in lines]
    for piece in pieces:
        if piece.state not in _DROPPED:
            kept[piece.line].append(piece.text)
    return ["".join(kept[index]).strip() if line.strip() else "" for index, line in enumerate(lines)]



def _key(text: str) -> str:
    key = " ".join(text.split())
    if key[:1] in (".", "…", "‥"):
        key = _LEADING_ELLIPSIS.sub("", key)
    return key



class _Seen:
    """Keys of the long sentences seen so far, with their first and last characters indexed so
    that :func:`_split_glued` can rule most sentences out without trying every space."""

    def __init__(self) -> None:
        self.keys: set[str] = set()
        self.heads: set[str] = set()
        self.tails: set[str] = set()

    def add(self, key: str) -> None:
        self.keys.add(key)
        self.heads.add(key[:MIN_PASSAGE_CHARS])
        self.tails.add(key[-MIN_PASSAGE_CHARS:])



def _classify(lines: Sequence[str]) -> list[_Piece]:
    """Split lines into sentences and mark exact repeats (first pass, in text order)."""
    seen = _Seen()
    seen_short: set[str] = set()
    pieces: list[_Piece] = []
    for index, line in enumerate(lines):
        for raw in _SENTENCE.findall(line):
            for text in _split_glued(raw, seen):
                piece = _Piece(len(pieces), index, text, _key(text))
                if not piece.key:
                    piece.state = _SPACE
                elif piece.long:
                    if piece.key in seen.keys:
                        piece.state = _REPEAT
                    else:
                        seen.add(piece.key)
                elif piece.key in seen_short:
                    piece.state = _SHORT_REPEAT
                else:
                    seen_short.add(piece.key)
                pieces.append(piece)
    return pieces



def _split_glued(raw: str, seen: _Seen) -> list[str]:
    """Split an unseen sentence at a space where the part before or after it was seen."""
    key = _key(raw)
    if len(key) <= MIN_PASSAGE_CHARS or key in seen.keys or " " not in key:
        return [raw]
    try_left = key[:MIN_PASSAGE_CHARS] in seen.heads
    try_right = key[-MIN_PASSAGE_CHARS:] in seen.tails
    if not (try_left or try_right):
        return [raw]
    for match in _SPACE_RUN.finditer(raw):
        left, right = raw[: match.start()], raw[match.start() :]
        left_key, right_key = _key(left), _key(right)
        if not left_key or not right_key:
            continue
        if try_left and len(left_key) >= MIN_PASSAGE_CHARS and left_key in seen.keys:
            return [left, *_split_glued(right, seen)]
        if try_right and len(right_key) >= MIN_PASSAGE_CHARS and right_key in seen.keys:
            return [*_split_glued(left, seen), right]
    return [raw]



def _mark_truncations(pieces: list[_Piece]) -> None:
    """Mark cut-off sentences (second pass): see :func:`drop_repeated_passages`."""
    keys = sorted({p.key for p in pieces if p.long})
    long_pieces = [p for p in pieces if p.long]
    for i, piece in enumerate(long_pieces):
        if (
            piece.state != _NEW
            or len(piece.key) < MIN_FRAGMENT_CHARS
            or piece.key[-1] in _SENTENCE_END
        ):
            continue
        following = piece.index + 1
        if following < len(pieces) and pieces[following].line == piece.line:
            continue  # not the last sentence of its line: not cut off
        j = bisect.bisect_right(keys, piece.key)
        if j == len(keys) or not keys[j].startswith(piece.key):
            continue  # not a prefix of any longer sentence
        before = long_pieces[i - 1] if i > 0 else None
        after = long_pieces[i + 1] if i + 1 < len(long_pieces) else None
        after_repeat = after is None or after.state == _REPEAT
        before_repeat = before is not None and before.state in _DROPPED
        restarts = after is not None and after.key.startswith(piece.key)
        ends_paragraph = piece.index > 0 and pieces[piece.index - 1].line == piece.line
        if (before_repeat and after_repeat) or (
            ends_paragraph and (before_repeat or after_repeat or restarts)
        ):
            piece.state = _TRUNCATED



def _mark_short_runs(pieces: list[_Piece]) -> None:
    """Drop a short repeated sentence when the long sentences around it were dropped."""
    last_long: _Piece | None = None
    pending: list[_Piece] = []
    for piece in pieces:
        if not piece.key:
            continue
        if not piece.long:
            if piece.state == _SHORT_REPEAT:
                pending.append(piece)
            continue
        for short in pending:
            if piece.state in _DROPPED and (last_long is None or last_long.state in _DROPPED):
                short.state = _REPEAT
        pending = []
        last_long = piece
    for short in pending:
        if last_long is not None and last_long.state in _DROPPED:
            short.state = _REPEAT
