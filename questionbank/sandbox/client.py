"""Trusted side of the sandbox: start zygotes as fresh processes and run jobs on them.

A slot (SandboxServer) has two zygotes: one knows only the public cases' inputs, the other only
the hidden ones', so that the process whose messages a student may read never held a hidden
input. For each attempt the client makes the pipes and the source's memfd, passes them to a
zygote over its control socket, and reads the job's frames and output itself, enforcing the
load, per-case and overall deadlines and every size cap.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import fcntl
import hashlib
import json
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from questionbank.sandbox import cgroups, isolation, seccomp
from questionbank.sandbox.frames import (
    FrameError,
    StudentStream,
    receive_control,
    send_control,
)
from questionbank.sandbox.isolation import Limits

CASE_STATUSES = (
    "ok",
    "raised",
    "timeout",
    "crashed",
    "load_error",
    "load_timeout",
    "overall_timeout",
    "protocol_error",
    "output_flood",
    "sandbox_error",
)
STDOUT_KEEP = 64 << 10  # per public case
READ_CHUNK = 64 << 10
# Reads of the result channel after a flood: what its pipe buffer holds, not a job's stream.
FRAMES_AFTER_FLOOD = 8
MAX_SOURCE = 4 << 20


@dataclass(frozen=True)
class Job:
    """One submission to run: its source and the encoded kwargs of each case (codec.encode).

    hidden marks the cases whose inputs the public zygote must never see (default: none).
    check_inputs asks each job to report whether a call modified its inputs."""

    function: str
    source: bytes
    args: tuple[bytes, ...]
    timeouts: tuple[float, ...]
    load_timeout: float = 5.0
    overall_timeout: float | None = None
    # Same key, same args: a zygote keeps them, and later jobs send the key only.
    args_key: str | None = None
    hidden: tuple[bool, ...] = ()
    check_inputs: bool = False

    def overall(self) -> float:
        if self.overall_timeout is not None:
            return self.overall_timeout
        return self.load_timeout + sum(self.timeouts) + 1.0

    def is_hidden(self, index: int) -> bool:
        return bool(self.hidden) and self.hidden[index]


@dataclass(frozen=True)
class CaseOutcome:
    """What happened to one case. payload is untrusted bytes: for 'ok', a flag byte (1: the
    call modified its inputs) and an encoded value; for 'raised'/'load_error', a JSON
    {type, message} written by the job."""

    status: str
    detail: str
    seconds: float
    payload: bytes
    stdout: bytes = b""  # what a public case printed (its first STDOUT_KEEP bytes)


@dataclass(frozen=True)
class JobResult:
    outcomes: tuple[CaseOutcome, ...]
    load_stdout: bytes  # what loading the submission printed (public process)
    stdout_total: int
    elapsed: float
    isolation: dict[str, Any]


@dataclass(frozen=True)
class SandboxConfig:
    """How submissions are confined. Each zygote claims a uid from uid_base + slot upwards."""

    limits: Limits = field(default_factory=Limits)
    uid_base: int = 64000
    max_output: int = 8 << 20  # one returned value
    max_stdout: int = 1 << 20
    start_timeout: float = 60.0
    # Layers not to use even where they work (namespace names, "uid_drop", "private_root",
    # "seccomp", "cgroup"): for tests of degraded machines, and for kernels where a layer
    # misbehaves.
    disabled_layers: frozenset[str] = frozenset()


class SandboxError(RuntimeError):
    """A zygote could not be started."""


def _zygote_path() -> str:
    """PYTHONPATH for the zygote, which runs without site (-S): qbank's own folder and
    numpy's. Without site, no .pth hook or sitecustomize runs in the process every job is
    forked from."""
    import numpy

    folders = [str(Path(__file__).resolve().parents[2]), str(Path(numpy.__file__).parents[1])]
    return os.pathsep.join(dict.fromkeys(folders))


def _seccomp_program(config: SandboxConfig) -> bytes:
    """The jobs' seccomp filter, compiled here rather than in the zygote (see seccomp.py);
    empty when it is turned off or libseccomp is missing, and the zygote then reports the
    layer as absent."""
    if "seccomp" in config.disabled_layers:
        return b""
    try:
        return seccomp.compile_filter()
    except isolation.IsolationError:
        return b""


class _ZygoteDied(Exception):
    pass


class _Process(Protocol):
    pid: int

    def poll(self) -> int | None: ...

    def kill(self) -> None: ...

    def wait(self, timeout: float | None = None) -> int: ...


class _Sibling:
    """A zygote forked by its slot's other zygote (see zygote.main): not our child, so it is
    watched and killed through a pidfd, and reaped by init."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.pidfd = os.pidfd_open(pid)
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None and select.select([self.pidfd], [], [], 0)[0]:
            self._ended()
        return self.returncode

    def kill(self) -> None:
        if self.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            if not select.select([self.pidfd], [], [], timeout)[0]:
                raise subprocess.TimeoutExpired(f"zygote {self.pid}", timeout or 0.0)
            self._ended()
        return -1

    def let_go(self) -> None:
        """Stop watching without signalling: the pidfd may not be the zygote's."""
        self.returncode = -1
        os.close(self.pidfd)

    def _ended(self) -> None:
        self.returncode = -1  # its parent, not us, learns the status
        # Unless we are its reaper (qbank as PID 1 of a container, or a subreaper): then
        # only we can collect it. Waiting on the pidfd can never reap another process.
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitid(os.P_PIDFD, self.pidfd, os.WEXITED | os.WNOHANG)
        os.close(self.pidfd)


def _peer_gone(sock: socket.socket) -> bool:
    """Whether every process holding the other end of ``sock`` has ended (or closed it)."""
    poller = select.poll()
    poller.register(sock, select.POLLHUP)
    return any(events & (select.POLLHUP | select.POLLERR) for _, events in poller.poll(0))


def _launch(zygotes: list[Zygote]) -> None:
    """Start one zygote, or a slot's two from one process (which forks the second: numpy is
    imported once); SandboxError if they do not say hello in time."""
    _remove_stale_workdirs()
    cgroups.remove_stale("qbank-")
    env = {
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "PYTHONPATH": _zygote_path(),
        "PYTHONDONTWRITEBYTECODE": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    argv = [sys.executable, "-S", "-m", "questionbank.sandbox.zygote"]
    theirs = []
    for zygote in zygotes:
        ours, their = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        zygote.control, zygote.hello = ours, {}
        zygote.keys.clear()
        theirs.append(their)
        argv += [zygote.settings(), str(their.fileno())]
    try:
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd="/",
            close_fds=True,
            pass_fds=tuple(t.fileno() for t in theirs),
        )
    finally:
        for their in theirs:
            their.close()
    first = zygotes[0]
    first.process = process
    alone: list[Zygote] = []
    try:
        for zygote in zygotes:
            zygote.hello = zygote.receive(zygote.config.start_timeout)
            if zygote is not first:
                try:
                    zygote.process = _Sibling(int(zygote.hello["pid"]))
                except OSError:  # no pidfd (a kernel before 5.3): it cannot be watched
                    alone.append(zygote)
                    continue
                # The pidfd was opened from the pid in its hello: had the zygote ended since,
                # a new process could have that pid. Its end of the control socket closes
                # when it ends, before its pid can be reused, so an open socket proves the
                # pidfd is the zygote's.
                if zygote.control is None or _peer_gone(zygote.control):
                    zygote.process.let_go()  # never signal or reap what may be another's
                    zygote.process = None
                    raise _ZygoteDied
    except (_ZygoteDied, OSError):
        for zygote in zygotes:
            zygote.kill()
        raise SandboxError("the sandbox did not start (see the messages above)") from None
    for zygote in alone:
        pid = int(zygote.hello["pid"])
        if zygote.control is not None:
            zygote.control.close()  # ends it; its cgroup can go once it is gone
            zygote.control = None
        deadline = time.monotonic() + 2.0
        while Path("/proc", str(pid)).exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        zygote.kill()
        zygote.start()  # a zygote of its own replaces it


class Zygote:
    """One zygote process and its control socket."""

    def __init__(self, *, slot: int, config: SandboxConfig) -> None:
        self.slot, self.config = slot, config
        self.process: _Process | None = None
        self.control: socket.socket | None = None
        self.hello: dict[str, Any] = {}
        self.keys: set[str] = set()
        # "exited" replies of finished jobs not read yet: a job that delivered every result
        # is torn down while the client goes on (the next job on this zygote waits for it).
        self.owed = 0

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        _launch([self])

    def settings(self) -> str:
        return json.dumps(
            {
                "slot": self.slot,
                "uid_base": self.config.uid_base,
                "limits": asdict(self.config.limits),
                "disabled": sorted(self.config.disabled_layers),
                "seccomp": base64.b64encode(_seccomp_program(self.config)).decode(),
                "temp": isolation.system_temp(),
            }
        )

    def settle(self) -> None:
        """Read the replies owed for jobs torn down in the background."""
        while self.owed:
            self.owed -= 1
            self.receive(30.0)

    def send(self, message: dict[str, Any], fds: tuple[int, ...] = ()) -> None:
        assert self.control is not None
        self.settle()
        try:
            send_control(self.control, message, fds)
        except OSError:
            raise _ZygoteDied from None

    def receive(self, timeout: float) -> dict[str, Any]:
        assert self.control is not None
        if not select.select([self.control], [], [], timeout)[0]:
            raise _ZygoteDied
        try:
            message, fds = receive_control(self.control)
        except OSError:
            raise _ZygoteDied from None
        for fd in fds:
            os.close(fd)
        return message

    def load_args(self, key: str, blobs: list[bytes]) -> None:
        header = struct.pack(f"<I{len(blobs)}I", len(blobs), *(len(b) for b in blobs))
        fd = _sealed_memfd("qbank-args", header + b"".join(blobs))
        try:
            self.send({"op": "args", "key": key}, (fd,))
        finally:
            os.close(fd)
        self.receive(60.0)
        self.keys.add(key)

    def kill(self) -> None:
        if self.process is not None:
            with contextlib.suppress(OSError):
                self.process.kill()
            self.process.wait()
        self._forget()

    def close(self) -> None:
        if self.process is None:
            return
        with contextlib.suppress(_ZygoteDied):
            self.settle()
        if self.control is not None:
            self.control.close()
            self.control = None
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._forget()

    def _forget(self) -> None:
        if self.control is not None:
            self.control.close()
            self.control = None
        self.process = None
        self.keys.clear()
        self.owed = 0
        workdir = str(self.hello.get("workdir", ""))
        # The private root was mounted on <workdir>/root in the zygote's own mount namespace;
        # on the host both are empty directories.
        if workdir.startswith(isolation.system_temp()):
            for path in (Path(workdir, "root"), Path(workdir)):
                with contextlib.suppress(OSError):
                    path.rmdir()
        cgroups.remove([str(p) for p in self.hello.get("cgroups", [])])


class SandboxServer:
    """A worker slot: a public and a hidden zygote. Not thread-safe: use one per thread."""

    def __init__(self, *, slot: int = 0, config: SandboxConfig | None = None) -> None:
        self.slot = slot
        self.config = config or SandboxConfig()
        self.public = Zygote(slot=2 * slot, config=self.config)
        self.hidden = Zygote(slot=2 * slot + 1, config=self.config)

    def __enter__(self) -> SandboxServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def isolation(self) -> dict[str, Any]:
        return dict(self.public.hello.get("isolation", {}))

    @property
    def uids(self) -> tuple[int, ...]:
        """The uids this slot's jobs run as (known once started)."""
        return tuple(int(z.hello["uid"]) for z in (self.public, self.hidden) if z.hello)

    def start(self) -> None:
        dead = [zygote for zygote in (self.public, self.hidden) if not zygote.alive]
        if len(dead) == 2 and hasattr(os, "pidfd_open"):
            _launch(dead)
            return
        for zygote in dead:
            zygote.start()

    def close(self) -> None:
        for zygote in (self.public, self.hidden):
            zygote.close()

    def ping(self) -> None:
        """Round trip to both zygotes: returns once the previous job's processes are gone."""
        for zygote in (self.public, self.hidden):
            if zygote.alive:
                try:
                    zygote.send({"op": "ping"})
                    zygote.receive(30.0)
                except _ZygoteDied:
                    zygote.kill()

    def run(self, job: Job) -> JobResult:
        """Run a job's public cases on the public zygote, then its hidden cases on the hidden
        one. A zygote that dies or hangs is replaced, and its cases marked failed."""
        self.start()
        started = time.monotonic()
        run = _JobRun(job, self.config, started + job.overall())
        source_fd = _sealed_memfd("submission", job.source[: MAX_SOURCE + 1])
        try:
            for zygote, hidden in ((self.public, False), (self.hidden, True)):
                indices = [i for i in range(len(job.args)) if job.is_hidden(i) == hidden]
                if indices:
                    self._run_cases(zygote, job, indices, source_fd, run, hidden=hidden)
        finally:
            os.close(source_fd)
        outcomes = tuple(
            dataclasses.replace(run.outcomes[i], stdout=bytes(run.case_stdout.get(i, b"")))
            for i in range(len(job.args))
        )
        return JobResult(
            outcomes,
            bytes(run.load_stdout),
            run.stdout_total,
            time.monotonic() - started,
            dict(self.public.hello.get("isolation", {})),
        )

    def _run_cases(
        self,
        zygote: Zygote,
        job: Job,
        indices: list[int],
        source_fd: int,
        run: _JobRun,
        *,
        hidden: bool,
    ) -> None:
        # The key names the cases too: the same task's public and hidden sets never mix.
        which = "hidden" if hidden else "public"
        key = f"{job.args_key or _digest(job.args)}#{which}#{','.join(map(str, indices))}"
        position = 0
        while position < len(indices):
            if time.monotonic() >= run.overall_deadline:
                for index in indices[position:]:
                    run.record(index, "overall_timeout", "the whole submission ran out of time")
                return
            try:
                zygote.settle()
            except _ZygoteDied:  # it died tearing down an earlier job: start a fresh one
                zygote.kill()
            try:
                if not zygote.alive:
                    zygote.start()
                if key not in zygote.keys:
                    zygote.load_args(key, [job.args[i] for i in indices])
                done = self._attempt(zygote, job, key, indices, position, source_fd, run)
            except _ZygoteDied:
                zygote.kill()
                for index in indices[position:]:
                    if index not in run.outcomes:
                        run.record(index, "sandbox_error", "the sandbox stopped answering")
                return
            position = done

    def _attempt(
        self,
        zygote: Zygote,
        job: Job,
        key: str,
        indices: list[int],
        position: int,
        source_fd: int,
        run: _JobRun,
    ) -> int:
        """One forked job for indices[position:]; returns the position to go on from."""
        res_r, res_w = os.pipe2(os.O_CLOEXEC)
        out_r, out_w = os.pipe2(os.O_CLOEXEC)
        scratch = self._host_scratch(zygote)
        scratch_fd = os.open(scratch or os.devnull, os.O_RDONLY | os.O_CLOEXEC)
        message = {
            "op": "run",
            "key": key,
            "function": job.function,
            "cases": list(range(position, len(indices))),
            "check_inputs": job.check_inputs,
        }
        try:
            try:
                zygote.send(message, (source_fd, res_w, out_w, scratch_fd))
            finally:
                for fd in (res_w, out_w, scratch_fd):
                    os.close(fd)
            reply = zygote.receive(30.0)
            if reply.get("need_args"):
                zygote.keys.discard(key)
                raise _NeedArgs
            reader = _AttemptReader(job, indices, position, run, self.config, res_r, out_r)
            grace = reader.read()
            zygote.send({"op": "finish", "grace": grace})
            if reader.complete:
                zygote.owed += 1  # its exit status is not needed: tear it down meanwhile
                return reader.conclude(-1)
            exited = zygote.receive(30.0)
            return reader.conclude(int(exited.get("exited", -1)))
        except _NeedArgs:
            zygote.load_args(key, [job.args[i] for i in indices])
            return position
        finally:
            os.close(res_r)
            os.close(out_r)
            if scratch:
                shutil.rmtree(scratch, ignore_errors=True)

    def _host_scratch(self, zygote: Zygote) -> str:
        """Without a private root, each attempt works in a fresh private folder on the host,
        made and removed here: the zygote never reads what a job left behind."""
        if zygote.hello.get("isolation", {}).get("private_root"):
            return ""
        path = tempfile.mkdtemp(prefix="qbank-scratch-")
        if zygote.hello["isolation"].get("uid_drop"):
            os.chown(path, int(zygote.hello["uid"]), int(zygote.hello["uid"]))
        Path(path).chmod(0o700)
        return path


class _NeedArgs(Exception):
    pass


class _JobRun:
    """The outcomes of one job as its attempts come in, by case index."""

    def __init__(self, job: Job, config: SandboxConfig, overall_deadline: float) -> None:
        self.job, self.config = job, config
        self.overall_deadline = overall_deadline
        self.outcomes: dict[int, CaseOutcome] = {}
        self.load_stdout = bytearray()
        self.case_stdout: dict[int, bytes] = {}
        self.stdout_total = 0

    def record(
        self, index: int, status: str, detail: str, payload: bytes = b"", seconds: float = 0.0
    ) -> None:
        self.outcomes[index] = CaseOutcome(status, detail, seconds, payload)


class _AttemptReader:
    """Reads one attempt's pipes until its cases are done or a deadline passes."""

    def __init__(
        self,
        job: Job,
        indices: list[int],
        position: int,
        run: _JobRun,
        config: SandboxConfig,
        res_r: int,
        out_r: int,
    ) -> None:
        self.job, self.indices, self.position, self.run = job, indices, position, run
        self.config, self.res_r, self.out_r = config, res_r, out_r
        self.public = not job.is_hidden(indices[0])
        self.failure: tuple[str, str] | None = None
        self.loaded = False
        self.closed = False
        self.phase_start = time.monotonic()
        self.printed = b""  # the "O" frame that came before the next result
        # Per attempt: a flood in one case must not fail the next attempt's cases.
        self.printed_total = 0
        os.set_blocking(out_r, False)

    def read(self) -> float:
        """Read until done; returns the grace period the zygote should give the job."""
        job, stream = self.job, StudentStream(self.config.max_output)
        open_fds = {self.res_r, self.out_r}
        try:
            while self.res_r in open_fds and self.position < len(self.indices):
                index = self.indices[self.position]
                limit = job.timeouts[index] if self.loaded else job.load_timeout
                deadline = min(self.phase_start + limit, self.run.overall_deadline)
                wait = deadline - time.monotonic()
                if wait <= 0:
                    self.failure = self._deadline_failure(deadline, index)
                    return 0.0
                ready, _, _ = select.select(list(open_fds), [], [], wait)
                # Output first: a case's prints are flushed before its result frame.
                if (self.out_r in ready or self.res_r in ready) and self.out_r in open_fds:
                    if not self._drain_output():
                        open_fds.discard(self.out_r)
                    if self.failure:
                        self._read_frames_already_sent(stream)
                        return 0.0
                if self.res_r in ready:
                    data = os.read(self.res_r, READ_CHUNK)
                    if not data:
                        open_fds.discard(self.res_r)
                    for kind, payload in stream.feed(data):
                        self._frame(kind, payload)
                        if self.failure or self.position >= len(self.indices):
                            return 0.0
        except FrameError as exc:
            self.failure = ("protocol_error", str(exc))
            return 0.0
        self.closed = self.res_r not in open_fds
        # The job closed its result channel early: let it exit by itself, so that its own
        # exit status (os._exit, a signal) is reported rather than our SIGKILL.
        return 0.5 if self.closed else 0.0

    def _read_frames_already_sent(self, stream: StudentStream) -> None:
        """After a flood: what the job sent on the result channel before it was noticed
        still counts. The output pipe is read first, so a "loaded" frame or a finished
        case's result can be waiting there; without this, the flood would fail a case that
        had already returned (or every case, as a load error). Bounded: the job still runs."""
        try:
            for _ in range(FRAMES_AFTER_FLOOD):
                if not select.select([self.res_r], [], [], 0)[0]:
                    return
                data = os.read(self.res_r, READ_CHUNK)
                if not data:
                    return
                for kind, payload in stream.feed(data):
                    self._frame(kind, payload)
                    if self.position >= len(self.indices):
                        return
        except FrameError:
            return  # the flood is the failure reported

    def _drain_output(self) -> bool:
        """Read what is waiting on the output pipe; False once it is closed."""
        while True:
            try:
                data = os.read(self.out_r, READ_CHUNK)
            except BlockingIOError:
                return True
            if not data:
                return False
            self.run.stdout_total += len(data)
            self.printed_total += len(data)
            if self.printed_total > self.config.max_stdout:
                kib = self.config.max_stdout // 1024
                self.failure = ("output_flood", f"printed more than {kib} KiB of output")
                return True

    def _frame(self, kind: bytes, payload: bytes) -> None:
        if kind == b"O":
            self.printed = payload if self.public else b""
            return
        now = time.monotonic()
        seconds = now - self.phase_start
        self.phase_start = now
        printed, self.printed = self.printed, b""
        if kind == b"L" and not self.loaded:
            self.loaded = True
            if self.public:
                self.run.load_stdout += printed
        elif kind == b"E" and not self.loaded:
            for index in self.indices[self.position :]:
                self.run.record(index, "load_error", "", payload, seconds)
            self.position = len(self.indices)
        elif kind in b"RX" and self.loaded:
            status = "ok" if kind == b"R" else "raised"
            index = self.indices[self.position]
            self.run.record(index, status, "", payload, seconds)
            self.run.case_stdout[index] = printed
            self.position += 1
        else:
            raise FrameError("out-of-order message on the result channel")

    def _deadline_failure(self, deadline: float, index: int) -> tuple[str, str]:
        if deadline == self.run.overall_deadline:
            return ("overall_timeout", "the whole submission ran out of time")
        if self.loaded:
            return ("timeout", f"timed out after {self.job.timeouts[index]:g} s")
        return ("load_timeout", f"loading took longer than {self.job.load_timeout:g} s")

    @property
    def complete(self) -> bool:
        """Every case of the attempt delivered its result."""
        return self.position >= len(self.indices) and self.failure is None

    def conclude(self, exit_code: int) -> int:
        """Record the failing case (if any); returns the position to go on from."""
        if self.position >= len(self.indices) and self.failure is None:
            return self.position
        failure = self.failure or ("crashed", describe_exit(exit_code))
        seconds = time.monotonic() - self.phase_start
        # A flood keeps its kind even before the load report was read (it may have been
        # lost after the flood, see _read_frames_already_sent): a flood at load fails each
        # case in turn, one attempt each, rather than every case as a load error.
        if not self.loaded and failure[0] in ("crashed", "protocol_error"):
            failure = ("load_error", f"while loading: {failure[1]}")
        if failure[0] in ("load_error", "load_timeout"):
            for index in self.indices[self.position :]:
                self.run.record(index, failure[0], failure[1], b"", seconds)
            return len(self.indices)
        if self.position < len(self.indices):
            index = self.indices[self.position]
            self.run.record(index, failure[0], failure[1], b"", seconds)
            self.run.case_stdout[index] = self.printed
        return self.position + 1


def describe_exit(code: int) -> str:
    if code >= 128:
        number = code - 128
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        hints = {
            "SIGXCPU": "it exceeded the CPU-time limit",
            "SIGSEGV": "segmentation fault",
            "SIGKILL": "killed (memory or process limit)",
            "SIGXFSZ": "it exceeded the file-size limit",
        }
        return f"the process died of {name}" + (f" ({hints[name]})" if name in hints else "")
    if code in (70, 71, 72, 73):
        return f"the sandbox could not start (internal code {code})"
    if code < 0:
        return "the process ended in an unknown way"
    return f"the process exited early with status {code} (sys.exit or os._exit?)"


def _sealed_memfd(name: str, data: bytes) -> int:
    """A read-only-once-sealed anonymous file holding data (no path, nothing on disk)."""
    fd = os.memfd_create(name, os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
    seals = fcntl.F_SEAL_WRITE | fcntl.F_SEAL_GROW | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_SEAL
    fcntl.fcntl(fd, fcntl.F_ADD_SEALS, seals)
    return fd


def _digest(blobs: tuple[bytes, ...]) -> str:
    digest = hashlib.sha256()
    for blob in blobs:
        digest.update(len(blob).to_bytes(8, "little") + blob)
    return digest.hexdigest()[:32]


def _remove_stale_workdirs() -> None:
    """Empty workdirs of zygotes that were killed (their client could not remove them)."""
    for folder in Path(isolation.system_temp()).glob("qbank-sandbox-*-*"):
        pid = folder.name.split("-")[2]
        if pid.isdigit() and not Path("/proc", pid).exists():
            for path in (folder / "root", folder):
                with contextlib.suppress(OSError):
                    path.rmdir()


def describe_isolation(isolation: dict[str, Any]) -> str:
    """One line for warnings and reports."""
    level = isolation.get("level", "unknown")
    missing = isolation.get("missing", [])
    return level if not missing else f"{level} (missing: {', '.join(missing)})"


__all__ = [
    "CASE_STATUSES",
    "CaseOutcome",
    "Job",
    "JobResult",
    "SandboxConfig",
    "SandboxError",
    "SandboxServer",
    "describe_isolation",
]
