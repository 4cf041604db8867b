"""Reindexing under faults and load: SIGKILL at random moments, concurrent reindexes, a server
answering 20 clients meanwhile, and watch mode, each as real processes with bounded waits."""

from __future__ import annotations

import json
import os
import queue
import random
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from search.indexing.generations import CURRENT_LINK, current_generation
from search.indexing.index import open_index
from search.indexing.rebuild import rebuild_index
from search.querying.searcher import search_posts
from tests.test_indexing import write_post_files

KENSAKU = str(Path(sys.executable).with_name("kensaku"))
#: Posts of the folder these tests index, and the word every one of them holds.
POSTS = 30
COMMON_WORD = "共通語彙"
#: SIGKILL trials of the crash test.
KILL_TRIALS = 20
#: Seconds any one process of these tests may take before the test fails instead of hanging.
PROCESS_TIMEOUT_S = 120  # a bound, not a timing: generous for a loaded 2-core machine

#: A reindex as a separate process: full rebuild with worker processes (even for this little text),
#: or an incremental update; the library calls `kensaku reindex [--full]` makes.
REINDEX_SCRIPT = textwrap.dedent("""
    import sys
    import search.indexing.pipeline
    from search.indexing.rebuild import rebuild_index
    from search.indexing.update import update_index
    search.indexing.pipeline.PARALLEL_MIN_CHARS = 0
    kind, posts, index = sys.argv[1:4]
    print("started", flush=True)
    (rebuild_index if kind == "full" else update_index)(posts, index, jobs=2)
    print("done", flush=True)
""")


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KENSAKU_")}
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    return env


def _reindex_process(kind: str, posts: Path, index: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", REINDEX_SCRIPT, kind, str(posts), str(index)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=_environment(),
                            start_new_session=True)


def _finish(process: subprocess.Popen) -> tuple[int, str]:
    """Wait for a reindex process; its exit status and error output."""
    _, stderr = process.communicate(timeout=PROCESS_TIMEOUT_S)
    return process.returncode, stderr


def _live_members(group: int) -> list[int]:
    """Processes of a process group that are still running (zombies excluded)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            members.append(int(stat.parent.name))
    return members


def _wait_group_gone(group: int, timeout_s: float = 10) -> list[int]:
    deadline = time.monotonic() + timeout_s
    while (members := _live_members(group)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return members


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc and SIGKILL")
def test_sigkill_at_random_moments_never_loses_the_served_index(tmp_path):
    posts, index = tmp_path / "posts", tmp_path / "index"
    paths = write_post_files(posts, POSTS)
    started = time.monotonic()
    assert _finish(_reindex_process("full", posts, index)) == (0, "")
    full_s = time.monotonic() - started
    assert search_posts(open_index(index), COMMON_WORD).total == POSTS

    rng = random.Random(20261129)
    outcomes = {"killed": 0, "finished": 0}
    for trial in range(KILL_TRIALS):
        kind = "full" if trial % 2 == 0 else "update"
        if kind == "update":  # give the update something to do: one post changed
            path = paths[trial % len(paths)]
            path.write_text(path.read_text(encoding="utf-8") + f"\n追記{trial}。\n", encoding="utf-8")
        process = _reindex_process(kind, posts, index)
        time.sleep(rng.uniform(0.05, full_s))
        os.killpg(process.pid, signal.SIGKILL)
        status, _ = _finish(process)
        outcomes["finished" if status == 0 else "killed"] += 1
        assert _wait_group_gone(process.pid) == [], f"trial {trial}: worker processes outlived the reindex"
        served = open_index(index)  # a server starting now
        assert search_posts(served, COMMON_WORD).total == POSTS, f"trial {trial} ({kind})"
        assert served.doc_count == POSTS

    assert outcomes["killed"] >= KILL_TRIALS // 4, outcomes  # the kills did land mid-reindex
    assert _finish(_reindex_process("full", posts, index)) == (0, "")  # no manual cleanup in between
    assert search_posts(open_index(index), "追記19").total == 1
    generations = sorted(p.name for p in index.glob("gen-*"))
    assert len(generations) <= 2 and current_generation(index).name in generations
    assert not list(index.glob(f".{CURRENT_LINK}.*"))


def test_second_reindex_refuses_clearly_or_waits(tmp_path):
    posts, index = tmp_path / "posts", tmp_path / "index"
    write_post_files(posts, 4)
    rebuild_index(posts, index)
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent("""
        import sys
        from search.indexing.generations import reindex_lock
        with reindex_lock(sys.argv[1]):
            print("locked", flush=True)
            sys.stdin.readline()  # hold the lock until told
    """), str(index)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=_environment())
    command = [KENSAKU, "reindex", "--full", "--posts", str(posts), "--index", str(index)]
    try:
        assert holder.stdout.readline().strip() == "locked"
        refused = subprocess.run(command, capture_output=True, text=True, env=_environment(),
                                 timeout=PROCESS_TIMEOUT_S)
        assert refused.returncode == 1
        assert "Error: Another reindex is running on" in refused.stderr
        assert "Traceback" not in refused.stderr
        waiting = subprocess.Popen([*command, "--wait", "60"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True, env=_environment())
        time.sleep(1)
        assert waiting.poll() is None  # still waiting for the lock
        holder.stdin.write("release\n")
        holder.stdin.flush()
        stdout, stderr = waiting.communicate(timeout=PROCESS_TIMEOUT_S)
        assert waiting.returncode == 0, stderr
        assert "Indexed 4 posts" in stdout
    finally:
        holder.kill()
        holder.wait()
        holder.stdin.close()
        holder.stdout.close()


def _read_lines(stream, lines: queue.Queue) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)


def _wait_for_line(lines: queue.Queue, pattern: str, output: list[str], timeout_s: float = PROCESS_TIMEOUT_S):
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            line = lines.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            pytest.fail(f"no line matching {pattern!r} in {timeout_s} s:\n" + "".join(output))
        assert line is not None, "the process exited:\n" + "".join(output)
        output.append(line)
        match = re.search(pattern, line)
        if match:
            return match


#: Clients querying the server while it is reindexed, and how long the reindexing goes on at most.
CLIENTS = 20
REINDEX_UNDER_LOAD_S = 30


def test_reindex_while_20_clients_query_the_server(tmp_path):
    posts, index = tmp_path / "posts", tmp_path / "index"
    paths = write_post_files(posts, POSTS)
    rebuild_index(posts, index)
    server = subprocess.Popen([KENSAKU, "serve", "--posts", str(posts), "--index", str(index), "--port", "0",
                               "--threads", "8", "--no-analytics"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=_environment())
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=_read_lines, args=(server.stdout, lines), daemon=True).start()
    output: list[str] = []
    stop = threading.Event()
    answers: list[int] = []
    errors: list[str] = []
    try:
        url = _wait_for_line(lines, r"Serving on (http://\S+)", output).group(1)
        query_url = url + "api/search?" + urllib.parse.urlencode({"q": COMMON_WORD, "per_page": 5})

        def client() -> None:
            while not stop.is_set():
                try:
                    with urllib.request.urlopen(query_url, timeout=30) as response:
                        payload = json.loads(response.read().decode("utf-8"))
                    if payload.get("total") != POSTS or len(payload.get("hits", [])) != 5:
                        errors.append(f"partial answer: total={payload.get('total')}, "
                                      f"{len(payload.get('hits', []))} hits")
                    answers.append(1)
                except Exception as exc:  # noqa: BLE001 - every failure counts
                    errors.append(repr(exc))

        clients = [threading.Thread(target=client) for _ in range(CLIENTS)]
        for thread in clients:
            thread.start()
        deadline = time.monotonic() + REINDEX_UNDER_LOAD_S
        reindexes = 0
        for round_number in range(6):
            if time.monotonic() > deadline:
                break
            if round_number % 2:
                paths[round_number].write_text(paths[round_number].read_text(encoding="utf-8") + "\n追記。\n",
                                               encoding="utf-8")
            kind = ["--full"] if round_number % 2 == 0 else []
            done = subprocess.run([KENSAKU, "reindex", *kind, "--posts", str(posts), "--index", str(index)],
                                  capture_output=True, text=True, env=_environment(), timeout=PROCESS_TIMEOUT_S)
            assert done.returncode == 0, done.stderr
            reindexes += 1
        stop.set()
        for thread in clients:
            thread.join(timeout=PROCESS_TIMEOUT_S)
        assert reindexes >= 2
        while not lines.empty():
            output.append(lines.get() or "")
        assert errors == [], "server output:\n" + "".join(line for line in output if "Task queue depth" not in line)[-6000:]
        assert len(answers) >= CLIENTS
    finally:
        stop.set()
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        server.stdout.close()


def test_watch_reindexes_a_changed_post_and_stops_on_ctrl_c(tmp_path):
    posts, index = tmp_path / "posts", tmp_path / "index"
    paths = write_post_files(posts, 5)
    watcher = subprocess.Popen([KENSAKU, "reindex", "--watch", "--posts", str(posts), "--index", str(index)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=_environment())
    lines: queue.Queue = queue.Queue()
    reader = threading.Thread(target=_read_lines, args=(watcher.stdout, lines), daemon=True)
    reader.start()
    output: list[str] = []
    try:
        _wait_for_line(lines, r"^Indexed 5 posts", output)
        _wait_for_line(lines, r"^Watching ", output)
        served = open_index(index)
        assert search_posts(served, "ヤンバルクイナ").total == 0
        for _ in range(3):  # an editor saving in several writes
            with open(paths[2], "a", encoding="utf-8") as handle:
                handle.write("\nヤンバルクイナを見た。\n")
        _wait_for_line(lines, r"^Updated the index: 0 new, 1 changed", output)
        assert search_posts(served, "ヤンバルクイナ").total == 1
        paths[3].unlink()
        _wait_for_line(lines, r"^Updated the index: 0 new, 0 changed, 1 deleted", output)
        assert served.doc_count == 4
        watcher.send_signal(signal.SIGINT)  # Ctrl+C
        assert watcher.wait(timeout=PROCESS_TIMEOUT_S) == 0
        reader.join(timeout=10)
        rest = []
        while (line := lines.get_nowait()) is not None:
            rest.append(line)
        assert "Stopped watching." in "".join(rest)
        assert "Traceback" not in "".join(output + rest)
    finally:
        if watcher.poll() is None:
            watcher.kill()
            watcher.wait()
        watcher.stdout.close()
