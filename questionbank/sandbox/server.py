"""The warm fork server: `python -m questionbank.sandbox.server CONFIG_JSON`.

Started by the trusted client as a fresh process (never forked from a process that holds
references or expected values). It imports numpy once, probes the isolation layers, then serves
jobs read from stdin: for each job it forks one attempt per run of cases, enforces the load,
per-case and overall wall-clock deadlines, drains and caps the student's stdout, and writes the
outcomes to stdout. It never decodes what the student sends, only checks the framing.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import contextlib  # noqa: E402
import dataclasses  # noqa: E402
import importlib  # noqa: E402
import json  # noqa: E402
import select  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy  # noqa: E402, F401 - imported once here so every fork gets it for free

from questionbank.sandbox import codec, isolation, worker  # noqa: E402
from questionbank.sandbox.frames import (  # noqa: E402
    FrameError,
    StudentStream,
    receive_message,
    send_message,
)

# Modules a submission may reasonably import. They are imported here because, without a
# private root, the unprivileged child may be unable to read the interpreter's directory.
PREIMPORTED = (
    "math",
    "cmath",
    "itertools",
    "functools",
    "collections",
    "collections.abc",
    "operator",
    "random",
    "statistics",
    "copy",
    "typing",
    "dataclasses",
    "numbers",
    "fractions",
    "decimal",
    "heapq",
    "bisect",
    "re",
    "string",
    "time",
    "warnings",
    "traceback",
    "linecache",
    "abc",
    "enum",
    "numpy.linalg",
    "numpy.fft",
    "numpy.random",
    "numpy.lib.stride_tricks",
)
ALLOWED_PACKAGES = ("numpy", "numpy.libs")
STDOUT_KEEP = 64 << 10
# Below malloc's mmap threshold: a 1 MiB read buffer costs an mmap, faults and an munmap per read.
READ_CHUNK = 64 << 10


@dataclass
class JobState:
    statuses: list[dict[str, Any]] = field(default_factory=list)
    payloads: list[bytes] = field(default_factory=list)
    stdout: bytearray = field(default_factory=bytearray)
    stdout_total: int = 0


@dataclass(frozen=True)
class ServerConfig:
    slot: int
    uid_base: int
    limits: isolation.Limits
    max_output: int
    max_stdout: int
    disabled: frozenset[str] = frozenset()


class Server:
    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.layers = isolation.probe_layers().without(config.disabled)
        self.uid, self.uid_lock = isolation.claim_uid(
            config.uid_base, config.slot, tempfile.gettempdir()
        )
        self.workdir = tempfile.mkdtemp(prefix=f"qbank-sandbox-{os.getpid()}-")
        # Traversable but not listable: without a private root the scratch dirs live here.
        Path(self.workdir).chmod(0o711)
        self.root_mountpoint = str(Path(self.workdir, "root"))
        Path(self.root_mountpoint).mkdir()
        for name in PREIMPORTED:
            importlib.import_module(name)
        _keep_interpreter_paths_only()
        # One empty network and UTS namespace for the server and all its jobs: nothing in
        # them outlives a job (sockets die with their processes, and the unprivileged job
        # cannot set a hostname), and creating a network namespace per job costs ~1 ms.
        for name in ("net", "uts"):
            if name in self.layers.namespaces:
                isolation.unshare(isolation.NAMESPACES[name])
        # Our own pid namespace, to return to after creating each job's (setns), since
        # unshare(CLONE_NEWPID) works only once from a given pid_ns_for_children.
        self.pidns_fd = -1
        if "pid" in self.layers.namespaces:
            self.pidns_fd = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
        if self.layers.private_root:
            try:
                isolation.prepare_root(isolation.plan_root(ALLOWED_PACKAGES), self.root_mountpoint)
                isolation.move_into_root(self.root_mountpoint)
            except OSError as exc:
                print(f"qbank sandbox: no private root ({exc})", file=sys.stderr)
                self.layers = dataclasses.replace(self.layers, private_root=False)
        self.base_address_space = isolation.address_space_in_use()
        isolation.prctl(isolation.PR_SET_CHILD_SUBREAPER, 1)
        self.pending: tuple[int, int, int] | None = None
        self.args_cache: dict[str, tuple[worker.CaseArgs, ...]] = {}

    def cleanup(self) -> None:
        # With a private root the host's (empty) workdir is out of reach: the client removes it.
        if not self.layers.private_root:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def hello(self) -> dict[str, Any]:
        return {
            "pid": os.getpid(),
            "uid": self.uid,
            "isolation": self.layers.as_dict(),
            "workdir": self.workdir,
        }

    def run_job(
        self, header: dict[str, Any], blobs: list[bytes]
    ) -> tuple[dict[str, Any], list[bytes]]:
        source = blobs[0]
        key = header.get("args_key")
        if header.get("cached"):
            if key not in self.args_cache:
                return {"need_args": True}, []
            args = self.args_cache[key]
        else:
            # Decoded here, once, rather than in every job: a freshly forked process pays
            # ~10x for the same decoding (page faults on first touch), and the arguments are
            # trusted data from the client. Each job works on its own copy-on-write pages.
            args = tuple(decode_case(blob) for blob in blobs[1:])
            if isinstance(key, str):
                # Inputs only (never expected values); a few tasks' worth is plenty.
                self.args_cache[key] = args
                while len(self.args_cache) > 16:
                    del self.args_cache[next(iter(self.args_cache))]
        timeouts = [float(t) for t in header["timeouts"]]
        started = time.monotonic()
        overall_deadline = started + float(header["overall_timeout"])
        self.finish_pending()
        state = JobState()
        start = 0
        while start < len(args):
            if time.monotonic() >= overall_deadline:
                for _ in range(start, len(args)):
                    self._record(
                        state, "overall_timeout", "the whole submission ran out of time", b"", 0.0
                    )
                break
            attempt = worker.Attempt(
                function=str(header["function"]),
                source=source,
                args=args,
                start=start,
                uid=self.uid,
                layers=self.layers,
                limits=self.config.limits,
                host_scratch=self._host_scratch(),
                base_address_space=self.base_address_space,
            )
            try:
                self._run_attempt(
                    attempt, timeouts, float(header["load_timeout"]), overall_deadline, state
                )
            finally:
                if not self.layers.private_root:
                    shutil.rmtree(attempt.host_scratch, ignore_errors=True)
            if state.statuses and state.statuses[-1]["status"] in ("load_error", "load_timeout"):
                status = state.statuses[-1]
                while len(state.statuses) < len(args):
                    state.statuses.append({**status, "seconds": 0.0})
                    state.payloads.append(state.payloads[-1])
            start = len(state.statuses)
        reply = {
            "outcomes": state.statuses,
            "stdout_total": state.stdout_total,
            "elapsed": time.monotonic() - started,
            "isolation": self.layers.as_dict(),
        }
        return reply, [bytes(state.stdout[:STDOUT_KEEP]), *state.payloads]

    def _host_scratch(self) -> str:
        if self.layers.private_root:
            return ""
        path = tempfile.mkdtemp(dir=self.workdir, prefix="scratch-")
        if self.layers.uid_drop:
            os.chown(path, self.uid, self.uid)
        Path(path).chmod(0o700)
        return path

    def _run_attempt(
        self,
        attempt: worker.Attempt,
        timeouts: list[float],
        load_timeout: float,
        overall_deadline: float,
        state: JobState,
    ) -> None:
        res_r, res_w = os.pipe()
        out_r, out_w = os.pipe()
        if self.pidns_fd >= 0:
            isolation.setns(self.pidns_fd, isolation.CLONE_NEWPID)
            isolation.unshare(isolation.CLONE_NEWPID)
        pid_job = os.fork()
        if pid_job == 0:
            os.close(res_r)
            os.close(out_r)
            worker.close_fds_except({res_w, out_w})
            worker.student_process(attempt, res_w, out_w)
        if self.pidns_fd >= 0:
            isolation.setns(self.pidns_fd, isolation.CLONE_NEWPID)  # later forks stay here
        os.close(res_w)
        os.close(out_w)
        stream = StudentStream(self.config.max_output)
        loaded = False
        case = attempt.start
        phase_start = time.monotonic()
        open_fds = {res_r, out_r}
        printed = 0  # per attempt: a flood in one case must not fail the next attempt's cases
        failure: tuple[str, str] | None = None
        try:
            while res_r in open_fds and case < len(attempt.args):
                limit = timeouts[case] if loaded else load_timeout
                deadline = min(phase_start + limit, overall_deadline)
                wait = deadline - time.monotonic()
                if wait <= 0:
                    if deadline == overall_deadline:
                        failure = ("overall_timeout", "the whole submission ran out of time")
                    elif loaded:
                        failure = ("timeout", f"timed out after {timeouts[case]:g} s")
                    else:
                        failure = ("load_timeout", f"loading took longer than {load_timeout:g} s")
                    break
                ready, _, _ = select.select(list(open_fds), [], [], wait)
                for fd in sorted(ready, key=lambda fd: fd != res_r):
                    data = os.read(fd, READ_CHUNK)
                    if not data:
                        open_fds.discard(fd)
                    elif fd == out_r:
                        state.stdout_total += len(data)
                        printed += len(data)
                        if len(state.stdout) < STDOUT_KEEP:
                            state.stdout += data[: STDOUT_KEEP - len(state.stdout)]
                        if printed > self.config.max_stdout:
                            failure = (
                                "output_flood",
                                f"printed more than {self.config.max_stdout // 1024} KiB of output",
                            )
                            break
                    else:
                        for kind, payload in stream.feed(data):
                            now = time.monotonic()
                            if kind == b"L" and not loaded:
                                loaded = True
                            elif kind == b"E" and not loaded:
                                self._record(state, "load_error", "", payload, now - phase_start)
                                return
                            elif kind in b"RX" and loaded:
                                status = "ok" if kind == b"R" else "raised"
                                self._record(state, status, "", payload, now - phase_start)
                                case += 1
                            else:
                                raise FrameError("out-of-order message on the result channel")
                            phase_start = now
                            if case >= len(attempt.args):
                                break
                if failure is not None:
                    break
        except FrameError as exc:
            failure = ("protocol_error", str(exc))
        finally:
            if case >= len(attempt.args) and failure is None:
                # Everything arrived: reply first, tear down while the client compares.
                self.pending = (pid_job, res_r, out_r)
            else:
                status_code = self._end_attempt(
                    pid_job, res_r, out_r, natural=res_r not in open_fds
                )
        if self.pending is not None:
            return
        if failure is None:
            failure = ("crashed", describe_exit(status_code))
        elapsed = time.monotonic() - phase_start
        if not loaded and failure[0] in ("crashed", "protocol_error", "output_flood"):
            failure = ("load_error", f"while loading: {failure[1]}")
        self._record(state, failure[0], failure[1], b"", elapsed)

    def _record(
        self, state: JobState, status: str, detail: str, payload: bytes, seconds: float
    ) -> None:
        state.statuses.append({"status": status, "detail": detail, "seconds": seconds})
        state.payloads.append(payload)

    def finish_pending(self) -> None:
        if self.pending is not None:
            self._end_attempt(*self.pending)
            self.pending = None

    def _end_attempt(self, pid_job: int, res_r: int, out_r: int, *, natural: bool = False) -> int:
        """Kill the job's pid namespace and reap. Returns C's exit code (128+n: signal n)."""
        if natural:
            # The student process closed its end: give it a moment to exit by itself, so that
            # its exit status (os._exit, a signal) is reported rather than our SIGKILL.
            deadline = time.monotonic() + 0.5
            while time.monotonic() < deadline:
                pid, status = os.waitpid(pid_job, os.WNOHANG)
                if pid == pid_job:
                    self._kill_leftovers()
                    self._reap(None, timeout=0.5)
                    for fd in (res_r, out_r):
                        os.close(fd)
                    return _exit_code(status)
                time.sleep(0.0005)
        # Our unreaped child, so the pid is still its own; pid 1 of the job's namespace, so
        # killing it kills the namespace. Without a pid namespace, the process group and the
        # uid are the nets (setsid escapes the group, not the uid).
        os.kill(pid_job, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.killpg(pid_job, signal.SIGKILL)
        self._kill_leftovers()
        status = self._reap(pid_job, timeout=2.0)
        for fd in (res_r, out_r):
            os.close(fd)
        return status

    def _reap(self, pid_job: int | None, *, timeout: float) -> int:
        """Wait for the job and every orphan reparented to us (the subreaper): without a pid
        namespace, a setsid daemon or a fork storm lands here and is killed by uid."""
        started = time.monotonic()
        deadline = started + timeout
        code: int | None = None
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid_job is not None and pid == pid_job:
                code = _exit_code(status)
                pid_job = None
            elif pid == 0:
                now = time.monotonic()
                if now > started + 60:
                    print("qbank sandbox: could not reap every process", file=sys.stderr)
                    break
                if now > deadline:
                    if pid_job is not None:  # not reaped yet: the pid is still the job's
                        os.kill(pid_job, signal.SIGKILL)
                    self._kill_leftovers()
                    deadline = now + 0.5
                time.sleep(0.0002)
        return -1 if code is None else code

    def _kill_leftovers(self) -> None:
        if "pid" not in self.layers.namespaces and self.layers.uid_drop:
            self._kill_uid()

    def _kill_uid(self) -> None:
        # Without a pid namespace, kill(-1) from a process of the slot's uid reaches every
        # process of that uid: setsid and double-fork escapees included.
        pid = os.fork()
        if pid == 0:
            try:
                isolation.drop_privileges(self.uid)
                for _ in range(1000):  # a fork storm refills the table while we kill
                    os.kill(-1, signal.SIGKILL)
            except ProcessLookupError:
                pass
            finally:
                os._exit(0)
        os.waitpid(pid, 0)


def decode_case(blob: bytes) -> worker.CaseArgs:
    """A case's keyword arguments, or why they could not be decoded (reported by the job)."""
    try:
        return codec.decode_args(blob)
    except codec.DecodeError as exc:
        return f"the case's arguments could not be decoded ({exc})"


def _keep_interpreter_paths_only() -> None:
    """Drop the checkout and the working directory from sys.path (graders/ lives there)."""
    prefixes = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    sys.path[:] = [
        p for p in sys.path if p and any(p.startswith(pre.rstrip("/") + "/") for pre in prefixes)
    ]
    sys.path_importer_cache.clear()


def _exit_code(status: int) -> int:
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code


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
    return f"the process exited early with status {code} (sys.exit or os._exit?)"


def main() -> None:
    config_raw = json.loads(sys.argv[1])
    config = ServerConfig(
        slot=int(config_raw["slot"]),
        uid_base=int(config_raw["uid_base"]),
        limits=isolation.Limits(**config_raw["limits"]),
        max_output=int(config_raw["max_output"]),
        max_stdout=int(config_raw["max_stdout"]),
        disabled=frozenset(config_raw.get("disabled", ())),
    )
    # The protocol uses the original stdin/stdout; fds 0 and 1 then point elsewhere so that a
    # stray print can never corrupt it.
    proto_in, proto_out = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(2, 1)
    # Jobs inherit these objects with fds 1 and 2 redirected to their captured output: a
    # submission printing text that cannot be encoded must not fail because of it.
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
        stream.reconfigure(errors="replace")  # type: ignore[union-attr]
    server = Server(config)
    send_message(proto_out, server.hello(), [])
    try:
        while True:
            try:
                header, blobs = receive_message(proto_in)
            except FrameError:
                break
            if header.get("ping"):
                send_message(proto_out, {"pong": True}, [])
                continue
            reply, reply_blobs = server.run_job(header, blobs)
            send_message(proto_out, reply, reply_blobs)
            server.finish_pending()
    finally:
        server.cleanup()


if __name__ == "__main__":
    main()
