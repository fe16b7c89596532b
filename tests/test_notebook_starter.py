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
# Runs each notebook's code cells top to bottom, the starter cell replaced by a solution, each
# notebook in a namespace of its own; prints the last line each printed. No qbank imported.
RUNNER = r"""
import contextlib, io, json, sys
results = []
for cells in json.load(open(sys.argv[1])):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        scope = {"__name__": "__main__"}
        for cell in cells:
            exec(compile(cell, "<cell>", "exec"), scope)
    results.append(out.getvalue().strip().splitlines()[-1])
print(json.dumps(results))
"""


def _last_lines(notebooks: list[list[str]], tmp_path: Path) -> list[str]:
    (tmp_path / "cells.json").write_text(json.dumps(notebooks))
    (tmp_path / "runner.py").write_text(RUNNER)
    done = subprocess.run(
        [sys.executable, str(tmp_path / "runner.py"), str(tmp_path / "cells.json")],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_starter_notebooks_check_the_public_cases(tmp_path: Path) -> None:
    bank = load_bank(ROOT / "bank", check=False)
    tasks = [q for q in bank.questions if isinstance(q, models.CodeQuestion) and not q.exam_only]
    runs, expected = [], []
    for task in tasks:
        data = student_task(task, bank.project_root, BundleReport(tmp_path))
        raw = starter_notebook(data)
        book = nbformat.reads(raw.decode(), as_version=4)
        nbformat.validate(book)
        text = raw.decode()
        assert str(ROOT) not in text and "/tmp/" not in text and "graders/" not in text, task.id
        hidden = [c.name for c in task.cases if c.hidden]
        assert not [n for n in hidden if json.dumps(n)[1:-1] in text], task.id
        statement = book.cells[0].source
        assert "**English**" in statement and "**中文**" in statement, task.id
        assert book.cells[1].source == task.starter.rstrip("\n"), task.id
        assert task.reference is not None
        reference = (ROOT / task.reference.partition(":")[0]).read_text()
        cells = [c.source for c in book.cells if c.cell_type == "code"]
        public = len(data["cases"])
        runs += [[reference, *cells[1:]], cells]
        expected += [f"{public}/{public} public cases passed", f"0/{public} public cases passed"]
    assert _last_lines(runs, tmp_path) == expected


def test_practice_notebook_and_bundle_notebooks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from questionbank.cli import cli

    monkeypatch.chdir(tmp_path)
    env = {"NO_COLOR": "1", "QBANK_HOME": str(tmp_path / "home")}

    def qbank(*args: str) -> str:
        done = CliRunner().invoke(cli, list(args), env=env)
        assert done.exit_code == 0, done.output
        return done.output

    course = str(ROOT / "bank")
    qbank("--bank", course, "practice", "conv2d", "--notebook")
    book = nbformat.read(tmp_path / "conv2d.ipynb", as_version=4)
    nbformat.validate(book)
    assert book.cells[1].source.startswith("import numpy")
    output = qbank("--bank", course, "bundle", "--student", "--notebooks", "--out", "b")
    written = sorted(p.stem for p in (tmp_path / "b" / "notebooks").glob("*.ipynb"))
    assert "conv2d" in written and len(written) >= 30
    assert f"wrote {len(written)} notebooks" in output
    # From the student bundle, which has no references: the same notebook.
    bundled = str(tmp_path / "b" / "bank")
    qbank("--bank", bundled, "practice", "conv2d", "--notebook", "--out", "s.ipynb")
    assert (tmp_path / "s.ipynb").read_bytes() == (tmp_path / "conv2d.ipynb").read_bytes()
