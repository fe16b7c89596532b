"""The hostile corpus: every attack named in issue 3 gets 0 points and nothing escapes."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from sandbox_helpers import (
    CONTROL,
    HOSTILE,
    UID_BASE,
    files_owned_by,
    processes_of_uids,
    proofs_of,
    toy_task,
)

from questionbank.grading.grade import SubmissionResult, grade_submission
from questionbank.grading.verdicts import HIDDEN_MESSAGES
from questionbank.sandbox import Limits, SandboxConfig, SandboxServer

pytestmark = pytest.mark.usefixtures("no_leftover_proofs")

HIDDEN_VOCABULARY = {
    *HIDDEN_MESSAGES.values(),
    "wrong shape",
    "wrong kind of value",
    "wrong structure",
    "wrong number of values",
    "NaN in output",
    "inf in output",
    "loading took longer than 2 s",
}
PORTS = range(47900, 47964)  # network.py tries each; the listener takes the first free one

# file -> (failure kind of every case (a regex), regex the public case's message must match)
EXPECTED = {
    "monkeypatch_numpy.py": ("value", r"max abs error .* at \[\d+,\d+\]"),
    "eq_always_true.py": ("structure", r"returned an object of type Liar, expected an array"),
    "ndarray_subclass.py": ("value", r"max abs error"),
    "read_files.py": ("value", r"got 0, expected"),
    "import_graders.py": ("value", r"got 0, expected"),
    "frames_gc.py": ("value", r"got 0, expected"),
    "sys_exit.py": ("raised", r"raised SystemExit"),
    "os_exit.py": ("crashed", r"exited early with status 0"),
    # Its forged frame on the result channel shifts which output counts for which case.
    "forge_results.py": ("structure|invalid_result", r"could not be read|returned None"),
    "loop_import.py": ("load_timeout", r"loading took longer than 2 s"),
    "loop_function.py": ("timeout", r"timed out after 1 s"),
    "sleep.py": ("timeout", r"timed out after 1 s"),
    # Under load, touching the 512 MiB allowed may take longer than the 1 s case timeout.
    "memory_bomb.py": ("raised|timeout", r"raised MemoryError|timed out after 1 s"),
    "fork_bomb.py": ("timeout", r"timed out after 1 s"),
    "setsid_daemon.py": ("value", r"got 0, expected"),
    "network.py": ("value", r"got 0, expected"),
    "write_outside.py": ("value", r"got 0, expected"),
    "segfault.py": ("crashed", r"SIGSEGV"),
    # 3.11 keeps Python frames off the C stack: memory or time runs out, or the stack does.
    "deep_recursion.py": ("crashed|timeout|raised", r"SIGSEGV|timed out|MemoryError"),
    "output_flood.py": ("output_flood", r"printed more than 1024 KiB"),
    "load_flood.py": ("output_flood", r"printed more than 1024 KiB"),
    "fd_garbage.py": ("load_error", r"garbage on the result channel"),
    "ignore_sigterm.py": ("timeout", r"timed out after 1 s"),
    "syntax_error.py": ("load_error", r"syntax error in the submission"),
    "not_utf8.py": ("load_error", r"not UTF-8: byte 0xe9 on line 2"),
    "missing_function.py": ("load_error", r"defines no function affine\(\)"),
    "raises.py": ("raised", r"raised ValueError"),
    "exit_at_import.py": ("load_error", r"loading the submission raised SystemExit"),
    "userns_escape.py": ("value", r"got 0, expected"),
    # Alone there is nothing to find; tests/test_hostile_batch.py runs it between classmates.
    "scan_memory.py": ("value", r"got 0, expected"),
    # The public process never had the hidden input; the hidden message never echoes a shape.
    "hidden_inputs_in_messages.py": ("shape|raised", r"shape \(\d+,1\) vs expected"),
    "forge_bad_dtype.py": ("invalid_result", r"could not be read"),
    "forge_huge_zero_shape.py": ("invalid_result", r"could not be read"),
    "surrogate_message.py": ("raised", r"raised ValueError"),
    "huge_report.py": ("protocol_error", r"exception report larger than 65536 bytes"),
    "huge_load_report.py": ("load_error", r"while loading: a load report larger than 65536"),
    "spin_processes.py": ("timeout", r"timed out after 1 s"),
    # The cgroup's OOM killer, or the job's own MemoryError; never all four held at once.
    "memory_processes.py": (
        "raised|crashed|timeout",
        r"held [0-9]+ MiB|MemoryError|SIGKILL|timed out",
    ),
    "syscalls_probe.py": ("raised", r"escaped: none"),
}


def test_every_hostile_file_has_an_expectation() -> None:
    assert sorted(p.name for p in HOSTILE.glob("*.py")) == sorted(EXPECTED)


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    config = SandboxConfig(limits=Limits(memory_bytes=512 << 20, cpu_seconds=10), uid_base=UID_BASE)
    with SandboxServer(slot=11, config=config) as running:
        if running.isolation["level"] != "full":
            pytest.skip(f"sandbox isolation is {running.isolation['level']} on this machine")
        yield running


@pytest.fixture(scope="module")
def listener() -> Iterator[tuple[socket.socket, socket.socket]]:
    for port in PORTS:
        tcp = socket.socket()
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            tcp.bind(("127.0.0.1", port))
            udp.bind(("127.0.0.1", port))
            break
        except OSError:
            tcp.close()
            udp.close()
    else:
        pytest.skip(f"ports {PORTS.start}-{PORTS.stop - 1} are all busy")
    tcp.listen()
    tcp.setblocking(False)
    udp.setblocking(False)
    yield tcp, udp
    tcp.close()
    udp.close()


def _grade(server: SandboxServer, name: str) -> SubmissionResult:
    source = (HOSTILE / name).read_bytes()
    result = grade_submission([toy_task(timeout=1.0)], source, server, name=name, load_timeout=2.0)
    server.ping()
    return result


@pytest.mark.parametrize("name", sorted(EXPECTED), ids=lambda n: n.removesuffix(".py"))
def test_hostile_submission_scores_zero_and_nothing_escapes(
    name: str, server: SandboxServer, listener: tuple[socket.socket, socket.socket]
) -> None:
    kind, pattern = EXPECTED[name]
    result = _grade(server, name)
    cases = result.tasks[0].cases
    assert result.score == 0, [c.message for c in cases]
    assert all(re.fullmatch(kind, c.kind) for c in cases), [c.message for c in cases]
    assert re.search(pattern, cases[0].message, re.S), cases[0].message
    hidden = cases[2]
    assert hidden.hidden
    assert "expected" not in hidden.message and "[" not in hidden.message, hidden.message
    assert hidden.message in HIDDEN_VOCABULARY or re.fullmatch(
        r"wrong values \(\d+ of \d+ values outside tolerance\)|raised \w+|timed out after 1 s",
        hidden.message,
    ), hidden.message
    assert "held 750" not in cases[0].message
    for case in cases:  # valid UTF-8, no terminal control sequences
        case.message.encode("utf-8")
        assert not CONTROL.search(case.message), repr(case.message)
    assert result.isolation["level"] == "full"
    # Nothing escaped: no process of a sandbox uid, no file outside scratch, no connection.
    uids = server.uids  # other graders may run on this machine meanwhile
    assert processes_of_uids(uids) == []
    assert proofs_of(uids) == []
    assert files_owned_by(uids, [Path("/tmp"), Path("/var/tmp"), Path("/dev/shm")]) == []
    tcp, udp = listener
    with pytest.raises(BlockingIOError):
        tcp.accept()
    with pytest.raises(BlockingIOError):
        udp.recv(100)


def test_grader_goes_on_after_the_whole_corpus(server: SandboxServer) -> None:
    good = (Path(__file__).parent / "fixtures/toy/submissions/good.py").read_bytes()
    result = grade_submission([toy_task()], good, server)
    assert result.score == result.max_score == 5


def test_hidden_messages_never_carry_inputs(server: SandboxServer) -> None:
    result = _grade(server, "raises.py")
    public, _, hidden = result.tasks[0].cases
    assert "inputs were" in public.message
    assert hidden.message == "raised ValueError"
