"""The forked side of a sandbox job: one process per attempt, pid 1 of a fresh pid namespace.

It is forked from a zygote that has never held a submission's source, output or reply: the
source arrives here as a descriptor (a sealed memfd the trusted client made) and the replies
leave on pipes whose other ends only the trusted client holds. It is born in the zygote's
cgroup; as root it enters its own mount and IPC namespaces, mounts its scratch tmpfs and
chroots; then it drops to the slot's uid for good, installs the seccomp filter, sets rlimits
and runs the harness and the student's code. When it ends, or is killed, the kernel kills
everything left in its pid namespace (setsid daemons, double forks).
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
from typing import Any

from questionbank.sandbox import codec, isolation, seccomp
from questionbank.sandbox.frames import student_frame, write_all

SUBMISSION_NAME = "submission.py"
# A case's keyword arguments, decoded by the zygote; a string says why they could not be.
CaseArgs = dict[str, Any] | str


@dataclass(frozen=True)
class Confinement:
    """What every job of a zygote gets: fixed when the zygote starts."""

    uid: int
    layers: isolation.Layers
    limits: isolation.Limits
    base_address_space: int
    seccomp_program: bytes
    # A descriptor of /proc (-1 if none) kept by the zygote, which shares the job's cgroup.
    proc_fd: int = -1


@dataclass(frozen=True)
class Attempt:
    """One forked attempt at some cases of a job (retried after a crash or a timeout).

    The descriptors are the client's: the submission's source (memfd), the result and output
    pipes' write ends, and (without a private root) the job's scratch directory."""

    function: str
    args: tuple[CaseArgs, ...]
    check_inputs: bool
    source_fd: int
    result_fd: int
    output_fd: int
    scratch_fd: int


def read_source(fd: int) -> bytes:
    size = os.fstat(fd).st_size
    chunks, offset = [], 0
    while offset < size:
        chunk = os.pread(fd, size - offset, offset)
        if not chunk:
            break
        chunks.append(chunk)
        offset += len(chunk)
    return b"".join(chunks)


def prefer_as_oom_victim(proc_fd: int) -> None:
    """The zygote lives in its jobs' cgroup: when a job fills the group's memory, the kernel
    must kill the job's processes, not the zygote. Raising one's own score needs no
    privilege, and the job's children inherit it."""
    if proc_fd < 0:
        return
    with contextlib.suppress(OSError):
        fd = os.open("self/oom_score_adj", os.O_WRONLY, dir_fd=proc_fd)
        try:
            os.write(fd, b"1000")
        finally:
            os.close(fd)


def spare_from_oom_killer() -> None:
    """The zygote's side of :func:`prefer_as_oom_victim`: a score inherited above 0 (a
    best-effort Kubernetes pod gives 1000) would leave the jobs no more likely victims
    than the zygote. Lowered where the kernel allows it (root; else down to the last
    privileged setting); kept otherwise."""
    with contextlib.suppress(OSError, ValueError):
        fd = os.open("/proc/self/oom_score_adj", os.O_RDWR)
        try:
            if int(os.read(fd, 32)) > 0:
                os.write(fd, b"0")
        finally:
            os.close(fd)


def student_process(attempt: Attempt, confinement: Confinement) -> None:
    """Entry point of the forked child (pid 1 of the job's pid namespace); never returns."""
    layers = confinement.layers
    try:
        isolation.set_process_name("qbank-job")
        prefer_as_oom_victim(confinement.proc_fd)
        with contextlib.suppress(OSError):
            os.setpgid(0, 0)
        flags = 0
        for name in ("mount", "ipc"):
            if name in layers.namespaces:
                flags |= isolation.NAMESPACES[name]
        if flags:
            isolation.unshare(flags)
        source = read_source(attempt.source_fd)
        if layers.private_root:
            isolation.enter_scratch(
                uid=confinement.uid,
                scratch_bytes=confinement.limits.scratch_bytes,
                source=source,
            )
            scratch = "/scratch"
        else:
            os.fchdir(attempt.scratch_fd)
            scratch = os.getcwd()  # noqa: PTH109 - os calls: this runs in every job
            fd = os.open(SUBMISSION_NAME, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW)
            write_all(fd, source)
            os.close(fd)
            if layers.uid_drop:
                os.chown(SUBMISSION_NAME, confinement.uid, confinement.uid)
        if layers.uid_drop:
            isolation.drop_privileges(confinement.uid)
        else:
            isolation.prctl(isolation.PR_SET_NO_NEW_PRIVS, 1)
        # After the uid drop, which clears it: the job dies with the zygote.
        isolation.prctl(isolation.PR_SET_PDEATHSIG, signal.SIGKILL)
    except BaseException:  # noqa: BLE001 - the child must always end through os._exit
        traceback.print_exc()
        os._exit(72)
    confine_and_run(attempt, confinement, scratch, source)


def confine_and_run(
    attempt: Attempt, confinement: Confinement, scratch: str, source: bytes
) -> None:
    """Standard streams to the client's pipes, every other descriptor closed, seccomp and
    rlimits on, then the harness."""
    try:
        devnull = os.open("/dev/null", os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(attempt.output_fd, 1)
        os.dup2(attempt.output_fd, 2)
        res_fd = os.dup2(attempt.result_fd, 3)
        os.closerange(4, 65536)
        os.chdir(scratch)
        if confinement.layers.seccomp:
            seccomp.install(confinement.seccomp_program)
        if confinement.layers.rlimits:
            isolation.apply_limits(confinement.limits, confinement.base_address_space)
        # sys.stdin/stdout/stderr are the zygote's objects for fds 0-2 (see zygote.main), so
        # they now read /dev/null and write to the captured output, with nothing buffered.
    except BaseException:  # noqa: BLE001
        os._exit(73)
    run_harness(attempt, source, f"{scratch}/{SUBMISSION_NAME}", res_fd)


def run_harness(attempt: Attempt, source: bytes, path: str, res_fd: int) -> None:
    # Bind what the harness needs before the submission can replace module attributes; if it
    # sabotages them anyway, it only spoils its own results.
    send_raw, exit_now, encode = write_all, os._exit, codec.encode
    fingerprint = codec.fingerprint
    streams = (sys.stdout, sys.stderr)
    kept = _Kept()

    def send(kind: bytes, payload: bytes) -> None:
        # What was printed since the last frame goes first, on this channel, so that the
        # client knows which case printed what; everything printed also goes to the output
        # pipe, where the client counts it (and nothing is lost in a buffer at os._exit).
        for stream in streams:
            with contextlib.suppress(BaseException):
                stream.flush()
        printed = kept.take()
        try:
            send_raw(res_fd, student_frame(b"O", printed) + student_frame(kind, payload))
        except BaseException:  # noqa: BLE001
            exit_now(74)

    sys.stdout, sys.stderr = (_Capture(stream, kept) for stream in streams)

    module = types.ModuleType("submission")
    module.__file__ = path
    module.__dict__["__builtins__"] = builtins
    sys.modules["submission"] = module
    try:
        code = compile(source, path, "exec", dont_inherit=True)
        del source
        exec(code, module.__dict__)
    except BaseException as exc:  # noqa: BLE001 - includes SystemExit and KeyboardInterrupt
        send(b"E", describe_exception(exc, path, loading=True))
        exit_now(0)
    function = module.__dict__.get(attempt.function)
    if not callable(function):
        send(b"E", json.dumps({"type": "missing", "message": ""}).encode())
        exit_now(0)
    send(b"L", b"")
    for kwargs in attempt.args:
        try:
            if isinstance(kwargs, str):
                raise codec.DecodeError(kwargs)
            # Tasks that say "do not modify the inputs": the first byte of the reply says
            # whether the call changed them.
            before = fingerprint(kwargs) if attempt.check_inputs else b""
            value = function(**kwargs)
            modified = attempt.check_inputs and fingerprint(kwargs) != before
            payload = (b"\x01" if modified else b"\x00") + encode(value)
        except BaseException as exc:  # noqa: BLE001
            send(b"X", describe_exception(exc, path, loading=False))
            continue
        send(b"R", payload)
    exit_now(0)


KEEP_PRINTED = 64 << 10


class _Kept:
    """The first KEEP_PRINTED characters printed since the last frame."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0

    def add(self, text: str) -> None:
        room = KEEP_PRINTED - self.size
        if room > 0:
            piece = text[:room]
            self.parts.append(piece)
            self.size += len(piece)

    def take(self) -> bytes:
        text, self.parts, self.size = "".join(self.parts), [], 0
        return text.encode("utf-8", "replace")


class _Capture:
    """sys.stdout/sys.stderr for the submission: writes through to the output pipe, where the
    client counts it, and keeps the beginning of each case's output for the result channel."""

    def __init__(self, through: Any, kept: _Kept) -> None:
        self.through, self.kept = through, kept
        self.encoding = getattr(through, "encoding", "utf-8")

    def write(self, text: str) -> int:
        self.kept.add(str(text))
        return int(self.through.write(text))

    def flush(self) -> None:
        self.through.flush()

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        return int(self.through.fileno())


def describe_exception(exc: BaseException, path: str, *, loading: bool) -> bytes:
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
    return json.dumps({"type": kind, "message": text[-4000:]}, ensure_ascii=True).encode()
