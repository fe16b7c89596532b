"""Trusted side of the sandbox: start a fork server as a fresh process and run jobs on it."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from questionbank.sandbox.frames import FrameError, receive_message, send_message
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


@dataclass(frozen=True)
class Job:
    """One submission to run: its source and the encoded kwargs of each case (codec.encode)."""

    function: str
    source: bytes
    args: tuple[bytes, ...]
    timeouts: tuple[float, ...]
    load_timeout: float = 5.0
    overall_timeout: float | None = None
    # Same key, same args: the server keeps them, and later jobs send the key only.
    args_key: str | None = None

    def overall(self) -> float:
        if self.overall_timeout is not None:
            return self.overall_timeout
        return self.load_timeout + sum(self.timeouts) + 1.0


@dataclass(frozen=True)
class CaseOutcome:
    """What happened to one case. payload is untrusted bytes: an encoded value when status is
    'ok'; a JSON {type, message} written by the student process for 'raised'/'load_error'."""

    status: str
    detail: str
    seconds: float
    payload: bytes


@dataclass(frozen=True)
class JobResult:
    outcomes: tuple[CaseOutcome, ...]
    stdout_head: bytes
    stdout_total: int
    elapsed: float
    isolation: dict[str, Any]


@dataclass(frozen=True)
class SandboxConfig:
    """How submissions are confined. uid_base + slot is the uid each worker slot runs as."""

    limits: Limits = field(default_factory=Limits)
    uid_base: int = 64000
    max_output: int = 64 << 20
    max_stdout: int = 1 << 20
    start_timeout: float = 60.0
    # Layers not to use even where they work (namespace names, "uid_drop", "private_root"):
    # for tests of degraded machines, and for kernels where a layer misbehaves.
    disabled_layers: frozenset[str] = frozenset()


class SandboxError(RuntimeError):
    """The fork server could not be started or stopped answering."""


def _server_path() -> str:
    """PYTHONPATH for the server, which runs without site (-S): qbank's own folder and
    numpy's. Without site, no .pth hook or sitecustomize runs in the process every job is
    forked from, and what it would import is not copied into every job (about 4 MB here)."""
    import numpy

    folders = [str(Path(__file__).resolve().parents[2]), str(Path(numpy.__file__).parents[1])]
    return os.pathsep.join(dict.fromkeys(folders))


class SandboxServer:
    """A fork server for one worker slot. Not thread-safe: use one per thread."""

    def __init__(self, *, slot: int = 0, config: SandboxConfig | None = None) -> None:
        self.slot = slot
        self.config = config or SandboxConfig()
        self.process: subprocess.Popen[bytes] | None = None
        self.isolation: dict[str, Any] = {}
        self.workdir = ""
        self.uid = -1  # the uid this server's jobs run as (known once started)
        self.cached_args: set[str] = set()
        self.in_flight: tuple[Job, bool, bool] | None = None  # (job, sent cached, sent at all)

    def __enter__(self) -> SandboxServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        _remove_stale_workdirs()
        settings = {
            "slot": self.slot,
            "uid_base": self.config.uid_base,
            "limits": asdict(self.config.limits),
            "max_output": self.config.max_output,
            "max_stdout": self.config.max_stdout,
            "disabled": sorted(self.config.disabled_layers),
        }
        env = {
            "PATH": "/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "PYTHONPATH": _server_path(),
            "PYTHONDONTWRITEBYTECODE": "1",
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
        }
        self.process = subprocess.Popen(
            [sys.executable, "-S", "-m", "questionbank.sandbox.server", json.dumps(settings)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            cwd="/",
            close_fds=True,
        )
        hello = self._receive(self.config.start_timeout)
        if hello is None:
            self._kill()
            raise SandboxError("the sandbox server did not start (see the messages above)")
        self.isolation = hello[0]["isolation"]
        self.workdir = str(hello[0].get("workdir", ""))
        self.uid = int(hello[0]["uid"])

    def run(self, job: Job) -> JobResult:
        """Run a job; a server that dies or hangs is replaced, and its job marked failed."""
        self.submit(job)
        return self.collect()

    def submit(self, job: Job) -> None:
        """Start a job without waiting for it. The caller can judge the previous job's result
        while this one runs, then collect() it: one job in flight at a time."""
        if self.in_flight is not None:
            raise RuntimeError("collect() the job in flight before submitting another")
        if self.process is None or self.process.poll() is not None:
            self.cached_args.clear()
            self.start()
        cached = job.args_key is not None and job.args_key in self.cached_args
        sent = self._send(job, cached=cached)
        self.in_flight = (job, cached, sent)

    def collect(self) -> JobResult:
        """The result of the job in flight."""
        if self.in_flight is None:
            raise RuntimeError("no job in flight")
        job, cached, sent = self.in_flight
        self.in_flight = None
        reply = self._receive(job.overall() + 10.0) if sent else None
        if cached and reply is not None and reply[0].get("need_args"):
            self.cached_args.discard(str(job.args_key))
            reply = self._receive(job.overall() + 10.0) if self._send(job, cached=False) else None
        if reply is None:
            self._kill()
            outcome = CaseOutcome("sandbox_error", "the sandbox server stopped answering", 0.0, b"")
            return JobResult((outcome,) * len(job.args), b"", 0, 0.0, self.isolation)
        meta, blobs = reply
        outcomes = tuple(
            CaseOutcome(o["status"], o["detail"], float(o["seconds"]), payload)
            for o, payload in zip(meta["outcomes"], blobs[1:], strict=True)
        )
        return JobResult(
            outcomes, blobs[0], int(meta["stdout_total"]), float(meta["elapsed"]), meta["isolation"]
        )

    def _send(self, job: Job, *, cached: bool) -> bool:
        """Write the job; with cached, only its source (the server keeps the args by key)."""
        assert self.process is not None and self.process.stdin is not None
        header: dict[str, Any] = {
            "function": job.function,
            "timeouts": list(job.timeouts),
            "load_timeout": job.load_timeout,
            "overall_timeout": job.overall(),
            "args_key": job.args_key,
        }
        try:
            if cached:
                send_message(self.process.stdin.fileno(), {**header, "cached": True}, [job.source])
            else:
                send_message(self.process.stdin.fileno(), header, [job.source, *job.args])
                if job.args_key is not None:
                    self.cached_args.add(job.args_key)
        except (OSError, FrameError):
            return False
        return True

    def ping(self) -> None:
        """Round trip: returns once the previous job's processes are all gone."""
        if self.process is None or self.process.stdin is None:
            return
        send_message(self.process.stdin.fileno(), {"ping": True}, [])
        if self._receive(30.0) is None:
            self._kill()
            raise SandboxError("the sandbox server stopped answering")

    def _receive(self, timeout: float) -> tuple[dict[str, Any], list[bytes]] | None:
        """The server's next message; None if it died, garbled it or took longer than timeout
        (the server is trusted: any of these means it is broken and must be replaced)."""
        assert self.process is not None and self.process.stdout is not None
        try:
            return receive_message(self.process.stdout.fileno(), time.monotonic() + timeout)
        except (OSError, FrameError, ValueError):
            return None

    def _kill(self) -> None:
        self.cached_args.clear()
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None
        self._remove_workdir()

    def _remove_workdir(self) -> None:
        # The server's private root was mounted on <workdir>/root in its own mount namespace;
        # on the host both are empty directories.
        if self.workdir.startswith(tempfile.gettempdir()):
            for path in (Path(self.workdir, "root"), Path(self.workdir)):
                with contextlib.suppress(OSError):
                    path.rmdir()
        self.workdir = ""

    def close(self) -> None:
        if self.process is None:
            return
        if self.in_flight is not None:  # abandoned mid-job: nothing to wait for
            self.in_flight = None
            self._kill()
            return
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._kill()
        if self.process is not None and self.process.stdout is not None:
            self.process.stdout.close()
        self.process = None
        self._remove_workdir()


def _remove_stale_workdirs() -> None:
    """Empty workdirs of servers that were killed (their client could not remove them)."""
    for folder in Path(tempfile.gettempdir()).glob("qbank-sandbox-*-*"):
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
