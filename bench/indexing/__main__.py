"""``python -m bench.indexing``: full-rebuild and incremental-update speed against Janome alone.

On a copy of ``../shared/corpus`` (both sites, 1,406 posts; copied to a temporary folder, never
into the repository) each round measures, each in a fresh process and one right after the other:

1. **Janome only**: one process tokenizing the text the index's Janome fields get (``measure.py``);
2. **cold full rebuild** with ``--jobs`` workers (default: one per CPU), whole ``rebuild_index``
   call, the morpheme cache deleted first (:mod:`search.analysis.morpheme_cache`);
3. **warm full rebuild**: the same again, the cache now holding every line (``reindex --full``);
4. optionally (``--serial``) the cold rebuild with ``jobs=1``.

The ratios *rebuild wall time / Janome-only wall time* of each round are the issue's targets
(cold ≤ 0.8, warm ≤ 0.25 on 2 cores). The machine is shared, so each round's ratios use that
round's numbers, and CPU seconds are reported too (they do not depend on what else runs).
Each round also gives the cache's size over the generation's.

Then **a new tag** (issue 14: ≤ 5 s): a tag Janome splits (:data:`NEW_TAG`, whose surface some posts'
text holds) added to one post, ``kensaku reindex`` timed from start to exit; it re-indexes that
post and the posts whose text may hold the word (the summary says how many), and the tag is then
searched from a separate process.

Then the incremental update (the issue's "one changed post searchable within 2 s"): each of
``--updates`` times, ``kensaku reindex`` with nothing changed, then one post changed (a line with
a unique word appended) and ``kensaku reindex`` again, each timed from process start to exit (what
an author waits for; the index is committed and switched to when it exits) with its CPU seconds;
the word is then searched from a separate process to confirm. The no-op run beside each update
shows how busy the shared machine was at that moment. Then the library call ``update_index`` alone.

``--updates-only`` skips the rebuild rounds: the updates run on a kept copy of the corpus and its
index in ``bench/.cache/indexing/`` (built once with ``kensaku reindex --full`` if missing; the
changed posts are restored and re-indexed at the end, so the next run starts from the same state).

``--synthetic N`` runs the same steps on a synthetic blog of ``N`` posts instead of the corpus
copy: the blog :mod:`bench.latency` measures (:func:`bench.latency.synthetic.write_synthetic_corpus`,
the same seed, paragraphs of all the corpus's posts recombined), written into the temporary folder.

Without the corpus folder (a blog owner's clone has no ``../shared``) it says so and exits cleanly.
Prints a Markdown table for the README and writes ``bench/results/indexing.json``.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

from bench import ensure_index, git_commit

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpus"
SITES = ("ruby__www.ruby-lang.org", "mamezou-tech__mamezou-tech-site")
#: Where ``--updates-only`` keeps its copy of the corpus and the index built from it.
UPDATES_CACHE = REPO / "bench" / ".cache" / "indexing"
#: Posts changed one after the other for the incremental measurement (relative to the posts copy).
#: The tag added to one post: Janome splits it (結合 + テスト), and the text of 8 posts holds it.
NEW_TAG = "結合テスト"
CHANGED_POSTS = (
    "mamezou-tech__mamezou-tech-site/blogs/2024/0104_actions-artifacts-v4.md",
    "ruby__www.ruby-lang.org/2024-12-25-ruby-3-4-0-released.md",
)


def _measure(*args: str) -> dict:
    completed = subprocess.run([sys.executable, "-m", "bench.indexing.measure", *args], cwd=REPO,
                               check=True, capture_output=True, text=True)
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _copy_corpus(corpus: Path, target: Path, sites: tuple[str, ...], sample: int = 0) -> Path:
    """Copy the sites' posts; ``sample``: only that many, every n-th file (for development)."""
    if not sample:
        for site in sites:
            shutil.copytree(corpus / site, target / site)
        return target
    files = sorted(path for site in sites for path in (corpus / site).rglob("*.md"))
    for path in files[::max(1, len(files) // sample)][:sample]:
        (target / path.relative_to(corpus)).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target / path.relative_to(corpus))
    return target


def _synthetic_blog(corpus: Path, target: Path, count: int) -> Path:
    """``count`` synthetic posts written into ``target``: :mod:`bench.latency`'s blog (same posts, same seed)."""
    from bench.latency.synthetic import write_synthetic_corpus
    from search.posts.reader import Post, load_posts

    real = [post for post in load_posts(corpus) if isinstance(post, Post)]
    written = write_synthetic_corpus(real, target, count)
    print(f"synthetic blog: {written.posts:,} posts, {written.characters:,} characters of body text",
          file=sys.stderr, flush=True)
    return target


def _new_tag(posts: Path, index: Path) -> dict:
    """:data:`NEW_TAG` added to the front matter of one post, then ``kensaku reindex``; restored after."""
    path = _changed_posts(posts, 1)[0]
    original = path.read_text(encoding="utf-8")
    head, sep, rest = original.partition("\n---")
    if "\ntags:" in head:
        changed = re.sub(r"\ntags:[ \t]*\[", f"\ntags: [{NEW_TAG}, ", head, count=1)
        if changed == head:  # a block list: the new item indented as the first one is
            changed = re.sub(r"\ntags:[ \t]*\n([ \t]*)- ", lambda m: f"\ntags:\n{m[1]}- {NEW_TAG}\n{m[1]}- ",
                             head, count=1)
    else:
        changed = head + f"\ntags: [{NEW_TAG}]"
    path.write_text(changed + sep + rest, encoding="utf-8")
    try:
        update = _kensaku_reindex(posts, index)
        kensaku = Path(sys.executable).with_name("kensaku")
        found = subprocess.run([str(kensaku), "query", f"tag:{NEW_TAG}", "--index", str(index), "--json"],
                               capture_output=True, text=True, check=False)
        update["found"] = json.loads(found.stdout)["total"] if found.returncode == 0 else found.stderr.strip()
        update["post"] = path.relative_to(posts).as_posix()
    finally:
        path.write_text(original, encoding="utf-8")
    update["restore"] = _kensaku_reindex(posts, index)
    return update


def _changed_posts(posts: Path, count: int) -> list[Path]:
    """Posts to change: the named ones if present, else mid-sized posts of the copy."""
    found = [posts / name for name in CHANGED_POSTS if (posts / name).is_file()]
    if len(found) < count:
        files = sorted(posts.rglob("*.md"), key=lambda p: p.stat().st_size)
        found += files[len(files) // 2:len(files) // 2 + count - len(found)]
    return found[:count]


def _kensaku_reindex(posts: Path, index: Path) -> dict:
    """One ``kensaku reindex`` (incremental), timed from process start to exit, with its CPU seconds."""
    kensaku = Path(sys.executable).with_name("kensaku")
    cpu_before = _children_cpu_s()
    started = time.perf_counter()
    completed = subprocess.run([str(kensaku), "reindex", "--posts", str(posts), "--index", str(index)],
                               capture_output=True, text=True, check=True)
    return {"command_s": time.perf_counter() - started, "cpu_s": _children_cpu_s() - cpu_before,
            "output": completed.stdout.strip().splitlines()[-1]}


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _kensaku_update(posts: Path, index: Path, path: Path, word: str) -> dict:
    """A no-op reindex, then ``path`` changed (``word`` appended) and reindexed; ``found``: hits of ``word``."""
    nothing = _kensaku_reindex(posts, index)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(f"\n\n追記: {word}\n")
    update = _kensaku_reindex(posts, index)
    kensaku = Path(sys.executable).with_name("kensaku")
    found = subprocess.run([str(kensaku), "query", word, "--index", str(index), "--json"],
                           capture_output=True, text=True, check=True)
    return {"post": path.relative_to(posts).as_posix(), "chars": path.stat().st_size, **update,
            "noop_command_s": nothing["command_s"], "noop_cpu_s": nothing["cpu_s"],
            "found": json.loads(found.stdout)["total"], "load_average": os.getloadavg()}


def _time_updates(posts: Path, index: Path, count: int, result: dict, save: Callable[[], None]) -> None:
    """``count`` one-post updates (:func:`_kensaku_update`), the changed posts then restored."""
    changed = _changed_posts(posts, len(CHANGED_POSTS))
    originals = {path: path.read_bytes() for path in changed}
    try:
        for number in range(1, count + 1):
            word = f"kensakubench{number}x{int(time.time())}"
            result["updates"].append(_kensaku_update(posts, index, changed[(number - 1) % len(changed)], word))
            save()
            update = result["updates"][-1]
            print(f"update {number}: {update['command_s']:.2f} s ({update['cpu_s']:.2f} s CPU), "
                  f"no-op {update['noop_command_s']:.2f} s, found {update['found']}", file=sys.stderr, flush=True)
    finally:
        for path, text in originals.items():
            path.write_bytes(text)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.indexing", description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="the shared corpus folder")
    parser.add_argument("--sites", default=",".join(SITES), help="corpus folders to index, comma-separated")
    parser.add_argument("--rounds", type=int, default=2, help="Janome-only + rebuild rounds")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="workers of the rebuild")
    parser.add_argument("--serial", action="store_true", help="also time a rebuild with jobs=1 each round")
    parser.add_argument("--updates", type=int, default=5, help="incremental updates to time")
    parser.add_argument("--sample", type=int, default=0, help="index only this many posts (development)")
    parser.add_argument("--synthetic", type=int, default=0, metavar="N",
                        help="measure a synthetic blog of N posts made from the corpus's paragraphs (0: the corpus copy)")
    parser.add_argument("--updates-only", action="store_true",
                        help=f"no rebuild rounds: time the updates on the corpus copy and index kept in {UPDATES_CACHE}")
    parser.add_argument("--output", type=Path, default=REPO / "bench" / "results" / "indexing.json")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        print(f"skipped: no corpus at {args.corpus}", file=sys.stderr)
        return

    result = {
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "commit": git_commit("search", "bench/indexing"), "command": "python -m bench.indexing " + " ".join(sys.argv[1:]),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_average": os.getloadavg()}, "synthetic": args.synthetic,
        "rounds": [], "updates": [], "library_update": None, "nothing_changed": None, "new_tag": None,
    }

    def save() -> None:  # after every step: a long run stopped half-way keeps what it measured
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(result, ensure_ascii=False, indent=2))

    if args.updates_only:
        posts, index = UPDATES_CACHE / "posts", UPDATES_CACHE / "index"
        if not posts.is_dir():
            _copy_corpus(args.corpus, posts, tuple(args.sites.split(",")))
        ensure_index(posts, index)
        _kensaku_reindex(posts, index)  # catch up with posts a stopped run left changed
        try:
            _time_updates(posts, index, args.updates, result, save)
        finally:
            _kensaku_reindex(posts, index)  # the restored posts: the next run starts from here
        print(_updates_table(result))
        return

    work = Path(tempfile.mkdtemp(prefix="kensaku-bench-indexing-"))
    try:
        if args.synthetic:
            posts = _synthetic_blog(args.corpus, work / "posts", args.synthetic)
        else:
            posts = _copy_corpus(args.corpus, work / "posts", tuple(args.sites.split(",")), args.sample)
        for number in range(1, args.rounds + 1):
            janome = _measure("janome", str(posts))
            rebuild = _measure("rebuild", str(posts), str(work / "index"), str(args.jobs), "cold")
            warm = _measure("rebuild", str(posts), str(work / "index"), str(args.jobs))
            row = {"janome": janome, "rebuild": rebuild, "ratio": rebuild["wall_s"] / janome["wall_s"],
                   "warm": warm, "warm_ratio": warm["wall_s"] / janome["wall_s"],
                   "cache_ratio": warm["cache_bytes"] / warm["index_bytes"]}
            if args.serial:
                row["serial"] = _measure("rebuild", str(posts), str(work / "index-serial"), "1", "cold")
            result["rounds"].append(row)
            save()
            print(f"round {number}: Janome only {janome['wall_s']:.1f} s, cold rebuild {rebuild['wall_s']:.1f} s "
                  f"(ratio {row['ratio']:.2f}), warm {warm['wall_s']:.1f} s (ratio {row['warm_ratio']:.2f}), "
                  f"cache/index {row['cache_ratio']:.3f}"
                  + (f", serial {row['serial']['wall_s']:.1f} s" if args.serial else ""),
                  file=sys.stderr, flush=True)
        result["new_tag"] = _new_tag(posts, work / "index")
        save()
        print(f"new tag: {result['new_tag']['command_s']:.2f} s, found {result['new_tag']['found']}: "
              f"{result['new_tag']['output']}", file=sys.stderr, flush=True)
        _time_updates(posts, work / "index", args.updates, result, save)
        with open(_changed_posts(posts, 1)[0], "a", encoding="utf-8") as handle:
            handle.write("\n\n追記: もう一度\n")
        result["library_update"] = _measure("update", str(posts), str(work / "index"))
        result["nothing_changed"] = _measure("update", str(posts), str(work / "index"))
        save()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result["machine"]["load_average_end"] = os.getloadavg()
    save()
    print(_table(result))


def _table(result: dict) -> str:
    rounds = result["rounds"]
    janome, rebuild = rounds[0]["janome"], rounds[0]["rebuild"]
    chars, posts = janome["chars"], rebuild["posts"]
    ratios = [r["ratio"] for r in rounds]
    lines = [
        f"`{result['command']}` at {result['commit']}, {result['date']}, {result['machine']['cpus']} CPUs, "
        f"load average {', '.join(f'{x:.1f}' for x in result['machine']['load_average'])} at the start, "
        f"{', '.join(f'{x:.1f}' for x in result['machine'].get('load_average_end', ()))} at the end; "
        + ("a synthetic blog (bench.latency's) of " if result.get("synthetic") else "")
        + f"{posts:,} posts, {chars:,} characters for Janome",
        "",
        "| round | Janome only, 1 process | cold full rebuild, wall | ratio (target ≤ 0.8) "
        "| cold CPU: writer + workers | warm full rebuild, wall | ratio (target ≤ 0.25) | warm CPU: writer + workers "
        "| lines Janome / cache (warm) | cache ÷ index (target ≤ 0.3) |" + (" serial rebuild |" if "serial" in rounds[0] else ""),
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|" + ("---:|" if "serial" in rounds[0] else ""),
    ]
    for number, row in enumerate(rounds, start=1):
        j, r, w = row["janome"], row["rebuild"], row["warm"]
        line = (f"| {number} | {j['wall_s']:.1f} s ({j['cpu_s']:.1f} s CPU) | {r['wall_s']:.1f} s "
                f"| **{row['ratio']:.2f}** | {r['cpu_self_s']:.1f} + {r['cpu_workers_s']:.1f} s | {w['wall_s']:.1f} s "
                f"| **{row['warm_ratio']:.2f}** | {w['cpu_self_s']:.1f} + {w['cpu_workers_s']:.1f} s "
                f"| {w['janome_chunks']:,} / {w['cached_chunks']:,} "
                f"| {w['cache_bytes'] / 1e6:.1f} MB ÷ {w['index_bytes'] / 1e6:.1f} MB = **{row['cache_ratio']:.3f}** |")
        if "serial" in row:
            line += f" {row['serial']['wall_s']:.1f} s |"
        lines.append(line)
    cpu_ratio, warm_cpu_ratio = (statistics.median(
        (r[kind]["cpu_self_s"] + r[kind]["cpu_workers_s"]) / r["janome"]["cpu_s"] for r in rounds)
        for kind in ("rebuild", "warm"))
    cpus = result["machine"]["cpus"] or 1
    lines += [
        "",
        f"Median ratio {statistics.median(ratios):.2f} cold, {statistics.median(r['warm_ratio'] for r in rounds):.2f} warm. "
        f"All the cold rebuild's CPU is {cpu_ratio:.2f}× Janome's CPU, the warm one's {warm_cpu_ratio:.2f}×, "
        f"so with {cpus} CPUs fully available the ratios cannot go below {cpu_ratio / cpus:.2f} and {warm_cpu_ratio / cpus:.2f}.",
        "",
        _new_tag_line(result),
        "",
        _updates_table(result),
        f"| `update_index()` library call, one post changed | | {result['library_update']['wall_s']:.2f} s | |",
        f"| `update_index()`, nothing changed | | {result['nothing_changed']['wall_s']:.2f} s | |",
    ]
    return "\n".join(lines)


def _new_tag_line(result: dict) -> str:
    tag = result.get("new_tag")
    if not tag:
        return "(no new tag timed)"
    return (f"New tag {NEW_TAG} added to {tag['post']}: `kensaku reindex` **{tag['command_s']:.2f} s** "
            f"({tag['cpu_s']:.2f} s CPU; target ≤ 5 s), posts with the tag found afterwards: {tag['found']}; "
            f"it said: {tag['output']}")


def _updates_table(result: dict) -> str:
    """Median and range of the timed ``kensaku reindex`` runs, one post changed vs nothing changed."""
    updates = result["updates"]
    if not updates:
        return "(no incremental update timed)"

    def spread(rows: list[dict], key: str) -> str:
        values = [u[key] for u in rows]
        return f"{statistics.median(values):.2f} s ({min(values):.2f}–{max(values):.2f})"

    found = sorted({u["found"] for u in updates})
    loads = [u["load_average"][0] for u in updates]
    lines = [
        f"`kensaku reindex` ({len(updates)} runs of each kind), start to exit (index committed and switched), "
        f"median (min–max); hits of the new word afterwards: {found}; 1-minute load average during the runs "
        f"{min(loads):.1f}–{max(loads):.1f}",
        "",
        "| incremental reindex | runs | wall (target ≤ 2 s for one changed post) | CPU |",
        "|---|---:|---:|---:|",
        f"| one post changed, all runs | {len(updates)} | **{spread(updates, 'command_s')}** | {spread(updates, 'cpu_s')} |",
    ]
    for post in sorted({u["post"] for u in updates}):
        rows = [u for u in updates if u["post"] == post]
        lines.append(f"| … {post} ({rows[0]['chars']:,} bytes) | {len(rows)} | {spread(rows, 'command_s')} "
                     f"| {spread(rows, 'cpu_s')} |")
    lines.append(f"| nothing changed (run just before each) | {len(updates)} | {spread(updates, 'noop_command_s')} "
                 f"| {spread(updates, 'noop_cpu_s')} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
