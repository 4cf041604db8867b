"""The ``kensaku`` command: reindex, query and serve (the last as a real process over HTTP)."""

from __future__ import annotations

import http.client
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from search.indexing.generations import current_generation, read_metadata, reindex_lock
from search.indexing.index import open_index
from web.cli import cli, marks_to_text

#: Seconds ``kensaku serve`` may take to build a small index and start listening.
SERVE_START_TIMEOUT_S = 60
KENSAKU = shutil.which("kensaku", path=str(Path(sys.executable).parent))


def invoke(runner, *args: str | Path):
    return runner.invoke(cli, [str(a) for a in args])


# --------------------------------------------------------------------------------------------
# reindex


def test_reindex(runner, posts_dir, tmp_path, indexed_posts):
    result = invoke(runner, "reindex", "--posts", posts_dir, "--index", tmp_path)
    assert result.exit_code == 0, result.output
    assert re.search(rf"^Indexed {indexed_posts} posts, skipped 2, in \d+\.\d s\.$", result.output, re.M)
    assert "Skipped:\n" in result.output
    assert re.search(r"^  broken\.md: invalid YAML front matter", result.output, re.M)
    assert "  drafts/2024-06-01-draft.md: published: false" in result.output
    assert open_index(tmp_path).doc_count == indexed_posts
    assert "Indexing" not in result.output  # no progress bar when not on a terminal


def test_reindex_strict_fails_and_keeps_the_index(runner, posts_dir, tmp_path):
    result = invoke(runner, "reindex", "--strict", "--posts", posts_dir, "--index", tmp_path)
    assert result.exit_code == 1
    assert "broken.md: invalid YAML front matter" in result.output
    assert "draft" not in result.output
    assert "Error: 1 post(s) could not be indexed (--strict)" in result.output
    assert current_generation(tmp_path) is None


def test_reindex_strict_accepts_drafts(runner, tmp_path, make_posts_dir, indexed_posts):
    posts = make_posts_dir(tmp_path / "posts")
    (posts / "broken.md").unlink()
    result = invoke(runner, "reindex", "--strict", "--posts", posts, "--index", tmp_path / "index")
    assert result.exit_code == 0, result.output
    assert f"Indexed {indexed_posts} posts, skipped 1," in result.output


def test_reindex_strict_records_the_base_url_and_folder(runner, tmp_path, make_posts_dir):
    """``--strict`` rebuilds from the posts it checked: the index still records the base URL,
    the posts folder and ``--future``, so the next reindex keeps the URL and finds nothing changed."""
    from search.indexing.manifest import indexed_base_url

    posts = make_posts_dir(tmp_path / "posts")
    (posts / "broken.md").unlink()
    index, site = tmp_path / "index", "https://blog.example.com"
    result = invoke(runner, "reindex", "--strict", "--posts", posts, "--index", index, "--base-url", site)
    assert result.exit_code == 0, result.output
    assert indexed_base_url(index) == site
    result = invoke(runner, "reindex", "--strict", "--posts", posts, "--index", index)
    assert result.exit_code == 0, result.output
    assert f"Keeping the base URL {site} of the index" in result.output and indexed_base_url(index) == site
    result = invoke(runner, "reindex", "--posts", posts, "--index", index)
    assert f"Keeping the base URL {site} of the index" in result.output
    assert result.output.splitlines()[1].startswith("Index up to date"), result.output
    assert read_metadata(current_generation(index))["skipped"] == 1


def test_reindex_reads_environment_options_win(runner, posts_dir, tmp_path, monkeypatch, indexed_posts):
    monkeypatch.setenv("KENSAKU_POSTS_DIR", str(posts_dir))
    monkeypatch.setenv("KENSAKU_INDEX_DIR", str(tmp_path / "from-env"))
    monkeypatch.setenv("KENSAKU_BASE_URL", "https://example.com/blog")
    assert invoke(runner, "reindex").exit_code == 0
    assert open_index(tmp_path / "from-env").doc_count == indexed_posts
    result = invoke(runner, "reindex", "--index", tmp_path / "from-option")
    assert result.exit_code == 0
    assert open_index(tmp_path / "from-option").doc_count == indexed_posts
    result = invoke(runner, "query", "東京", "--index", tmp_path / "from-option", "--json")
    assert json.loads(result.output)["hits"][0]["url"] == "https://example.com/blog/diary/2024/01/05/tokyo-tower.html"


def test_reindex_without_a_base_url_keeps_the_index_s(runner, posts_dir, tmp_path, monkeypatch):
    """A reindex (or ``--watch``) without ``--base-url`` keeps the base URL the index was built
    with, as ``serve`` does; ``--no-base-url`` drops it."""
    from search.indexing.manifest import indexed_base_url

    watched = []
    monkeypatch.setattr("search.indexing.watch.watch_posts", lambda *args, **kwargs: watched.append(kwargs["base_url"]))
    index, site = tmp_path / "index", "https://blog.example.com"
    assert invoke(runner, "reindex", "--posts", posts_dir, "--index", index, "--base-url", site).exit_code == 0
    for options in ([], ["--full"], ["--watch"]):
        result = invoke(runner, "reindex", "--posts", posts_dir, "--index", index, *options)
        assert result.exit_code == 0, result.output
        assert f"Keeping the base URL {site} of the index" in result.output
        assert indexed_base_url(index) == site
    assert watched == [site]
    result = invoke(runner, "reindex", "--posts", posts_dir, "--index", index, "--no-base-url")
    assert result.exit_code == 0, result.output
    assert "Keeping" not in result.output and indexed_base_url(index) == ""
    result = invoke(runner, "reindex", "--posts", posts_dir, "--index", index)
    assert "Keeping" not in result.output and indexed_base_url(index) == ""
    result = invoke(runner, "reindex", "--posts", posts_dir, "--index", index, "--no-base-url", "--base-url", site)
    assert result.exit_code == 2 and "--no-base-url" in result.output
    monkeypatch.setenv("KENSAKU_BASE_URL", site)  # the option beats the environment
    result = invoke(runner, "reindex", "--posts", posts_dir, "--index", index, "--no-base-url")
    assert result.exit_code == 0, result.output
    assert indexed_base_url(index) == ""


def _owner_words(index) -> str:
    return (current_generation(index) / "userdic.csv").read_text(encoding="utf-8")


def test_reindex_without_a_dictionary_keeps_the_index_s(runner, posts_dir, tmp_path, monkeypatch):
    """A reindex (or ``--watch``) without ``--dictionary`` keeps the owner's word lists the index
    was built with, reading them again; ``--no-dictionary`` drops them."""
    watched = []
    monkeypatch.setattr("search.indexing.watch.watch_posts",
                        lambda *args, **kwargs: watched.append(list(kwargs["owner_dictionaries"])))
    monkeypatch.chdir(tmp_path)
    index, owner = tmp_path / "index", tmp_path / "mydic.txt"
    owner.write_text("ヤンバルクイナ\n", encoding="utf-8")
    result = invoke(runner, "reindex", "--posts", posts_dir, "--index", index, "--dictionary", "mydic.txt")
    assert result.exit_code == 0, result.output
    assert "ヤンバルクイナ" in _owner_words(index)
    keeping = "Keeping the owner dictionary mydic.txt of the index (--no-dictionary drops it).\n"
    for options in ([], ["--full"], ["--watch"]):
        result = invoke(runner, "reindex", "--posts", posts_dir, "--index", index, *options)
        assert result.exit_code == 0, result.output
        assert keeping in result.output
        assert "ヤンバルクイナ" in _owner_words(index)
    assert watched == [[owner]]
    owner.write_text("ヤンバルクイナ\n量子計算機\nbad,line,extra\n", encoding="utf-8")  # an edit takes effect
    result = invoke(runner, "reindex", "--posts", posts_dir, "--index", index)
    assert result.exit_code == 0, result.output
    assert keeping in result.output and "量子計算機" in _owner_words(index)
    assert "Warning: mydic.txt:3: 3 fields" in result.output  # named as the owner gave it
    moved = tmp_path / "words" / "moved.txt"  # the same words elsewhere: the index records the new place
    moved.parent.mkdir()
    shutil.copy(owner, moved)
    assert invoke(runner, "reindex", "--posts", posts_dir, "--index", index, "--dictionary", moved).exit_code == 0
    result = invoke(runner, "reindex", "--posts", posts_dir, "--index", index)
    assert "Keeping the owner dictionary words/moved.txt of the index" in result.output
    result = invoke(runner, "reindex", "--posts", posts_dir, "--index", index, "--no-dictionary", "--dictionary", owner)
    assert result.exit_code == 2 and "--no-dictionary" in result.output
    result = invoke(runner, "reindex", "--posts", posts_dir, "--index", index, "--no-dictionary")
    assert result.exit_code == 0, result.output
    assert "Keeping the owner" not in result.output and "量子計算機" not in _owner_words(index)
    result = invoke(runner, "reindex", "--posts", posts_dir, "--index", index)
    assert "Keeping the owner" not in result.output and "量子計算機" not in _owner_words(index)
    monkeypatch.setenv("KENSAKU_USER_DICTIONARY", str(owner))  # the environment is used, not kept
    result = invoke(runner, "reindex", "--posts", posts_dir, "--index", index)
    assert "Keeping the owner" not in result.output and "量子計算機" in _owner_words(index)
    result = invoke(runner, "reindex", "--posts", posts_dir, "--index", index, "--no-dictionary")
    assert result.exit_code == 0, result.output  # the option beats the environment
    assert "量子計算機" not in _owner_words(index)


def test_reindex_refuses_to_drop_a_kept_dictionary_that_is_gone(runner, posts_dir, tmp_path):
    index, owner = tmp_path / "index", tmp_path / "mydic.txt"
    owner.write_text("ヤンバルクイナ\n", encoding="utf-8")
    assert invoke(runner, "reindex", "--posts", posts_dir, "--index", index, "--dictionary", owner).exit_code == 0
    served = current_generation(index)
    owner.unlink()
    for options in ([], ["--watch"]):
        result = invoke(runner, "reindex", "--posts", posts_dir, "--index", index, *options)
        assert result.exit_code == 1
        assert result.output == (f"Error: The owner dictionary {owner} of the index is missing: restore it, "
                                 f"give its new place with --dictionary, or drop it with --no-dictionary.\n")
        assert current_generation(index) == served
    result = invoke(runner, "reindex", "--posts", posts_dir, "--index", index, "--no-dictionary")
    assert result.exit_code == 0, result.output
    assert "ヤンバルクイナ" not in _owner_words(index)


def test_reindex_missing_posts_folder(runner, tmp_path):
    result = invoke(runner, "reindex", "--posts", tmp_path / "nowhere", "--index", tmp_path / "index")
    assert result.exit_code == 1
    assert "posts folder not found" in result.output
    assert "Traceback" not in result.output


def test_reindex_in_progress(runner, posts_dir, tmp_path):
    with reindex_lock(tmp_path):
        result = invoke(runner, "reindex", "--posts", posts_dir, "--index", tmp_path)
    assert result.exit_code == 1
    assert result.output.startswith("Error: Another reindex is running")
    assert "Traceback" not in result.output


def test_reindex_with_a_new_changed_or_removed_dictionary_reanalyzes_the_posts_holding_its_words(
        runner, posts_dir, tmp_path, indexed_posts):
    index = tmp_path / "index"
    assert invoke(runner, "reindex", "--posts", posts_dir, "--index", index).exit_code == 0
    digests = [read_metadata(current_generation(index))["dictionary_digest"]]
    owner = tmp_path / "dic.txt"
    owner.write_text("ヤンバルクイナ\n", encoding="utf-8")  # in no post
    result = invoke(runner, "reindex", "--posts", posts_dir, "--index", index, "--dictionary", owner)
    assert result.exit_code == 0, result.output
    assert f"Updated the user dictionary (no post holds a changed word): {indexed_posts} posts unchanged" \
        in result.output
    digests.append(read_metadata(current_generation(index))["dictionary_digest"])
    owner.write_text("形態素解析\n", encoding="utf-8")  # one post's title and text: Janome splits it
    result = invoke(runner, "reindex", "--posts", posts_dir, "--index", index, "--dictionary", owner)
    assert "1 changed (1 for the user dictionary)" in result.output, result.output
    digests.append(read_metadata(current_generation(index))["dictionary_digest"])
    assert "形態素解析" in _terms(index, "title")
    result = invoke(runner, "reindex", "--posts", posts_dir, "--index", index, "--no-dictionary")
    assert "1 changed (1 for the user dictionary)" in result.output, result.output
    assert read_metadata(current_generation(index))["dictionary_digest"] == digests[0]
    assert "形態素解析" not in _terms(index, "title")
    assert len(set(digests)) == 3


def _terms(index, fieldname: str) -> list[str]:
    with open_index(index).searcher() as searcher:
        return [term.decode("utf-8") for term in searcher.reader().lexicon(fieldname)]


def test_reindex_of_an_empty_folder_keeps_the_index(runner, posts_dir, tmp_path, indexed_posts):
    index, empty = tmp_path / "index", tmp_path / "empty"
    empty.mkdir()
    assert invoke(runner, "reindex", "--posts", posts_dir, "--index", index).exit_code == 0
    before = current_generation(index)
    for options in ([], ["--full"], ["--strict"]):
        result = invoke(runner, "reindex", "--posts", empty, "--index", index, *options)
        assert result.exit_code == 1, (options, result.output)
        assert f"No post files found in {empty}" in result.output
        assert f"keeps its {indexed_posts} posts" in result.output
        assert "Traceback" not in result.output
        assert current_generation(index) == before and open_index(index).doc_count == indexed_posts


def test_reindex_of_an_empty_folder_without_an_index(runner, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = invoke(runner, "reindex", "--posts", empty, "--index", tmp_path / "strict", "--strict")
    assert result.exit_code == 1 and f"No post files found in {empty} (--strict)" in result.output
    assert current_generation(tmp_path / "strict") is None
    result = invoke(runner, "reindex", "--posts", empty, "--index", tmp_path / "index")
    assert result.exit_code == 0, result.output
    assert f"Warning: no post files found in {empty}: the index is empty." in result.output
    assert open_index(tmp_path / "index").doc_count == 0


# --------------------------------------------------------------------------------------------
# query


@pytest.mark.parametrize("args", [
    ["東京"],
    ["東京", "ラーメン"],
    ["python", "--page", "2", "--per-page", "1", "--sort", "newest"],
    ["エスケープ"],
    ["量子コンピュータ"],
])
def test_query_json_is_the_api_json(runner, client, index_dir, args):
    result = invoke(runner, "query", *args, "--index", index_dir, "--json")
    assert result.exit_code == 0, result.output
    from_cli = json.loads(result.output)
    words = [a for a in args if not a.startswith("--") and not a.isdigit() and a != "newest"]
    params = {"q": " ".join(words)}
    options = dict(zip(args[len(words)::2], args[len(words) + 1::2]))
    params.update({k.lstrip("-").replace("-", "_"): v for k, v in options.items()})
    from_api = client.get("/api/search", query_string=params).get_json()
    from_cli.pop("took_ms")
    from_api.pop("took_ms")
    assert from_cli == from_api


def test_query_text_output(runner, index_dir):
    result = invoke(runner, "query", "東京", "--index", index_dir)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "「東京」 1件"
    assert lines[2] == "1. 【東京】タワーに登った"
    assert lines[3] == "   /diary/2024/01/05/tokyo-tower.html"
    assert lines[4] == "   2024-01-05  タグ: 旅行, 東京"
    assert lines[5].startswith("   冬晴れの日に【東京】タワーへ行きました。")


def test_query_text_output_relaxed_and_escaped(runner, index_dir):
    result = invoke(runner, "query", "<img", "ラーメン", "--index", index_dir)
    assert result.exit_code == 0, result.output
    assert "いずれかの語を含む記事" in result.output
    assert "&lt;" not in result.output and "<mark>" not in result.output
    assert "<script>alert(1)</script>" in result.output  # plain text in a terminal, not HTML


@pytest.mark.parametrize("html_text, ansi, expected", [
    ("<mark>東京</mark>タワー", False, "【東京】タワー"),
    ("<mark>東京</mark>タワー", True, "\x1b[1m東京\x1b[22mタワー"),
    ("&lt;b&gt; &amp; &#39;x&#39;", False, "<b> & 'x'"),
    ("a\x1b[31mb&#27;c\nd", False, "a[31mbc d"),
])
def test_marks_to_text(html_text, ansi, expected):
    assert marks_to_text(html_text, ansi=ansi) == expected


def test_serve_applies_a_new_base_url_to_an_existing_index(runner, posts_dir, tmp_path, capsys):
    """``serve --base-url`` on an index built without it (or with another one) reindexes, so the
    links it serves carry the base URL; without ``--base-url`` the index's own is kept."""
    from search.indexing.manifest import indexed_base_url
    from search.querying.searcher import search_posts
    from web.cli import prepare_index

    index = tmp_path / "index"
    assert runner.invoke(cli, ["reindex", "--posts", str(posts_dir), "--index", str(index)]).exit_code == 0
    assert indexed_base_url(index) == ""
    for base_url, expected in [("https://blog.example.com", "https://blog.example.com"),
                               ("", "https://blog.example.com"),
                               ("https://other.example.org/blog", "https://other.example.org/blog")]:
        prepare_index(posts_dir, index, base_url)
        assert indexed_base_url(index) == expected
        urls = [hit.url for hit in search_posts(open_index(index), "東京").hits]
        assert urls and all(url.startswith(expected + "/") for url in urls), urls
    assert "built for another base URL" in capsys.readouterr().out


def test_serve_reindexing_for_a_new_base_url_keeps_the_owner_dictionary(runner, posts_dir, tmp_path, capsys):
    from web.cli import prepare_index

    index, owner = tmp_path / "index", tmp_path / "mydic.txt"
    owner.write_text("ヤンバルクイナ\n", encoding="utf-8")
    assert invoke(runner, "reindex", "--posts", posts_dir, "--index", index, "--dictionary", owner).exit_code == 0
    prepare_index(posts_dir, index, "https://blog.example.com")
    assert f"Keeping the owner dictionary {owner} of the index" in capsys.readouterr().out
    assert "ヤンバルクイナ" in _owner_words(index)


def test_query_without_index(runner, tmp_path):
    result = invoke(runner, "query", "東京", "--index", tmp_path)
    assert result.exit_code == 1
    assert "kensaku reindex" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("args, message", [
    (["--page", "0"], "page must be between"),
    (["--per-page", "1000"], "per_page must be between"),
])
def test_query_bad_paging(runner, index_dir, args, message):
    result = invoke(runner, "query", "東京", "--index", index_dir, *args)
    assert result.exit_code == 1 and message in result.output


def test_query_too_long(runner, index_dir):
    result = invoke(runner, "query", "あ" * 1000, "--index", index_dir)
    assert result.exit_code == 1 and "too long" in result.output


@pytest.mark.parametrize("args", [[], ["  "]])
def test_query_needs_text(runner, index_dir, args):
    assert invoke(runner, "query", *args, "--index", index_dir).exit_code == 2


# --------------------------------------------------------------------------------------------
# serve: the installed console script, as a real process


def _read_lines(stream, lines: queue.Queue) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)


def _http_get(url: str) -> tuple[int, str, str]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.headers.get_content_type(), response.read().decode("utf-8")


@pytest.mark.parametrize("processes", [[], ["--workers", "2"]], ids=["waitress", "gunicorn"])
def test_serve(tmp_path, make_posts_dir, indexed_posts, processes):
    assert KENSAKU, "the kensaku script is missing: run `.venv/bin/pip install -e '.[test]'`"
    posts = make_posts_dir(tmp_path / "posts")
    index = tmp_path / "index"  # absent: serve must build it first
    env = {k: v for k, v in os.environ.items() if not k.startswith("KENSAKU_")}
    env["PYTHONUNBUFFERED"] = "1"
    process = subprocess.Popen(
        [KENSAKU, "serve", "--posts", str(posts), "--index", str(index), "--port", "0", "--threads", "2", *processes],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8", env=env)
    lines: queue.Queue = queue.Queue()
    reader = threading.Thread(target=_read_lines, args=(process.stdout, lines), daemon=True)
    reader.start()
    output: list[str] = []
    try:
        url = None
        deadline = time.monotonic() + SERVE_START_TIMEOUT_S
        while url is None:
            try:
                line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail(f"kensaku serve did not start in {SERVE_START_TIMEOUT_S} s:\n" + "".join(output))
            assert line is not None, "kensaku serve exited:\n" + "".join(output)
            output.append(line)
            match = re.match(r"Serving on (http://\S+)", line)
            url = match.group(1) if match else None
        assert "holds no index yet: building it" in "".join(output)
        assert f"Indexed {indexed_posts} posts" in "".join(output)
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", url) and not url.endswith(":0/")

        status, content_type, html = _http_get(url)
        assert (status, content_type) == (200, "text/html")
        assert 'name="q"' in html
        status, content_type, body = _http_get(url + "api/search?" + urllib.parse.urlencode({"q": "東京"}))
        assert (status, content_type) == (200, "application/json")
        payload = json.loads(body)
        assert payload["ok"] is True and payload["total"] == 1
        assert payload["hits"][0]["title"] == "東京タワーに登った"
        if processes:  # the workers are the server's children
            children_file = Path(f"/proc/{process.pid}/task/{process.pid}/children")
            deadline = time.monotonic() + 30  # the arbiter forks the second worker after the first answers
            while len(children_file.read_text().split()) < 2 and time.monotonic() < deadline:
                time.sleep(0.1)
            children = children_file.read_text().split()
            assert len(children) == 2
            # each response closes its connection, so no worker keeps a client's connections to itself
            parsed = urllib.parse.urlsplit(url)
            connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
            try:
                connection.request("GET", "/api/search?q=%E6%9D%B1%E4%BA%AC")  # HTTP/1.1, keep-alive asked
                response = connection.getresponse()
                assert response.status == 200 and response.getheader("Connection", "").lower() == "close"
                response.read()
            finally:
                connection.close()
        process.terminate()
        assert process.wait(timeout=10) == 0  # SIGTERM stops it cleanly
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        reader.join(timeout=10)  # EOF once the process is gone; then the pipe can be closed
        process.stdout.close()


@pytest.mark.parametrize("args, port", [([], "5000"), (["PORT=8000"], "8000")])
def test_make_serve_takes_a_port(args, port):
    """The README's ``make serve PORT=8000`` (a dry run: the commands make would run)."""
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    env = {k: v for k, v in os.environ.items() if k not in ("PORT", "MAKEFLAGS")}
    root = Path(__file__).parents[1]
    commands = subprocess.run([make, "--dry-run", "--always-make", "-C", str(root), "serve", *args],
                              capture_output=True, text=True, env=env, check=True).stdout
    assert re.search(rf"/kensaku serve --port {port}$", commands, re.M), commands


def test_sort_choices_are_the_search_sorts():
    from search.querying.searcher import SORTS
    from web.cli import SORT_CHOICES

    assert SORT_CHOICES == tuple(SORTS)


def test_reindex_command_starts_without_flask_or_numpy():
    """`kensaku reindex` imports only what indexing needs (start-up time of a one-post update)."""
    code = ("import sys; from web.cli import cli; "
            "print(sorted(m for m in ('flask', 'numpy', 'search.querying.searcher', 'waitress') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_reindex_process_ends_at_once_with_its_output_and_status(posts_dir, tmp_path):
    """The program ends a finished reindex with os._exit: its output must still arrive, whole."""
    assert KENSAKU, "the kensaku script is missing: run `.venv/bin/pip install -e '.[test]'`"
    index = tmp_path / "index"
    done = subprocess.run([KENSAKU, "reindex", "--posts", str(posts_dir), "--index", str(index)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.startswith("Indexed ")
    assert done.stdout.endswith("drafts/2024-06-01-draft.md: published: false\n")  # the last line too
    assert open_index(index).doc_count > 0
    again = subprocess.run([KENSAKU, "reindex", "--posts", str(posts_dir), "--index", str(index)],
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and again.stdout.startswith("Index up to date")
    missing = subprocess.run([KENSAKU, "reindex", "--posts", str(tmp_path / "nowhere"), "--index", str(index)],
                             capture_output=True, text=True, timeout=120)
    assert missing.returncode == 1 and "posts folder not found" in missing.stderr
