"""One word written with other kanji: 蒐集 / 収集, 附属 / 付属, 箇所 / 個所 / か所 (書きかえ).

Spelling keys (:mod:`search.analysis.spellings`) join the spellings of a word whose kanji are
kept or replaced by kana; they keep apart words whose kanji differ, since most such pairs are
homophones (公園 / 講演). Some pairs with different kanji are nevertheless one word by a public
standard: 国語審議会「同音の漢字による書きかえ」(1956) replaced kanji outside the 当用漢字表 by
kanji of the same sound (蒐集 → 収集, 銓衡 → 選考), newspapers and official writing did the same
(遵守 → 順守, 附属 → 付属), and 異字同訓 spell one word by its sense (お勧め / お薦め). Such words
are listed, with their sources, in ``search/analysis/data/respellings.txt``; a query word that is
one of them is also looked for as every other spelling of its line, each analyzed like a query
word, so the rule holds in both directions and for posts already indexed.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Iterator

from search.analysis.expansions import Variant, expander
from search.analysis.normalize import normalize_query

#: The shipped table of respellings (one word a line, spellings separated by spaces).
RESPELLINGS_FILE = Path(__file__).with_name("data") / "respellings.txt"


def read_respellings(path: Path = RESPELLINGS_FILE) -> list[tuple[str, ...]]:
    """The groups of ``path``: one tuple of spellings a line, comments (``#``) and blank lines
    skipped; spellings NFKC-normalized like query words.

    :raises OSError: if the file cannot be read.
    """
    groups = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        spellings = tuple(dict.fromkeys(normalize_query(s) for s in line.split()))
        if len(spellings) > 1:
            groups.append(spellings)
    return groups


@functools.cache
def _by_spelling() -> dict[str, tuple[str, ...]]:
    table: dict[str, tuple[str, ...]] = {}
    for group in read_respellings():
        for spelling in group:
            table[spelling] = tuple(dict.fromkeys(table.get(spelling, ()) + group))
    return table


@expander("respelling")
def respellings(text: str) -> Iterator[Variant]:
    """The other spellings of ``text``'s line of the table (``附属`` → ``付属``), none for a word
    not in it."""
    for spelling in _by_spelling().get(text, ()):
        if spelling != text:
            yield Variant(spelling, "respelling")
