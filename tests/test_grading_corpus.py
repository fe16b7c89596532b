"""The real tasks through the real sandbox: the tasks' corpus in tests/submissions gets the
verdicts its files promise (correct_* full marks; wrong_* fail their 'Caught by:' case)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from questionbank.bank import load_bank
from questionbank.grading.cases import PreparedTask
from questionbank.grading.grade import grade_submission
from questionbank.grading.tasks import prepare_tasks
from questionbank.sandbox import SandboxServer

ROOT = Path(__file__).resolve().parents[1]
CORPUS = sorted((ROOT / "tests" / "submissions").glob("*/*.py"))
_TASKS: dict[str, PreparedTask] = {}


def _task(task_id: str) -> PreparedTask:
    if not _TASKS:
        bank = load_bank(ROOT / "bank", check=False)
        for folder in {p.parent.name for p in CORPUS}:
            _TASKS[folder] = prepare_tasks(bank, folder)[0]
    return _TASKS[task_id]


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer(slot=9) as running:
        yield running


@pytest.mark.parametrize("path", CORPUS, ids=[f"{p.parent.name}/{p.stem}" for p in CORPUS])
def test_corpus_verdicts_in_the_sandbox(path: Path, server: SandboxServer) -> None:
    task = _task(path.parent.name)
    result = grade_submission([task], path.read_bytes(), server, name=path.name)
    cases = {c.name: c for c in result.tasks[0].cases}
    if path.name.startswith("correct_"):
        assert result.score == result.max_score, [c.message for c in cases.values()]
        return
    caught = re.search(r"^Caught by: (.+)$", path.read_text(encoding="utf-8"), re.M)
    assert caught is not None
    assert not cases[caught.group(1).strip()].passed
    assert result.score < result.max_score
