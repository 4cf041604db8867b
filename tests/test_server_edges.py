"""The edges of serving (issue 13): the server's own error answers are worded as the app's (JSON
under /api/, with the security headers), ``Expect: 100-continue`` never holds a connection, and
absolute URLs name the address listened on, never the client's ``Host`` header. A real waitress
server on a free port and a real ``kensaku serve --workers 2`` (gunicorn), raw sockets, every
wait bounded."""

from __future__ import annotations

import json
import os
import queue
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from web import create_app
from web.errors import SECURITY_HEADERS
from web.server import make_waitress_server

#: Longest any answer may take here; waitress held such connections for its channel_timeout (120 s).
ANSWER_TIMEOUT_S = 5.0


KENSAKU = str(Path(sys.executable).with_name("kensaku"))
#: Longest ``kensaku serve --workers 2`` may take to start (the machine is shared).
START_TIMEOUT_S = 120


@pytest.fixture(scope="module")
def gunicorn_url(posts_dir, index_dir):
    """``kensaku serve --workers 2`` (gunicorn) over the test index, as a real process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KENSAKU_")}
    process = subprocess.Popen([KENSAKU, "serve", "--index", str(index_dir), "--posts", str(posts_dir), "--port", "0",
                                "--workers", "2", "--threads", "2", "--no-analytics"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    lines: queue.Queue = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            if match := re.match(r"Serving on (http://\S+/)", line):
                break
        yield match.group(1)
    finally:
        process.terminate()
        process.wait(timeout=30)
        reader.join(timeout=5)
        process.stdout.close()


@pytest.fixture(params=["waitress", "gunicorn"])
def any_server_url(request):
    """The URL of waitress (in this process) or of gunicorn (``--workers 2``)."""
    return request.getfixturevalue("server_url" if request.param == "waitress" else "gunicorn_url")


@pytest.fixture(scope="module")
def server_url(tmp_path_factory, posts_dir, index_dir):
    app = create_app({"TESTING": True, "INDEX_DIR": str(index_dir), "POSTS_DIR": str(posts_dir), "ANALYTICS": False})
    server = make_waitress_server(app, "127.0.0.1", 0, 2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield app.config["LISTEN_URL"]
    server.trigger.pull_trigger(lambda: [channel.close() for channel in list(server._map.values())])
    thread.join(timeout=ANSWER_TIMEOUT_S)  # the loop ends once its map is empty
    server.task_dispatcher.shutdown()


def exchange(url: str, request: bytes) -> tuple[float, int, dict, bytes]:
    """Send raw ``request``; read one final answer (skipping a ``100 Continue``).

    :returns: seconds taken, status, headers (lower-case names), body.
    """
    host, port = re.match(r"http://([^:/]+):(\d+)/", url).groups()
    started = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=ANSWER_TIMEOUT_S) as connection:
        connection.sendall(request)
        data = b""
        while True:
            head, _, rest = data.partition(b"\r\n\r\n")
            if head.startswith(b"HTTP/1.1 100"):
                data = rest
                continue
            if _ and request.startswith(b"HEAD "):
                break
            if _ and (match := re.search(rb"(?i)content-length: (\d+)", head)) and len(rest) >= int(match.group(1)):
                break
            try:
                chunk = connection.recv(65536)
            except socket.timeout:
                pytest.fail(f"no answer in {ANSWER_TIMEOUT_S} s to {request[:80]!r}; got {data[:200]!r}")
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return time.monotonic() - started, int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body


def assert_security_headers(headers: dict) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert headers.get(name.lower()) == value, (name, headers)


BIG = b"X-Big: " + b"a" * 300_000 + b"\r\n"


@pytest.mark.parametrize("path", ["/api/search?q=x", "/api/suggest?q=%E3%81%A8", "/api/nothing", "/api"])
@pytest.mark.parametrize("headers, status", [
    (b"Bad Header: y\r\n", 400),  # a space in a header name
    (b"X-Ctl: a\x01b\r\n", 400),  # a control character in a value
    (BIG, 431),
])
def test_server_errors_under_api_are_json_with_the_security_headers(any_server_url, path, headers, status):
    _, got, answer_headers, body = exchange(any_server_url, b"GET " + path.encode() + b" HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n")
    assert got == status
    assert answer_headers["content-type"] == "application/json"
    payload = json.loads(body)
    assert payload["ok"] is False and payload["status"] == status and re.search("[ぁ-んァ-ン一-龥]", payload["error"])
    assert answer_headers["cache-control"] == "no-store"
    assert_security_headers(answer_headers)


@pytest.mark.parametrize("path", ["/search?q=x", "/"])
def test_server_errors_on_pages_have_the_security_headers(any_server_url, path):
    _, status, headers, body = exchange(any_server_url, b"GET " + path.encode() + b" HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n")
    assert status == 400 and headers["content-type"].startswith("text/plain")
    assert_security_headers(headers)


@pytest.mark.parametrize("request_, status", [
    (b"GET /api/search?q=%E6%9D%B1%E4%BA%AC HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n", 200),
    (b"GET /search?q=%E6%9D%B1%E4%BA%AC HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n", 200),
    (b"HEAD / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n", 200),
    (b"POST /api/search?q=x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n", 405),
    (b"PUT /api/search HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\nExpect: 100-continue\r\n\r\n", 405),
])
def test_expect_100_continue_never_holds_a_connection(any_server_url, request_, status):
    elapsed, got, _, _ = exchange(any_server_url, request_)
    assert got == status and elapsed < ANSWER_TIMEOUT_S


def test_the_server_keeps_answering_after_bad_requests(server_url):
    exchange(server_url, b"GET /api/search HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n")
    _, status, _, body = exchange(server_url, b"GET /api/search?q=%E6%9D%B1%E4%BA%AC HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status == 200 and json.loads(body)["total"] == 1


@pytest.mark.parametrize("host", [b"evil.example", b"evil.example:8080", b""])
def test_opensearch_names_the_address_listened_on_whatever_the_host_header(any_server_url, host):
    _, status, _, body = exchange(any_server_url, b"GET /opensearch.xml HTTP/1.1\r\nHost: " + host + b"\r\n\r\n")
    urls = re.findall(r'(?:template="|<moz:SearchForm>)([^"<]+)', body.decode("utf-8"))
    assert status == 200 and urls and all(url.startswith(any_server_url) for url in urls), urls
    assert b"evil" not in body
