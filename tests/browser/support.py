"""Helpers of the browser tests: the test site's posts, the app server, a second origin.

``kensaku serve --port 0`` runs in a subprocess (waitress, the server readers get); a tiny HTTP
server on another port (:class:`StaticSite`) stands for the site owner's blog embedding the box.
"""

from __future__ import annotations

import http.server
import json
import os
import re
import subprocess
import sys
import threading
from datetime import date, timedelta
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
BUGCASES = ROOT.parent / "shared" / "bugcases" / "cases.json"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
#: Seconds any single wait in these tests may take before it fails.
WAIT_S = 15

TOPICS = [
    ("東京", "旅行", "tech", "山田"), ("京都", "旅行", "diary", "山田"), ("大阪", "旅行", "diary", "佐藤"),
    ("札幌", "食べ物", "diary", "佐藤"), ("名古屋", "食べ物", "diary", "山田"), ("福岡", "食べ物", "tech", "鈴木"),
]


def _post(number: int, title: str, body: str, tags: list[str], category: str, author: str, day: date) -> str:
    front = {"title": title, "date": day.isoformat(), "tags": tags, "categories": [category], "author": author}
    return "---\n" + "\n".join(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in front.items()) + f"\n---\n{body}\n"


def write_posts(directory: Path) -> None:
    """About 20 posts sharing the word 記録 (so a query pages), with tags, categories, authors and
    years, and two for the IME tests."""
    day = date(2023, 1, 10)
    number = 0
    for city, tag, category, author in TOPICS:
        for kind in ("観光", "散策", "グルメ"):
            number += 1
            day += timedelta(days=37)
            title = f"{city}{kind}の記録"
            body = (f"{city}で{kind}をした記録です。{tag}が好きなので、{city}の{kind}は楽しかった。\n\n"
                    f"次は{city}の別の場所にも行きたい。記録を続けます。")
            text = _post(number, title, body, [tag, city], category, author, day)
            (directory / f"{day.isoformat()}-post-{number:02d}.md").write_text(text, encoding="utf-8")
    (directory / "2025-01-01-cloud.md").write_text(_post(
        99, "クラウドの費用を見直した記録", "クラウドのサーバー代を減らした。AWS の請求書を読む。",
        ["クラウド", "AWS"], "tech", "鈴木", date(2025, 1, 1)), encoding="utf-8")
    # The IME case (kind of bug case BC19): the hiragana typed on the way to 日本 (にほん) reads as
    # another post's にほんばし, which must never flash in while the reader is still converting.
    for name, title, body in (("hanabi", "花火", "日本の花火を川辺で見た。"),
                              ("kaimono", "買い物", "にほんばしで買い物をした。")):
        (directory / f"2025-02-01-{name}.md").write_text(
            f"---\ntitle: {title}\ndate: 2025-02-01\n---\n{body}\n", encoding="utf-8")
    if BUGCASES.exists():  # and the bug case itself, where ../shared is beside the repository (CI)
        [case] = [c for c in json.loads(BUGCASES.read_text(encoding="utf-8")) if c["id"] == "BC19"]
        for doc in case["docs"]:
            (directory / f"2025-02-01-{doc['id']}.md").write_text(
                f"---\ntitle: {doc['title']}\ndate: 2025-02-01\n---\n{doc['body']}\n", encoding="utf-8")


def ime_titles() -> tuple[set[str], tuple[str, ...]]:
    """What 日本 finds (titles), and the titles that must never flash in while converting にほん."""
    found, never = {"花火"}, ("買い物",)
    if BUGCASES.exists():
        [case] = [c for c in json.loads(BUGCASES.read_text(encoding="utf-8")) if c["id"] == "BC19"]
        titles = {doc["id"]: doc["title"] for doc in case["docs"]}
        found |= {titles[i] for i in case["expect_ids"]}
        never += tuple(t for i, t in titles.items() if i not in case["expect_ids"])
    return found, never


class StaticSite:
    """A tiny HTTP server on its own port: the site owner's blog, embedding the search box."""

    def __init__(self) -> None:
        #: path → HTML served there (tests fill it in once the app's URL is known).
        self.pages: dict[str, str] = {}
        served = self.pages

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                html = served.get(self.path.split("?")[0])
                body = html.encode("utf-8") if html is not None else None
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(body or b"not found")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(WAIT_S)


def start_server(index_dir: Path, analytics_db: Path | None, cors_origins: list[str], extra_args: list[str] = (),
                 prefix: list[str] = ()) -> tuple[subprocess.Popen, str]:
    """``kensaku serve --port 0`` in a subprocess; returns it and its base URL (no trailing slash).

    :param extra_args: more options of ``kensaku serve`` (``--site-name``…).
    :param prefix: a command the server runs under (``unshare …``), which ends by running its arguments.
    """
    command = [*prefix, sys.executable, "-c", "from web.cli import cli; cli()", "serve", "--index", str(index_dir),
               "--posts", str(index_dir / "no-posts"), "--port", "0", "--threads", "4", *extra_args]
    if analytics_db is not None:
        command += ["--analytics-db", str(analytics_db)]
    for origin in cors_origins:
        command += ["--cors-origin", origin]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    for name in ("KENSAKU_POSTS_DIR", "KENSAKU_INDEX_DIR", "KENSAKU_BASE_URL", "KENSAKU_CORS_ORIGINS",
                 "KENSAKU_ANALYTICS_DB", "KENSAKU_SITE_NAME", "KENSAKU_SITE_URL", "KENSAKU_CSS", "KENSAKU_TEMPLATES"):
        env.pop(name, None)
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    lines: list[str] = []
    found: list[str] = []

    def read() -> None:
        for line in process.stdout:
            lines.append(line)
            match = re.search(r"Serving on (http://\S+?)/?$", line.strip())
            if match and not found:
                found.append(match.group(1))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    for _ in range(WAIT_S * 20):
        if found or process.poll() is not None:
            break
        threading.Event().wait(0.05)
    if not found:
        process.kill()
        process.wait(WAIT_S)
        pytest.fail("kensaku serve did not start:\n" + "".join(lines))
    process.output = lines  # what it printed, read on by the thread
    return process, found[0]


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(WAIT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(WAIT_S)
    if process.stdout:
        process.stdout.close()


def widget_page(app_url: str) -> str:
    """A blog page embedding the search box from the app, as docs/embed.md tells owners to."""
    return f"""<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>わたしのブログ</title></head>
<body style="font-family: sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem">
<h1>わたしのブログ</h1>
<p>このブログの記事を検索できます。</p>
<div id="kensaku-search"></div>
<script src="{app_url}/static/kensaku-widget.js" data-target="#kensaku-search" data-per-page="3" defer></script>
</body></html>"""
