"""`qbank check TASK FILE`: public cases only, in the real sandbox, from a bank or a bundle."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from questionbank import models
from questionbank.bank import load_bank
from questionbank.bundle import write_student_bundle
from questionbank.check import public_task
from questionbank.cli import cli
from questionbank.grading.grade import grade_submission
from questionbank.sandbox import SandboxServer
from tests.practice_helpers import FIXTURE_BANK

ROOT = Path(__file__).resolve().parent.parent

SUBMISSIONS = {
    "right": "import numpy as np\n\ndef scale(x, k):\n    return np.asarray(x) * k\n",
    "off": "import numpy as np\n\ndef scale(x, k):\n    return np.asarray(x) * k + 0.1\n",
    "shape": "import numpy as np\n\ndef scale(x, k):\n    return (np.asarray(x) * k)[:-1]\n",
    "raises": "def scale(x, k):\n    raise ValueError('not yet')\n",
    "missing": "def scael(x, k):\n    return x\n",
    "syntax": "def scale(x, k)\n    return x\n",
    "nan": "import numpy as np\n\ndef scale(x, k):\n    return np.asarray(x) * np.nan\n",
    "starter": "import numpy as np\n\n\ndef scale(x, k):\n    raise NotImplementedError\n",
}


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bundle")
    write_student_bundle(load_bank(FIXTURE_BANK), out)
    return out / "bank"


def _check(bank: Path, name: str, tmp_path: Path) -> Result:
    file = tmp_path / f"{name}.py"
    file.write_text(SUBMISSIONS[name])
    return CliRunner().invoke(
        cli,
        ["--bank", str(bank), "check", "fx-code-scale", str(file)],
        env={"NO_COLOR": "1", "COLUMNS": "200", "QBANK_HOME": str(tmp_path / "home")},
    )


def _first_case(output: str) -> str:
    """The result cell of the 'small' case, its wrapped lines joined."""
    rows = [line for line in output.splitlines() if line.startswith("│")]
    cells = [[c.strip() for c in row.strip("│").split("│")] for row in rows]
    start = next(i for i, c in enumerate(cells) if c[0] == "small")
    parts = [cells[start][1]]
    for c in cells[start + 1 :]:
        if c[0]:
            break
        parts.append(c[1])
    return "\n".join(parts)


@pytest.mark.parametrize(
    ("name", "code", "small"),
    [
        ("right", 0, "passed"),
        (
            "off",
            1,
            "failed: max abs error 0.1 at [0] (got 2.1, expected 2); 3 of 3 values outside "
            "tolerance",
        ),
        ("shape", 1, "failed: shape (2) vs expected (3)"),
        ("raises", 1, "failed: raised ValueError"),
        ("missing", 1, "failed: the submission defines no function scale()"),
        ("syntax", 1, "failed: syntax error in the submission:"),
        ("nan", 1, "failed: NaN in output at [0] (3 of 3)"),
        ("starter", 1, "failed: raised NotImplementedError"),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 12 else "",
)
@pytest.mark.parametrize("source", ["course-bank", "bundle"])
def test_check_shows_what_differed(
    name: str, code: int, small: str, source: str, bundle: Path, tmp_path: Path
) -> None:
    result = _check(FIXTURE_BANK if source == "course-bank" else bundle, name, tmp_path)
    assert result.exit_code == code, result.output
    assert _first_case(result.output).startswith(small)
    passed = 2 if name == "right" else 0
    assert f"{passed}/2 public cases passed." in result.output
    assert "HIDDEN-CASE-NAME" not in result.output  # hidden cases are not run by check


def test_every_course_task_reference_passes_its_bundled_public_cases(tmp_path: Path) -> None:
    """The bundle's precomputed values agree with the references, task by task, as graded by
    the real sandbox (the reference module itself stands in for a perfect student)."""
    course = load_bank(ROOT / "bank")
    tasks = [q for q in course.questions if isinstance(q, models.CodeQuestion) and not q.exam_only]
    if not tasks:
        pytest.skip("the course bank has no code tasks yet")
    write_student_bundle(course, tmp_path / "b")
    bundled = load_bank(tmp_path / "b" / "bank")
    failures = []
    with SandboxServer() as server:
        for task in tasks:
            assert task.reference is not None
            source = (ROOT / task.reference.partition(":")[0]).read_bytes()
            student_view = bundled.get(task.id)
            assert isinstance(student_view, models.CodeQuestion)
            for view in (task, student_view):
                prepared = public_task(
                    view, bundled.project_root if view is student_view else course.project_root
                )
                result = grade_submission([prepared], source, server)
                failures += [
                    f"{task.id} ({'bundle' if view is student_view else 'bank'}): "
                    f"{c.name}: {c.message}"
                    for c in result.tasks[0].cases
                    if not c.passed
                ]
    assert failures == []


PRINTING = {
    "prints-and-fails": (
        "import numpy as np\n\ndef scale(x, k):\n    print('debug: k is', k)\n"
        "    return np.asarray(x) * k + 1\n"
    ),
    "floods-but-right": (
        "import numpy as np\n\ndef scale(x, k):\n    print('x' * (2 << 20))\n"
        "    return np.asarray(x) * k\n"
    ),
}


def _check_source(source: str, tmp_path: Path) -> Result:
    file = tmp_path / "mine.py"
    file.write_text(source)
    return CliRunner().invoke(
        cli,
        ["--bank", str(FIXTURE_BANK), "check", "fx-code-scale", str(file)],
        env={"NO_COLOR": "1", "COLUMNS": "200", "QBANK_HOME": str(tmp_path / "home")},
    )


def test_check_shows_a_failing_cases_inputs_and_prints(tmp_path: Path) -> None:
    result = _check_source(PRINTING["prints-and-fails"], tmp_path)
    assert result.exit_code == 1
    assert "── small ──" in result.output
    assert "inputs: x=array([1., 2., 3.], dtype=float64), k=2.0" in result.output
    assert "printed:\ndebug: k is 2.0" in result.output


def test_check_cuts_long_debug_output_instead_of_failing(tmp_path: Path) -> None:
    result = _check_source(PRINTING["floods-but-right"], tmp_path)
    assert result.exit_code == 0, result.output
    assert "2/2 public cases passed." in result.output


def test_check_shows_a_syntax_error_once(tmp_path: Path) -> None:
    result = _check_source(SUBMISSIONS["syntax"], tmp_path)
    assert result.output.count("syntax error in the submission") == 1
    assert "the same" in result.output


def test_check_stops_quietly_on_ctrl_c(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import questionbank.check as check_module

    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(check_module, "run_check", interrupted)
    result = _check_source(SUBMISSIONS["right"], tmp_path)
    assert result.exit_code == 130
    assert "Traceback" not in result.output


def test_check_speaks_zh_tw(tmp_path: Path) -> None:
    file = tmp_path / "mine.py"
    file.write_text(SUBMISSIONS["off"])
    result = CliRunner().invoke(
        cli,
        ["--bank", str(FIXTURE_BANK), "check", "fx-code-scale", str(file), "--lang", "zh-TW"],
        env={"NO_COLOR": "1", "COLUMNS": "200", "QBANK_HOME": str(tmp_path / "home")},
    )
    assert result.exit_code == 1
    assert "公開測資通過 0/2。隱藏測資只在評分時執行。" in result.output
    assert "輸入：x=array([1., 2., 3.], dtype=float64), k=2.0" in result.output
    assert "未通過: max abs error 0.1" in result.output
