"""Pagefind and lunr, run by ``run_js.mjs`` in Node (``npm ci`` in ``bench/relevance`` first).

The Python side writes the set's documents and queries to JSON in the work directory, runs one
``node run_js.mjs`` per engine and set, and reads back the top-k ids per query. Index and query
times are measured inside Node. See ``run_js.mjs`` for how queries are fed to each system.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path
from typing import Sequence

from .data import QuerySet
from .engine import Unavailable

HERE = Path(__file__).resolve().parent
RUNNER = HERE / "run_js.mjs"


def _check_node() -> str:
    node = shutil.which("node")
    if not node:
        raise Unavailable("node not found on PATH (Node.js 18+ is needed)")
    if not (HERE / "node_modules").is_dir():
        raise Unavailable(f"no node_modules: run `npm ci` in {HERE}")
    return node


class NodeEngine:
    """One Node engine (``pagefind`` or ``lunr``); building runs every query at once."""

    def __init__(self, engine: str, systems: tuple[str, ...]) -> None:
        self.engine = engine
        self.systems = systems
        self._wanted: tuple[str, ...] = systems
        self._qs: QuerySet | None = None
        self._docs_file: Path | None = None
        self._workdir: Path | None = None
        self._out: dict | None = None
        self._with_code = True

    def info(self) -> dict:
        node = _check_node()
        version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
        lock = json.loads((HERE / "package-lock.json").read_text(encoding="utf-8"))
        pkgs = {name.removeprefix("node_modules/"): meta.get("version")
                for name, meta in lock.get("packages", {}).items() if name}
        return {"node": version, "packages": pkgs}

    def want(self, systems: Sequence[str]) -> None:
        self._wanted = tuple(s for s in self.systems if s in systems)

    def build(self, qs: QuerySet, workdir: Path, with_code: bool) -> dict:
        """Write the documents; the Node process itself runs in :meth:`run` (index + queries)."""
        workdir.mkdir(parents=True, exist_ok=True)
        self._qs, self._workdir, self._with_code, self._out = qs, workdir, with_code, None
        self._docs_file = workdir / "docs.json"
        with open(self._docs_file, "w", encoding="utf-8") as f:
            json.dump([{"id": d.id, "title": d.title, "body": d.text(with_code)} for d in qs.docs],
                      f, ensure_ascii=False)
        return {}

    def _execute(self, queries: Sequence[str], k: int) -> dict:
        node = _check_node()
        assert self._workdir is not None and self._docs_file is not None
        job = {"engine": self.engine, "docs_file": str(self._docs_file), "queries": list(queries),
               "systems": list(self._wanted), "k": k, "workdir": str(self._workdir)}
        job_file = self._workdir / f"job-{self.engine}.json"
        out_file = self._workdir / f"out-{self.engine}.json"
        job_file.write_text(json.dumps(job, ensure_ascii=False), encoding="utf-8")
        out_file.unlink(missing_ok=True)
        t0 = time.perf_counter()
        proc = subprocess.run([node, str(RUNNER), str(job_file), str(out_file)],
                              capture_output=True, text=True, cwd=HERE)
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            raise RuntimeError(f"{self.engine}: node exited {proc.returncode}: {proc.stderr.strip()[-2000:]}")
        out = json.loads(out_file.read_text(encoding="utf-8"))
        out["wall_s"] = wall
        out["stderr"] = proc.stderr.strip()[-2000:]
        return out

    def run(self, system: str, queries: Sequence[str], k: int) -> tuple[list[list[str]], dict]:
        if self._out is None or self._out.get("_queries") != list(queries):
            self._out = self._execute(queries, k)
            self._out["_queries"] = list(queries)
        res = self._out["systems"][system]
        extra = {"query_s": res["query_s"], "errors": res["errors"], "index_s": self._out["index_s"],
                 "versions": self._out["versions"], "node_wall_s": self._out["wall_s"]}
        if self._out.get("stderr"):
            extra["stderr"] = self._out["stderr"]
        return res["results"], extra

    def close(self) -> None:
        self._out = None
        self._qs = None
