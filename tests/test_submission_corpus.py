"""The corpus in tests/submissions against the task cases: every correct_*.py passes every
case, every wrong_*.py fails the case its docstring names ("Caught by: ...").

Each submission runs in its own Python process (tests/_run_submission.py) and sends its
outputs back as .npy files; expected values are computed here from the references.
This checks the task content; the sandboxed grader has its own tests.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from _taskcases import Task, grade, load_tasks, run_submission

CORPUS = Path(__file__).resolve().parent / "submissions"
TASKS = {t.id: t for t in load_tasks()}
SUBMISSIONS = sorted(CORPUS.glob("*/*.py"))
FIXED_TASKS = ("sigmoid_derivative", "softmax", "conv2d", "maxpool2d", "adam_step", "roc_auc")


def _task(submission: Path) -> Task:
    return TASKS[submission.parent.name]


def _caught_by(submission: Path) -> str:
    match = re.search(r"^Caught by: (.+)$", submission.read_text(encoding="utf-8"), re.MULTILINE)
    assert match, f"{submission.name} names no 'Caught by:' case"
    return match.group(1).strip()


def test_corpus_covers_the_fixed_tasks_and_is_documented() -> None:
    readme = (CORPUS / "README.md").read_text(encoding="utf-8")
    for task_id in FIXED_TASKS:
        files = [p.name for p in SUBMISSIONS if p.parent.name == task_id]
        assert sum(f.startswith("correct_") for f in files) >= 2, task_id
        assert sum(f.startswith("wrong_") for f in files) >= 2, task_id
    for path in SUBMISSIONS:
        assert path.parent.name in TASKS, path
        assert path.name.startswith(("correct_", "wrong_")), path
        assert f"{path.parent.name}/{path.name}" in readme, f"README does not describe {path}"


@pytest.mark.parametrize(
    "submission", SUBMISSIONS, ids=[f"{p.parent.name}/{p.stem}" for p in SUBMISSIONS]
)
def test_submission_gets_the_intended_verdicts(submission: Path, tmp_path: Path) -> None:
    task = _task(submission)
    verdicts = grade(task, run_submission(task, submission, tmp_path))
    failed = {name: why for name, why in verdicts.items() if why}
    if submission.name.startswith("correct_"):
        assert failed == {}
    else:
        case = _caught_by(submission)
        assert case in verdicts, f"no case named {case!r} in {task.id}"
        assert case in failed, f"{submission.name} passes {case!r}"
