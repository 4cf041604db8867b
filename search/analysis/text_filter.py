"""Which texts may contain a word: a Bloom filter of the character bigrams a post's analyzed texts hold.

A user-dictionary word changes Janome's analysis only of the text its surface occurs in
(:mod:`search.analysis.morpheme_cache`); an update after a dictionary change re-analyzes the posts
that may contain a changed surface. A surface of two or more characters occurs in a text only if
each of its character bigrams does, so a Bloom filter of the bigrams of the NFKC text Janome is
given (Bloom 1970) never misses such a post; a false positive only re-analyzes a post for nothing.
About 10 bits per distinct bigram, 4 probes: under 1% false positives per bigram.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np

from search.analysis.normalize import normalize_with_offsets

#: Bits per distinct bigram, and probes per bigram.
BITS_PER_BIGRAM = 10
PROBES = 4


def _bigram_codes(text: str) -> np.ndarray:
    """Each distinct character bigram of ``text`` as one unsigned 64-bit number."""
    if len(text) < 2:
        return np.zeros(0, dtype=np.uint64)
    chars = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    return np.unique(chars[:-1] * np.uint64(0x110000) + chars[1:])


def _probes(codes: np.ndarray, bits: int) -> np.ndarray:
    """The :data:`PROBES` bit positions of each code (double hashing, Kirsch & Mitzenmacher 2006)."""
    with np.errstate(over="ignore"):
        first = codes * np.uint64(0x9E3779B97F4A7C15)
        step = (codes * np.uint64(0xC2B2AE3D27D4EB4F)) | np.uint64(1)
        return np.concatenate([(first + np.uint64(i) * step) % np.uint64(bits) for i in range(PROBES)])


def bigram_filter(texts: Iterable[str]) -> bytes:
    """The filter of ``texts`` (normalized as the analyzers normalize them), as bytes."""
    # (Bigrams across a line break are kept too: they only add false positives.)
    parts = [_bigram_codes(normalize_with_offsets(text).text) for text in texts]
    codes = np.unique(np.concatenate(parts or [np.zeros(0, dtype=np.uint64)]))
    size = max(8, (len(codes) * BITS_PER_BIGRAM + 7) // 8)
    found = np.zeros(size * 8, dtype=bool)
    found[_probes(codes, size * 8).astype(np.int64)] = True
    return np.packbits(found, bitorder="little").tobytes()


def may_contain(signature: bytes, surface: str) -> bool:
    """False only if no text of the filter ``signature`` contains ``surface`` (already normalized);
    True for a surface shorter than two characters (a filter of bigrams cannot tell)."""
    codes = _bigram_codes(surface)
    if not len(codes) or not signature:
        return True
    bits = np.unpackbits(np.frombuffer(signature, dtype=np.uint8), bitorder="little")
    return bool(bits[_probes(codes, len(bits)).astype(np.int64)].all())
