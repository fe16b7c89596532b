"""The trusted client's handling of its zygotes: cached inputs, a dead zygote, per-case
deadlines, hidden cases on their own zygote, and inputs that cannot be decoded."""

from __future__ import annotations

import os
import threading
import time
from typing import Any

import numpy as np
import pytest

from questionbank.sandbox import Job, SandboxServer, codec
from tests.sandbox_helpers import UID_BASE

IDENTITY = b"def f(x):\n    return x\n"


def _job(source: bytes = IDENTITY, **extra: object) -> Job:
    args = (codec.encode({"x": np.arange(4.0)}), codec.encode({"x": np.ones((2, 2))}))
    return Job("f", source, args, (1.0, 1.0), load_timeout=2.0, **extra)  # type: ignore[arg-type]


def _value(payload: bytes) -> codec.Node:
    assert payload[:1] == b"\x00"
    return codec.decode(payload[1:])


def test_cached_inputs_are_resent_when_the_zygote_lacks_them() -> None:
    with SandboxServer(slot=21) as server:
        first = server.run(_job(args_key="k@1"))
        assert [o.status for o in first.outcomes] == ["ok", "ok"]
        server.public.keys.add("k@2#public#0,1")  # the client believes the zygote has it
        second = server.run(_job(args_key="k@2"))
        assert [o.status for o in second.outcomes] == ["ok", "ok"]
        decoded = _value(second.outcomes[1].payload)
        assert isinstance(decoded, codec.Array) and decoded.data.shape == (2, 2)


def test_a_killed_zygote_fails_its_job_and_is_replaced() -> None:
    sleeper = b"import time\n\ndef f(x):\n    time.sleep(0.8)\n    return x\n"
    with SandboxServer(slot=22) as server:
        victim = server.public.process
        assert victim is not None

        def kill_soon() -> None:
            time.sleep(0.3)
            victim.kill()

        threading.Thread(target=kill_soon).start()
        failed = server.run(_job(sleeper))
        assert [o.status for o in failed.outcomes] == ["sandbox_error", "sandbox_error"]
        again = server.run(_job())
        assert [o.status for o in again.outcomes] == ["ok", "ok"]


def test_each_case_gets_its_own_deadline_and_the_rest_still_run() -> None:
    source = (
        b"import time\n\ndef f(x):\n    if x.shape == (4,):\n        time.sleep(5)\n    return x\n"
    )
    with SandboxServer(slot=23) as server:
        started = time.monotonic()
        result = server.run(_job(source))
        elapsed = time.monotonic() - started
    assert [o.status for o in result.outcomes] == ["timeout", "ok"]
    assert result.outcomes[0].detail == "timed out after 1 s"
    assert elapsed < 3.0


def test_hidden_cases_run_on_the_hidden_zygote_and_keep_their_order() -> None:
    # The public process is told only the public case: it sees one input, never the other.
    counter = (
        b"seen = []\n\ndef f(x):\n    seen.append(x.size)\n    return len(seen) * 10 + x.size\n"
    )
    with SandboxServer(slot=24) as server:
        result = server.run(_job(counter, hidden=(True, False)))
        uids = server.uids
    values = [_value(o.payload) for o in result.outcomes]
    assert all(isinstance(v, codec.Array) for v in values)
    # Each case was the first call of its own process.
    assert [float(v.data) for v in values if isinstance(v, codec.Array)] == [14.0, 14.0]
    assert len(set(uids)) == 2


def test_arguments_that_cannot_be_decoded_fail_their_case_only() -> None:
    args = (b"not an encoded value", codec.encode({"x": np.ones(3)}))
    with SandboxServer(slot=24) as server:
        result = server.run(Job("f", IDENTITY, args, (1.0, 1.0), load_timeout=2.0))
    assert [o.status for o in result.outcomes] == ["raised", "ok"]


def test_a_killed_hidden_zygote_fails_its_cases_and_is_replaced() -> None:
    """The hidden zygote is forked by the public one at start-up (one numpy import for
    both), so the client watches it through a pidfd rather than as its child."""
    sleeper = (
        b"import time\n\ndef f(x):\n    if x.ndim == 2:\n        time.sleep(0.8)\n    return x\n"
    )
    with SandboxServer(slot=24) as server:
        victim = server.hidden.process
        assert victim is not None
        assert victim.pid != server.public.process.pid  # type: ignore[union-attr]

        def kill_soon() -> None:
            time.sleep(0.3)
            victim.kill()

        threading.Thread(target=kill_soon).start()
        failed = server.run(_job(sleeper, hidden=(False, True)))
        assert [o.status for o in failed.outcomes] == ["ok", "sandbox_error"]
        assert not server.hidden.alive
        again = server.run(_job(hidden=(False, True)))
        assert [o.status for o in again.outcomes] == ["ok", "ok"]
        assert server.hidden.alive and server.hidden.process is not victim


def test_without_pidfd_the_hidden_zygote_is_started_on_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A kernel before 5.3 has no pidfd to watch a zygote that is not our child: the one the
    public zygote forked is let go and the hidden zygote started as a process of its own."""
    import subprocess

    def no_pidfd(pid: int) -> int:
        raise OSError(38, "Function not implemented")

    monkeypatch.setattr(os, "pidfd_open", no_pidfd)
    with SandboxServer(slot=25) as server:
        assert isinstance(server.hidden.process, subprocess.Popen)
        result = server.run(_job(hidden=(False, True)))
        assert [o.status for o in result.outcomes] == ["ok", "ok"]


def test_inputs_kept_by_the_zygote_never_crowd_out_its_jobs() -> None:
    """The zygote lives in its jobs' cgroup: the inputs it keeps between jobs are capped, so
    that five tasks with 40 MiB of inputs each pass under a 128 MiB limit."""
    from questionbank.sandbox import Limits, SandboxConfig

    config = SandboxConfig(limits=Limits(memory_bytes=128 << 20))
    source = b"def f(x):\n    return float(x[0])\n"
    with SandboxServer(slot=26, config=config) as server:
        if server.isolation.get("cgroup") in (None, "", "none"):
            pytest.skip("no writable cgroup on this machine")
        for task in range(5):
            args = (codec.encode({"x": np.full(5 << 20, float(task))}),)
            job = Job("f", source, args, (5.0,), load_timeout=5.0, args_key=f"big@{task}")
            result = server.run(job)
            assert [o.status for o in result.outcomes] == ["ok"], task


def test_a_closed_control_socket_means_the_zygote_is_gone() -> None:
    """How the client proves that the pidfd it opened from a hello's pid is the zygote's."""
    import socket

    from questionbank.sandbox.client import _peer_gone

    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        assert not _peer_gone(ours)
        theirs.sendmsg([b"data waiting is not an end"])
        assert not _peer_gone(ours)
        theirs.close()
        assert _peer_gone(ours)
    finally:
        ours.close()


def test_a_sibling_zygote_we_must_reap_is_reaped() -> None:
    """When qbank is PID 1 of a container, ended sibling zygotes become its children: the
    client collects them through the pidfd rather than leave zombies."""
    from questionbank.sandbox.client import _Sibling

    pid = os.fork()
    if pid == 0:
        os._exit(0)
    sibling = _Sibling(pid)
    sibling.wait(timeout=10)
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # nothing left to collect


def test_a_flood_never_takes_a_result_already_sent() -> None:
    """The output pipe is read before the result channel: a flood noticed while the job's
    "loaded" frame and case 0's result still wait there fails case 1, not case 0."""
    import fcntl
    import time as clock

    from questionbank.sandbox.client import SandboxConfig, _AttemptReader, _JobRun
    from questionbank.sandbox.frames import student_frame

    job = Job(function="f", source=b"", args=(b"a", b"b", b"c"), timeouts=(1.0, 1.0, 1.0))
    config = SandboxConfig(max_stdout=512 << 10)
    run = _JobRun(job, config, clock.monotonic() + 30)
    res_r, res_w = os.pipe()
    out_r, out_w = os.pipe()
    try:
        fcntl.fcntl(out_w, fcntl.F_SETPIPE_SZ, 1 << 20)  # a reader that fell behind
        frames = [(b"O", b""), (b"L", b""), (b"O", b""), (b"R", b"\x00ok0")]
        os.write(res_w, b"".join(student_frame(kind, payload) for kind, payload in frames))
        os.write(out_w, b"x" * ((512 << 10) + 10))  # case 1 floods after case 0 returned
        reader = _AttemptReader(job, [0, 1, 2], 0, run, config, res_r, out_r)
        reader.read()
        assert reader.conclude(-1) == 2  # the next attempt goes on with case 2
    finally:
        for fd in (res_r, res_w, out_r, out_w):
            os.close(fd)
    assert run.outcomes[0].status == "ok"
    assert run.outcomes[1].status == "output_flood"


def test_a_pid_that_may_be_another_process_s_is_never_signalled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A hidden zygote that ended between its hello and our pidfd_open: the pidfd may be a
    new process's, so the failed start must let it go, not kill and reap it."""
    import subprocess

    from questionbank.sandbox import client
    from questionbank.sandbox.client import SandboxConfig, SandboxError, Zygote

    victim = subprocess.Popen(["sleep", "30"])  # the process that got the pid
    real_popen = subprocess.Popen

    def first_zygote(argv: list[str], *args: Any, **kwargs: Any) -> Any:
        return real_popen(["sleep", "30"], stdin=subprocess.DEVNULL)

    monkeypatch.setattr(client.subprocess, "Popen", first_zygote)
    monkeypatch.setattr(Zygote, "receive", lambda self, timeout: {"pid": victim.pid})
    config = SandboxConfig(uid_base=UID_BASE)
    zygotes = [Zygote(slot=90, config=config), Zygote(slot=91, config=config)]
    try:
        with pytest.raises(SandboxError):
            client._launch(zygotes)  # the hidden zygote's end of its socket is closed
        assert victim.poll() is None
    finally:
        victim.kill()
        victim.wait()
