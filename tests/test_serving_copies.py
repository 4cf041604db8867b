"""Serving as a blog owner does: search counts kept per blog, and ``kensaku serve`` from a
read-only copy of an index built elsewhere (a blog's CI builds it once; every server gets a copy).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from search.assist.analytics import QueryLog
from tests.browser.support import start_server, stop_server
from web import create_app, default_analytics_db
from web.cli import cli

DATA = Path(__file__).resolve().parent / "data"
BLOG_A = DATA / "blog" / "_posts"
BLOG_B = DATA / "posts"


def reindex(posts: Path, index_dir: Path) -> None:
    result = CliRunner().invoke(cli, ["reindex", "--posts", str(posts), "--index", str(index_dir)])
    assert result.exit_code == 0, result.output


def stats(index_dir: Path, *more: str) -> dict:
    result = CliRunner().invoke(cli, ["stats", "--index", str(index_dir), "--json", *more])
    assert result.exit_code == 0, result.output
    return {row["query"]: row["searches"] for row in json.loads(result.output)["top_queries"]}


def test_search_counts_belong_to_the_blog_the_index_holds(tmp_path):
    index_dir = tmp_path / "index"
    reindex(BLOG_A, index_dir)
    app = create_app({"TESTING": True, "INDEX_DIR": str(index_dir)})
    client = app.test_client()
    assert client.get("/search?q=Redis").status_code == 200
    assert client.get("/api/search?q=Terraform").status_code == 200
    assert stats(index_dir) == {"redis": 1, "terraform": 1}

    reindex(BLOG_B, index_dir)  # the same index directory, another blog: the running app follows
    assert client.get("/search?q=カタカナ").status_code == 200
    assert stats(index_dir) == {"カタカナ": 1}  # not the first blog's searches

    reindex(BLOG_A, index_dir)  # back: its counts are there again
    assert stats(index_dir) == {"redis": 1, "terraform": 1}
    files = sorted(path.name for path in (index_dir / "analytics").glob("*.sqlite3"))
    assert len(files) == 2 and files[0].startswith("blog-_posts-") and files[1].startswith("data-posts-")
    assert default_analytics_db(index_dir) == index_dir / "analytics" / files[0]


def test_counts_of_several_servers_are_reported_together(tmp_path):
    first, second = QueryLog(tmp_path / "web1.sqlite3"), QueryLog(tmp_path / "web2.sqlite3")
    for log, queries in ((first, ["東京", "東京", "京都"]), (second, ["東京", "大阪"])):
        for q in queries:
            log.record(q, found=1 if q != "大阪" else 0)
        log.close()
    result = CliRunner().invoke(cli, ["stats", "--json", "--analytics-db", str(tmp_path / "web1.sqlite3"),
                                      "--analytics-db", str(tmp_path / "web2.sqlite3")])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["searches"] == 5 and report["zero_results"] == 1
    assert [(r["query"], r["searches"]) for r in report["top_queries"]] == [("東京", 3), ("京都", 1), ("大阪", 1)]


# --------------------------------------------------------------------------------------------
# A read-only index directory: a real read-only mount (unshare), or a copy without write
# permission when the tests do not run as root (root may write whatever the permissions say).

def _read_only_prefix(index_dir: Path) -> list[str]:
    """A command prefix under which ``index_dir`` is a read-only mount; [] after making it read-only
    by permissions; skips when neither can be had."""
    if os.geteuid() != 0:
        for path in [index_dir, *index_dir.rglob("*")]:
            if not path.is_symlink():
                path.chmod(path.stat().st_mode & ~0o222)
        return []
    unshare = shutil.which("unshare")
    probe = [unshare, "--user", "--map-root-user", "--mount", "sh", "-c",
             f'mount --bind -o ro "{index_dir}" "{index_dir}" && ! touch "{index_dir}/probe" 2>/dev/null']
    if unshare is None or subprocess.run(probe, capture_output=True).returncode != 0:
        pytest.skip("running as root without `unshare` (util-linux) to mount the index read-only")
    return [unshare, "--user", "--map-root-user", "--mount", "sh", "-c",
            f'mount --bind -o ro "{index_dir}" "{index_dir}" && exec "$@"', "sh"]


def _tree(root: Path) -> dict[str, tuple]:
    return {str(p.relative_to(root)): (p.is_dir(), p.stat(follow_symlinks=False).st_mtime_ns,
                                       p.stat(follow_symlinks=False).st_size)
            for p in sorted(root.rglob("*"))}


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


@pytest.fixture(scope="module")
def built_in_ci(tmp_path_factory) -> Path:
    """The index as a blog's CI builds it (``kensaku reindex``), before it is copied to the servers."""
    index_dir = tmp_path_factory.mktemp("ci") / "index"
    reindex(BLOG_A, index_dir)
    return index_dir


@pytest.mark.parametrize("counted", [True, False], ids=["analytics-elsewhere", "no-analytics-db"])
def test_serve_from_a_read_only_copy(built_in_ci, tmp_path, counted):
    copy = tmp_path / "server" / "index"
    shutil.copytree(built_in_ci, copy, symlinks=True)
    prefix = _read_only_prefix(copy)
    before = _tree(copy)
    analytics = tmp_path / "var" / "kensaku" / "counts.sqlite3" if counted else None
    process, url = start_server(copy, analytics, [], prefix=prefix)
    try:
        pages = ["/", "/search?q=Redis", "/search?q=クラウド&sort=newest&from=2024年1月", "/search?q=&tag=AWS",
                 "/api/search?q=Terraform", "/api/suggest?q=てら", "/opensearch.xml", "/search?q=Redis&partial=1",
                 "/api/related?id=2024-03-03-terraform.md"]
        for path in pages:
            status, body = _get(url + urllib.request.quote(path, safe="/?=&"))
            assert status == 200, (path, status, body[:500])
        status, body = _get(url + "/api/search?q=Terraform")
        assert json.loads(body)["hits"][0]["id"] == "2024-03-03-terraform.md"
    finally:
        stop_server(process)
    output = "".join(process.output)
    assert "Traceback" not in output and "Error" not in output, output
    assert _tree(copy) == before  # nothing written, nothing touched
    if counted:
        assert {c.query: c.searches for c in QueryLog(analytics).report().top_queries} == {"redis": 1, "terraform": 2}
    else:
        assert "is not writable: searches are not counted" in output, output


def test_the_read_only_mount_is_really_read_only(built_in_ci, tmp_path):
    """The check above can fail: under the same prefix, a write into the copy is refused."""
    copy = tmp_path / "index"
    shutil.copytree(built_in_ci, copy, symlinks=True)
    prefix = _read_only_prefix(copy)
    result = subprocess.run([*prefix, sys.executable, "-c", f"open({str(copy / 'x')!r}, 'w')"], capture_output=True)
    assert result.returncode != 0 and b"Read-only file system" in result.stderr or b"Permission denied" in result.stderr
