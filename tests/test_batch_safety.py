"""grade-batch reads a folder of student files as root: links, FIFOs, devices, hidden files
and two entries naming one student each get a clear per-student message, never a crash, a
hang or a file read through a link; grades.csv cannot carry a formula."""

from __future__ import annotations

import csv
import json
import os
import stat
from pathlib import Path

import pytest
from sandbox_helpers import TOY_ROOT, toy_task

from questionbank.grading.batch import find_submissions, grade_batch
from questionbank.grading.text import clean_text, csv_cell

GOOD = (TOY_ROOT / "submissions" / "good.py").read_bytes()
REFERENCE = TOY_ROOT / "graders" / "toy.py"


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "subs"
    folder.mkdir()
    (folder / "alice.py").write_bytes(GOOD)
    (folder / "bob.py").symlink_to(REFERENCE)  # a reference solution, through a link
    (folder / "carol.py").symlink_to(folder / "alice.py")  # another student's file
    secret = tmp_path / "root-only.txt"
    secret.write_text("root's secret")
    secret.chmod(0o600)
    (folder / "dave.py").symlink_to(secret)
    os.mkfifo(folder / "erin.py")
    (folder / ".frank.py").write_bytes(GOOD)
    (folder / "gina.py").write_bytes(GOOD)
    (folder / "gina").mkdir()
    (folder / "gina" / "submission.py").write_bytes(GOOD)
    (folder / "hank").mkdir()
    (folder / "hank" / "submission.py").symlink_to(REFERENCE)
    (folder / "=cmd|' calc'!A0.py").write_bytes(GOOD)
    (folder / "notes.txt").write_text("not a submission")
    return folder


PROBLEMS = {
    "bob": "bob.py is a symbolic link: only regular files are graded",
    "carol": "carol.py is a symbolic link: only regular files are graded",
    "dave": "dave.py is a symbolic link: only regular files are graded",
    "erin": "erin.py is not a regular file (a FIFO or a device?)",
    ".frank": ".frank.py is a hidden file: rename it without the dot",
    "gina": "gina/ and gina.py both name student gina",
    "hank": "hank/ holds links or special files (submission.py): not graded",
}


def test_every_unsafe_entry_is_a_per_student_problem(tmp_path: Path) -> None:
    found = {s.student: s for s in find_submissions(_folder(tmp_path))}
    assert {k: found[k].problem for k in PROBLEMS} == PROBLEMS
    assert found["alice"].problem is None and found["alice"].path is not None
    assert "notes" not in found


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")
def test_a_device_node_is_not_read(tmp_path: Path) -> None:
    folder = tmp_path / "subs"
    folder.mkdir()
    os.mknod(folder / "ivan.py", 0o600 | stat.S_IFCHR, os.makedev(1, 5))  # /dev/zero
    (found,) = find_submissions(folder)
    assert found.problem == "ivan.py is not a regular file (a FIFO or a device?)"


def test_a_batch_with_unsafe_entries_grades_the_rest_and_writes_everything(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    grade_batch([toy_task()], _folder(tmp_path), out, jobs=1)
    documents = {p.stem: json.loads(p.read_text()) for p in out.glob("*.json")}
    for student, problem in PROBLEMS.items():
        assert documents[student]["score"] == 0
        assert documents[student]["output"] == problem
    assert documents["alice"]["score"] == 5
    assert "root's secret" not in json.dumps(documents)
    with (out / "grades.csv").open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    students = [row[0] for row in rows[1:]]
    assert "'=cmd|' calc'!A0" in students  # shown as text, never run as a formula
    assert not [s for s in students if s.startswith(("=", "+", "-", "@"))]


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        ("plain", "plain"),
        ("a\nb\tc", "a\nb\tc"),
        ("\x1b[2J\x1b]0;pwned\x07", "\ufffd[2J\ufffd]0;pwned\ufffd"),
        ("lone \udcff surrogate", "lone ? surrogate"),
        ("right-to-left \u202e override", "right-to-left \ufffd override"),
    ],
    ids=["plain", "newlines-tabs", "escape-sequences", "surrogate", "bidi-override"],
)
def test_student_text_is_cleaned(text: str, cleaned: str) -> None:
    assert clean_text(text) == cleaned


@pytest.mark.parametrize(
    ("name", "cell"),
    [
        ("alice", "alice"),
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("-x", "'-x"),
    ],
    ids=["plain", "equals", "plus", "at", "minus"],
)
def test_csv_cells_never_start_a_formula(name: str, cell: str) -> None:
    assert csv_cell(name) == cell


def test_a_result_that_cannot_be_written_stops_the_batch_and_keeps_the_others(
    tmp_path: Path,
) -> None:
    """Results are written by a thread of their own while the slots go on; a write that
    fails still stops the batch with its error, after what was graded is written."""
    folder = tmp_path / "subs"
    folder.mkdir()
    for student in ("alice", "bob", "carol"):
        (folder / f"{student}.py").write_bytes(GOOD)
    out = tmp_path / "out"
    (out / "bob.json").mkdir(parents=True)  # where bob's result should go
    with pytest.raises(IsADirectoryError):
        grade_batch([toy_task()], folder, out, jobs=1)
    assert json.loads((out / "alice.json").read_text())["score"] == 5
    rows = list(csv.DictReader((out / "grades.csv").read_text().splitlines()))
    assert [r["student"] for r in rows] == ["alice", "bob", "carol"]
    assert rows[0]["max_score"] != "0" and rows[1]["max_score"] == "0"  # bob: no result


def test_a_failing_progress_display_stops_the_batch_without_dropping_results(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "subs"
    folder.mkdir()
    for student in ("alice", "bob", "carol"):
        (folder / f"{student}.py").write_bytes(GOOD)

    def progress(student: str, done: int, total: int) -> None:
        if done == 1:
            raise RuntimeError("the display broke")

    with pytest.raises(RuntimeError, match="the display broke"):
        grade_batch([toy_task()], folder, tmp_path / "out", jobs=1, on_progress=progress)
    assert json.loads((tmp_path / "out" / "alice.json").read_text())["score"] == 5
    assert (tmp_path / "out" / "grades.csv").exists()
