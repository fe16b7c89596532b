"""Shared set-up for the sandbox and grading tests: the toy task and process/file probes."""

from __future__ import annotations

import os
import re
from collections.abc import Container
from pathlib import Path

from questionbank.grading.cases import CaseSpec, PreparedTask, TaskSpec, prepare_task
from questionbank.grading.compare import Tolerance

TOY_ROOT = Path(__file__).parent / "fixtures" / "toy"
HOSTILE = Path(__file__).parent / "hostile"
UID_BASE = 64000
# Files the hostile corpus tries to create outside its scratch folder: none may exist after.
PROOFS = [
    "/tmp/qbank-hostile-proof-daemon",
    "/tmp/qbank-hostile-proof-results.json",
    "/tmp/qbank-hostile-proof-write",
    "/var/tmp/qbank-hostile-proof-write",
    "/dev/shm/qbank-hostile-proof-write",
    "/work/qbank-hostile-proof-write",
    "/qbank-hostile-proof-write",
    "/autograder/results/results.json",
]


def proofs_of(uids: Container[int]) -> list[str]:
    """The proof files that exist and were made by one of uids (other graders, on older
    versions or other levels, may be running their own hostile tests on this machine)."""
    found = []
    for path in PROOFS:
        try:
            if Path(path).lstat().st_uid in uids:
                found.append(path)
        except OSError:
            continue
    return found


# Terminal control characters and bidi overrides: never in a message a person reads.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]")


def toy_spec(*, timeout: float = 1.0) -> TaskSpec:
    return TaskSpec(
        id="toy-affine",
        function="affine",
        reference="graders/toy.py:affine",
        root=TOY_ROOT,
        tolerance=Tolerance(rtol=1e-6, atol=1e-9),
        timeout=timeout,
        cases=(
            CaseSpec("literal 2x3", points=1, args={"x": [[1, 2, 3], [4, 5, 6]]}),
            CaseSpec("generated, shift", points=2, generate="graders/toy.py:random_case", seed=7),
            CaseSpec(
                "hidden generated",
                points=2,
                hidden=True,
                generate="graders/toy.py:random_case",
                seed=11,
            ),
        ),
    )


def toy_task(*, timeout: float = 1.0) -> PreparedTask:
    return prepare_task(toy_spec(timeout=timeout))


def processes_of_uids(uids: Container[int]) -> list[str]:
    """Every live process (zombies included) whose real uid is in uids."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        uid = int(fields.get("Uid", "-1").split()[0])
        if uid in uids:
            found.append(f"{entry.name} {fields.get('Name', '').strip()} uid={uid}")
    return found


def files_owned_by(uids: Container[int], roots: list[Path]) -> list[str]:
    found = []
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            for name in dirnames + filenames:
                path = Path(dirpath, name)
                try:
                    if path.lstat().st_uid in uids:
                        found.append(str(path))
                except OSError:
                    continue
    return found
