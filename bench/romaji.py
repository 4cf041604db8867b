"""``python -m bench.romaji --index DIR``: what romaji reading (issue 17, kind 8) does on a real index.

* **English read as romaji** (false matches): every Latin word of the index's body field (ASCII
  letters, 3+ characters) — the English and tech words the site's posts really write — is looked
  up as a reader would type it; counted are the words that get a romaji reading the index holds
  (:func:`search.analysis.romaji.romaji_alternatives`), split by whether the word itself finds
  fewer posts than ``READING_STEP_BELOW`` (only then are readings searched at all).
* **Romaji found** (recall): for the index's kanji words of two or more characters (their reading
  as Janome gives it), the word's Hepburn (``n`` before a vowel or ``y`` without the apostrophe, as
  jaconv writes it) and kunrei-shiki spellings, long vowels written (``tou``), typed as ``oo`` and
  left out (``to``), each looked up the same way; counted are those that find the reading.

Prints a Markdown table; the word lists go to ``--output`` (JSON).
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

import jaconv

from search.analysis.normalize import fold_term, to_katakana
from search.analysis.romaji import romaji_alternatives
from search.indexing.index import open_index
from search.querying.reading_lexicon import reading_lexicon
from search.querying.searcher import READING_STEP_BELOW

_LATIN = re.compile(r"[a-z]{3,}")
_KANA_ROMAJI = str.maketrans({"ā": "a", "ī": "i", "ū": "u", "ē": "e", "ō": "o"})
_KUNREI = [("shi", "si"), ("chi", "ti"), ("tsu", "tu"), ("fu", "hu"), ("ji", "zi"), ("sh", "sy"), ("ch", "ty"),
           ("j", "zy")]


def _spellings(reading: str) -> set[str]:
    hepburn = jaconv.kana2alphabet(jaconv.kata2hira(reading)).replace("ー", "")
    if not hepburn.isascii() or not hepburn.isalpha():
        return set()
    short = re.sub(r"ou", "o", re.sub(r"uu", "u", hepburn))
    doubled = hepburn.replace("ou", "oo")  # ō typed as oo (kooshin)
    kunrei = hepburn
    for a, b in _KUNREI:
        kunrei = kunrei.replace(a, b)
    return {hepburn, short, doubled, kunrei}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.romaji", description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, required=True, help="an index built by kensaku reindex")
    parser.add_argument("--sample", type=int, default=500, help="kanji words drawn for the recall part")
    parser.add_argument("--output", type=Path, default=Path("bench/results/romaji.json"))
    args = parser.parse_args()
    index = open_index(args.index)
    with index.searcher() as searcher:
        reader = searcher.reader()
        lexicon = reading_lexicon(reader)
        latin = {t.decode(): reader.doc_frequency("body", t) for t in reader.lexicon("body")
                 if _LATIN.fullmatch(t.decode("utf-8", "replace"))}
        converted = {w: romaji_alternatives(w, lexicon) for w in latin}
        false = {w: r for w, r in converted.items() if r}
        reached = {w: r for w, r in false.items() if latin[w] < READING_STEP_BELOW}
        readings = [t.decode() for t in reader.lexicon("body_reading")]
        kanji_words = sorted({t.decode() for t in reader.lexicon("body")
                              if len(t.decode()) >= 2 and all("\u4e00" <= c <= "\u9fff" for c in t.decode())})
        random.Random(17).shuffle(kanji_words)
        from search.analysis.morphemes import morphemes  # the reading Janome gives each word
        found = tried = 0
        misses = []
        for word in kanji_words:
            if tried >= args.sample:
                break
            ms = [m for m in morphemes(word) if not m.piece]
            if len(ms) != 1 or not ms[0].reading:
                continue
            reading = fold_term(ms[0].reading)
            for spelling in sorted(_spellings(ms[0].reading)):
                tried += 1
                if reading in {fold_term(to_katakana(kana)) for kana in romaji_alternatives(spelling, lexicon)}:
                    found += 1
                else:
                    misses.append((word, spelling))
    rows = [
        "| measure | count | share |", "|---|---:|---:|",
        f"| Latin words of the body field (3+ letters) | {len(latin):,} | |",
        f"| … read as romaji of a reading the index holds | {len(false):,} | {len(false) / max(1, len(latin)):.1%} |",
        f"| … and finding fewer than {READING_STEP_BELOW} posts as Latin (readings searched) | {len(reached):,} | "
        f"{len(reached) / max(1, len(latin)):.1%} |",
        f"| romaji spellings of {args.sample} kanji words' readings found | {found:,} of {tried:,} | {found / max(1, tried):.1%} |",
    ]
    print("\n".join(rows))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({"english_read_as_romaji": reached, "all_read_as_romaji": false,
                                       "recall_misses": misses[:200], "readings": len(readings)},
                                      ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
