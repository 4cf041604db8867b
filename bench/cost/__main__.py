"""``python -m bench.cost``: whether one costly query starves the other clients of a server.

The real server (``kensaku serve --workers 2``, analytics off) serves the index of
``../shared/corpus`` (``bench/.cache/``, as :mod:`bench.http`). ``wrk`` keeps ``--clients``
connections busy with the latency benchmark's queries (:mod:`bench.latency.queries`), the "other
clients", for ``--seconds``: first alone, then while 8 more connections send costly queries
without pause (``--kind kana``: 24 single kana ORed or side by side, as issue 13's attack did;
``--kind words``: 24 longer words, the most a query may hold). Both run twice in one
run, side by side: with the cost bound (:mod:`search.querying.postings`) and with it lifted (its
limits set past any query: the behaviour before it). Reports the others' p50/p95 and requests/s,
and the costly requests' p95; writes ``bench/results/cost-KIND.json`` and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from urllib.parse import quote

from bench import REPO, ensure_index, git_commit
from bench.http.__main__ import _LUA, _free_port, _wait_ready
from bench.latency.queries import draw_queries
from search.posts.reader import Post, load_posts

CORPUS = REPO.parent / "shared" / "corpus"
CACHE = REPO / "bench" / ".cache"
KANA = "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろアイウエオカキクケコサシスセソ"
#: Costly queries of each kind (``--kind``): ``kana``, 24 single kana ORed or side by side, from
#: several places of the syllabary (issue 13's attack); ``words``, 24 words of one or more
#: characters (kanji, two and three kana, Latin letters) ORed or side by side: the most a query
#: may hold, each word bounded only by the query's 24 words.
COSTLY = {
    "kana": [" OR ".join(KANA[i:i + 24]) for i in range(0, 40, 8)] + [" ".join(KANA[i:i + 24]) for i in (3, 17)],
    "words": [" OR ".join("日月火水木金土年時分秒人大小中上下左右本出入山川"),
              " OR ".join(["とう", "かい", "しょ", "きょ", "こう", "せい", "ほう", "たい", "じょ", "でん", "けん", "しん",
                           "ぶん", "ざい", "りょ", "かん", "てき", "りつ", "めい", "ぞう", "はつ", "がく", "せん", "ない"]),
              " ".join(["とうき", "かいは", "しょう", "きょう", "こうせ", "せいひ", "ほうほ", "たいお", "じょう", "でんし",
                        "けんさ", "しんき", "ぶんせ", "ざいこ", "りょう", "かんり", "てきよ", "りつあ", "めいし", "ぞうか",
                        "はつば", "がくし", "せんた", "ないぶ"]),
              " OR ".join("abcdefghijklmnopqrstuvwx")],
}
#: Runs ``kensaku serve`` with the cost bound lifted (set before gunicorn forks its workers).
UNBOUNDED = ("import sys, search.querying.postings as p, search.querying.evaluation as e; "
             "p.MAX_PREFIX_EXPANSIONS = p.MAX_PREFIX_SCAN = p.MAX_EXPANDED_TERMS = e.MAX_EXPANDED_TERMS = 10**9; "
             "from web.cli import cli; sys.argv[0] = 'kensaku'; cli()")


def _wrk(url: str, script: Path, clients: int, seconds: int) -> dict:
    """:func:`bench.http.__main__._wrk` with a 60 s timeout: a request the costly ones hold up
    longer than wrk's usual 10 s would drop out of the latencies (counted as an error only)."""
    command = ["wrk", "-t", str(min(clients, 2)), "-c", str(clients), "-d", f"{seconds}s", "--timeout", "60s",
               "-s", str(script), url]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    result = json.loads(next(x for x in output.splitlines() if x.startswith("RESULT "))[len("RESULT "):])
    result["requests_per_s"] = result["requests"] / (result["duration_us"] / 1e6)
    result["errors"] = sum(result[k] for k in ("connect", "read", "write", "status", "timeout"))
    return result


def _script(work: Path, name: str, queries: list[str]) -> Path:
    paths = ", ".join(json.dumps(f"/api/search?q={quote(q)}&analytics=false") for q in queries)
    script = work / f"{name}.lua"
    script.write_text(_LUA % paths, encoding="utf-8")
    return script


def measure(bounded: bool, args, work: Path, others: Path, costly: Path) -> dict:
    """Start a server (cost bound on or lifted) and measure the others alone, then beside the costly."""
    port = _free_port()
    serve = ["serve", "--index", str(args.index), "--posts", str(args.corpus), "--port", str(port),
             "--workers", str(args.workers), "--no-analytics"]
    command = ([str(Path(sys.executable).with_name("kensaku"))] if bounded else [sys.executable, "-c", UNBOUNDED]) + serve
    server = subprocess.Popen(command, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env={**os.environ, "PYTHONPATH": str(REPO)})
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(f"{base}/api/search?q=%E6%A4%9C%E7%B4%A2&analytics=false")
        for _ in range(2 * args.workers):
            _wait_ready(f"{base}/api/suggest?q=%E3%81%A8")
        _wrk(base, others, args.clients, 5)  # warm-up
        _wrk(base, costly, 2, 5)
        alone = _wrk(base, others, args.clients, args.seconds)
        result: dict = {}
        thread = threading.Thread(target=lambda: result.update(_wrk(base, costly, args.costly, args.seconds + 2)))
        thread.start()
        beside = _wrk(base, others, args.clients, args.seconds)
        thread.join()
        return {"bounded": bounded, "alone": alone, "beside_costly": beside, "costly": result,
                "load_average": os.getloadavg()}
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.cost", description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="the shared corpus folder")
    parser.add_argument("--index", type=Path, default=CACHE / "real" / "index", help="index to serve (built if missing)")
    parser.add_argument("--clients", type=int, default=4, help="connections of the other clients")
    parser.add_argument("--costly", type=int, default=8, help="connections sending costly queries")
    parser.add_argument("--seconds", type=int, default=15, help="duration of each measurement")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--kind", choices=sorted(COSTLY), default="kana", help="the costly queries")
    parser.add_argument("--bounded-only", action="store_true", help="skip the run with the bound lifted")
    parser.add_argument("--output", type=Path, default=None, help="[default: bench/results/cost-KIND.json]")
    args = parser.parse_args()
    args.output = args.output or REPO / "bench" / "results" / f"cost-{args.kind}.json"
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    ensure_index(args.corpus, args.index)
    queries = draw_queries([p for p in load_posts(args.corpus) if isinstance(p, Post)])
    work = Path(tempfile.mkdtemp(prefix="kensaku-bench-cost-"))
    others, costly = _script(work, "others", [q.text for q in queries]), _script(work, "costly", COSTLY[args.kind])
    result = {
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "commit": git_commit("search", "web", "bench/cost"), "command": "python -m bench.cost " + " ".join(sys.argv[1:]),
        "machine": {"cpus": os.cpu_count()}, "workers": args.workers, "clients": args.clients,
        "costly_clients": args.costly, "kind": args.kind, "runs": [],
    }
    try:
        for bounded in (True,) if args.bounded_only else (True, False):
            run = measure(bounded, args, work, others, costly)
            result["runs"].append(run)
            print(row(run), file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    print(table(result))


def row(run: dict) -> str:
    alone, beside, costly = run["alone"], run["beside_costly"], run["costly"]
    ms = lambda level, key: level.get(key, 0) / 1000  # noqa: E731
    ratio = beside["p95_us"] / max(alone["p95_us"], 1)
    return (f"| {'on' if run['bounded'] else 'lifted'} | {ms(alone, 'p50_us'):.1f} / {ms(alone, 'p95_us'):.1f} | "
            f"{alone['requests_per_s']:.1f} | {ms(beside, 'p50_us'):.1f} / {ms(beside, 'p95_us'):.1f} | "
            f"{beside['requests_per_s']:.1f} | **{ratio:.1f}×** | {ms(costly, 'p50_us'):.0f} / {ms(costly, 'p95_us'):.0f} | "
            f"{costly.get('requests_per_s', 0):.1f} | {alone['errors'] + beside['errors'] + costly.get('errors', 0)} |")


def table(result: dict) -> str:
    lines = [f"Other clients ({result['clients']} connections) alone and beside {result['costly_clients']} connections "
             f"of costly queries ({result['kind']}); `kensaku serve --workers {result['workers']}`; commit {result['commit']}, "
             f"{result['date']}.", "",
             "| cost bound | others alone p50 / p95 ms | req/s | others beside costly p50 / p95 ms | req/s | "
             "p95 ratio | costly p50 / p95 ms | costly req/s | errors |",
             "|---|---|---|---|---|---|---|---|---|"]
    return "\n".join(lines + [row(run) for run in result["runs"]])


if __name__ == "__main__":
    main()
