"""The registry of query-word variants: other spellings a query word is also looked for as.

One kind of variation is one *expander*: a function from a query word (NFKC-normalized text, as
the query parser gives it) to the other spellings of that word, registered under its kind with
:func:`expander`. Every alternative of a query word comes out of :func:`variants` (the query side
of :mod:`search.analysis.query_analysis`); :mod:`search.querying` only turns each variant into
queries, analyzed exactly like the word itself and weighted by :attr:`Variant.weight`. Adding a
kind therefore touches ``search/analysis/`` only: write the expander in its own module, decorate
it with ``@expander("kind")`` and import the module in :mod:`search.analysis.query_analysis`.

Variation that cannot be listed from the word alone (the index must be asked which spellings it
holds, as for okurigana and kana/kanji spellings: :mod:`search.analysis.spellings`) is matched
by keys on both sides instead; variation that one folding removes on both sides (katakana
loanword spellings: :mod:`search.analysis.kana`) needs no expander at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

#: Most variants of one query word (each is a clause of its own: Janome runs on each).
MAX_VARIANTS = 8


@dataclass(frozen=True)
class Variant:
    """Another spelling of a query word.

    :ivar text: the spelling, analyzed like a query word (``第3回`` → ``第三回``).
    :ivar kind: the registered kind that produced it (``number``, ``synonym``, …), shown in the
        JSON ``query_analysis``.
    :ivar weight: its matches' score relative to the word as typed (1.0: the same word).
    :ivar fragments: False if it is not to match as adjacent n-grams inside longer words (the
        kanji of 気付き, 気付, are also in 気付け, another word).
    :ivar keys: False if it is not to match by its reading or spelling keys (Janome reads the
        kanji 気付 alone as 気付け, きつけ).
    :ivar code: False if it is not to match in the text of code blocks (a translation is prose:
        ロードマップ's ``load map`` next to each other in code is something else).
    """

    text: str
    kind: str
    weight: float = 1.0
    fragments: bool = True
    keys: bool = True
    code: bool = True


Expander = Callable[[str], Iterable[Variant]]

_EXPANDERS: dict[str, Expander] = {}


def expander(kind: str) -> Callable[[Expander], Expander]:
    """Register ``function`` as the expander of ``kind`` (one per kind; a second replaces it).

    The function takes a query word's text and yields :class:`Variant` objects (or plain strings,
    taken as variants of ``kind`` with weight 1.0); it must not raise on any text.
    """
    def register(function: Expander) -> Expander:
        _EXPANDERS[kind] = function
        return function
    return register


def registered_kinds() -> tuple[str, ...]:
    """The kinds registered so far, in registration order."""
    return tuple(_EXPANDERS)


def variants(text: str, *, kinds: Iterable[str] | None = None) -> list[Variant]:
    """Every registered variant of ``text`` (not ``text`` itself), first-found first, without
    repeats, at most :data:`MAX_VARIANTS`.

    :param kinds: only these kinds (default: all registered).
    """
    found: dict[str, Variant] = {}
    for kind, function in _EXPANDERS.items():
        if kinds is not None and kind not in kinds:
            continue
        for variant in function(text):
            if isinstance(variant, str):
                variant = Variant(variant, kind)
            if variant.text and variant.text != text and variant.text not in found:
                found[variant.text] = variant
            if len(found) >= MAX_VARIANTS:
                return list(found.values())
    return list(found.values())
