"""Serving the app: waitress in one process, or gunicorn with several worker processes.

Python runs one thread at a time per process, so one process uses one core however many threads
it has; ``workers`` processes (gunicorn's pre-fork model, each with ``threads`` threads) use that
many cores. Each worker opens the index and builds its suggestion caches itself; the Janome
dictionary is loaded once in the gunicorn master and shared by the workers it forks. Either server
caps glibc's malloc arenas (:func:`limit_malloc_arenas`), which otherwise keep memory per thread.

waitress' connections are :class:`Channel`: its own error answers are worded as the app's, and
``Expect: 100-continue`` never holds a connection. Either server tells the app the address it
listens on (``LISTEN_URL``), for absolute URLs when no ``PUBLIC_URL`` is set.
"""

from __future__ import annotations

import ctypes
import functools
import gc
import os
import platform
import signal
import socket
import sys
import threading
from typing import Callable

import click
import waitress
from flask import Flask, json
from waitress.channel import HTTPChannel
from waitress.task import ErrorTask

from web.errors import ERROR_TITLES, SECURITY_HEADERS, error_body, other_error_message


#: glibc's ``mallopt`` parameter number of ``M_ARENA_MAX`` (``malloc.h``).
_M_ARENA_MAX = -8
#: Most malloc arenas per server process (glibc's default: 8 per core). Each thread that
#: allocates while another holds an arena gets a new one, which keeps what is freed in it: with 4
#: threads under load that was ~15 MB more resident memory per worker than with 2 arenas.
MALLOC_ARENAS = 2


def limit_malloc_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """Cap glibc's malloc arenas for this process and the processes it forks afterwards, as the
    environment variable ``MALLOC_ARENA_MAX`` does for a new process.

    Nothing is changed when ``MALLOC_ARENA_MAX`` is set (glibc obeys it already) or the C
    library is not glibc.

    :returns: whether the cap was set.
    """
    if "MALLOC_ARENA_MAX" in os.environ or platform.libc_ver()[0] != "glibc":
        return False
    try:
        return ctypes.CDLL(None).mallopt(_M_ARENA_MAX, arenas) == 1
    except (OSError, AttributeError):
        return False


def serve_waitress(app: Flask, host: str, port: int, threads: int) -> None:
    """Serve ``app`` in this process until Ctrl+C or SIGTERM.

    :raises click.ClickException: the address cannot be listened on.
    """
    limit_malloc_arenas()
    server = make_waitress_server(app, host, port, threads)
    for url in listen_urls(server):
        click.echo(f"Serving on {url}")
    click.echo("Press Ctrl+C to stop.")
    # SIGTERM (service managers, containers) stops the server as cleanly as Ctrl+C does.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()


def make_waitress_server(app: Flask, host: str, port: int, threads: int):
    """A waitress server of ``app`` listening on ``host:port`` (not yet running: call its
    ``run()``), with :class:`Channel` connections; ``app``'s ``LISTEN_URL`` becomes its address
    unless set.

    :raises click.ClickException: the address cannot be listened on.
    """
    try:
        server = waitress.create_server(app, host=host, port=port, threads=threads)
    except OSError as exc:
        raise click.ClickException(f"Cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    server.channel_class = Channel
    app.config.setdefault("LISTEN_URL", listen_urls(server)[0])
    return server


def serve_gunicorn(make_app: Callable[[], Flask], host: str, port: int, threads: int, workers: int,
                   preload: Callable[[], None] | None = None) -> None:
    """Serve the app ``make_app`` builds in each of ``workers`` gunicorn worker processes
    (``gthread`` workers with ``threads`` threads each) until Ctrl+C or SIGTERM.

    The listening socket is opened here, so a busy port fails clearly and port 0 is told.
    ``preload`` runs here, before the workers are forked (it must not start threads): what it
    loads (the Janome dictionary) is shared copy-on-write by the workers. ``gc.freeze()`` then
    keeps the collector from writing to those objects' pages in each worker.

    Each response closes its connection (gunicorn ``keepalive`` 0, as for workers behind a proxy):
    a gthread worker keeps accepting while others wait, so with keep-alive one worker could hold
    every connection of a client and serve them alone while the other idled. Measured with
    ``bench/http`` (8 clients): 44–119 requests/s with keep-alive, as the connections happened to
    fall, 103–110 without, the workers' CPU time equal.

    :raises click.ClickException: the address cannot be listened on.
    """
    from gunicorn.app.base import BaseApplication

    try:
        listener = socket.create_server((host, port), family=socket.AF_INET6 if ":" in host else socket.AF_INET)
    except OSError as exc:
        raise click.ClickException(f"Cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    listener.set_inheritable(True)

    class Application(BaseApplication):
        def load_config(self) -> None:
            settings = {"bind": [f"fd://{listener.fileno()}"], "workers": workers, "threads": threads,
                        "worker_class": "web.server.GunicornWorker", "accesslog": None, "errorlog": "-", "loglevel": "warning",
                        "timeout": 60, "limit_request_line": 8190, "keepalive": 0}
            for key, value in settings.items():
                self.cfg.set(key, value)

        def load(self) -> Flask:
            app = make_app()
            app.config.setdefault("LISTEN_URL", listen_url)
            return app

    limit_malloc_arenas()
    if preload is not None:
        preload()
    gc.freeze()
    name = f"[{host}]" if ":" in host else host
    listen_url = f"http://{name}:{listener.getsockname()[1]}/"
    click.echo(f"Serving on {listen_url} ({workers} worker processes)")
    click.echo("Press Ctrl+C to stop.")
    Application().run()


#: Methods whose request body the app reads: none (every route is GET, HEAD or OPTIONS).
BODY_METHODS: frozenset[str] = frozenset()
#: What the API says when waitress refuses a request before the app sees it, by status.
WAITRESS_ERROR_MESSAGES = {
    400: "リクエストを読み取れませんでした（{reason}）。",
    431: "リクエストのヘッダーが大きすぎます。",
}


class Channel(HTTPChannel):
    """waitress' connection, changed in two ways (the app is served by it in one process).

    - ``Expect: 100-continue`` on a request without a body, or with one the app never reads:
      waitress sent ``100 Continue`` and then waited for a body that does not come (its
      ``send_continue`` marks even a complete request incomplete), holding the connection until
      ``channel_timeout``. Here such a request is answered at once, with the app's final status,
      as RFC 9110 §10.1.1 allows, and a connection whose body was not read is closed after it.
    - Its own error answers (400 for a bad header, 431 for headers over 256 KB, …) are worded by
      :class:`JsonErrorTask`.
    """

    error_task_class = None  # set below, once JsonErrorTask exists
    request_line = b""

    def received(self, data: bytes) -> bool:
        if self.request is None and data:
            self.request_line = data.split(b"\r\n", 1)[0][:8192]
        return super().received(data)

    def send_continue(self) -> None:
        request = self.request
        if not request.completed and request.command in BODY_METHODS:
            super().send_continue()
            return
        request.expect_continue = False
        if not request.completed:  # a body the app would not read: answer, then close
            request.connection_close = True
            request.completed = True


class JsonErrorTask(ErrorTask):
    """waitress' own error answers as the app words its errors: under ``/api/`` the JSON error
    body of :func:`web.errors.error_body`, elsewhere plain text in Japanese; with the app's
    security headers either way (:data:`web.errors.SECURITY_HEADERS`)."""

    def execute(self) -> None:
        error = self.request.error
        api = _is_api_path(getattr(self.channel, "request_line", b""))
        headers, body = _error_answer(error.code, error.reason, error.body, api)
        self.status = f"{error.code} {error.reason}"
        self.response_headers.extend(headers)
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


Channel.error_task_class = JsonErrorTask


def _error_answer(status: int, reason: str, detail: str, api: bool) -> tuple[list[tuple[str, str]], bytes]:
    """Headers and body of an error the server answers before the app sees the request: the
    JSON of :func:`web.errors.error_body` under ``/api/``, Japanese plain text elsewhere; the
    security headers on both."""
    template = WAITRESS_ERROR_MESSAGES.get(status)
    if template:
        message = template.format(reason=detail)
    else:
        message = ERROR_TITLES[status][1] if status in ERROR_TITLES else other_error_message(status)
    if api:
        body = json.dumps(error_body(message, status), ensure_ascii=False).encode("utf-8")
        headers = [("Content-Type", "application/json"), ("Cache-Control", "no-store")]
    else:
        body = f"{message}\n".encode("utf-8")
        headers = [("Content-Type", "text/plain; charset=utf-8")]
    return headers + list(SECURITY_HEADERS.items()), body


_gunicorn_request = threading.local()  # the path of the request a gunicorn thread answers an error for


def _write_gunicorn_error(sock, status: int, reason: str, detail: str) -> None:
    """gunicorn's ``util.write_error``, worded by :func:`_error_answer`."""
    from gunicorn.util import write_nonblock

    path = getattr(_gunicorn_request, "path", None) or ""
    headers, body = _error_answer(status, reason, detail, path == "/api" or path.startswith("/api/"))
    head = "".join(f"{name}: {value}\r\n" for name, value in headers)
    write_nonblock(sock, (f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\n{head}"
                          f"Content-Length: {len(body)}\r\n\r\n").encode("latin-1") + body)


@functools.cache
def _gunicorn_worker_class():
    from gunicorn import util as gunicorn_util
    from gunicorn.workers.gthread import ThreadWorker

    class GunicornWorker(ThreadWorker):
        """gunicorn's ``gthread`` worker, its own error answers (a bad header, 431) worded as the
        app's by :func:`_error_answer` (JSON under ``/api/`` when the request's path was read)."""

        def init_process(self) -> None:
            gunicorn_util.write_error = _write_gunicorn_error  # this worker process only
            super().init_process()

        def handle_error(self, req, client, addr, exc) -> None:
            request = req or getattr(exc, "req", None) or _request_being_parsed(exc)
            _gunicorn_request.path = getattr(request, "path", None)
            try:
                super().handle_error(req, client, addr, exc)
            finally:
                _gunicorn_request.path = None

    return GunicornWorker


def _request_being_parsed(exc: BaseException):
    """The gunicorn ``Request`` whose headers raised ``exc``, found in its traceback: gunicorn
    parses the request line (``path`` set) before the headers and hands its error handler no
    request when they fail, so this is the only way to tell an API request's error."""
    traceback = exc.__traceback__
    while traceback is not None:
        candidate = traceback.tb_frame.f_locals.get("self")
        if type(candidate).__name__ == "Request" and getattr(candidate, "path", None):
            return candidate
        traceback = traceback.tb_next
    return None


def __getattr__(name: str):
    if name == "GunicornWorker":  # imported by gunicorn in its workers only
        return _gunicorn_worker_class()
    raise AttributeError(name)


def _is_api_path(request_line: bytes) -> bool:
    """Whether a request line (``GET /api/search?q=… HTTP/1.1``) asks for the JSON API."""
    parts = request_line.split()
    if len(parts) < 2:
        return False
    target = parts[1].split(b"?", 1)[0]
    if b"://" in target:  # absolute form: GET http://host/api/search
        target = b"/" + target.split(b"://", 1)[1].partition(b"/")[2]
    return target == b"/api" or target.startswith(b"/api/")


def listen_urls(server) -> list[str]:
    """The URLs a waitress server listens on (the real port when 0 was asked for)."""
    sockets = getattr(server, "effective_listen", None) or [(server.effective_host, server.effective_port)]
    urls = []
    for host, port in sockets:
        host = f"[{host}]" if ":" in str(host) else host
        urls.append(f"http://{host}:{port}/")
    return urls
