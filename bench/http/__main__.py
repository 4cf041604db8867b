"""``python -m bench.http``: requests/s, latency and memory of ``kensaku serve`` under load.

The real server (``kensaku serve --workers N``: Flask on gunicorn, one worker process per CPU by
default, each with its default threads, analytics off) serves
the index of ``../shared/corpus`` (built once into ``bench/.cache/``) on loopback; ``wrk`` (Debian's
package ``wrk``) keeps 1, 8 and 32 connections busy for ``--seconds`` each, every request a
``/api/search`` of the latency benchmark's 125 queries (:mod:`bench.latency.queries`) in turn.
A Lua ``done`` hook reports p50/p95/p99 and every kind of error (socket errors, timeouts, non-2xx
answers). Each worker's resident memory (VmRSS) is sampled throughout; the largest worker's peak
(VmHWM) is reported. Prints a Markdown table and writes ``bench/results/http.json``.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

from bench import REPO, ensure_index, git_commit
from bench.latency.queries import draw_queries
from search.posts.reader import Post, load_posts

CORPUS = REPO.parent / "shared" / "corpus"
CACHE = REPO / "bench" / ".cache"

_LUA = """
local paths = {%s}
local i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('RESULT {"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p95_us": %%d, ' ..
    '"p99_us": %%d, "max_us": %%d, "connect": %%d, "read": %%d, "write": %%d, "status": %%d, "timeout": %%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _memory_kb(pid: int, key: str) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def _pss_kb(pid: int) -> int:
    """Proportional set size: resident memory with pages shared between processes (the Janome
    dictionary, Python's own code) divided among them."""
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


def _memory_mb(pid: int) -> list[dict]:
    """Each worker's memory now, in MB: ``[{"rss": VmRSS, "pss": Pss, "peak": VmHWM}, …]``."""
    return [{"rss": round(_memory_kb(w, "VmRSS") / 1024, 1), "pss": round(_pss_kb(w) / 1024, 1),
             "peak": round(_memory_kb(w, "VmHWM") / 1024, 1)} for w in _workers(pid)]


def _workers(pid: int) -> list[int]:
    """The server's worker processes: its children (gunicorn), or itself (waitress)."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    return [int(c) for c in children] or [pid]


def _wait_ready(url: str, timeout_s: float = 120.0, statuses: tuple[int, ...] = (200,)) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(url, timeout=60) as response:
                if response.status in statuses:
                    return
        except urllib.error.HTTPError as exc:
            if exc.code in statuses:
                return
            if time.monotonic() > deadline:
                raise
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.5)


def _wrk(url: str, script: Path, clients: int, seconds: int) -> dict:
    command = ["wrk", "-t", str(min(clients, 2)), "-c", str(clients), "-d", f"{seconds}s", "--timeout", "10s",
               "-s", str(script), url]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(x for x in output.splitlines() if x.startswith("RESULT "))
    result = json.loads(line[len("RESULT "):])
    result["requests_per_s"] = result["requests"] / (result["duration_us"] / 1e6)
    result["errors"] = sum(result[k] for k in ("connect", "read", "write", "status", "timeout"))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.http", description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="the shared corpus folder")
    parser.add_argument("--index", type=Path, default=CACHE / "real" / "index", help="index to serve (built if missing)")
    parser.add_argument("--clients", default="1,8,32", help="concurrent connections, comma-separated")
    parser.add_argument("--seconds", type=int, default=20, help="duration of each load level")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="server worker processes")
    parser.add_argument("--threads", type=int, default=None, help="threads per worker (default: kensaku's)")
    parser.add_argument("--output", type=Path, default=REPO / "bench" / "results" / "http.json")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")

    ensure_index(args.corpus, args.index)
    queries = draw_queries([p for p in load_posts(args.corpus) if isinstance(p, Post)])
    paths = ", ".join(json.dumps(f"/api/search?q={quote(q.text)}&analytics=false") for q in queries)
    work = Path(tempfile.mkdtemp(prefix="kensaku-bench-http-"))
    script = work / "queries.lua"
    script.write_text(_LUA % paths, encoding="utf-8")
    port = _free_port()
    kensaku = Path(sys.executable).with_name("kensaku")
    server = subprocess.Popen([str(kensaku), "serve", "--index", str(args.index), "--posts", str(args.corpus),
                               "--port", str(port), "--workers", str(args.workers), "--no-analytics"]
                              + (["--threads", str(args.threads)] if args.threads else []), cwd=work,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    samples: list[int] = []  # resident memory of the largest worker, KB
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.5):
            try:
                samples.append(max(_memory_kb(w, "VmRSS") for w in _workers(server.pid)))
            except OSError:
                return

    result = {
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "commit": git_commit("search", "web", "bench/http"), "command": "python -m bench.http " + " ".join(sys.argv[1:]),
        "machine": {"cpus": os.cpu_count()}, "queries": len(queries), "levels": [],
    }
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_ready(f"{base}/api/search?q=%E6%A4%9C%E7%B4%A2&analytics=false")
        for _ in range(8):  # each worker: wait for its suggestion and related-post caches
            _wait_ready(f"{base}/api/suggest?q=%E3%81%A8")
            _wait_ready(f"{base}/api/related?id=x", statuses=(404,))
        result["rest_mb"] = _memory_mb(server.pid)
        _wrk(base, script, 2 * len(_workers(server.pid)), 10)  # warm-up: every thread's searcher and tokenizer
        result["machine"]["load_average"] = os.getloadavg()
        result["workers"] = len(_workers(server.pid))
        result["rss_after_warmup_mb"] = max(_memory_kb(w, "VmRSS") for w in _workers(server.pid)) / 1024
        threading.Thread(target=sample, daemon=True).start()
        for clients in (int(c) for c in args.clients.split(",")):
            level = _wrk(base, script, clients, args.seconds)
            level["clients"] = clients
            level["load_average"] = os.getloadavg()
            result["levels"].append(level)
            print(f"{clients} clients: {level['requests_per_s']:.1f} req/s, p95 {level['p95_us'] / 1000:.1f} ms, "
                  f"{level['errors']} errors", file=sys.stderr, flush=True)
        result["rss_max_mb"] = max(samples + [0]) / 1024
        result["rss_peak_mb"] = max(_memory_kb(w, "VmHWM") for w in _workers(server.pid)) / 1024
        result["rss_end_mb"] = max(_memory_kb(w, "VmRSS") for w in _workers(server.pid)) / 1024
        result["pss_end_mb"] = max(_pss_kb(w) for w in _workers(server.pid)) / 1024
        result["end_mb"] = _memory_mb(server.pid)
    finally:
        stop.set()
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    print(table(result))


def table(result: dict) -> str:
    """The README table."""
    lines = [f"`{result['command']}` at {result['commit']}, {result['date']}, {result['queries']} queries in turn, "
             f"load average {', '.join(f'{x:.1f}' for x in result['machine']['load_average'])}; "
             f"{result['workers']} worker processes; the largest worker's resident memory: peak "
             f"{result['rss_peak_mb']:.0f} MB, at the end {result['rss_end_mb']:.0f} MB "
             f"(proportional share of shared pages: {result['pss_end_mb']:.0f} MB)"]
    if "rest_mb" in result:
        lines[0] += ("; each worker at rest (RSS/PSS MB) " + ", ".join(f"{m['rss']:.0f}/{m['pss']:.0f}" for m in result["rest_mb"])
                     + ", at the end (RSS/PSS/peak MB) " + ", ".join(f"{m['rss']:.0f}/{m['pss']:.0f}/{m['peak']:.0f}"
                                                                    for m in result["end_mb"]))
    lines += ["", "| clients | requests/s | p50 | p95 | p99 | errors | load average |", "|---:|---:|---:|---:|---:|---:|---:|"]
    for level in result["levels"]:
        lines.append(f"| {level['clients']} | {level['requests_per_s']:.1f} | {level['p50_us'] / 1000:.1f} ms | "
                     f"{level['p95_us'] / 1000:.1f} ms | {level['p99_us'] / 1000:.1f} ms | {level['errors']} | "
                     f"{', '.join(f'{x:.1f}' for x in level.get('load_average', ()))} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
