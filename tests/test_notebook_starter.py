"""Starter notebooks for Colab: valid nbformat, the statement in both languages, no local
path and nothing hidden, and a check cell that passes the reference and fails the starter,
run in a plain Python process without qbank (as in Colab)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from questionbank import models
from questionbank.bank import load_bank
from questionbank.bundle import BundleReport, student_task
from questionbank.notebook import starter_notebook

ROOT = Path(__file__).resolve().parent.parent
BANK = load_bank(ROOT / "bank", check=False)
TASKS = [q for q in BANK.questions if isinstance(q, models.CodeQuestion) and not q.exam_only]


def _run_cells(book: nbformat.NotebookNode, solution: str, tmp_path: Path) -> str:
    """The code cells, the starter replaced by solution, run top to bottom in a fresh python."""
    cells = [c.source for c in book.cells if c.cell_type == "code"]
    cells[0] = solution
    script = tmp_path / "notebook.py"
    script.write_text("\n\n".join(cells))
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.parametrize("task", TASKS, ids=[t.id for t in TASKS])
def test_starter_notebook_checks_the_public_cases(
    task: models.CodeQuestion, tmp_path: Path
) -> None:
    data = student_task(task, BANK.project_root, BundleReport(tmp_path))
    raw = starter_notebook(data)
    book = nbformat.reads(raw.decode(), as_version=4)
    nbformat.validate(book)
    text = raw.decode()
    assert str(ROOT) not in text and "/tmp/" not in text and "graders/" not in text
    hidden = [c.name for c in task.cases if c.hidden]
    assert not [name for name in hidden if json.dumps(name)[1:-1] in text]
    statement = book.cells[0].source
    assert "**English**" in statement and "**中文**" in statement
    assert book.cells[1].source == task.starter.rstrip("\n")
    assert task.reference is not None
    reference = (ROOT / task.reference.partition(":")[0]).read_text()
    out = _run_cells(book, reference, tmp_path)
    public = len(data["cases"])
    assert out.strip().endswith(f"{public}/{public} public cases passed"), out
    starter_out = _run_cells(book, task.starter, tmp_path)
    assert f"0/{public} public cases passed" in starter_out, starter_out
