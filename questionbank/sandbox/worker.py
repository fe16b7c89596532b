"""The forked side of a sandbox job: one process per attempt, pid 1 of a fresh pid namespace.

It enters its own mount and IPC namespaces (the server already sits in an empty network
namespace and a private root), drops to the slot's uid, sets rlimits and runs the harness and
the student's code. When it ends, or the server kills it, the kernel kills everything left in
the namespace (setsid daemons, double forks).
Nothing here holds a reference solution or an expected value: the server never has them.
"""

from __future__ import annotations

import builtins
import contextlib
import json
import os
import signal
import sys
import traceback
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from questionbank.sandbox import codec, isolation
from questionbank.sandbox.frames import student_frame, write_all

SUBMISSION_NAME = "submission.py"
# A case's keyword arguments, decoded by the server; a string says why they could not be.
CaseArgs = dict[str, Any] | str


@dataclass(frozen=True)
class Attempt:
    """One forked attempt at cases[start:] of a job (retried after a crash or a timeout)."""

    function: str
    source: bytes
    args: tuple[CaseArgs, ...]
    start: int
    uid: int
    layers: isolation.Layers
    limits: isolation.Limits
    host_scratch: str
    base_address_space: int


def close_fds_except(keep: set[int]) -> None:
    low = 3
    for fd in sorted(keep):
        if fd >= low:
            os.closerange(low, fd)
            low = fd + 1
    os.closerange(low, 65536)


def student_process(attempt: Attempt, res_w: int, out_w: int) -> None:
    """Entry point of the forked child (pid 1 of the job's pid namespace); never returns.

    As root it moves into a fresh mount and IPC namespace, mounts its scratch tmpfs, then drops
    to the slot's uid for good. No separate init: a fork costs as much as all the namespaces
    together here. What an init would add is handled otherwise: pid 1 ignores the CPU soft
    limit's SIGXCPU, so soft and hard limits are equal (SIGKILL still reaches pid 1); orphans
    reparent to this process and die with it, since when pid 1 exits the kernel kills the
    whole namespace.
    """
    try:
        with contextlib.suppress(OSError):
            os.setpgid(0, 0)
        flags = 0
        for name in ("mount", "ipc"):
            if name in attempt.layers.namespaces:
                flags |= isolation.NAMESPACES[name]
        if flags:
            isolation.unshare(flags)
        if attempt.layers.private_root:
            isolation.enter_scratch(
                uid=attempt.uid, scratch_bytes=attempt.limits.scratch_bytes, source=attempt.source
            )
            scratch = "/scratch"
        else:
            scratch = attempt.host_scratch
            target = Path(scratch, SUBMISSION_NAME)
            target.write_bytes(attempt.source)
            if attempt.layers.uid_drop:
                os.chown(target, attempt.uid, attempt.uid)
        if attempt.layers.uid_drop:
            isolation.drop_privileges(attempt.uid)
        # After the uid drop, which clears it: the job dies with the server.
        isolation.prctl(isolation.PR_SET_PDEATHSIG, signal.SIGKILL)
    except BaseException:  # noqa: BLE001 - the child must always end through os._exit
        traceback.print_exc()
        os._exit(72)
    confine_and_run(attempt, scratch, res_w, out_w)


def confine_and_run(attempt: Attempt, scratch: str, res_w: int, out_w: int) -> None:
    """Redirect the standard streams, close every other descriptor, set rlimits, run."""
    try:
        devnull = os.open("/dev/null", os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(out_w, 1)
        os.dup2(out_w, 2)
        res_fd = os.dup2(res_w, 3)
        os.closerange(4, 65536)
        os.chdir(scratch)
        if attempt.layers.rlimits:
            isolation.apply_limits(attempt.limits, attempt.base_address_space)
        # sys.stdin/stdout/stderr are the server's objects for fds 0-2 (see server.main), so
        # they now read /dev/null and write to the captured output, with nothing buffered.
    except BaseException:  # noqa: BLE001
        os._exit(73)
    run_harness(attempt, str(Path(scratch, SUBMISSION_NAME)), res_fd)


def run_harness(attempt: Attempt, path: str, res_fd: int) -> None:
    # Bind what the harness needs before the submission can replace module attributes; if it
    # sabotages them anyway, it only spoils its own results.
    send_raw, exit_now, encode = write_all, os._exit, codec.encode

    def send(kind: bytes, payload: bytes) -> None:
        try:
            send_raw(res_fd, student_frame(kind, payload))
        except BaseException:  # noqa: BLE001
            exit_now(74)

    module = types.ModuleType("submission")
    module.__file__ = path
    module.__dict__["__builtins__"] = builtins
    sys.modules["submission"] = module
    try:
        code = compile(attempt.source, path, "exec", dont_inherit=True)
        exec(code, module.__dict__)
    except BaseException as exc:  # noqa: BLE001 - includes SystemExit and KeyboardInterrupt
        send(b"E", _describe(exc, path, loading=True))
        exit_now(0)
    function = module.__dict__.get(attempt.function)
    if not callable(function):
        send(b"E", json.dumps({"type": "missing", "message": ""}).encode())
        exit_now(0)
    send(b"L", b"")
    for kwargs in attempt.args[attempt.start :]:
        try:
            if isinstance(kwargs, str):
                raise codec.DecodeError(kwargs)
            payload = encode(function(**kwargs))
        except BaseException as exc:  # noqa: BLE001
            send(b"X", _describe(exc, path, loading=False))
            continue
        send(b"R", payload)
    exit_now(0)


def _describe(exc: BaseException, path: str, *, loading: bool) -> bytes:
    """Exception type and the student's own frames only (the harness's frames are noise)."""
    try:
        tb = traceback.TracebackException.from_exception(exc, limit=20)
        tb.stack = traceback.StackSummary.from_list([f for f in tb.stack if f.filename == path])
        text = "".join(tb.format())
    except BaseException:  # noqa: BLE001
        text = ""
    builtin_bases = [c for c in type(exc).__mro__ if getattr(builtins, c.__name__, None) is c]
    kind = builtin_bases[0].__name__ if builtin_bases else "exception"
    if isinstance(exc, SyntaxError) and loading:
        kind = "SyntaxError"
    return json.dumps({"type": kind, "message": text[-4000:]}).encode()
