"""Benchmarks (``python -m bench.indexing``, ``bench.latency``, ``bench.http``, ``bench.relevance``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def git_commit(*paths: str) -> str:
    """The short commit measured, with ``+uncommitted`` if ``paths`` have changes not committed."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                                text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", *paths], cwd=REPO,
                               capture_output=True, text=True, check=True).stdout.strip()
        return commit + ("+uncommitted" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def ensure_index(posts_dir: Path, index_dir: Path) -> None:
    """Build ``index_dir`` from ``posts_dir`` with the real ``kensaku reindex`` unless it holds a
    usable index already (benchmarks keep theirs in ``bench/.cache/``)."""
    from search.errors import DamagedIndexError, IndexNotBuiltError, StaleIndexError
    from search.indexing.index import open_index

    try:
        open_index(index_dir)
        return
    except (IndexNotBuiltError, StaleIndexError, DamagedIndexError) as exc:
        print(f"building {index_dir}: {exc}", file=sys.stderr, flush=True)
    kensaku = Path(sys.executable).with_name("kensaku")
    subprocess.run([str(kensaku), "reindex", "--posts", str(posts_dir), "--index", str(index_dir), "--full"],
                   cwd=REPO, check=True)
