"""Serving the app: waitress in one process, or gunicorn with several worker processes.

Python runs one thread at a time per process, so one process uses one core however many threads
it has; ``workers`` processes (gunicorn's pre-fork model, each with ``threads`` threads) use that
many cores. Each worker opens the index and builds its suggestion caches itself; the Janome
dictionary is loaded once in the gunicorn master and shared by the workers it forks. Either server
caps glibc's malloc arenas (:func:`limit_malloc_arenas`), which otherwise keep memory per thread.
"""

from __future__ import annotations

import ctypes
import gc
import os
import platform
import signal
import socket
import sys
from typing import Callable

import click
import waitress
from flask import Flask


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
    try:
        server = waitress.create_server(app, host=host, port=port, threads=threads)
    except OSError as exc:
        raise click.ClickException(f"Cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
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
                        "worker_class": "gthread", "accesslog": None, "errorlog": "-", "loglevel": "warning",
                        "timeout": 60, "limit_request_line": 8190, "keepalive": 0}
            for key, value in settings.items():
                self.cfg.set(key, value)

        def load(self) -> Flask:
            return make_app()

    limit_malloc_arenas()
    if preload is not None:
        preload()
    gc.freeze()
    name = f"[{host}]" if ":" in host else host
    click.echo(f"Serving on http://{name}:{listener.getsockname()[1]}/ ({workers} worker processes)")
    click.echo("Press Ctrl+C to stop.")
    Application().run()


def listen_urls(server) -> list[str]:
    """The URLs a waitress server listens on (the real port when 0 was asked for)."""
    sockets = getattr(server, "effective_listen", None) or [(server.effective_host, server.effective_port)]
    urls = []
    for host, port in sockets:
        host = f"[{host}]" if ":" in str(host) else host
        urls.append(f"http://{host}:{port}/")
    return urls
