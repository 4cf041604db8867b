"""Reading posts (front matter, Liquid, Markdown, sections; no Janome) on ``../shared/corpus``, side by
side with a baseline checkout in the same run.

Each round reads every post of the corpus with :func:`search.posts.reader.load_posts` in a fresh
subprocess per tree (this one, then the baseline, alternately), so the two share the machine's
load; the median seconds of the rounds and their ratio are printed. Run with ``nice -n 10``::

    nice -n 10 .venv/bin/python -m bench.reading --baseline ../main --rounds 5
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpus"
SITES = ("mamezou-tech__mamezou-tech-site", "ruby__www.ruby-lang.org")

_ROUND = """
import sys, time
sys.path.insert(0, {tree!r})
from pathlib import Path
from search.posts.reader import load_posts
started = time.perf_counter()
count = sum(1 for site in {sites!r} for _ in load_posts(Path({corpus!r}) / site))
print(time.perf_counter() - started, count)
"""


def _round(tree: Path, corpus: Path) -> tuple[float, int]:
    code = _ROUND.format(tree=str(tree), sites=SITES, corpus=str(corpus))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tree).stdout
    seconds, count = out.split()
    return float(seconds), int(count)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.reading", description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", type=Path, default=REPO.parent / "main", help="the baseline checkout")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if not args.corpus.is_dir():
        sys.exit(f"no corpus at {args.corpus}")
    times: dict[str, list[float]] = {"this": [], "baseline": []}
    counts = {}
    for _ in range(args.rounds):
        for name, tree in (("this", REPO), ("baseline", args.baseline.resolve())):
            seconds, counts[name] = _round(tree, args.corpus)
            times[name].append(seconds)
    this, base = statistics.median(times["this"]), statistics.median(times["baseline"])
    print(f"posts read: this {counts['this']}, baseline {counts['baseline']}")
    print(f"median of {args.rounds} rounds: this {this:.2f} s, baseline {base:.2f} s, ratio {this / base:.2f}")


if __name__ == "__main__":
    main()
