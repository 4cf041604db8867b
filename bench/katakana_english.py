"""What reading English words as katakana (issue 17, kind 10) would bring and cost, on a real index.

Two steps, because the converter is not a project dependency::

    python -m bench.katakana_english dump --index DIR --output terms.json      # project venv
    pip install e2k==0.8.1 && python bench/katakana_english.py compare terms.json   # any venv

``dump`` writes the index's Latin words (body field, ASCII letters, 3+ characters), katakana words
and reading terms with their document frequencies. ``compare`` converts the most frequent Latin
words with e2k's ``C2K`` (the English → katakana model on PyPI; public domain) and counts, for the
katakana each one would be indexed under in the reading field:

* **pairs**: a katakana word the posts also write (server → サーバー): a kana query for it would
  now find the posts that wrote it in English — what the feature brings;
* **collisions**: a reading the index holds only as the reading of a kanji or hiragana word
  (is → イス, 椅子): a kana query for that word would find English posts — false matches;
* **time** per word, against the number of distinct Latin words a rebuild would convert.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

_LATIN = re.compile(r"[a-z]{3,}")
_KATAKANA = re.compile(r"[\u30a1-\u30fa\u30fc]{2,}")


def dump(index_dir: Path, output: Path) -> None:
    from search.indexing.index import open_index

    index = open_index(index_dir)
    with index.searcher() as searcher:
        reader = searcher.reader()

        def terms(field: str, pattern: re.Pattern) -> dict[str, int]:
            return {t.decode(): reader.doc_frequency(field, t) for t in reader.lexicon(field)
                    if pattern.fullmatch(t.decode("utf-8", "replace"))}

        data = {"posts": index.doc_count, "latin": terms("body", _LATIN), "katakana": terms("body", _KATAKANA),
                "readings": terms("body_reading", _KATAKANA)}
    output.write_text(json.dumps(data, ensure_ascii=False))
    print(f"{len(data['latin'])} Latin words, {len(data['katakana'])} katakana words, "
          f"{len(data['readings'])} readings")


def _fold(katakana: str) -> str:
    """As search.analysis.normalize.fold_term folds a katakana term (one trailing ー off from 4 chars)."""
    return katakana[:-1] if len(katakana) >= 4 and katakana.endswith("ー") else katakana


def compare(terms_file: Path, top: int) -> None:
    from e2k import C2K

    data = json.loads(terms_file.read_text())
    latin = sorted(data["latin"], key=lambda w: -data["latin"][w])[:top]
    katakana, readings = set(data["katakana"]), data["readings"]
    c2k = C2K()
    started = time.perf_counter()
    converted = {word: _fold(c2k(word)) for word in latin}
    per_word = (time.perf_counter() - started) / max(1, len(latin)) * 1000
    pairs = {w: k for w, k in converted.items() if k in katakana}
    collisions = {w: k for w, k in converted.items() if k in readings and k not in katakana}
    colliding_posts = sum(readings[k] for k in collisions.values())
    rows = [
        "| measure | value |", "|---|---:|",
        f"| distinct Latin words in the index (3+ letters) | {len(data['latin']):,} |",
        f"| e2k C2K time per word | {per_word:.1f} ms |",
        f"| … for every distinct Latin word of a rebuild | {per_word * len(data['latin']) / 1000:.0f} s CPU |",
        f"| most frequent Latin words converted | {len(latin)} |",
        f"| pairs: katakana the posts also write | {len(pairs)} ({len(pairs) / max(1, len(latin)):.0%}) |",
        f"| collisions: reading of another (kanji/kana) word only | {len(collisions)} ({len(collisions) / max(1, len(latin)):.0%}) |",
        f"| posts holding a colliding reading (false-match exposure) | {colliding_posts:,} |",
    ]
    print("\n".join(rows))
    print("pairs:", ", ".join(f"{w}→{k}" for w, k in list(pairs.items())[:25]))
    print("collisions:", ", ".join(f"{w}→{k}" for w, k in list(collisions.items())[:25]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("dump")
    d.add_argument("--index", type=Path, required=True)
    d.add_argument("--output", type=Path, required=True)
    c = sub.add_parser("compare")
    c.add_argument("terms", type=Path)
    c.add_argument("--top", type=int, default=500)
    args = parser.parse_args()
    if args.command == "dump":
        dump(args.index, args.output)
    else:
        compare(args.terms, args.top)


if __name__ == "__main__":
    main()
