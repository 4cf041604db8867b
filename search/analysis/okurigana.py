"""Okurigana left out: a query word also looked for as its kanji alone (書き込み → 書込).

文化庁「送り仮名の付け方」(内閣告示, 1973) 通則6 lets a compound leave out okurigana that would
not be misread (許容: 書き込み / 書込み / 書込, 引き落とし / 引落し / 引落, 入り口 / 入口), and
official and business writing often does. Janome reads such a spelling differently or not at all
(書込 is 書 + 込, 引落 an unknown word), so the reading and skeleton key of a post's spelling
(:mod:`search.analysis.spellings`) may differ from the query's. This expander adds the compound's
kanji (:func:`search.analysis.spellings.compound_skeleton`) as a variant: of a compound with
okurigana between its kanji matched as words and fragments (引き落とし finds 引落し and 引落), of
one with a single kana after them as a word only (払戻し finds 払戻; as a fragment 気付き's 気付
would find 気付け, another word); never by Janome's reading of the bare kanji (it reads 気付 as
気付け, きつけ). More kana after the kanji are not left out (位置づけ, 足掛かり: more than
okurigana). The other way round (引落 finding 引き落とし) the index's skeleton keys answer
(:func:`search.analysis.spellings.skeleton_key`). The kanji are the word's own, in order, so no
homophone written with other kanji (公園 / 講演) is ever a variant.
"""

from __future__ import annotations

from typing import Iterator

from search.analysis.analyzers import query_terms
from search.analysis.expansions import Variant, expander
from search.analysis.morphemes import HAS_KANJI, INFLECTED_TAGS
from search.analysis.spellings import compound_skeleton, has_inner_okurigana


#: The hiragana (okurigana are written in hiragana).
HIRAGANA = "".join(chr(c) for c in range(0x3041, 0x3097))


@expander("okurigana")
def without_okurigana(text: str) -> Iterator[Variant]:
    """``text``'s kanji alone when it is one compound written with okurigana (``払い戻し`` →
    ``払戻``, matched as words and fragments) or with one kana of okurigana after its kanji
    (``払戻し`` → ``払戻``, matched as a word only); nothing for a verb or adjective in its
    dictionary form (出来る is not 出来, which is also a word of 出来事)."""
    if not (HAS_KANJI.search(text) and any(c in HIRAGANA for c in text)):
        return  # okurigana are hiragana after kanji
    morphemes = query_terms(text)
    kanji = compound_skeleton(morphemes)
    if not kanji or kanji == text:
        return
    last = morphemes[-1]
    if last.pos in INFLECTED_TAGS and last.surface == last.base_form:
        return
    joined = "".join(m.surface for m in morphemes)
    inner = has_inner_okurigana(joined)
    tail = len(joined) - len(joined.rstrip(HIRAGANA))
    # every piece holds a kanji (位置 + づけ is a word written in kana, not okurigana to leave out)
    # but one kana of okurigana Janome cuts off as a word of its own (引落 + し)
    pieces = morphemes[:-1] if len(morphemes) > 1 and len(last.surface) == 1 else morphemes
    if not all(HAS_KANJI.search(m.surface) for m in pieces):
        return
    if inner or tail == 1:  # more kana at the end (位置づけ, 足掛かり) may be more than okurigana
        yield Variant(kanji, "okurigana", fragments=inner, keys=False)
