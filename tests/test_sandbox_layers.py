"""The seccomp and cgroup layers do what docs/sandbox.md says, each shown against the same job
with the layer turned off (so that each test could fail); the uid locks cannot be redirected
through a planted link."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from sandbox_helpers import HOSTILE, UID_BASE

from questionbank.sandbox import Job, Limits, SandboxConfig, SandboxServer, codec
from questionbank.sandbox.isolation import IsolationError, lock_dir

HOLD = b"""
import os, select, time
import numpy as np

def f(x):
    r, w = os.pipe()
    children = []
    for _ in range(5):
        pid = os.fork()
        if pid == 0:
            block = np.ones(100 << 17)  # 100 MiB, touched
            os.write(w, b"1")
            time.sleep(10)
            os._exit(int(block[0]))
        children.append(pid)
    reported, deadline = 0, time.monotonic() + 4.0
    while reported < 5:
        wait = deadline - time.monotonic()
        if wait <= 0 or not select.select([r], [], [], wait)[0]:
            break
        reported += len(os.read(r, 5))
    # Held at once: the memory killer may have taken a child after it reported.
    alive = sum(os.waitpid(pid, os.WNOHANG) == (0, 0) for pid in children)
    raise MemoryError(f"held {alive * 100} MiB")
"""


def _run(source: bytes, *, disabled: frozenset[str], timeout: float) -> tuple[str, str, dict]:
    config = SandboxConfig(
        limits=Limits(memory_bytes=256 << 20, cpu_seconds=10),
        uid_base=UID_BASE,
        disabled_layers=disabled,
    )
    with SandboxServer(slot=33, config=config) as server:
        if not server.isolation.get("uid_drop"):
            pytest.skip("needs root")
        args = (codec.encode({"x": np.ones(2)}),)
        result = server.run(Job("f", source, args, (timeout,), load_timeout=5.0))
    (outcome,) = result.outcomes
    return outcome.status, outcome.payload.decode("utf-8", "replace"), result.isolation


def test_the_cgroup_bounds_memory_across_all_of_a_jobs_processes() -> None:
    status, payload, isolation = _run(HOLD, disabled=frozenset(), timeout=8.0)
    if isolation.get("cgroup") == "none":
        pytest.skip("no writable cgroup on this machine")
    assert "held 500 MiB" not in payload, (status, payload)
    status, payload, isolation = _run(HOLD, disabled=frozenset({"cgroup"}), timeout=8.0)
    assert isolation["cgroup"] == "none"
    assert "held 500 MiB" in payload  # without it, five processes hold twice the limit


def test_seccomp_refuses_keyrings_io_uring_and_other_sockets() -> None:
    probe = (
        (HOSTILE / "syscalls_probe.py")
        .read_bytes()
        .replace(b"def affine(x, shift=1.0)", b"def f(x)")
    )
    status, payload, isolation = _run(probe, disabled=frozenset(), timeout=5.0)
    if not isolation.get("seccomp"):
        pytest.skip("libseccomp is not available here")
    assert status == "raised" and "escaped: none" in payload, payload
    status, payload, isolation = _run(probe, disabled=frozenset({"seccomp"}), timeout=5.0)
    assert isolation["seccomp"] is False
    escaped = re.search(r"RuntimeError: escaped: ([^\\]*)\\n", payload)
    assert escaped is not None, payload
    assert {"keyctl", "add_key", "io_uring_setup"} <= set(escaped.group(1).split(", "))


def test_the_lock_folder_cannot_be_a_planted_link(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / f"qbank-locks-{os.geteuid()}").symlink_to(elsewhere)
    with pytest.raises(IsolationError, match="is not a private directory"):
        lock_dir(str(tmp_path))


def test_the_lock_folder_is_private(tmp_path: Path) -> None:
    path = Path(lock_dir(str(tmp_path)))
    assert path.stat().st_mode & 0o077 == 0


SLEEP = b"import time\n\ndef f(x):\n    time.sleep(1.5)\n    return x\n"


def test_jobs_are_born_in_the_zygotes_cgroup_and_are_the_memory_killers_first_choice() -> None:
    """The zygote joins its cgroup so that no job has to be moved in; a job that fills the
    group's memory is killed, the zygote never (it serves the next job as before)."""
    config = SandboxConfig(limits=Limits(memory_bytes=256 << 20), uid_base=UID_BASE)
    with SandboxServer(slot=34, config=config) as server:
        if server.isolation.get("cgroup") in (None, "", "none"):
            pytest.skip("no writable cgroup on this machine")
        zygote = server.public.process
        assert zygote is not None
        args = (codec.encode({"x": np.ones(2)}),)
        seen: dict[str, str] = {}

        def look_at_the_job() -> None:
            children = Path(f"/proc/{zygote.pid}/task/{zygote.pid}/children")
            for _ in range(200):
                pids = children.read_text().split()
                if pids:
                    seen["oom"] = Path(f"/proc/{pids[0]}/oom_score_adj").read_text().strip()
                    seen["cgroup"] = Path(f"/proc/{pids[0]}/cgroup").read_text()
                    return
                time.sleep(0.01)

        watcher = threading.Thread(target=look_at_the_job)
        watcher.start()
        server.run(Job("f", SLEEP, args, (5.0,), load_timeout=5.0))
        watcher.join()
        assert seen["oom"] == "1000"
        assert seen["cgroup"] == Path(f"/proc/{zygote.pid}/cgroup").read_text()
        assert "qbank-" in seen["cgroup"]
        result = server.run(Job("f", HOLD, args, (8.0,), load_timeout=5.0))
        assert result.outcomes[0].status != "ok"
        assert server.public.process is zygote and zygote.poll() is None
        again = server.run(Job("f", SLEEP.replace(b"1.5", b"0"), args, (5.0,), load_timeout=5.0))
        assert again.outcomes[0].status == "ok"


def test_a_zygote_that_inherits_a_high_oom_score_lowers_it() -> None:
    """Under a best-effort Kubernetes pod everything starts at 1000: the zygotes must go
    back to 0, so that the memory killer still prefers their jobs."""
    own = Path("/proc/self/oom_score_adj")
    before = own.read_text().strip()
    own.write_text("500")
    try:
        with SandboxServer(slot=35, config=SandboxConfig(uid_base=UID_BASE)) as server:
            if server.isolation.get("cgroup") in (None, "", "none"):
                pytest.skip("no writable cgroup on this machine")
            zygotes = [server.public.process, server.hidden.process]
            scores = [Path(f"/proc/{z.pid}/oom_score_adj").read_text().strip() for z in zygotes]
    finally:
        own.write_text(before)
    assert scores == ["0", "0"]


def test_graders_with_different_tmpdirs_still_claim_different_uids(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The uid locks live in the machine's /tmp whatever TMPDIR says: two graders (two
    courses, two terminals) must never share a sandbox uid."""
    import tempfile

    with SandboxServer(slot=41, config=SandboxConfig(uid_base=UID_BASE)) as first:
        monkeypatch.setenv("TMPDIR", str(tmp_path))
        monkeypatch.setattr(tempfile, "tempdir", None)  # read TMPDIR again
        with SandboxServer(slot=41, config=SandboxConfig(uid_base=UID_BASE)) as second:
            assert not set(first.uids) & set(second.uids)
