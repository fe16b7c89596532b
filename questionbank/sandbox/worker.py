"""The forked side of a sandbox job: three processes per attempt.

A (root, in the server's pid namespace) unshares the namespaces, builds the private root and
waits; B is pid 1 of the new pid namespace, drops to the slot's uid and reaps; C runs the
harness and the student code with rlimits. When C ends, B exits, and the kernel kills everything
left in the namespace (setsid daemons, double forks). A kills B when the server says so.
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

from questionbank.sandbox import codec, isolation
from questionbank.sandbox.frames import student_frame, write_all

SUBMISSION_NAME = "submission.py"


@dataclass(frozen=True)
class Attempt:
    """One forked attempt at cases[start:] of a job (retried after a crash or a timeout)."""

    function: str
    source: bytes
    args: tuple[bytes, ...]
    start: int
    uid: int
    layers: isolation.Layers
    limits: isolation.Limits
    root_mountpoint: str
    host_scratch: str
    base_address_space: int


def close_fds_except(keep: set[int]) -> None:
    low = 3
    for fd in sorted(keep):
        if fd >= low:
            os.closerange(low, fd)
            low = fd + 1
    os.closerange(low, 65536)


def stage_a(attempt: Attempt, res_w: int, out_w: int) -> None:
    """Entry point of the forked child; never returns."""
    code = 70
    try:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGCHLD})
        isolation.prctl(isolation.PR_SET_PDEATHSIG, signal.SIGKILL)
        flags = 0
        for name, flag in isolation.NAMESPACES.items():
            if name in attempt.layers.namespaces:
                flags |= flag
        if flags:
            isolation.unshare(flags)
        if attempt.layers.private_root:
            isolation.enter_root(attempt.root_mountpoint, uid=attempt.uid,
                                 scratch_bytes=attempt.limits.scratch_bytes,
                                 source=attempt.source)
            scratch = "/scratch"
        else:
            scratch = attempt.host_scratch
            target = Path(scratch, SUBMISSION_NAME)
            target.write_bytes(attempt.source)
            if attempt.layers.uid_drop:
                os.chown(target, attempt.uid, attempt.uid)
            os.chdir(scratch)
        pid_b = os.fork()
        if pid_b == 0:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGCHLD})
            stage_b(attempt, scratch, res_w, out_w)
        os.setpgid(pid_b, pid_b)
        os.close(res_w)
        os.close(out_w)
        code = _wait_or_kill(pid_b)
    except BaseException:  # noqa: BLE001 - the child must always end through os._exit
        traceback.print_exc()
    os._exit(code)


def _wait_or_kill(pid_b: int) -> int:
    # SIGTERM from the server means "kill the job": B is our unreaped child, so its pid cannot
    # have been reused yet, and killing pid 1 of a pid namespace kills the whole namespace.
    while True:
        info = signal.sigwaitinfo({signal.SIGTERM, signal.SIGCHLD})
        if info.si_signo == signal.SIGTERM:
            os.kill(pid_b, signal.SIGKILL)
            # Without a pid namespace the process group is the next best net (setsid escapes it).
            with contextlib.suppress(OSError):
                os.killpg(pid_b, signal.SIGKILL)
        pid, status = os.waitpid(pid_b, os.WNOHANG)
        if pid == pid_b:
            return _exit_code(status)


def _exit_code(status: int) -> int:
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code


def stage_b(attempt: Attempt, scratch: str, res_w: int, out_w: int) -> None:
    """pid 1 of the job's pid namespace: start C, reap everything, exit when C exits."""
    code = 71
    try:
        with contextlib.suppress(OSError):
            os.setpgid(0, 0)
        if attempt.layers.uid_drop:
            isolation.drop_privileges(attempt.uid)
        isolation.prctl(isolation.PR_SET_PDEATHSIG, signal.SIGKILL)
        pid_c = os.fork()
        if pid_c == 0:
            stage_c(attempt, scratch, res_w, out_w)
        os.close(res_w)
        os.close(out_w)
        while True:
            pid, status = os.wait()
            if pid == pid_c:
                code = _exit_code(status)
                break
    except BaseException:  # noqa: BLE001
        code = 72
    os._exit(code)


def stage_c(attempt: Attempt, scratch: str, res_w: int, out_w: int) -> None:
    """The student process."""
    try:
        devnull = os.open("/dev/null", os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(out_w, 1)
        os.dup2(out_w, 2)
        res_fd = os.dup2(res_w, 3)
        os.closerange(4, 65536)
        os.chdir(scratch)
        isolation.apply_limits(attempt.limits, attempt.base_address_space)
        sys.stdout = open(1, "w", closefd=False, errors="replace")  # noqa: SIM115
        sys.stderr = open(2, "w", closefd=False, errors="replace")  # noqa: SIM115
        sys.stdin = open(0, closefd=False)  # noqa: SIM115
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
    for blob in attempt.args[attempt.start :]:
        try:
            kwargs = codec.decode_args(blob)
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
