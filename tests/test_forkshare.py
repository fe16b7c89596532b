"""Work shared with forked children: the results are those of doing it all here, whatever
the children do."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path
from typing import Any

import pytest

from questionbank import forkshare
from questionbank.forkshare import balanced_shares, map_shared


@pytest.mark.parametrize(
    ("weights", "count", "expected"),
    [
        ([5, 1, 1, 1, 1, 1], 2, [[0], [1, 2, 3, 4, 5]]),
        ([1, 1, 1, 1], 2, [[0, 2], [1, 3]]),
        ([3, 3, 2, 2, 2], 2, [[0, 2, 4], [1, 3]]),
        ([0, 0], 4, [[0], [1]]),
        ([], 2, []),
    ],
    ids=["heavy-alone", "even", "greedy", "fewer-items-than-shares", "nothing"],
)
def test_balanced_shares(weights: list[float], count: int, expected: list[list[int]]) -> None:
    assert balanced_shares(weights, count) == expected


def _square(index: int) -> list[int]:
    return [index, index * index, os.getpid()]


def _shared(workers: int, **overrides: Any) -> list[list[int]]:
    options: dict[str, Any] = {"workers": workers, "encode": list, "decode": list}
    options.update(overrides)
    return map_shared(options.pop("work", _square), [1.0] * 9, **options)


def test_the_results_are_in_order_and_come_from_the_children() -> None:
    results = _shared(3)
    assert [r[:2] for r in results] == [[i, i * i] for i in range(9)]
    assert len({r[2] for r in results}) == 3  # this process and two children
    assert os.getpid() in {r[2] for r in results}


def test_a_failing_child_has_its_share_done_here() -> None:
    parent = os.getpid()

    def fails_in_children(index: int) -> list[int]:
        if os.getpid() != parent:
            raise RuntimeError("a bug that only shows in a child")
        return _square(index)

    results = _shared(3, work=fails_in_children)
    assert results == [[i, i * i, parent] for i in range(9)]


def test_a_child_whose_output_does_not_decode_is_not_trusted() -> None:
    parent = os.getpid()

    def refuse(data: Any) -> list[int]:
        raise ValueError("not what a child should send")

    results = _shared(2, decode=refuse)
    assert results == [[i, i * i, parent] for i in range(9)]


def test_a_child_killed_by_a_signal_has_its_share_done_here() -> None:
    parent = os.getpid()

    def dies_in_children(index: int) -> list[int]:
        if os.getpid() != parent:
            os.kill(os.getpid(), 9)
        return _square(index)

    assert _shared(2, work=dies_in_children) == [[i, i * i, parent] for i in range(9)]


def test_nothing_is_forked_while_another_thread_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_fork() -> int:
        raise AssertionError("forked with another thread running")

    monkeypatch.setattr(forkshare.os, "fork", no_fork)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        results = _shared(3)
    finally:
        stop.set()
        other.join()
    assert [r[:2] for r in results] == [[i, i * i] for i in range(9)]


def _recording_forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    children: list[int] = []
    real_fork = os.fork

    def recorded_fork() -> int:
        pid = real_fork()
        if pid:
            children.append(pid)
        return pid

    monkeypatch.setattr(forkshare.os, "fork", recorded_fork)
    return children


@pytest.mark.parametrize("where", ["work", "reading"], ids=["in-work", "while-reading"])
def test_an_error_here_stops_the_children(monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    parent = os.getpid()
    children = _recording_forks(monkeypatch)

    def work(index: int) -> list[int]:
        if os.getpid() == parent and where == "work":
            raise KeyError("a bug here")
        if os.getpid() != parent:
            threading.Event().wait(60)  # children that would run on
        return _square(index)

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt  # Ctrl-C while waiting for a child's results

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, 0.5)
    try:
        with pytest.raises((KeyError, KeyboardInterrupt)):
            _shared(3, work=work)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert len(children) == 2
    for pid in children:  # killed and reaped: no such child any more
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


def test_without_a_fork_the_work_is_done_here(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_fork() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")  # a pids limit

    monkeypatch.setattr(forkshare.os, "fork", no_fork)
    before = len(list(Path("/proc/self/fd").iterdir()))
    results = _shared(3)
    assert results == [[i, i * i, os.getpid()] for i in range(9)]
    assert len(list(Path("/proc/self/fd").iterdir())) == before  # the pipes were closed


def test_children_reaped_by_the_kernel_still_count() -> None:
    """With SIGCHLD ignored (inherited from a supervisor), children are reaped at exit and
    waitpid finds none: complete results speak for them."""
    previous = signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    try:
        results = _shared(3)
    finally:
        signal.signal(signal.SIGCHLD, previous)
    assert [r[:2] for r in results] == [[i, i * i] for i in range(9)]
    assert len({r[2] for r in results}) == 3
