"""CPU-bound work on data already loaded, shared between this process and forked children.

A child inherits the loaded data through ``fork`` and sends back only its results, as
JSON: nothing is pickled either way, and this process works through its own share instead
of waiting. A process pool would pickle every input to its workers (1.2 MB for the course
bank's questions) and leave this process idle. Used by the cold bank check
(:func:`questionbank.checks.check_files`).

A child that fails in any way (an exception, a signal, output that does not decode) is not
trusted for anything: its share is done again here, where an error surfaces as it would
without children.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

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
    would stay held in the child)."""
    if workers < 2 or not hasattr(os, "fork") or threading.active_count() > 1:
        return [work(i) for i in range(len(weights))]
    shares = balanced_shares(weights, workers)
    results: dict[int, T] = {}
    children: list[tuple[int, int, list[int]]] = []
    try:
        for share in shares[1:]:
            children.append((*_fork(work, share, encode), share))
        for index in shares[0]:
            results[index] = work(index)
        while children:
            pid, reader, share = children.pop(0)
            found = _collect(pid, reader, share, decode)
            for index in share:
                results[index] = found[index] if found is not None else work(index)
    finally:
        for pid, reader, _ in children:  # only after an error here: stop the rest
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            os.close(reader)
    return [results[i] for i in range(len(weights))]


def _fork(
    work: Callable[[int], T], share: list[int], encode: Callable[[T], Any]
) -> tuple[int, int]:
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        status = 1
        try:
            os.close(reader)
            data = json.dumps({str(i): encode(work(i)) for i in share}).encode()
            with os.fdopen(writer, "wb") as out:
                out.write(data)
            status = 0
        finally:
            os._exit(status)  # no cleanup handlers of the parent's: they are not ours
    os.close(writer)
    return pid, reader


def _collect(
    pid: int, reader: int, share: list[int], decode: Callable[[Any], T]
) -> dict[int, T] | None:
    """The child's results, or None if it failed."""
    with os.fdopen(reader, "rb") as stream:
        data = stream.read()
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        return None
    try:
        found = {int(key): decode(value) for key, value in json.loads(data).items()}
    except (ValueError, TypeError, KeyError, IndexError):
        return None
    return found if sorted(found) == share else None
