"""CPU-bound work on data already loaded, shared between this process and forked children.

A child inherits the loaded data through ``fork`` and sends back only its results, as
JSON: nothing is pickled either way, and this process works through its own share instead
of waiting. A process pool would pickle every input to its workers (1.2 MB for the course
bank's questions) and leave this process idle. Used by the cold bank check
(:func:`questionbank.checks.check_files`).

A child that fails in any way (an exception, a signal, output that does not decode) is not
trusted for anything: its share is done again here, where an error surfaces as it would
without children. A child that hangs would hang here too: it runs the same code on the same
data as this process.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NoReturn, TypeVar

T = TypeVar("T")


def balanced_shares(weights: Sequence[float], count: int) -> list[list[int]]:
    """The indexes of ``weights`` in ``count`` shares of about equal total weight (each
    index, heaviest first, goes to the lightest share so far, the shortest among equals)."""
    shares: list[list[int]] = [[] for _ in range(count)]
    loads = [0.0] * count
    for index in sorted(range(len(weights)), key=lambda i: -weights[i]):
        lightest = min(range(count), key=lambda k: (loads[k], len(shares[k])))
        shares[lightest].append(index)
        loads[lightest] += weights[index]
    return [sorted(share) for share in shares if share]


def map_shared(
    work: Callable[[int], T],
    weights: Sequence[float],
    *,
    workers: int,
    encode: Callable[[T], Any],
    decode: Callable[[Any], T],
) -> list[T]:
    """``[work(i) for i in range(len(weights))]``, with up to ``workers - 1`` forked
    children taking a share each. ``encode`` turns a result into JSON-able data and
    ``decode`` turns it back. Runs everything here when fork is missing or another thread
    is running (a fork copies only the calling thread, so a lock another thread holds
    would stay held in the child), and does here any share a child could not take."""
    if workers < 2 or not hasattr(os, "fork") or threading.active_count() > 1:
        return [work(i) for i in range(len(weights))]
    shares = balanced_shares(weights, workers)
    mine = list(shares[0])
    results: dict[int, T] = {}
    children: list[_Child] = []
    try:
        for share in shares[1:]:
            if not _fork(work, share, encode, children):
                mine += share  # no fork (EAGAIN under a pids limit): do it here
        for index in mine:
            results[index] = work(index)
        for child in children:
            found = child.collect(decode)
            for index in child.share:
                results[index] = found[index] if found is not None else work(index)
    finally:
        for child in children:
            child.stop()  # after an error here (or Ctrl-C): none left running or unreaped
    return [results[i] for i in range(len(weights))]


# Signals that could run a Python handler (a KeyboardInterrupt) in the child, where it would
# unwind through our caller: held back from just before the fork until the child has let
# them end it instead, and until this process tracks the child.
_HELD = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}


def _fork(
    work: Callable[[int], T], share: list[int], encode: Callable[[T], Any], into: list[_Child]
) -> bool:
    """Start a child on ``share``, tracked in ``into``; False if no process could start."""
    reader, writer = os.pipe()
    held = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
    try:
        try:
            pid = os.fork()
        except OSError:
            os.close(reader)
            os.close(writer)
            return False
        if pid == 0:
            _child(work, share, encode, writer, reader, held)
        os.close(writer)
        into.append(_Child(pid, reader, share))
        return True
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def _child(
    work: Callable[[int], T],
    share: list[int],
    encode: Callable[[T], Any],
    writer: int,
    reader: int,
    held: Iterable[int],
) -> NoReturn:
    status = 1
    try:
        for number in _HELD:
            signal.signal(number, signal.SIG_DFL)  # Ctrl-C ends the child, silently
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        os.close(reader)
        data = json.dumps({str(i): encode(work(i)) for i in share}).encode()
        view = memoryview(data)
        while view:
            view = view[os.write(writer, view) :]
        status = 0
    finally:
        os._exit(status)  # no cleanup handlers or buffers of the parent's: they are not ours


class _Child:
    """A forked child working on ``share``, and the pipe its results come through."""

    def __init__(self, pid: int, reader: int, share: list[int]) -> None:
        self.pid, self.reader, self.share = pid, reader, share
        self.running = True

    def collect(self, decode: Callable[[Any], T]) -> dict[int, T] | None:
        """The child's results, or None if it failed."""
        chunks = []
        while chunk := os.read(self.reader, 1 << 16):
            chunks.append(chunk)
        succeeded = self._reap()
        try:
            found = {int(k): decode(v) for k, v in json.loads(b"".join(chunks)).items()}
        except (ValueError, TypeError, KeyError, IndexError):
            return None
        return found if succeeded and sorted(found) == self.share else None

    def _reap(self) -> bool:
        try:
            _, status = os.waitpid(self.pid, 0)
        except ChildProcessError:
            # SIGCHLD ignored by whoever started us: children are reaped by the kernel and
            # their status is lost; complete, well-formed results must then speak for them.
            self.running = False
            return True
        self.running = False  # only now: a Ctrl-C during the wait leaves it to stop()
        return os.waitstatus_to_exitcode(status) == 0

    def stop(self) -> None:
        if self.running:
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                self._reap()
        with contextlib.suppress(OSError):
            os.close(self.reader)
