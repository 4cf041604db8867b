"""The process's Janome tokenizers: one per user dictionary, shared by every thread under one lock.

Janome's ``Tokenizer`` is not thread-safe and cannot be pickled (``../NOTES``): one per user dictionary
is kept per *process*, never on an analyzer object (so analyzers pickle into the Whoosh schema),
and every call into it goes through :func:`janome_tokens`, which holds one lock while Janome runs.
Each extra tokenizer would cost ~10 MB (its own decoded copy of the dictionary's FST); the lock
costs no throughput because Janome is pure Python and runs under the GIL anyway.
"""

from __future__ import annotations

import functools
import os
import re
import threading
from collections import OrderedDict
from contextlib import contextmanager
from typing import Iterable, Iterator

import janome.tokenizer as _janome_tokenizer
from janome.tokenizer import Tokenizer as _Janome

from search.analysis.normalize import fold_term

#: Janome tokenizers kept per process (one per user dictionary in use, least recently used dropped).
MAX_TOKENIZERS = 4

_tokenizers: OrderedDict[str | None, _Janome] = OrderedDict()
#: For each user dictionary in ``_tokenizers``: a pattern matching any of its words' surfaces.
_user_surfaces: dict[str, re.Pattern | None] = {}

_janome_lock = threading.Lock()  # held while _tokenizers changes or any tokenizer runs


def _share_system_fst() -> None:
    """Make every Janome tokenizer of this process use one decoded copy of the system dictionary's FST.

    Janome 0.5's ``Tokenizer()`` base64-decodes the FST (~10 MB) anew for each tokenizer (with and
    without the user dictionary, per server thread); the decoded ``bytes`` are only read, so sharing
    them changes no token. Does nothing without ``all_fstdata`` (another Janome version)."""
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
        _user_surfaces.clear()
        _janome_lock = threading.Lock()


os.register_at_fork(after_in_child=_reset_after_fork)


def surface_pattern(surfaces: Iterable[str]) -> re.Pattern | None:
    """A pattern that finds any of ``surfaces`` in a text (the longest first), or None for none:
    where a user-dictionary word may change Janome's tokens."""
    ordered = sorted(set(surfaces), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, ordered))) if ordered else None


def lock() -> threading.Lock:
    """The lock to hold while using a tokenizer of :func:`tokenizer` (it changes after a fork)."""
    return _janome_lock


def tokenizer(dictionary: str | None) -> _Janome:
    """The process's tokenizer for ``dictionary`` (None: the system dictionary alone); the caller
    holds :func:`lock`."""
    found = _tokenizers.get(dictionary)
    if found is None:
        if dictionary:
            found = _Janome(dictionary, udic_enc="utf8", udic_type="simpledic")
            _user_surfaces[dictionary] = surface_pattern(entry[0] for entry in found.user_dic.entries.values())
        else:
            found = _Janome()
        _tokenizers[dictionary] = found
        if len(_tokenizers) > MAX_TOKENIZERS:
            evicted, _ = _tokenizers.popitem(last=False)
            _user_surfaces.pop(evicted, None)
    else:
        _tokenizers.move_to_end(dictionary)
    return found


@contextmanager
def system_tokenizer() -> Iterator[_Janome]:
    """The process's tokenizer of the system dictionary alone, with the Janome lock held while the
    ``with`` block runs: for look-ups in IPADIC itself (``other_readings``)."""
    with _janome_lock:
        yield tokenizer(None)


def janome_tokens(text: str, dictionary: str | None = None, *, wakati: bool = False) -> list:
    """Janome's tokens of ``text``, safe to call from any thread.

    A text in which no word of the user dictionary occurs is tokenized with the system dictionary
    alone: Janome adds a user word to its lattice only where the word's surface starts, so the
    tokens are the same, and the look-up of the user dictionary at every character (about 15% of
    Janome's time) is saved.

    :param dictionary: path of a Janome "simpledic" CSV or of a compiled user dictionary
        (:mod:`search.analysis.dictionary`); None: the system dictionary only.
    :param wakati: surfaces (``str``) instead of ``janome.tokenizer.Token`` objects.
    :returns: every token, in order (Janome strips leading and trailing whitespace first).
    """
    with _janome_lock:
        if dictionary:
            with_user = tokenizer(dictionary)
            surfaces = _user_surfaces.get(dictionary)
            if surfaces is not None and surfaces.search(text):
                return list(with_user.tokenize(text, wakati=wakati))
        return list(tokenizer(None).tokenize(text, wakati=wakati))


def user_dictionary_terms(dictionary: str | None) -> frozenset[str]:
    """The terms the words of the user dictionary ``dictionary`` are indexed under (folded surfaces).

    Read from the entries of its Janome tokenizer (``user_dic.entries``, surface first, in Janome
    0.5 for a CSV and a compiled dictionary alike); empty for None.
    """
    if not dictionary:
        return frozenset()
    with _janome_lock:
        entries = tokenizer(dictionary).user_dic.entries
        return frozenset(fold_term(entry[0]) for entry in entries.values())


@functools.lru_cache(maxsize=MAX_TOKENIZERS)
def user_words_with_symbols(dictionary: str) -> tuple[str, ...]:
    """The user dictionary's words written with a symbol (a tag ``Next.js入門``), lower-cased."""
    with _janome_lock:
        entries = tokenizer(dictionary).user_dic.entries
        return tuple({entry[0].lower() for entry in entries.values() if any(c in entry[0] for c in ".#+-/@")})


def preload_janome(dictionary: str | None = None) -> None:
    """Load Janome's system dictionary and the tokenizers for ``dictionary`` (and for none) now,
    e.g. in a server's parent process before it forks workers, which then share those pages."""
    with _janome_lock:
        list(tokenizer(None).tokenize("検索"))
        if dictionary:
            list(tokenizer(dictionary).tokenize("検索"))
