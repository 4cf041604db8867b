"""``python -m bench.indexing.writer``: a serial rebuild's CPU, this tree against a baseline tree,
alternating in one run, with where the single writer's CPU goes (issue 14).

On a sample of ``../shared/corpus`` (every n-th post file, copied to a temporary folder), each round
runs, each in a fresh process and one right after the other: a cold ``rebuild_index(..., jobs=1)``
(morpheme cache deleted) with the baseline's code, the same with this tree's, then a warm one
(cache full: Janome nearly idle) with each. A process reports its CPU (``getrusage`` self +
children), wall time, and the CPU of the writer's steps, timed around the calls with
``time.process_time`` (no profiler, so no per-call overhead): Whoosh's ``add_document``, the
commit (sorting and writing postings), the suggestion vocabulary, and the analysis the workers
would do in a parallel rebuild. Janome alone over the same text (``measure.py janome``) is the
denominator. Prints a Markdown table and writes ``bench/results/indexing_writer.json``.

    nice -n 10 python -m bench.indexing.writer --baseline /work/main --sample 150 --rounds 2
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import git_commit
from bench.indexing import two_trees
from bench.indexing.two_trees import cpu_seconds, run_one
from bench.indexing.__main__ import CORPUS, REPO, SITES, _copy_corpus, _measure

STEPS = ("add_document", "commit", "vocabulary", "analysis")


def one(tree: str, posts: str, index: str, cold: bool) -> dict:
    """One rebuild with the code of ``tree`` (in this process); its CPU and its steps' CPU."""
    sys.path.insert(0, tree)

    import search.indexing.pipeline as pipeline
    import search.indexing.rebuild as rebuild

    spent = dict.fromkeys(STEPS, 0.0)

    def timed(step, function):
        def wrapper(*args, **kwargs):
            started = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                spent[step] += time.process_time() - started
        return wrapper

    two_trees.time_writer(timed, index, cold)
    pipeline._analyze_one = timed("analysis", pipeline._analyze_one)
    cpu = cpu_seconds()
    started = time.perf_counter()
    stats = rebuild.rebuild_index(Path(posts), Path(index), jobs=1)
    return {"cpu_s": cpu_seconds() - cpu, "wall_s": time.perf_counter() - started, "posts": stats.indexed,
            "janome_chunks": stats.janome_chunks, **{f"{step}_s": spent[step] for step in STEPS}}




def main(argv: list[str]) -> None:
    parsed = two_trees.arguments("python -m bench.indexing.writer", __doc__.split("\n\n")[0], argv, one)
    if parsed is None:  # the --one process
        return
    args, trees = parsed
    baseline_commit = subprocess.run(["git", "-C", str(trees["baseline"]), "rev-parse", "--short", "HEAD"],
                                     capture_output=True, text=True, check=False).stdout.strip()
    results: dict = {"commit": git_commit("search"), "baseline_commit": baseline_commit, "runs": []}
    with tempfile.TemporaryDirectory(prefix="kensaku-writer-") as temp:
        posts = _copy_corpus(CORPUS, Path(temp) / "posts", SITES, args.sample)
        results["janome"] = _measure("janome", str(posts))
        for round_number in range(args.rounds):
            for mode in ("cold", "warm"):
                for name, tree in trees.items():
                    run = run_one("bench.indexing.writer", tree, posts, Path(temp) / name, mode == "cold")
                    results["runs"].append({"round": round_number + 1, "tree": name, "mode": mode, **run})
                    print(f"round {round_number + 1} {mode:4} {name:8} CPU {run['cpu_s']:6.1f} s  "
                          + "  ".join(f"{step} {run[step + '_s']:.2f}" for step in STEPS), flush=True)
    out = REPO / "bench" / "results" / "indexing_writer.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(_table(results))


def _table(results: dict) -> str:
    janome = results["janome"]["cpu_s"]
    lines = [f"Janome alone over the sample: {janome:.1f} s CPU", "",
             "| run | tree | CPU s | ÷ Janome | add_document | commit | vocabulary | analysis |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    for run in results["runs"]:
        lines.append(f"| {run['round']} {run['mode']} | {run['tree']} | {run['cpu_s']:.1f} | {run['cpu_s'] / janome:.2f} | "
                     + " | ".join(f"{run[step + '_s']:.2f}" for step in STEPS) + " |")
    for mode in ("cold", "warm"):
        for name in ("baseline", "this"):
            cpu = [r["cpu_s"] for r in results["runs"] if r["mode"] == mode and r["tree"] == name]
            writer = [r["add_document_s"] + r["commit_s"] + r["vocabulary_s"]
                      for r in results["runs"] if r["mode"] == mode and r["tree"] == name]
            lines.append(f"\n{mode} {name}: median CPU {statistics.median(cpu):.1f} s; writer (add_document + commit "
                         f"+ vocabulary) median {statistics.median(writer):.2f} s = {statistics.median(writer) / janome:.3f}× Janome")
    return "\n".join(lines)


if __name__ == "__main__":
    main(sys.argv[1:])
