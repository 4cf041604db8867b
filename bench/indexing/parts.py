"""``python -m bench.indexing.parts``: where a serial rebuild's CPU goes, this tree against a baseline
tree, cold and warm, without a profiler (issue 14: the CPU outside Janome).

Each rebuild (``rebuild_index(..., jobs=1)``, each in a fresh process: cold with the morpheme cache
deleted, then warm) runs with timers (``time.process_time``) around the calls of each part:
Janome (``janome_tokens``), reading posts, morphemes (offsets, NFKC, names; the morpheme cache's
decoding), n-grams, readings, the bigram filters, the rest of the analysis (the postings:
Whoosh's token stream and encoding, or ``field_postings``), ``add_document``, the commit and the
suggestion vocabulary. A part's time excludes the timed parts it calls (Janome inside the
morphemes is Janome's), so the parts add up. One timer per call of a text, not per token: no
per-call distortion as with cProfile. Prints a Markdown table; the CPU of the whole process
(``getrusage``) beside it.

    nice -n 10 python -m bench.indexing.parts --baseline /work/main --sample 150 --rounds 2
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.indexing import two_trees
from bench.indexing.two_trees import cpu_seconds, run_one
from bench.indexing.__main__ import CORPUS, SITES, _copy_corpus

PARTS = ("janome", "read posts", "morphemes", "n-grams", "readings", "bigram filters", "postings",
         "add_document", "commit", "vocabulary")


def one(tree: str, posts: str, index: str, cold: bool) -> dict:
    """One rebuild with the code of ``tree`` (in this process); the CPU of each part."""
    sys.path.insert(0, tree)

    import search.analysis.analyzers as analyzers
    import search.analysis.morphemes as morphemes
    import search.indexing.pipeline as pipeline
    import search.indexing.rebuild as rebuild

    spent = dict.fromkeys(PARTS, 0.0)
    stack: list[float] = []  # time spent in timed parts called by each running part

    def timed(part, function):
        def wrapper(*args, **kwargs):
            stack.append(0.0)
            started = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                elapsed = time.process_time() - started
                spent[part] += elapsed - stack.pop()
                if stack:
                    stack[-1] += elapsed
        return wrapper

    def patch(module, name, part):
        if hasattr(module, name):
            setattr(module, name, timed(part, getattr(module, name)))

    patch(morphemes, "janome_tokens", "janome")
    patch(morphemes, "_tokenize", "morphemes")
    patch(pipeline.AnalysisPool, "read", "read posts")
    patch(pipeline, "text_filter", "bigram filters")
    patch(pipeline, "_analyze_one", "postings")
    patch(analyzers, "ngrams", "n-grams")
    patch(analyzers, "reading_words", "readings")
    try:
        import search.indexing.field_postings as field_postings
        patch(field_postings, "ngram_tuples", "n-grams")
        patch(field_postings, "reading_tuples", "readings")
    except ImportError:  # the baseline analyzes through Whoosh's token stream
        pass
    two_trees.time_writer(timed, index, cold)
    cpu = cpu_seconds()
    stats = rebuild.rebuild_index(Path(posts), Path(index), jobs=1)
    return {"cpu_s": cpu_seconds() - cpu, "janome_chunks": stats.janome_chunks, **spent}



def main(argv: list[str]) -> None:
    parsed = two_trees.arguments("python -m bench.indexing.parts", __doc__.split("\n\n")[0], argv, one)
    if parsed is None:  # the --one process
        return
    args, trees = parsed
    runs: dict[tuple[str, str], list[dict]] = {}
    with tempfile.TemporaryDirectory(prefix="kensaku-parts-") as temp:
        posts = _copy_corpus(CORPUS, Path(temp) / "posts", SITES, args.sample)
        for _ in range(args.rounds):
            for mode in ("cold", "warm"):
                for name, tree in trees.items():
                    run = run_one("bench.indexing.parts", tree, posts, Path(temp) / name, mode == "cold")
                    runs.setdefault((mode, name), []).append(run)
                    print(f"{mode} {name}: CPU {run['cpu_s']:.1f} s, Janome {run['janome']:.1f} s", flush=True)
    print(_table(runs, trees))


def _table(runs: dict, trees: dict) -> str:
    columns = [(mode, name) for mode in ("cold", "warm") for name in trees]
    median = {key: {part: statistics.median(r[part] for r in runs[key]) for part in (*PARTS, "cpu_s")}
              for key in columns}
    lines = ["| part (CPU s, median) | " + " | ".join(f"{mode}, {name}" for mode, name in columns) + " |",
             "|---|" + "---:|" * len(columns)]
    for part in PARTS:
        lines.append(f"| {part} | " + " | ".join(f"{median[key][part]:.2f}" for key in columns) + " |")
    outside = {key: sum(median[key][p] for p in PARTS if p != "janome") for key in columns}
    lines.append("| all timed parts but Janome | " + " | ".join(f"{outside[key]:.2f}" for key in columns) + " |")
    lines.append("| process CPU (getrusage) | " + " | ".join(f"{median[key]['cpu_s']:.2f}" for key in columns) + " |")
    janome = statistics.median(median[("cold", name)]["janome"] for name in trees)
    lines.append(f"| process CPU less Janome, ÷ Janome's {janome:.2f} s (cold runs' median) | "
                 + " | ".join(f"{(median[key]['cpu_s'] - median[key]['janome']) / janome:.3f}" for key in columns)
                 + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    main(sys.argv[1:])
