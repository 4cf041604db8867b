"""A list's independent look-ups shared with one forked child, for work on the serial path of a
rebuild after its commit (the suggestion vocabulary's words), when the other CPU would sit idle.

Used only where forking is safe (:func:`search.indexing.forked_terms.fork_safe`: Linux, one
thread). The child gets every other item (a list sorted by term mixes kinds of work, so both halves
cost about the same), makes its own function (its own index reader: file positions are not shared
with the parent), and sends its results back pickled through a pipe. If the child fails in any way,
its items are done here (and a warning logged): the result is always ``[function(item) for item in items]``.
"""

from __future__ import annotations

import logging
import os
import pickle
from typing import Callable, Sequence, TypeVar

from search.indexing.forked_terms import fork_safe
from search.indexing.pipeline import die_with_parent

T = TypeVar("T")
R = TypeVar("R")

log = logging.getLogger(__name__)

#: Fewer items than this are done in one process (a fork costs more than they do).
FORK_MIN_ITEMS = 2000


def map_forked(make: Callable[[], Callable[[T], R]], items: Sequence[T], *, fork: bool = True) -> list[R]:
    """``[function(item) for item in items]``, the items at odd indexes done by a forked child.

    :param make: called once in each process (here, and in the child after the fork) to give the
        function; it must open whatever it reads anew (an index reader), as a child's file
        positions would otherwise move the parent's.
    :param fork: False, or fewer than :data:`FORK_MIN_ITEMS` items, or forking unsafe: all here.
    :returns: the results in the order of ``items`` (a child's results must pickle).
    """
    if not fork or len(items) < FORK_MIN_ITEMS or not fork_safe():
        function = make()
        return [function(item) for item in items]
    read_end, write_end = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if not pid:
        status = 1
        try:
            os.close(read_end)
            die_with_parent(parent)
            function = make()
            with os.fdopen(write_end, "wb") as out:
                pickle.dump([function(item) for item in items[1::2]], out, protocol=pickle.HIGHEST_PROTOCOL)
            status = 0
        finally:
            os._exit(status)  # never back into the caller's code
    os.close(write_end)
    try:
        function = make()
        mine = [function(item) for item in items[0::2]]
    finally:  # (also when this half raises: no child left unwaited)
        with os.fdopen(read_end, "rb") as source:
            data = source.read()  # before waiting: a child blocked on a full pipe would never exit
        _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    theirs = None
    if code == 0:
        try:
            theirs = pickle.loads(data)
        except (pickle.UnpicklingError, EOFError, ValueError):
            theirs = None
    if theirs is None or len(theirs) != len(items) // 2:
        log.warning("a forked child failed (exit status %s) on %d items: done here instead", code, len(items) // 2)
        theirs = [function(item) for item in items[1::2]]
    results: list = [None] * len(items)
    results[0::2], results[1::2] = mine, theirs
    return results
