"""Grading submissions in turn on one server gives each submission the result it gets alone;
a batch survives a grader error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sandbox_helpers import HOSTILE, TOY_ROOT, toy_task

from questionbank.grading import batch as batch_module
from questionbank.grading import grade as grade_module
from questionbank.grading.batch import grade_batch
from questionbank.grading.grade import SubmissionResult, grade_in_turn, grade_submission
from questionbank.grading.verdicts import judge_case
from questionbank.sandbox import SandboxServer

SUBS = TOY_ROOT / "submissions"
MIX = [
    ("good", (SUBS / "good.py").read_bytes()),
    ("wrong_shape", (SUBS / "wrong_shape.py").read_bytes()),
    ("not_utf8", (HOSTILE / "not_utf8.py").read_bytes()),
    ("raises", (HOSTILE / "raises.py").read_bytes()),
    ("good_list", (SUBS / "good_list.py").read_bytes()),
]


def _summary(result: SubmissionResult) -> list[tuple[str, float, str]]:
    return [(c.name, c.score, c.message) for t in result.tasks for c in t.cases]


def _batch_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "subs"
    folder.mkdir()
    for key, source in MIX:
        (folder / f"{key}.py").write_bytes(source)
    return folder


def test_in_turn_matches_one_at_a_time() -> None:
    tasks = [toy_task()]
    with SandboxServer(slot=25) as server:
        alone = {key: grade_submission(tasks, source, server) for key, source in MIX}
        in_turn = list(grade_in_turn(tasks, [(k, s, "submission.py") for k, s in MIX], server))
    assert sorted(key for key, _ in in_turn) == sorted(alone)
    for key, result in in_turn:
        assert _summary(result) == _summary(alone[key]), key
        assert result.score == alone[key].score
    scores = {key: result.score for key, result in in_turn}
    assert scores == {"good": 5, "wrong_shape": 0, "not_utf8": 0, "raises": 0, "good_list": 5}


def test_a_result_that_cannot_be_reported_fails_only_its_student(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _batch_folder(tmp_path)
    real = batch_module._result_document

    def flaky(result, stamp):  # type: ignore[no-untyped-def]
        if result.submission == "wrong_shape.py":
            raise RuntimeError("boom")
        return real(result, stamp)

    monkeypatch.setattr(batch_module, "_result_document", flaky)
    out = tmp_path / "out"
    summary = grade_batch([toy_task()], folder, out, jobs=1, config=None)
    assert summary.graded == len(MIX)
    documents = {p.stem: json.loads(p.read_text()) for p in out.glob("*.json")}
    assert set(documents) == {key for key, _ in MIX}
    assert "internal grader error (RuntimeError: boom)" in documents["wrong_shape"]["output"]
    assert "qbank" not in documents["wrong_shape"]  # unstamped: a rerun grades it again
    assert documents["good"]["score"] == 5 and documents["good_list"]["score"] == 5
    assert (out / "grades.csv").read_text().splitlines()[1:] == [
        "good,5,5,5",
        "good_list,5,5,5",
        "not_utf8,0,5,0",
        "raises,0,5,0",
        "wrong_shape,0,5,0",
    ]


def test_a_grader_error_fails_the_submissions_in_flight_and_the_batch_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:

    def flaky(task, case, outcome):  # type: ignore[no-untyped-def]
        if outcome.status == "raised":  # only raises.py gets there
            raise RuntimeError("boom")
        return judge_case(task, case, outcome)

    monkeypatch.setattr(grade_module, "judge_case", flaky)
    out = tmp_path / "out"
    grade_batch([toy_task()], _batch_folder(tmp_path), out, jobs=1)
    documents = {p.stem: json.loads(p.read_text()) for p in out.glob("*.json")}
    # Only the submission whose judging failed is affected.
    failed = {k for k, d in documents.items() if "internal grader error" in d["output"]}
    assert failed == {"raises"}
    assert all("qbank" not in documents[k] for k in failed)
    scores = [documents[k]["score"] for k in ("good", "good_list", "not_utf8", "wrong_shape")]
    assert scores == [5, 5, 0, 0]
