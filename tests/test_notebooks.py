"""Notebook submissions (.ipynb), as Jupyter and Colab save them: graded exactly like the same
code in a .py file, with notes on what was not run; hostile notebooks graded safely in a batch
between honest students."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from sandbox_helpers import TOY_ROOT, toy_task

from questionbank import models
from questionbank.bank import load_bank
from questionbank.grading.batch import find_submissions, grade_batch
from questionbank.grading.grade import grade_submission
from questionbank.grading.tasks import prepare_tasks
from questionbank.notebook import MAX_NOTEBOOK, NotebookError, notebook_source
from questionbank.sandbox import SandboxServer

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"
GOOD = (TOY_ROOT / "submissions" / "good.py").read_text()


def _notebook(*cells: tuple[str, str]) -> bytes:
    book = nbformat.v4.new_notebook()
    makers = {
        "code": nbformat.v4.new_code_cell,
        "markdown": nbformat.v4.new_markdown_cell,
        "raw": nbformat.v4.new_raw_cell,
    }
    book.cells = [makers[kind](text) for kind, text in cells]
    return nbformat.writes(book).encode()


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer(slot=35) as running:
        yield running


def test_every_shipped_task_scores_the_same_as_a_notebook(server: SandboxServer) -> None:
    bank = load_bank(ROOT / "bank", check=False)
    tasks = [q for q in bank.questions if isinstance(q, models.CodeQuestion)]
    differences = []
    for question in tasks:
        assert question.reference is not None
        (task,) = prepare_tasks(bank, question.id)
        source = (ROOT / question.reference.partition(":")[0]).read_text()
        book = _notebook(
            ("markdown", f"# {question.id}\n$x^2$"),
            ("code", "!pip install numpy\n%matplotlib inline\nimport matplotlib.pyplot as plt"),
            ("code", source),
            ("code", "plt.plot([0, 1], [0, 1])\nplt.show()"),
        )
        converted = notebook_source(book, functions=[question.function])
        as_py = grade_submission([task], source.encode(), server)
        as_notebook = grade_submission([task], converted.source, server)
        if as_py.score != as_notebook.score or as_py.score != as_py.max_score:
            differences.append((question.id, as_py.score, as_notebook.score))
    assert differences == []


@pytest.mark.parametrize("name", ["jupyter_affine.ipynb", "colab_affine.ipynb"])
def test_notebooks_saved_by_jupyter_and_colab(name: str, server: SandboxServer) -> None:
    converted = notebook_source((FIXTURES / name).read_bytes(), functions=["affine"])
    result = grade_submission([toy_task()], converted.source, server)
    assert result.score == result.max_score == 5, [c.message for c in result.tasks[0].cases]


def test_the_last_definition_wins_and_the_notes_say_so() -> None:
    converted = notebook_source(
        (FIXTURES / "colab_affine.ipynb").read_bytes(), functions=["affine"]
    )
    assert converted.notes == (
        "cell 2: 2 plotting or display line(s) not run",
        "cell 3: run without its %%time line",
        "cell 5: 4 plotting or display line(s) not run",
        "2 IPython line(s) (!command or %magic) not run",
        "affine() is defined in cells 3, 4: the last one (cell 4) is graded, as when the "
        "notebook runs top to bottom",
    )


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{not json", "not a Jupyter notebook that can be read"),
        (
            b'{"cells": 3, "nbformat": 4, "nbformat_minor": 5, "metadata": {}}',
            "not a Jupyter notebook",
        ),
        (b"\xff\xfe", "the notebook is not UTF-8"),
        (b" " * (MAX_NOTEBOOK + 1), f"the notebook is larger than {MAX_NOTEBOOK >> 20} MiB"),
    ],
    ids=["malformed-json", "cells-not-a-list", "not-utf8", "too-large"],
)
def test_unreadable_notebooks_get_a_clear_message(raw: bytes, message: str) -> None:
    with pytest.raises(NotebookError, match=message):
        notebook_source(raw)


def _hostile_notebooks(folder: Path) -> dict[str, str]:
    """name -> what its result's output must say."""
    huge_output = json.loads(_notebook(("code", GOOD)))
    huge_output["cells"][0]["outputs"] = [
        {"output_type": "stream", "name": "stdout", "text": ["x" * 1000 + "\n"] * 5000}
    ]
    image = json.loads(_notebook(("code", GOOD)))
    image["cells"][0]["outputs"] = [
        {"output_type": "display_data", "metadata": {}, "data": {"image/png": "A" * (50 << 20)}}
    ]
    hidden_code = json.loads(
        _notebook(("raw", GOOD), ("markdown", "```python\n" + GOOD + "```"), ("code", "x = 1"))
    )
    hidden_code["metadata"]["qbank"] = {"source": GOOD}
    hidden_code["cells"][2]["metadata"]["code"] = GOOD
    (folder / "a1_huge_output.ipynb").write_text(json.dumps(huge_output))
    (folder / "a2_image.ipynb").write_text(json.dumps(image))
    (folder / "a3_malformed.ipynb").write_bytes(b'{"cells": [')
    (folder / "a4_link.ipynb").symlink_to(FIXTURES / "jupyter_affine.ipynb")
    (folder / "a5_hidden_code.ipynb").write_text(json.dumps(hidden_code))
    return {
        "a1_huge_output": "5 / 5 points",  # outputs are never run: an honest, noisy notebook
        "a2_image": "the notebook is larger than 20 MiB",
        "a3_malformed": "not a Jupyter notebook that can be read",
        "a4_link": "a4_link.ipynb is a symbolic link",
        "a5_hidden_code": "0 / 5 points",
    }


def test_hostile_notebooks_in_a_batch_between_honest_students(tmp_path: Path) -> None:
    folder = tmp_path / "subs"
    folder.mkdir()
    expected = _hostile_notebooks(folder)
    (folder / "a0_honest.py").write_text(GOOD)
    (folder / "a6_honest_colab.ipynb").write_bytes((FIXTURES / "colab_affine.ipynb").read_bytes())
    (folder / "a9_honest.py").write_text(GOOD)
    out = tmp_path / "out"
    grade_batch([toy_task()], folder, out, jobs=2)
    documents = {p.stem: json.loads(p.read_text()) for p in out.glob("*.json")}
    for student, text in expected.items():
        assert text in documents[student]["output"], (student, documents[student]["output"])
    for honest in ("a0_honest", "a6_honest_colab", "a9_honest"):
        assert documents[honest]["score"] == 5, documents[honest]["output"]
    assert "affine() is defined in cells 3, 4" in documents["a6_honest_colab"]["output"]
    rows = (out / "grades.csv").read_text().splitlines()
    assert len(rows) == 1 + len(documents) == 1 + 8


def test_a_student_with_both_a_py_and_a_notebook_is_told(tmp_path: Path) -> None:
    (tmp_path / "ann.py").write_text(GOOD)
    (tmp_path / "ann.ipynb").write_bytes(_notebook(("code", GOOD)))
    (found,) = find_submissions(tmp_path)
    assert found.problem == "ann.ipynb and ann.py both name student ann"
