"""Issue 4's rules for coding tasks, through the real sandbox and every case (hidden too):
each reference earns full marks on its own cases, and each starter fails at least one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from questionbank import models
from questionbank.bank import load_bank
from questionbank.grading.grade import grade_submission
from questionbank.grading.tasks import prepare_tasks
from questionbank.sandbox import SandboxServer

ROOT = Path(__file__).resolve().parent.parent
BANK = load_bank(ROOT / "bank")
TASKS = [q for q in BANK.questions if isinstance(q, models.CodeQuestion)]


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer(slot=17) as running:
        yield running


@pytest.mark.parametrize("task", TASKS, ids=[t.id for t in TASKS])
def test_reference_passes_and_starter_fails_its_cases(
    task: models.CodeQuestion, server: SandboxServer
) -> None:
    prepared = prepare_tasks(BANK, task.id)
    assert task.reference is not None
    reference = (ROOT / task.reference.partition(":")[0]).read_bytes()
    perfect = grade_submission(prepared, reference, server)
    assert perfect.score == perfect.max_score, [
        f"{c.name}: {c.message}" for c in perfect.tasks[0].cases if not c.passed
    ]
    assert any(c.hidden for c in task.cases) and not all(c.hidden for c in task.cases)
    starter = grade_submission(prepared, task.starter.encode(), server)
    assert starter.score < starter.max_score
