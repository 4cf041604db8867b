"""Watch mode: re-index posts as their files change, for authors previewing their writing.

A watchdog observer reports file events under the posts folder; events on post files
(``.md``/``.markdown``, not hidden) start a quiet-period timer, and once no event has come for
``debounce_s`` seconds (an editor's save is often several writes, a ``git checkout`` hundreds)
one :func:`search.indexing.update.update_index` brings the index up to date. The update compares content
hashes of every post file, so a missed or coalesced event costs nothing: the next one catches up,
and a save that changes nothing writes nothing. Each update that changed the index, or skipped a
post file that was new, changed or saved meanwhile (bad YAML, …), is reported. When the index skipped
a post as dated in the future, an update also runs once that date has come, so the post is indexed
then although no file changed.

:func:`watch_posts` blocks until ``stop`` is set (or KeyboardInterrupt), then stops the observer.
The observer is the system's (inotify on Linux); where the system refuses one (its inotify
instances or watches used up, ``EMFILE``/``ENOSPC``), a polling observer scans the folder instead.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from search.errors import ReindexInProgressError
from search.indexing.rebuild import IndexStats
from search.indexing.update import update_index
from search.indexing.manifest import next_publication
from search.posts.reader import POST_SUFFIXES, is_after

#: Quiet time, in seconds, after the last file event before the index is updated.
DEBOUNCE_S = 0.3
#: Seconds between two scans of the posts folder when the system gives no file events (polling).
POLL_INTERVAL_S = 1.0
#: Seconds an update waits for another reindex (a `kensaku reindex` run meanwhile) to finish.
LOCK_WAIT_S = 600.0


class _PostEvents(FileSystemEventHandler):
    """Sets ``changed``, stamps the time and collects the paths of every event that touches a post file."""

    def __init__(self) -> None:
        self.changed = threading.Event()
        self.last_event = 0.0
        self._paths: set[Path] = set()
        self._lock = threading.Lock()

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        paths = [os.fsdecode(p) for p in (event.src_path, getattr(event, "dest_path", "")) if p]
        posts = [Path(os.path.abspath(p)) for p in paths if _is_post_path(p)]
        if posts or event.is_directory:
            with self._lock:
                self._paths.update(posts)
            self.last_event = time.monotonic()
            self.changed.set()

    def take(self) -> set[Path]:
        """Clear ``changed``; the absolute paths of the events since the last call."""
        with self._lock:
            self.changed.clear()
            paths, self._paths = self._paths, set()
        return paths

    def put_back(self, paths: set[Path]) -> None:
        """Undo :meth:`take` (the update did not run): ``paths`` wait for the next one."""
        with self._lock:
            self._paths.update(paths)
            self.changed.set()


def _touched_skipped(stats: IndexStats, touched: set[Path]) -> bool:
    """Whether the file of a skipped post is among the ``touched`` post files (one saved again
    unchanged: an update reports the posts it re-read in ``newly_skipped``)."""
    return any(Path(os.path.abspath(skipped.path)) in touched for skipped in stats.skipped)


def _is_post_path(path: str) -> bool:
    name = os.path.basename(path)
    return not name.startswith(".") and name.lower().endswith(POST_SUFFIXES)


def watch_posts(posts_dir: Path, index_root: Path, *, base_url: str = "",
                owner_dictionaries: Iterable[Path] = (), future: bool = False, follow_links: bool = False,
                allow_shrink: bool = False, debounce_s: float = DEBOUNCE_S,
                on_update: Callable[[IndexStats], None] | None = None,
                on_error: Callable[[Exception], None] | None = None,
                stop: threading.Event | None = None, on_watching: Callable[[], None] | None = None,
                ready: threading.Event | None = None) -> None:
    """Keep the index of ``posts_dir`` up to date until ``stop`` is set.

    :param future: index posts dated in the future too (:func:`search.indexing.update.update_index`).
    :param follow_links: read post files linked in from outside ``posts_dir`` too.
    :param allow_shrink: let an update drop a large share of the indexed posts at once (else it
        is refused, reported through ``on_error``, and the index served stays as it was).
    :param on_update: called with the stats of each update that changed the index or skipped a
        post file that an event touched (a new or edited post that cannot be read, every time).
    :param on_error: called with the exception an update raised (a :class:`SearchError` such as
        :class:`~search.errors.IndexShrinkError`, an ``OSError``, or any other); watching goes on
        (a failed update leaves the index being served untouched).
    :param stop: set it to return; None: until Ctrl+C (which lets an update under way finish; a
        second Ctrl+C raises KeyboardInterrupt).
    :param on_watching: called once the observer is watching (a file saved from then on is seen).
    :param ready: set once the observer is watching and the first update, which catches up with
        what changed while it started, has run (for tests: a change made after it is seen as new,
        never raced by that first update).
    :raises FileNotFoundError: ``posts_dir`` is not a folder.
    """
    posts_dir = Path(posts_dir)
    if not posts_dir.is_dir():
        raise FileNotFoundError(f"posts folder not found: {posts_dir}")
    if stop is None:
        stop = threading.Event()
        restore = _stop_on_ctrl_c(stop)
    else:
        restore = lambda: None  # noqa: E731 - the caller stops us
    events = _PostEvents()
    observer = _started_observer(events, posts_dir)
    events.changed.set()  # once now: a file saved while the observer was starting had no event
    if on_watching is not None:
        on_watching()
    due = next_publication(index_root)  # when a post skipped as dated in the future is published
    try:
        while not stop.is_set():
            if due is not None and not is_after(due, datetime.now(timezone.utc)):
                due = None
                events.changed.set()  # update, although no file changed
            if not events.changed.wait(timeout=0.2):
                continue
            quiet_s = time.monotonic() - events.last_event
            if quiet_s < debounce_s:
                stop.wait(debounce_s - quiet_s)
                continue
            touched = events.take()
            try:
                stats = update_index(posts_dir, index_root, base_url=base_url, future=future,
                                     owner_dictionaries=owner_dictionaries, wait_s=LOCK_WAIT_S,
                                     follow_links=follow_links, allow_shrink=allow_shrink)
            except ReindexInProgressError:
                events.put_back(touched)  # try again after the other reindex
                continue
            except Exception as exc:  # noqa: BLE001 - one failed update never ends watching
                if on_error is not None:
                    on_error(exc)
                continue
            finally:
                if ready is not None:
                    ready.set()  # the first update (catching up) is done: changes now are new
            due = next_publication(index_root)
            changed_index = stats.added or stats.updated or stats.deleted or not stats.incremental
            if on_update is not None and (changed_index or stats.newly_skipped or stats.kept
                                          or _touched_skipped(stats, touched)):
                on_update(stats)
    except KeyboardInterrupt:
        pass
    finally:
        restore()
        observer.stop()
        observer.join(timeout=5)


def _started_observer(events: FileSystemEventHandler, posts_dir: Path) -> BaseObserver:
    """A started observer of ``posts_dir``: the system's (inotify on Linux), else, when the system
    refuses one (``OSError``: its inotify instances or watches used up), a polling observer, which
    finds the same events by scanning the folder every :data:`POLL_INTERVAL_S` seconds."""
    observer = Observer()
    try:
        observer.schedule(events, str(posts_dir), recursive=True)
        observer.start()
        return observer
    except OSError:
        observer.unschedule_all()
    polling = PollingObserver(timeout=POLL_INTERVAL_S)
    polling.schedule(events, str(posts_dir), recursive=True)
    polling.start()
    return polling


def _stop_on_ctrl_c(stop: threading.Event):
    """Make Ctrl+C set ``stop``: an update under way finishes (a KeyboardInterrupt inside it could
    leave its worker processes behind), then the loop ends; a second Ctrl+C interrupts at once.
    Returns the function restoring the previous handler (none outside the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def on_ctrl_c(signum, frame) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()

    previous = signal.signal(signal.SIGINT, on_ctrl_c)
    return lambda: signal.signal(signal.SIGINT, previous)
