"""What the benchmarks comparing this tree's rebuild with another tree's share
(:mod:`bench.indexing.writer`, :mod:`bench.indexing.parts`): their arguments, one rebuild run in a
fresh process with a tree's code, and the CPU seconds of a process and its children."""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
from pathlib import Path

from bench.indexing.__main__ import REPO


def parser(prog: str, description: str) -> argparse.ArgumentParser:
    """``--baseline`` (the other tree), ``--sample``, ``--rounds`` and the hidden ``--one``
    (``TREE POSTS INDEX cold|warm``: the single run :func:`run_one` starts)."""
    found = argparse.ArgumentParser(prog=prog, description=description)
    found.add_argument("--baseline", type=Path, default=REPO.parent / "main", help="the tree to compare with")
    found.add_argument("--sample", type=int, default=150, help="post files (every n-th of the corpus)")
    found.add_argument("--rounds", type=int, default=2)
    found.add_argument("--one", nargs=4, help=argparse.SUPPRESS)
    return found


def arguments(prog: str, description: str, argv: list[str], one) -> tuple[argparse.Namespace, dict[str, Path]] | None:
    """The parsed :func:`parser` arguments and the two trees (``baseline``, ``this``); or, in a
    ``--one`` process, None after printing the JSON of ``one(tree, posts, index, cold)``."""
    args = parser(prog, description).parse_args(argv)
    if args.one:
        print(json.dumps(one(*args.one[:3], cold=args.one[3] == "cold")))
        return None
    return args, {"baseline": args.baseline.resolve(), "this": REPO}


def time_writer(timed, index: str, cold: bool) -> None:
    """Wrap the writer's steps with ``timed(step, function)`` — ``add_document`` of Whoosh's
    writer and of ours where the tree has it, ``commit``, ``vocabulary`` — and, for a cold run,
    drop the index's morpheme cache. Call with the tree's code on ``sys.path``."""
    import whoosh.writing as writing

    import search.indexing.rebuild as rebuild

    writers = [writing.SegmentWriter]
    try:
        from search.indexing.term_writer import TermGroupingWriter
        writers.append(TermGroupingWriter)
    except ImportError:  # the baseline has Whoosh's writer only
        pass
    for writer in writers:
        if "add_document" in vars(writer):
            writer.add_document = timed("add_document", writer.add_document)
    writing.SegmentWriter.commit = timed("commit", writing.SegmentWriter.commit)
    rebuild._write_vocabulary = timed("vocabulary", rebuild._write_vocabulary)
    if cold:
        for cache in ("morphemes.cache", "markdown.cache"):  # (the baseline may keep only the first)
            (Path(index) / cache).unlink(missing_ok=True)


def run_one(module: str, tree: Path, posts: Path, index: Path, cold: bool) -> dict:
    """``python -m module --one …`` in a fresh process: the JSON its last line prints."""
    completed = subprocess.run([sys.executable, "-m", module, "--one", str(tree), str(posts), str(index),
                                "cold" if cold else "warm"], cwd=REPO, check=True, capture_output=True, text=True)
    return json.loads(completed.stdout.strip().splitlines()[-1])


def cpu_seconds() -> float:
    """User + system CPU seconds of this process and of its children so far."""
    return sum(usage.ru_utime + usage.ru_stime for usage in
               (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)))
