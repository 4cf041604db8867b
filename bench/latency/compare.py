"""``python -m bench.latency.compare --baseline TREE``: this tree's query latency against another
tree's (an earlier commit checked out as a worktree, with its own ``.venv``), query by query.

``python -m bench.latency`` times one tree; two of its runs, one per tree, minutes apart, see
different loads on a shared machine (FTS5, the same code in both, moved by 23% between such
runs). Here each tree runs in a worker process of its own — its code, its own
``bench/.cache/real/index`` built by its own ``kensaku reindex`` (each tree's index format) — and
the parent sends every query to both, one right after the other (which one first alternates), so
both trees are timed at the same moments. The 125 queries of :mod:`bench.latency.queries`, one
warm-up pass, then ``--rounds`` passes in a shuffled order; each call is timed inside its worker
(``search_posts`` exactly as ``bench.latency`` calls it), in wall-clock time and in the worker's
CPU time (``time.process_time``: what the shared machine's other jobs disturb least). p50/p95 over
all timed calls, per tree and their ratio, and per kind of query (wall-clock). Writes
``bench/results/latency-compare.json``.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import random
import subprocess
import sys
from pathlib import Path

from bench import git_commit
from search.posts.reader import Post, load_posts

from .__main__ import _summary
from .queries import draw_queries

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpus"

#: Runs in a tree's own Python with the tree as working directory: opens that tree's index, then
#: answers each query (a JSON line on stdin) with its wall-clock and CPU time in milliseconds
#: (a JSON line ``[wall, cpu]``).
_WORKER = """
import json, sys, time
from pathlib import Path
sys.path.insert(0, ".")
from search.indexing.index import open_index
from search.querying.searcher import search_posts
from search.analysis.synonyms import DEFAULT_SYNONYMS_FILE, SynonymFile
index = open_index(Path(sys.argv[1]))
synonyms = SynonymFile(DEFAULT_SYNONYMS_FILE).current()
print("ready", flush=True)
for line in sys.stdin:
    query = json.loads(line)
    started, cpu = time.perf_counter(), time.process_time()
    search_posts(index, query, per_page=10, synonyms=synonyms)
    print(json.dumps([(time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000]), flush=True)
"""

#: Builds a tree's index with its own ``kensaku reindex`` unless it has a usable one.
_ENSURE = "import sys; from pathlib import Path; sys.path.insert(0, '.'); from bench import ensure_index; " \
          "ensure_index(Path(sys.argv[1]), Path(sys.argv[2]))"


class _Worker:
    """One tree's worker process."""

    def __init__(self, tree: Path, corpus: Path) -> None:
        python = tree / ".venv" / "bin" / "python"
        if not python.exists():
            raise SystemExit(f"{tree} has no .venv: run `make setup-test` there first")
        index_dir = tree / "bench" / ".cache" / "real" / "index"
        subprocess.run([str(python), "-c", _ENSURE, str(corpus), str(index_dir)], cwd=tree, check=True,
                       stdout=sys.stderr)
        self.process = subprocess.Popen([str(python), "-c", _WORKER, str(index_dir)], cwd=tree, text=True,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        if self.process.stdout.readline().strip() != "ready":
            raise SystemExit(f"the worker of {tree} did not start")

    def time(self, query: str) -> tuple[float, float]:
        """``(wall-clock ms, CPU ms)`` of one search."""
        self.process.stdin.write(json.dumps(query, ensure_ascii=False) + "\n")
        self.process.stdin.flush()
        wall, cpu = json.loads(self.process.stdout.readline())
        return float(wall), float(cpu)

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(30)


def compare(trees: dict[str, Path], corpus: Path, rounds: int) -> dict:
    """Time the same queries in each tree's worker, interleaved (see the module docstring)."""
    posts = [post for post in load_posts(corpus) if isinstance(post, Post)]
    queries = draw_queries(posts)
    workers = {name: _Worker(tree, corpus) for name, tree in trees.items()}
    try:
        names = list(workers)
        for query in queries:  # warm-up
            for name in names:
                workers[name].time(query.text)
        times: dict[str, dict[str, list[float]]] = {name: {} for name in names}
        cpu: dict[str, list[float]] = {name: [] for name in names}
        rng = random.Random(1)
        for turn in range(rounds):
            order = list(queries)
            rng.shuffle(order)
            for i, query in enumerate(order):
                for name in (names if (turn + i) % 2 == 0 else names[::-1]):
                    wall, used = workers[name].time(query.text)
                    times[name].setdefault(query.kind, []).append(wall)
                    cpu[name].append(used)
    finally:
        for worker in workers.values():
            worker.close()
    result: dict = {"trees": {name: str(tree) for name, tree in trees.items()}, "systems": {}}
    for name, by_kind in times.items():
        every = [t for kind_times in by_kind.values() for t in kind_times]
        result["systems"][name] = {"all": _summary(every), "kinds": {k: _summary(t) for k, t in by_kind.items()},
                                   "cpu": _summary(cpu[name])}
    this, baseline = result["systems"]["this"]["all"], result["systems"]["baseline"]["all"]
    result["ratio_p95"] = this["p95_ms"] / baseline["p95_ms"]
    result["ratio_p50"] = this["p50_ms"] / baseline["p50_ms"]
    this_cpu, baseline_cpu = result["systems"]["this"]["cpu"], result["systems"]["baseline"]["cpu"]
    result["cpu_ratio_p95"] = this_cpu["p95_ms"] / baseline_cpu["p95_ms"]
    result["cpu_ratio_p50"] = this_cpu["p50_ms"] / baseline_cpu["p50_ms"]
    return result


def table(result: dict) -> str:
    """A Markdown table: per tree and kind of query, p50 and p95."""
    this, baseline = result["systems"]["this"], result["systems"]["baseline"]
    lines = ["| queries | baseline p50 | this p50 | baseline p95 | this p95 | p95 this ÷ baseline |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for kind in ["all", *sorted(baseline["kinds"])]:
        b = baseline["all"] if kind == "all" else baseline["kinds"][kind]
        t = this["all"] if kind == "all" else this["kinds"][kind]
        lines.append(f"| {kind} | {b['p50_ms']:.1f} ms | {t['p50_ms']:.1f} ms | {b['p95_ms']:.1f} ms | "
                     f"{t['p95_ms']:.1f} ms | {t['p95_ms'] / b['p95_ms']:.2f} |")
    b, t = baseline["cpu"], this["cpu"]
    lines.append(f"| all, CPU time | {b['p50_ms']:.1f} ms | {t['p50_ms']:.1f} ms | {b['p95_ms']:.1f} ms | "
                 f"{t['p95_ms']:.1f} ms | {t['p95_ms'] / b['p95_ms']:.2f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.latency.compare", description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", type=Path, required=True, help="the other tree (with its own .venv)")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="the shared corpus folder")
    parser.add_argument("--rounds", type=int, default=3, help="timed passes over the queries")
    parser.add_argument("--output", type=Path, default=REPO / "bench" / "results" / "latency-compare.json")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        raise SystemExit(f"no corpus at {args.corpus} (../shared/corpus)")
    result = {
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "commit": git_commit("search", "bench/latency"),
        "command": "python -m bench.latency.compare " + " ".join(sys.argv[1:]),
        "load_average": os.getloadavg(),
        **compare({"baseline": args.baseline.resolve(), "this": REPO}, args.corpus, args.rounds),
    }
    result["load_average_after"] = os.getloadavg()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    print(table(result))


if __name__ == "__main__":
    main()
