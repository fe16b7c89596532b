"""qbank grade / grade-batch / export gradescope, end to end through the real sandbox."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from questionbank.cli import cli

TOY = Path(__file__).parent / "fixtures" / "toy"
SUBS = TOY / "submissions"
HOSTILE = Path(__file__).parent / "hostile"


def run(*args: str, bank: str = "bank") -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--bank", str(TOY / bank), *args])
    return result.exit_code, result.stdout, result.stderr


def test_grade_text_table() -> None:
    code, out, _ = run("grade", "toy-affine", str(SUBS / "wrong_value.py"))
    assert code == 0
    assert "wrong_value.py: 0 / 5" in out
    assert "max abs error 0.12" in out


def test_grade_json_is_gradescope_style(tmp_path: Path) -> None:
    target = tmp_path / "result.json"
    code, _, _ = run(
        "grade", "toy-affine", str(SUBS / "nan.py"), "--format", "json", "--out", str(target)
    )
    assert code == 0
    document = json.loads(target.read_text())
    assert set(document) == {"score", "max_score", "execution_time", "output", "tests"}
    assert (document["score"], document["max_score"]) == (0, 5)
    first, _, hidden = document["tests"]
    assert set(first) == {"name", "score", "max_score", "status", "output", "visibility"}
    assert first["status"] == "failed" and first["output"] == "NaN in output at [0,1] (1 of 6)"
    assert (hidden["visibility"], hidden["output"]) == ("after_published", "NaN in output")


def test_grade_gradescope_format_has_only_gradescope_fields() -> None:
    code, out, _ = run("grade", "toy-affine", str(SUBS / "good.py"), "--format", "gradescope")
    assert code == 0
    assert set(json.loads(out)) == {"score", "execution_time", "output", "tests"}


def test_grade_assignment_file_grades_every_task(tmp_path: Path) -> None:
    source = tmp_path / "both.py"
    source.write_text(
        (SUBS / "good.py").read_text() + "\ndef pair(x):\n    return (x * 3.25, float(x.sum()))\n"
    )
    assignment = tmp_path / "hw.yaml"
    assignment.write_text("title: homework 1\ntasks: [toy-affine, toy-pair]\n")
    code, out, _ = run("grade", str(assignment), str(source), "--format", "json")
    assert code == 0
    assert json.loads(out)["score"] == 6


BAD_TASKS = [
    ("unknown id", ["toy-afine"], "no code task with id 'toy-afine' (did you mean 'toy-affine'?)"),
    (
        "assignment key",
        ["tasks: [toy-affine]\ntaks: 1\n"],
        "hw.yaml:2:1: unknown key 'taks' (did you mean 'tasks'?); expected one of title, tasks",
    ),
    (
        "assignment tasks",
        ["tasks: toy-affine\n"],
        "hw.yaml:1:8: 'tasks' must be a non-empty list of task ids",
    ),
    (
        "broken cases",
        ["toy-broken"],
        "broken.yaml:15:9: case 'ragged': argument 'x' is not a rectangular numeric list",
    ),
]


@pytest.mark.parametrize(
    ("task", "message"), [b[1:] for b in BAD_TASKS], ids=[b[0] for b in BAD_TASKS]
)
def test_bad_task_exits_1_with_location(task: list[str], message: str, tmp_path: Path) -> None:
    target = task[0]
    if "\n" in target:
        (tmp_path / "hw.yaml").write_text(target)
        target = str(tmp_path / "hw.yaml")
    code, _, err = run(
        "grade",
        target,
        str(SUBS / "good.py"),
        bank="bank-broken" if target == "toy-broken" else "bank",
    )
    assert code == 1
    assert message in err
    assert "Traceback" not in err


def test_usage_error_exits_2() -> None:
    code, _, _ = run("grade", "toy-affine")
    assert code == 2


def _batch_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "subs"
    folder.mkdir()
    for name in ("good.py", "wrong_shape.py", "good_list.py"):
        (folder / name).write_bytes((SUBS / name).read_bytes())
    (folder / "crash.py").write_bytes((HOSTILE / "segfault.py").read_bytes())
    student = folder / "chen"
    student.mkdir()
    (student / "submission.py").write_bytes((SUBS / "good.py").read_bytes())
    (student / "notes.py").write_text("x = 1\n")
    (folder / "empty").mkdir()
    return folder


def test_grade_batch_writes_results_csv_and_resumes(tmp_path: Path) -> None:
    folder, out = _batch_folder(tmp_path), tmp_path / "out"
    code, stdout, _ = run("grade-batch", "toy-affine", str(folder), "--out", str(out), "-j", "2")
    assert code == 0, stdout
    assert "6 graded, 0 unchanged" in stdout
    rows = (out / "grades.csv").read_text().splitlines()
    assert rows == [
        "student,score,max_score,toy-affine",
        "chen,5,5,5",
        "crash,0,5,0",
        "empty,0,5,0",
        "good,5,5,5",
        "good_list,5,5,5",
        "wrong_shape,0,5,0",
    ]
    assert (
        "empty/ has no .py or .ipynb file" in json.loads((out / "empty.json").read_text())["output"]
    )
    code, stdout, _ = run("grade-batch", "toy-affine", str(folder), "--out", str(out))
    assert "0 graded, 6 unchanged" in stdout
    (folder / "wrong_shape.py").write_bytes((SUBS / "good.py").read_bytes())
    code, stdout, _ = run("grade-batch", "toy-affine", str(folder), "--out", str(out))
    assert "1 graded, 5 unchanged" in stdout
    assert "wrong_shape,5,5,5" in (out / "grades.csv").read_text()
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


@pytest.mark.slow
def test_grade_batch_killed_midway_loses_nothing(tmp_path: Path) -> None:
    folder, out = tmp_path / "subs", tmp_path / "out"
    folder.mkdir()
    for index in range(8):
        source = (HOSTILE / "sleep.py") if index % 2 else (SUBS / "good.py")
        (folder / f"s{index:02d}.py").write_bytes(source.read_bytes())
    command = [
        sys.executable,
        "-m",
        "questionbank",
        "--bank",
        str(TOY / "bank"),
        "grade-batch",
        "toy-affine",
        str(folder),
        "--out",
        str(out),
    ]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    process = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(out.glob("*.json"))) < 3:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    finished = sorted(out.glob("*.json"))
    assert len(finished) >= 3
    for path in finished:
        assert "score" in json.loads(path.read_text())
    done_before = {p.name: p.stat().st_mtime_ns for p in finished}
    result = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr
    assert f"{8 - len(finished)} graded, {len(finished)} unchanged" in result.stdout
    for name, mtime in done_before.items():
        assert (out / name).stat().st_mtime_ns == mtime
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_export_gradescope_bundle(tmp_path: Path) -> None:
    target = tmp_path / "autograder.zip"
    code, _, err = run("export", "gradescope", "toy-affine", "--out", str(target))
    assert code == 0, err
    with zipfile.ZipFile(target) as archive:
        names = set(archive.namelist())
        run_script = archive.read("run_autograder").decode()
        mode = archive.getinfo("run_autograder").external_attr >> 16
    assert {
        "setup.sh",
        "run_autograder",
        "qbank/pyproject.toml",
        "qbank/questionbank/cli.py",
        "qbank/graders/toy.py",
        "qbank/bank/toy.yaml",
    } <= names
    assert mode & 0o111
    assert "grade toy-affine" in run_script
    assert "--require-isolation partial" in run_script
    assert "/autograder}" in run_script and "results/results.json" in run_script


def test_export_task_only_with_gradescope(tmp_path: Path) -> None:
    code, _, err = run("export", "gift", "toy-affine", "--out", str(tmp_path / "x.txt"))
    assert code == 2
    assert "only with `export gradescope TASK`" in err
