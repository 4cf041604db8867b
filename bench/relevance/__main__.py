"""``python -m bench.relevance``: every system on every set, side by side.

Prints a Markdown table of the metrics, then one of index and query times, and writes everything
(with versions and per-system details) to ``bench/results/relevance.json``.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import multiprocessing
import os
import platform
import sys
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path

from . import data
from .bigram import BigramEngine
from .engine import Unavailable
from .fts5 import Fts5Engine
from .js import NodeEngine
from .metrics import K, evaluate
from .ours import OursEngine

REPO = Path(__file__).resolve().parents[2]

ALL_SYSTEMS = ("pagefind", "lunr", "lunr-seg", "fts5-and", "fts5-or", "fts5-or-chunks",
               "bigram-and", "bigram-or", "ours", "ours-words")

SET_LABELS = {"jsquad": "JSQuAD", "known-ruby": "known ruby", "known-mamezou": "known mamezou",
              "tags-mamezou": "tags mamezou"}
METRIC_LABELS = {"mrr@10": "MRR@10", "r@1": "R@1", "r@10": "R@10", "p@10": "P@10", "zero": "0-hit"}


def make_engines():
    """One fresh instance of every engine, in table order (tasks are scheduled by cost, see ENGINE_COST)."""
    return [
        NodeEngine("pagefind", ("pagefind",)),
        NodeEngine("lunr", ("lunr", "lunr-seg")),
        Fts5Engine(),
        BigramEngine(),
        OursEngine(),
    ]


def _csv(value: str, allowed: tuple[str, ...], what: str) -> list[str]:
    items = [v.strip() for v in value.split(",") if v.strip()]
    bad = [v for v in items if v not in allowed]
    if bad:
        raise argparse.ArgumentTypeError(f"unknown {what}: {', '.join(bad)} (choose from {', '.join(allowed)})")
    return items


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.relevance", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sets", default=",".join(data.SET_NAMES),
                   type=lambda v: _csv(v, data.SET_NAMES, "set"),
                   help="comma-separated sets (default: all): %(default)s")
    p.add_argument("--systems", default=",".join(ALL_SYSTEMS),
                   type=lambda v: _csv(v, ALL_SYSTEMS, "system"),
                   help="comma-separated systems (default: all): %(default)s")
    p.add_argument("--limit", type=int, default=None, help="only the first N queries of each set (smoke run)")
    p.add_argument("--workdir", type=Path, default=REPO / "bench" / "out" / "relevance",
                   help="temporary indexes and the cleaned-corpus cache (default: %(default)s)")
    p.add_argument("--shared", type=Path, default=data.default_shared_dir(),
                   help="the shared data folder (default: %(default)s)")
    p.add_argument("--output", type=Path, default=REPO / "bench" / "results" / "relevance.json",
                   help="JSON report (default: %(default)s)")
    p.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                   help="(set, engine) tasks run in this many processes (default: %(default)s); "
                        "1 gives the cleanest timings")
    p.add_argument("--no-code", dest="with_code", action="store_false",
                   help="index blog prose only, without the text of code blocks")
    return p.parse_args(argv)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def fmt_metric(name: str, value: float | None) -> str:
    if value is None:
        return "–"
    if name == "zero":
        return f"{100 * value:.1f}%"
    return f"{value:.3f}"


def render_tables(report: dict) -> str:
    sets = [s for s in report["sets"] if report["sets"][s].get("queries")]
    systems = [s for s in report["systems_run"]]
    results = report["results"]

    head = ["system"]
    cols = []
    for s in sets:
        n = report["sets"][s]["queries"]
        for i, m in enumerate(report["sets"][s]["metrics"]):
            head.append(f"{SET_LABELS.get(s, s)} ({n} q) {METRIC_LABELS[m]}" if i == 0 else METRIC_LABELS[m])
            cols.append((s, m))
    lines = ["| " + " | ".join(head) + " |", "|---" + "|---:" * len(cols) + "|"]
    for sysname in systems:
        row = [sysname]
        for s, m in cols:
            r = results.get(s, {}).get(sysname)
            row.append(fmt_metric(m, r["metrics"].get(m)) if r and "metrics" in r else "–")
        lines.append("| " + " | ".join(row) + " |")

    thead = ["system"] + [f"{SET_LABELS.get(s, s)} index s / query ms/q" for s in sets]
    tlines = ["| " + " | ".join(thead) + " |", "|---" + "|---:" * len(sets) + "|"]
    for sysname in systems:
        row = [sysname]
        for s in sets:
            r = results.get(s, {}).get(sysname)
            if not r or "metrics" not in r:
                row.append("–")
                continue
            row.append(f"{r['index_s']:.1f} / {1000 * r['query_s'] / max(1, r['queries']):.2f}")
        tlines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n\n" + "\n".join(tlines) + "\n"


#: rough relative cost of one (engine, set) task, to start the longest ones first
ENGINE_COST = {"ours": 20.0, "bigram-and": 3.0, "lunr": 2.0, "pagefind": 1.5, "fts5-and": 0.3}
SET_COST = {"jsquad": 3.0, "known-mamezou": 2.5, "tags-mamezou": 2.0, "known-ruby": 0.4}

#: queries per task for engines that can share one built index between processes (``ours``)
QUERY_CHUNK = 200

#: filled by main() before the worker processes fork, so workers never reload the data
_SETS: dict[str, data.QuerySet] = {}


def run_task(set_name: str, engine_pos: int, systems: list[str], workdir: Path, with_code: bool) -> dict:
    """Build one engine's index for one set and run its systems; returns raw runs per system."""
    qs = _SETS[set_name]
    engine = make_engines()[engine_pos]
    if hasattr(engine, "want"):
        engine.want(systems)
    out: dict[str, dict] = {}
    try:
        build = engine.build(qs, workdir / set_name / engine.systems[0], with_code)
    except Unavailable as exc:
        return {s: {"unavailable": str(exc)} for s in systems}
    except Exception as exc:
        log(traceback.format_exc())
        return {s: {"failed": f"{type(exc).__name__}: {exc}"} for s in systems}
    try:
        for s in systems:
            try:
                runs, extra = engine.run(s, qs.queries, K)
            except Unavailable as exc:
                out[s] = {"unavailable": str(exc)}
                continue
            except Exception as exc:
                log(traceback.format_exc())
                out[s] = {"failed": f"{type(exc).__name__}: {exc}"}
                continue
            entry = {**{k: v for k, v in build.items() if k != "index_s"}, **extra,
                     "index_s": extra.get("index_s", build.get("index_s", 0.0)), "queries": len(runs)}
            out[s] = {"runs": runs, "entry": entry}
            log(f"  [{set_name}] {s:15s} done: index {entry['index_s']:.1f} s, "
                f"query {1000 * entry['query_s'] / max(1, len(runs)):.2f} ms/q")
    finally:
        engine.close()
    return out


def build_task(set_name: str, engine_pos: int, workdir: Path, with_code: bool) -> dict:
    """Build the index of a chunkable engine (queries then run in :func:`query_task` chunks)."""
    engine = make_engines()[engine_pos]
    try:
        return {"build": engine.build(_SETS[set_name], workdir / set_name / engine.systems[0], with_code)}
    except Unavailable as exc:
        return {"unavailable": str(exc)}
    except Exception as exc:
        log(traceback.format_exc())
        return {"failed": f"{type(exc).__name__}: {exc}"}
    finally:
        engine.close()


def query_task(set_name: str, engine_pos: int, system: str, lo: int, hi: int, workdir: Path) -> dict:
    """Run queries ``lo:hi`` of a set on an index built by :func:`build_task`."""
    engine = make_engines()[engine_pos]
    try:
        engine.open(workdir / set_name / engine.systems[0])
        runs, extra = engine.run(system, _SETS[set_name].queries[lo:hi], K)
        return {"runs": runs, "extra": extra}
    except Unavailable as exc:
        return {"unavailable": str(exc)}
    except Exception as exc:
        log(traceback.format_exc())
        return {"failed": f"{type(exc).__name__}: {exc}"}
    finally:
        engine.close()


def merge_chunks(build: dict, chunks: list[dict]) -> dict:
    """One system's result from its query chunks (in order), as :func:`run_task` returns it."""
    for c in chunks:
        if "runs" not in c:
            return c
    runs = [r for c in chunks for r in c["runs"]]
    entry = {k: v for k, v in chunks[0]["extra"].items()
             if k not in ("query_s", "errors", "match_modes", "error_kinds")}
    entry.update({k: v for k, v in build.items() if k != "index_s"})
    entry["index_s"] = build.get("index_s", 0.0)
    entry["query_s"] = sum(c["extra"].get("query_s", 0.0) for c in chunks)
    entry["query_chunks"] = len(chunks)
    for key in ("errors",):
        entry[key] = sum(c["extra"].get(key, 0) for c in chunks)
    for key in ("match_modes", "error_kinds"):
        merged: dict[str, int] = {}
        for c in chunks:
            for k, v in c["extra"].get(key, {}).items():
                merged[k] = merged.get(k, 0) + v
        entry[key] = merged
    entry["queries"] = len(runs)
    return {"runs": runs, "entry": entry}


class _Inline:
    """A stand-in executor for ``--jobs 1``: runs each task when it is submitted."""

    def submit(self, fn, *args):
        fut: Future = Future()
        try:
            fut.set_result(fn(*args))
        except BaseException as exc:  # pragma: no cover - the tasks catch their own errors
            fut.set_exception(exc)
        return fut

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def main(argv=None) -> int:
    args = parse_args(argv)
    wanted = [s for s in ALL_SYSTEMS if s in args.systems]
    args.workdir.mkdir(parents=True, exist_ok=True)
    cache_dir = args.workdir / "cache"

    report: dict = {
        "started": _dt.datetime.now().isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": os.cpu_count(), "loadavg_at_start": os.getloadavg()},
        "options": {"sets": args.sets, "systems": wanted, "limit": args.limit, "k": K,
                    "with_code": args.with_code, "jobs": args.jobs, "shared": str(args.shared)},
        "engines": {}, "unavailable": {}, "sets": {}, "results": {},
    }

    engines: list[tuple[int, list[str]]] = []
    for pos, engine in enumerate(make_engines()):
        systems = [s for s in engine.systems if s in wanted]
        if not systems:
            continue
        try:
            report["engines"][",".join(engine.systems)] = engine.info()
        except Unavailable as exc:
            for s in systems:
                print(f"{s}: not available ({exc})", flush=True)
                report["unavailable"][s] = str(exc)
            continue
        engines.append((pos, systems))
    report["systems_run"] = [s for _, ss in engines for s in ss]

    t_all = time.perf_counter()
    for set_name in args.sets:
        t0 = time.perf_counter()
        qs = data.load_set(set_name, args.shared, cache_dir).limit(args.limit)
        load_s = time.perf_counter() - t0
        _SETS[set_name] = qs
        report["sets"][set_name] = {"docs": len(qs.docs), "queries": len(qs.queries),
                                    "metrics": list(qs.metrics), "load_s": load_s, **qs.notes,
                                    "query_ids": qs.query_ids}
        log(f"[{set_name}] {len(qs.docs)} docs, {len(qs.queries)} queries, loaded in {load_s:.1f} s"
            f" ({qs.notes.get('cleaner', 'no cleaning')})")

    tasks = [(set_name, pos, systems) for set_name in args.sets for pos, systems in engines]
    tasks.sort(key=lambda t: -ENGINE_COST.get(make_engines()[t[1]].systems[0], 1.0) * SET_COST.get(t[0], 1.0))

    def collect(set_name: str, raw: dict) -> None:
        qs = _SETS[set_name]
        set_results = report["results"].setdefault(set_name, {})
        for s, r in raw.items():
            if "runs" not in r:
                set_results[s] = r
                if "unavailable" in r and s not in report["unavailable"]:
                    print(f"{s}: not available ({r['unavailable']})", flush=True)
                    report["unavailable"][s] = r["unavailable"]
                continue
            metrics = evaluate(r["runs"], qs.qrels, qs.metrics)
            # per query: 1-based rank of the first relevant document in the top 10, 0 if none
            # (the order of report["sets"][set]["query_ids"]), for per-query comparisons
            ranks = [next((i for i, d in enumerate(run[:K], 1) if d in rel), 0)
                     for run, rel in zip(r["runs"], qs.qrels)]
            set_results[s] = {**r["entry"], "metrics": metrics, "ranks": ranks,
                              "hits_returned": [len(run) for run in r["runs"]]}
            log(f"  [{set_name}] {s:15s} " + "  ".join(f"{METRIC_LABELS[m]} {fmt_metric(m, v)}"
                                                        for m, v in metrics.items()))

    executor = (_Inline() if args.jobs <= 1 else
                ProcessPoolExecutor(max_workers=args.jobs, mp_context=multiprocessing.get_context("fork")))
    chunkable = {pos for pos, _ in engines if getattr(make_engines()[pos], "chunkable", False)}
    with executor as pool:
        pending: dict[Future, tuple] = {}
        for set_name, pos, systems in tasks:
            if pos in chunkable:
                pending[pool.submit(build_task, set_name, pos, args.workdir, args.with_code)] = \
                    ("build", set_name, pos, systems)
            else:
                pending[pool.submit(run_task, set_name, pos, systems, args.workdir, args.with_code)] = \
                    ("full", set_name)
        chunk_state: dict[tuple[str, str], dict] = {}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                info = pending.pop(fut)
                result = fut.result()
                if info[0] == "full":
                    collect(info[1], result)
                elif info[0] == "build":
                    _, set_name, pos, systems = info
                    if "build" not in result:
                        collect(set_name, {s: result for s in systems})
                        continue
                    log(f"  [{set_name}] {make_engines()[pos].systems[0]} index built in "
                        f"{result['build']['index_s']:.1f} s")
                    n = len(_SETS[set_name].queries)
                    bounds = [(lo, min(n, lo + QUERY_CHUNK)) for lo in range(0, n, QUERY_CHUNK)] or [(0, 0)]
                    for s in systems:
                        chunk_state[(set_name, s)] = {"build": result["build"], "chunks": [None] * len(bounds)}
                        for i, (lo, hi) in enumerate(bounds):
                            pending[pool.submit(query_task, set_name, pos, s, lo, hi, args.workdir)] = \
                                ("query", set_name, s, i)
                else:
                    _, set_name, s, i = info
                    state = chunk_state[(set_name, s)]
                    state["chunks"][i] = result
                    if all(c is not None for c in state["chunks"]):
                        merged = merge_chunks(state["build"], state["chunks"])
                        if "runs" in merged:
                            e = merged["entry"]
                            log(f"  [{set_name}] {s:15s} done: index {e['index_s']:.1f} s, "
                                f"query {1000 * e['query_s'] / max(1, e['queries']):.2f} ms/q")
                        collect(set_name, {s: merged})

    report["total_s"] = time.perf_counter() - t_all
    report["machine"]["loadavg_at_end"] = os.getloadavg()
    # keep the table's row order fixed whatever order the tasks finished in
    report["results"] = {s: dict(sorted(report["results"].get(s, {}).items(),
                                        key=lambda kv: ALL_SYSTEMS.index(kv[0])))
                         for s in args.sets}
    report["systems_run"] = [s for s in report["systems_run"]
                             if any("metrics" in report["results"][st].get(s, {}) for st in args.sets)]
    tables = render_tables(report)
    report["markdown"] = tables
    print()
    print(tables)
    cleaners = sorted({v["cleaner"] for v in report["sets"].values() if "cleaner" in v})
    load = report["machine"]["loadavg_at_end"]
    print(f"total {report['total_s']:.0f} s with {args.jobs} job(s) on {os.cpu_count()} CPUs "
          f"(load average at the end: {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}); "
          f"blog cleaner: {'; '.join(cleaners) or '-'}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    log(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
