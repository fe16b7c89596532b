"""Trusted side of the sandbox: start a fork server as a fresh process and run jobs on it."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from questionbank.sandbox.frames import FrameError, receive_message, send_message
from questionbank.sandbox.isolation import Limits

CASE_STATUSES = (
    "ok", "raised", "timeout", "crashed", "load_error", "load_timeout", "overall_timeout",
    "protocol_error", "output_flood", "sandbox_error",
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


class SandboxError(RuntimeError):
    """The fork server could not be started or stopped answering."""


def _source_root() -> str:
    return str(Path(__file__).resolve().parents[2])


class SandboxServer:
    """A fork server for one worker slot. Not thread-safe: use one per thread."""

    def __init__(self, *, slot: int = 0, config: SandboxConfig | None = None) -> None:
        self.slot = slot
        self.config = config or SandboxConfig()
        self.process: subprocess.Popen[bytes] | None = None
        self.isolation: dict[str, Any] = {}

    def __enter__(self) -> SandboxServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        settings = {
            "slot": self.slot,
            "uid_base": self.config.uid_base,
            "limits": asdict(self.config.limits),
            "max_output": self.config.max_output,
            "max_stdout": self.config.max_stdout,
        }
        env = {
            "PATH": "/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "PYTHONPATH": _source_root(),
            "PYTHONDONTWRITEBYTECODE": "1",
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
        }
        self.process = subprocess.Popen(
            [sys.executable, "-s", "-m", "questionbank.sandbox.server", json.dumps(settings)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, cwd="/", close_fds=True,
        )
        hello = self._receive(self.config.start_timeout)
        if hello is None:
            self._kill()
            raise SandboxError("the sandbox server did not start (see the messages above)")
        self.isolation = hello[0]["isolation"]

    def run(self, job: Job) -> JobResult:
        """Run a job; a server that dies or hangs is replaced, and its job marked failed."""
        if self.process is None or self.process.poll() is not None:
            self.start()
        assert self.process is not None and self.process.stdin is not None
        header = {
            "function": job.function,
            "timeouts": list(job.timeouts),
            "load_timeout": job.load_timeout,
            "overall_timeout": job.overall(),
        }
        try:
            send_message(self.process.stdin.fileno(), header, [job.source, *job.args])
            reply = self._receive(job.overall() + 10.0)
        except (OSError, FrameError):
            reply = None
        if reply is None:
            self._kill()
            outcome = CaseOutcome("sandbox_error", "the sandbox server stopped answering", 0.0, b"")
            return JobResult((outcome,) * len(job.args), b"", 0, 0.0, self.isolation)
        meta, blobs = reply
        outcomes = tuple(
            CaseOutcome(o["status"], o["detail"], float(o["seconds"]), payload)
            for o, payload in zip(meta["outcomes"], blobs[1:], strict=True)
        )
        return JobResult(outcomes, blobs[0], int(meta["stdout_total"]), float(meta["elapsed"]),
                         meta["isolation"])

    def ping(self) -> None:
        """Round trip: returns once the previous job's processes are all gone."""
        if self.process is None or self.process.stdin is None:
            return
        send_message(self.process.stdin.fileno(), {"ping": True}, [])
        if self._receive(30.0) is None:
            self._kill()
            raise SandboxError("the sandbox server stopped answering")

    def _receive(self, timeout: float) -> tuple[dict[str, Any], list[bytes]] | None:
        assert self.process is not None and self.process.stdout is not None
        fd = self.process.stdout.fileno()
        box: list[tuple[dict[str, Any], list[bytes]]] = []

        def read() -> None:
            try:
                box.append(receive_message(fd))
            except (OSError, FrameError, ValueError):
                pass

        # A watchdog thread rather than select(): the server is trusted, a timeout here means it
        # is broken, and the thread keeps the framing code simple.
        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(timeout)
        return box[0] if box else None

    def _kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def close(self) -> None:
        if self.process is None:
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


def describe_isolation(isolation: dict[str, Any]) -> str:
    """One line for warnings and reports."""
    level = isolation.get("level", "unknown")
    missing = isolation.get("missing", [])
    return level if not missing else f"{level} (missing: {', '.join(missing)})"


__all__ = [
    "CASE_STATUSES", "CaseOutcome", "Job", "JobResult", "SandboxConfig", "SandboxError",
    "SandboxServer", "describe_isolation",
]
