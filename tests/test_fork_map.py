"""A list's look-ups shared with a forked child: always the serial results, in order."""

import os
import pickle

import pytest

from search.indexing import fork_map
from search.indexing.fork_map import map_forked

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")


@pytest.fixture(autouse=True)
def few_items(monkeypatch):
    monkeypatch.setattr(fork_map, "FORK_MIN_ITEMS", 4)
    monkeypatch.setattr(fork_map, "fork_safe", lambda: True)  # other tests' threads: nothing of theirs runs in a child


def test_every_other_item_is_done_by_a_child_and_the_order_kept(caplog):
    items = list(range(101))
    found = map_forked(lambda: (lambda item: (item * item, os.getpid())), items)
    assert [square for square, _ in found] == [item * item for item in items]
    assert {pid for _, pid in found[0::2]} == {os.getpid()}
    child = {pid for _, pid in found[1::2]}
    assert len(child) == 1 and os.getpid() not in child
    assert "failed" not in caplog.text


def test_each_process_makes_its_own_function():
    made = []

    def make():
        made.append(os.getpid())
        pid = os.getpid()
        return lambda item: pid

    found = map_forked(make, list(range(10)))
    assert made == [os.getpid()]  # the child's call happened in the child
    assert found[0] == os.getpid() and found[1] != os.getpid()


@pytest.mark.parametrize("failure", ["raises", "unpicklable", "exits"])
def test_a_failed_child_leaves_its_items_to_the_parent(failure, caplog):
    parent = os.getpid()

    def make():
        if os.getpid() != parent:
            if failure == "raises":
                raise RuntimeError("the child's reader did not open")
            if failure == "exits":
                os._exit(3)
            return lambda item: (lambda: item)  # a lambda does not pickle
        return lambda item: item + 1

    assert map_forked(make, list(range(9))) == list(range(1, 10))
    assert "a forked child failed" in caplog.text


def test_few_items_no_fork_or_threads_stay_in_this_process(monkeypatch):
    monkeypatch.setattr(fork_map.os, "fork", lambda: pytest.fail("forked"))
    assert map_forked(lambda: (lambda item: -item), [1, 2, 3]) == [-1, -2, -3]
    assert map_forked(lambda: (lambda item: -item), list(range(10)), fork=False) == [-i for i in range(10)]
    monkeypatch.setattr(fork_map, "fork_safe", lambda: False)
    assert map_forked(lambda: (lambda item: -item), list(range(10))) == [-i for i in range(10)]


def test_results_come_back_through_pickle():
    found = map_forked(lambda: (lambda item: {"item": item, "text": "語" * item}), list(range(12)))
    assert found == [{"item": i, "text": "語" * i} for i in range(12)]
    assert pickle.loads(pickle.dumps(found)) == found


def test_an_error_here_still_waits_for_the_child(monkeypatch):
    parent = os.getpid()
    children = []
    real_fork = os.fork

    def recording_fork():
        pid = real_fork()
        if pid:
            children.append(pid)
        return pid

    def make():
        if os.getpid() == parent:
            raise ValueError("this half failed")
        return lambda item: item

    monkeypatch.setattr(fork_map.os, "fork", recording_fork)
    with pytest.raises(ValueError):
        map_forked(make, list(range(10)))
    assert len(children) == 1
    with pytest.raises(ChildProcessError):
        os.waitpid(children[0], os.WNOHANG)  # already waited for
