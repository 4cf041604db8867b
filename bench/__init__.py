"""Benchmarks (``python -m bench.indexing``, ``bench.latency``, ``bench.http``, ``bench.relevance``)."""

from __future__ import annotations

import subprocess
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
