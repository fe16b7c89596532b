"""With layers missing (as on machines without namespaces), the remaining layers still stop
the attacks they are meant to stop, and every result says which level it was graded at."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sandbox_helpers import HOSTILE, UID_BASE, processes_of_uids, toy_task

from questionbank.grading.grade import grade_submission
from questionbank.sandbox import Limits, SandboxConfig, SandboxServer

NO_NAMESPACES = frozenset({"net", "pid", "mount", "ipc", "uts", "private_root"})
MODES = {
    "no-private-root": (frozenset({"private_root"}), "partial"),
    # Docker's default profile: no unshare, and no writable cgroup; seccomp filters still load.
    "docker-default": (NO_NAMESPACES | {"cgroup"}, "partial"),
    "uid-drop-only": (NO_NAMESPACES | {"cgroup", "seccomp"}, "partial"),
}
# Attacks that the uid drop, rlimits and timeouts stop by themselves.
STILL_STOPPED = {
    "setsid_daemon.py": r"value",
    "fork_bomb.py": r"timeout",
    "loop_function.py": r"timeout",
    "memory_bomb.py": r"raised|timeout",  # MemoryError, or the timeout first under load
    "segfault.py": r"crashed",
    "os_exit.py": r"crashed",
    "ignore_sigterm.py": r"timeout",
    "output_flood.py": r"output_flood",
    "fd_garbage.py": r"load_error",
    "loop_import.py": r"load_timeout",
}


@pytest.fixture(scope="module", params=sorted(MODES), ids=sorted(MODES))
def server(request: pytest.FixtureRequest) -> Iterator[tuple[SandboxServer, str]]:
    disabled, level = MODES[request.param]
    config = SandboxConfig(
        limits=Limits(memory_bytes=512 << 20, cpu_seconds=10),
        uid_base=UID_BASE,
        disabled_layers=disabled,
    )
    with SandboxServer(slot=13, config=config) as running:
        if not running.isolation["uid_drop"]:
            pytest.skip("needs root for the uid drop")
        yield running, level


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(STILL_STOPPED), ids=lambda n: n.removesuffix(".py"))
def test_degraded_sandbox_still_stops(name: str, server: tuple[SandboxServer, str]) -> None:
    running, level = server
    # Short timeouts: what is tested is that an attack is stopped, not how long it may run
    # (tests/test_sandbox_hostile.py runs the same attacks under the usual ones).
    result = grade_submission(
        [toy_task(timeout=0.5)], (HOSTILE / name).read_bytes(), running, load_timeout=1.0
    )
    running.ping()
    assert result.score == 0
    assert all(re.fullmatch(STILL_STOPPED[name], c.kind) for c in result.tasks[0].cases), [
        c.message for c in result.tasks[0].cases
    ]
    assert result.isolation["level"] == level
    assert processes_of_uids(running.uids) == []


def test_degraded_level_is_reported_and_correct_code_passes(
    server: tuple[SandboxServer, str],
) -> None:
    running, level = server
    good = b"import numpy as np\n\ndef affine(x, shift=1.0):\n    return np.asarray(x) * 3.25 + shift\n"
    result = grade_submission([toy_task()], good, running)
    assert result.score == result.max_score
    assert result.isolation["level"] == level
    assert result.isolation["missing"]
