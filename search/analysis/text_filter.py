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

from search.analysis.normalize import normalize_with_offsets

#: Bits per distinct bigram, and probes per bigram.
BITS_PER_BIGRAM = 10
PROBES = 4


def _bigram_codes(text: str) -> set[int]:
    codes = set()
    previous = None
    for char in text:
        code = ord(char)
        if previous is not None:
            codes.add(previous * 0x110000 + code)
        previous = code
    return codes


def _probes(code: int, bits: int) -> Iterable[int]:
    first = (code * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
    step = ((code * 0xC2B2AE3D27D4EB4F) & 0xFFFFFFFFFFFFFFFF) | 1
    return ((first + i * step) % bits for i in range(PROBES))


def bigram_filter(texts: Iterable[str]) -> bytes:
    """The filter of ``texts`` (normalized as the analyzers normalize them), as bytes."""
    codes: set[int] = set()
    for text in texts:
        for line in normalize_with_offsets(text).text.split("\n"):
            codes |= _bigram_codes(line)
    size = max(8, (len(codes) * BITS_PER_BIGRAM + 7) // 8)
    bits = size * 8
    found = bytearray(size)
    for code in codes:
        for bit in _probes(code, bits):
            found[bit >> 3] |= 1 << (bit & 7)
    return bytes(found)


def may_contain(signature: bytes, surface: str) -> bool:
    """False only if no text of the filter ``signature`` contains ``surface`` (already normalized);
    True for a surface shorter than two characters (a filter of bigrams cannot tell)."""
    codes = _bigram_codes(surface)
    if not codes or not signature:
        return True
    bits = len(signature) * 8
    return all(signature[bit >> 3] >> (bit & 7) & 1 for code in codes for bit in _probes(code, bits))
