"""Every attack of the hostile corpus, graded in one batch between honest classmates, as
`qbank grade-batch -j 2` grades a course: the attackers gain nothing, each honest student gets
exactly the grade they get alone, nothing escapes, every result is written, and the trusted
process's memory stays bounded."""

from __future__ import annotations

import csv
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sandbox_helpers import (
    CONTROL,
    HOSTILE,
    TOY_ROOT,
    UID_BASE,
    files_owned_by,
    processes_of_uids,
    proofs_of,
    toy_task,
)

from questionbank.grading.batch import _result_document
from questionbank.grading.grade import grade_submission
from questionbank.sandbox import Limits, SandboxConfig, SandboxServer

pytestmark = pytest.mark.usefixtures("no_leftover_proofs")

HERE = Path(__file__).parent
HONEST = {
    "secret": TOY_ROOT / "honest" / "secret.py",
    "numpy_extras": TOY_ROOT / "honest" / "numpy_extras.py",
    "wrong": TOY_ROOT / "honest" / "wrong.py",
}
MARKERS = ("QBANK-HONEST-SOURCE", "QBANK-HONEST-PRINTED", "sk-QBANK")


def _attackers() -> list[Path]:
    return sorted(HOSTILE.glob("*.py"))


def _folder(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """Honest students before and after every attacker: h000, a001, h002, a003, ..."""
    folder = tmp_path / "submissions"
    folder.mkdir()
    kinds = list(HONEST)
    honest_of: dict[str, str] = {}
    number = 0
    for index, attacker in enumerate(_attackers()):
        kind = kinds[index % len(kinds)]
        name = f"h{number:03d}_{kind}"
        (folder / f"{name}.py").write_bytes(HONEST[kind].read_bytes())
        honest_of[name] = kind
        (folder / f"a{number + 1:03d}_{attacker.stem}.py").write_bytes(attacker.read_bytes())
        number += 2
    last = f"h{number:03d}_secret"
    (folder / f"{last}.py").write_bytes(HONEST["secret"].read_bytes())
    honest_of[last] = "secret"
    return folder, honest_of


def _run_batch(folder: Path, out: Path, jobs: int) -> tuple[int, list[int]]:
    done = subprocess.run(
        [sys.executable, str(HERE / "_run_batch.py"), str(folder), str(out), str(jobs)],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=HERE,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE.parent), str(HERE)])},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return int(report["maxrss_kb"]), [int(uid) for uid in report["uids"]]


def _comparable(document: dict[str, Any]) -> dict[str, Any]:
    tests = [(t["name"], t["score"], t["status"], t["output"]) for t in document["tests"]]
    return {"score": document["score"], "tests": tests}


def _hidden_inputs() -> list[str]:
    """The hidden case's input numbers, as a leak would print them (6 decimals)."""
    task = toy_task(timeout=2.0)
    from questionbank.sandbox import codec

    values = []
    for case in task.cases:
        if case.hidden:
            args = codec.decode_args(case.args_blob)
            values += [f"{v:.6f}" for v in np.ravel(args["x"]) if abs(v) > 0.01]
    return values


@pytest.fixture(scope="module")
def listener() -> Iterator[socket.socket]:
    for port in range(47964, 48028):
        tcp = socket.socket()
        try:
            tcp.bind(("127.0.0.1", port))
            break
        except OSError:
            tcp.close()
    else:
        pytest.skip("no free port for the network listener")
    tcp.listen()
    tcp.setblocking(False)
    yield tcp
    tcp.close()


@pytest.mark.slow
def test_attackers_between_honest_students_in_one_batch(
    tmp_path: Path, listener: socket.socket
) -> None:
    config = SandboxConfig(limits=Limits(memory_bytes=512 << 20, cpu_seconds=10), uid_base=UID_BASE)
    with SandboxServer(slot=30, config=config) as server:
        if server.isolation.get("level") != "full":
            pytest.skip(f"sandbox isolation is {server.isolation.get('level')} on this machine")
        alone = {
            kind: _comparable(
                _result_document(
                    grade_submission([toy_task(timeout=2.0)], path.read_bytes(), server), {}
                )
            )
            for kind, path in HONEST.items()
        }
    assert alone["secret"]["score"] == alone["numpy_extras"]["score"] == 5
    assert alone["wrong"]["score"] == 1

    # The trusted process's memory for one correct submission, then for the whole corpus.
    single = tmp_path / "single"
    single.mkdir()
    (single / "only.py").write_bytes(HONEST["secret"].read_bytes())
    baseline_kb, _ = _run_batch(single, tmp_path / "single-out", jobs=2)
    folder, honest_of = _folder(tmp_path)
    out = tmp_path / "out"
    peak_kb, uids = _run_batch(folder, out, jobs=2)
    assert uids

    students = sorted(p.stem for p in folder.glob("*.py"))
    documents = {s: json.loads((out / f"{s}.json").read_text(encoding="utf-8")) for s in students}
    for student, kind in honest_of.items():
        assert _comparable(documents[student]) == alone[kind], student
    hidden_values = _hidden_inputs()
    for student, document in documents.items():
        text = json.dumps(document, ensure_ascii=False)
        assert not CONTROL.search(text.replace("\n", "")), student
        if student.startswith("a"):
            assert document["score"] == 0, (student, document["output"])
            assert not any(m in text for m in MARKERS), student
            outputs = " ".join(t["output"] for t in document["tests"])
            assert not [v for v in hidden_values if v in outputs], student
    with (out / "grades.csv").open(encoding="utf-8") as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    assert sorted(rows) == students
    assert all(float(rows[s]["score"]) == 0 for s in students if s.startswith("a"))
    assert peak_kb < 4 * baseline_kb, (peak_kb, baseline_kb)

    # Nothing escaped: no process or file of the batch's uids (other graders may be running
    # on this machine), no proof file, no connection.
    assert processes_of_uids(uids) == []
    assert files_owned_by(uids, [Path("/tmp"), Path("/var/tmp"), Path("/dev/shm")]) == []
    assert proofs_of(uids) == []
    with pytest.raises(BlockingIOError):
        listener.accept()
