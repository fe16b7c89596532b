"""The student bundle: practice works from it, and no secret is anywhere in it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from questionbank import models
from questionbank.bank import load_bank
from questionbank.bundle import write_student_bundle
from questionbank.cli import cli
from tests.practice_helpers import FIXTURE, FIXTURE_BANK

GRADER = FIXTURE / "graders" / "fixture_ops.py"
SECRETS = [
    "HIDDEN-CASE-NAME",
    "424242",
    "515151",
    "EXAM-ONLY-MARKER",
    "fx-exam-only-secret",
    "graders/",
    "fixture_ops",
    "random_case",
    "REFERENCE_ONLY_MARKER",
]


def _bundle(out: Path) -> str:
    result = CliRunner().invoke(
        cli, ["--bank", str(FIXTURE_BANK), "bundle", "--student", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    return result.output


def _grader():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("_fixture_ops_for_test", GRADER)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bundle_holds_no_reference_hidden_case_or_exam_question(tmp_path: Path) -> None:
    out = tmp_path / "student"
    report = _bundle(out)
    assert report == (
        f"wrote 7 questions (1 code tasks, 2 public cases) in 2 files to {out}\n"
        "left out: 1 exam-only questions, 1 hidden cases, 0 code tasks with no public case\n"
    )
    files = [p for p in out.rglob("*") if p.is_file()]
    assert sorted(p.relative_to(out).as_posix() for p in files) == [
        "bank/basics.yaml",
        "bank/tasks.yaml",
    ]
    # Every line of the reference's source that says anything, and every secret marker.
    reference_lines = [
        line.strip()
        for line in GRADER.read_text().splitlines()
        if len(line.strip()) > 15 and not line.strip().startswith(("from ", "import ", '"""'))
    ]
    assert any("np.asarray(x, dtype=np.float64) * k" in line for line in reference_lines)
    for path in files:
        text = path.read_text(encoding="utf-8")
        for needle in [*SECRETS, *reference_lines]:
            assert needle not in text, f"{needle!r} leaked into {path}"
        for line in text.splitlines():
            assert not line.lstrip().startswith(
                ("reference:", "hidden:", "generate:", "exam_only:")
            )


def test_bundle_is_a_valid_bank_with_expected_values_from_the_reference(tmp_path: Path) -> None:
    _bundle(tmp_path / "b")
    bundle = load_bank(tmp_path / "b" / "bank")  # every bank check included
    original = load_bank(FIXTURE_BANK)
    assert {q.id for q in bundle.questions} == {q.id for q in original.questions if not q.exam_only}
    task = bundle.get("fx-code-scale")
    assert isinstance(task, models.CodeQuestion)
    assert task.reference is None
    assert [c.name for c in task.cases] == ["small", "generated"]
    grader = _grader()
    for case in task.cases:
        assert case.generate is None and not case.hidden and case.args is not None
        x = np.asarray(case.args["x"], dtype=np.float64)
        assert case.expected == grader.scale(x, case.args["k"]).tolist()
    # The generated case's arguments are the ones its generator draws with its seed.
    drawn = grader.random_case(np.random.default_rng(7))
    assert task.cases[1].args == {"x": drawn["x"].tolist(), "k": drawn["k"]}
    # Everything else is carried over unchanged.
    for q in bundle.questions:
        if not isinstance(q, models.CodeQuestion):
            assert q == original.get(q.id)


def test_quiz_runs_from_the_bundle_alone(tmp_path: Path) -> None:
    _bundle(tmp_path / "b")
    result = CliRunner().invoke(
        cli,
        [
            "--bank",
            str(tmp_path / "b" / "bank"),
            "quiz",
            "-n",
            "3",
            "--lang",
            "zh-TW",
            "--seed",
            "1",
        ],
        input="s\ns\ns\n",
        env={"QBANK_HOME": str(tmp_path / "home"), "NO_COLOR": "1"},
    )
    assert result.exit_code == 0, result.output
    assert "得分：0 / 3 分(0%) · 作答 0 題 · 跳過 3 題" in result.output


def test_bundle_never_writes_over_old_files(tmp_path: Path) -> None:
    (tmp_path / "b" / "bank").mkdir(parents=True)
    (tmp_path / "b" / "bank" / "mine.yaml").write_text("- keep me\n")
    result = CliRunner().invoke(
        cli, ["--bank", str(FIXTURE_BANK), "bundle", "--student", "--out", str(tmp_path / "b")]
    )
    assert result.exit_code == 1
    assert result.stderr == (
        f"{tmp_path / 'b' / 'bank'} already exists and is not empty; choose another --out "
        "(a bundle is never written over old files)\n"
    )
    assert (tmp_path / "b" / "bank" / "mine.yaml").read_text() == "- keep me\n"


def test_bundle_needs_student(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["--bank", str(FIXTURE_BANK), "bundle", "--out", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert result.stderr == "qbank bundle: say --student (the only kind of bundle there is)\n"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            np.array(["a", "b"]),
            "code 't': case 'c': argument 'x': a <U1 array cannot be written to a bundle",
        ),
        (
            [np.zeros(2)],
            "code 't': case 'c': argument 'x': a list holding arrays or objects cannot be "
            "written to a student bundle (expected arrays, numbers, strings, or lists and "
            "dicts of them)",
        ),
    ],
    ids=["string-array", "list-of-arrays"],
)
def test_arguments_a_bundle_cannot_carry(value: object, message: str) -> None:
    from questionbank.bundle import _literal
    from questionbank.errors import QbankError

    with pytest.raises(QbankError) as caught:
        _literal(value, "code 't': case 'c': argument 'x'")
    assert str(caught.value) == message


def test_course_bank_bundle_has_only_public_cases(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parent.parent
    course = load_bank(root / "bank")
    write_student_bundle(course, tmp_path / "b")
    files = [p for p in (tmp_path / "b").rglob("*") if p.is_file()]
    assert files and all(p.suffix == ".yaml" and "bank" in p.parts for p in files)
    assert not any("exams" in p.parts or "graders" in p.parts for p in files)
    bundled = load_bank(tmp_path / "b" / "bank")
    assert not any(q.exam_only for q in bundled.questions)
    assert {q.id for q in bundled.questions} == {q.id for q in course.questions if not q.exam_only}
    for q in bundled.questions:
        if isinstance(q, models.CodeQuestion):
            original = course.get(q.id)
            assert isinstance(original, models.CodeQuestion)
            assert q.reference is None
            assert [c.name for c in q.cases] == [c.name for c in original.cases if not c.hidden]
            assert all(c.expected is not None and c.generate is None for c in q.cases)
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            assert not line.lstrip().startswith(("reference:", "hidden:", "generate:"))
