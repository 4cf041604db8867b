"""Tech names written with or without their separators (issue 17, kind 6): the query side of
:func:`search.analysis.symbols.joined_name`.

The index files a name with separators under its joined form as well (``Node.js`` also as
``nodejs``, ``Wi-Fi`` as ``wifi``: :func:`search.analysis.symbols.symbol_pieces`), so a query
written joined (``NodeJS``, ``WiFi``, ``ABテスト``) finds it as a plain word. The other way round is
this module's expander: a query word holding a name with separators is also looked for joined
(``Node.js`` → ``Nodejs``, which finds posts writing ``NodeJS``), and a word of letters then digits
(``GPT4``, ``UTF8``) also with the hyphen the names of versions carry (``GPT-4``, ``UTF-8``), since
Janome cuts ``GPT4`` into ``GPT`` and ``4`` but the index holds ``GPT-4`` as one name.
``CamelCase`` words are also looked for as the words they join (``RubyOnRails`` → ``Ruby on
Rails``): a name written without its spaces.
"""

from __future__ import annotations

import re
from typing import Iterator

from search.analysis.expansions import Variant, expander
from search.analysis.symbols import NAME, joined_name, symbol_spans

#: A word of letters then digits, a version written without its hyphen (``GPT4``, ``UTF8``).
_LETTERS_DIGITS = re.compile(r"([A-Za-z]{2,})([0-9]+)")
#: A word of three or more capitalised parts (``RubyOnRails``; not ``JavaScript``: two parts are
#: one word, which ``Java`` must not find).
_CAMEL = re.compile(r"(?:[A-Z][a-z]+){3,}")
_CAMEL_PART = re.compile(r"[A-Z][a-z]+")


#: Most words of a name written apart that are also looked for written together.
MAX_WORDS_TOGETHER = 4
_LATIN_WORDS = re.compile(r"[A-Za-z][A-Za-z0-9]*(?: [A-Za-z][A-Za-z0-9]*){1,%d}" % (MAX_WORDS_TOGETHER - 1))


def written_together(text: str) -> str:
    """Latin words typed apart as one word (``Ruby on Rails`` → ``RubyonRails``, found as the
    term ``rubyonrails`` of a post writing ``RubyOnRails``), or ``""`` for any other text."""
    return text.replace(" ", "") if _LATIN_WORDS.fullmatch(text) else ""


@expander("name")
def name_variants(text: str) -> Iterator[Variant]:
    """The other ways a tech name in ``text`` (one query word, NFKC) is written (module docstring)."""
    spans = [span for span in symbol_spans(text) if span.kind == NAME]
    for span in spans:
        joined = joined_name(text[span.start:span.end])
        if joined:
            yield Variant(text[:span.start] + joined + text[span.end:], "name")
    if written_together(text):
        yield Variant(written_together(text), "name")
    if not spans:
        match = _LETTERS_DIGITS.fullmatch(text)
        if match:
            yield Variant(f"{match.group(1)}-{match.group(2)}", "name")
        if _CAMEL.fullmatch(text):
            yield Variant(" ".join(_CAMEL_PART.findall(text)), "name")


#: A number and a symbol that counts it, and the counter word it reads as (10% is 10パーセント).
_COUNTING_SYMBOL = re.compile(r"([0-9０-９.]+)%")


@expander("number")
def counted_symbols(text: str) -> Iterator[Variant]:
    """``10%`` also as ``10パーセント``: the query word loses its ``%`` (a symbol, no term), while
    the word is the index's number key ``#10/パーセント`` of 10%, 十パーセント and 10パーセント
    (:mod:`search.analysis.numerals`)."""
    if _COUNTING_SYMBOL.search(text):
        yield Variant(_COUNTING_SYMBOL.sub(r"\1パーセント", text), "number")
