"""``python -m bench.latency``: query latency with highlighting, ours against SQLite FTS5 trigram.

For each corpus — the real posts of ``../shared/corpus`` (1,406) and a synthetic blog of about
10,000 posts recombined from their paragraphs (:mod:`bench.latency.synthetic`) — the same fixed
set of 125 queries (:mod:`bench.latency.queries`) runs through :func:`search.querying.searcher.search_posts`
exactly as ``/api/search`` calls it (one page of 10 hits, snippets highlighted, facets counted,
the shipped synonyms) and through FTS5 (:mod:`bench.latency.fts5`), in the same process, one
after the other, ``--rounds`` times in a shuffled order after one warm-up pass. Latency is per
query call, in milliseconds; p50/p95 are over all timed calls.

Indexes are built once with the real ``kensaku reindex`` and kept in ``bench/.cache/`` (outside
git); a changed index format rebuilds them. Prints a Markdown table for the README and writes
``bench/results/latency.json``.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import random
import resource
import statistics
import sys
import time
from pathlib import Path

from bench import ensure_index, git_commit
from search.indexing.index import open_index
from search.posts.reader import Post, load_posts
from search.querying.searcher import search_posts
from search.analysis.synonyms import DEFAULT_SYNONYMS_FILE, SynonymFile

from .fts5 import Fts5Index
from .queries import draw_queries
from .synthetic import write_synthetic_corpus

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpus"
CACHE = REPO / "bench" / ".cache"


def _posts(folder: Path) -> list[Post]:
    return [post for post in load_posts(folder) if isinstance(post, Post)]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def _summary(times: list[float]) -> dict:
    return {"p50_ms": _percentile(times, 0.5), "p95_ms": _percentile(times, 0.95),
            "mean_ms": statistics.fmean(times), "max_ms": max(times), "calls": len(times)}


def measure(name: str, posts: list[Post], index_dir: Path, queries, rounds: int) -> dict:
    """Time every query on our index and on FTS5 over the same posts."""
    index = open_index(index_dir)
    synonyms = SynonymFile(DEFAULT_SYNONYMS_FILE).current()
    fts5 = Fts5Index(posts)
    systems = {
        "ours": lambda q: search_posts(index, q, per_page=10, synonyms=synonyms),
        "fts5-trigram": fts5.search,
    }
    times: dict[str, dict[str, list[float]]] = {s: {} for s in systems}
    for system, run in systems.items():
        for query in queries:  # warm-up: caches, first searcher, page cache
            run(query.text)
    rng = random.Random(1)
    for _ in range(rounds):
        order = list(queries)
        rng.shuffle(order)
        for query in order:
            for system, run in systems.items():
                started = time.perf_counter()
                run(query.text)
                times[system].setdefault(query.kind, []).append((time.perf_counter() - started) * 1000)
    result = {"corpus": name, "posts": index.doc_count, "systems": {}}
    for system, by_kind in times.items():
        every = [t for kind_times in by_kind.values() for t in kind_times]
        result["systems"][system] = {"all": _summary(every),
                                     "kinds": {kind: _summary(t) for kind, t in by_kind.items()}}
    result["ratio_p95"] = result["systems"]["ours"]["all"]["p95_ms"] / result["systems"]["fts5-trigram"]["all"]["p95_ms"]
    result["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.latency", description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="the shared corpus folder")
    parser.add_argument("--synthetic", type=int, default=10_000, help="posts of the synthetic blog (0: skip)")
    parser.add_argument("--rounds", type=int, default=3, help="timed passes over the queries")
    parser.add_argument("--cache", type=Path, default=CACHE, help="where built indexes are kept")
    parser.add_argument("--output", type=Path, default=REPO / "bench" / "results" / "latency.json")
    args = parser.parse_args()

    real = _posts(args.corpus)
    queries = draw_queries(real)
    corpora = [("real", real, args.corpus, args.cache / "real" / "index")]
    if args.synthetic:
        folder = args.cache / f"synthetic-{args.synthetic}"
        if not (folder / "posts").is_dir():
            write_synthetic_corpus(real, folder / "posts", args.synthetic)
        corpora.append((f"synthetic-{args.synthetic}", None, folder / "posts", folder / "index"))
    result = {
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "commit": git_commit("search", "bench/latency"), "command": "python -m bench.latency " + " ".join(sys.argv[1:]),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "queries": [{"kind": q.kind, "text": q.text} for q in queries], "corpora": [],
    }
    for name, posts, posts_dir, index_dir in corpora:
        ensure_index(posts_dir, index_dir)
        result["machine"]["load_average"] = os.getloadavg()
        result["corpora"].append(measure(name, posts if posts is not None else _posts(posts_dir),
                                         index_dir, queries, args.rounds))
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    print(table(result))


def table(result: dict) -> str:
    """The README table."""
    lines = [f"`{result['command']}` at {result['commit']}, {result['date']}, "
             f"{len(result['queries'])} queries, load average "
             f"{', '.join(f'{x:.1f}' for x in result['machine']['load_average'])}", "",
             "| corpus | posts | ours p50 | ours p95 | FTS5 trigram p50 | FTS5 p95 | p95 ours ÷ FTS5 | ours p95 by kind |",
             "|---|---:|---:|---:|---:|---:|---:|---|"]
    for corpus in result["corpora"]:
        ours, fts = corpus["systems"]["ours"], corpus["systems"]["fts5-trigram"]
        kinds = ", ".join(f"{k} {v['p95_ms']:.0f}" for k, v in ours["kinds"].items())
        lines.append(f"| {corpus['corpus']} | {corpus['posts']:,} | {ours['all']['p50_ms']:.1f} ms | "
                     f"{ours['all']['p95_ms']:.1f} ms | {fts['all']['p50_ms']:.1f} ms | {fts['all']['p95_ms']:.1f} ms | "
                     f"{corpus['ratio_p95']:.2f} | {kinds} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
