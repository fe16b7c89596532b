"""Loading a bank: every question type, file-level defaults, and what is skipped."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from questionbank import models
from questionbank.bank import load_bank
from questionbank.errors import InputError
from tests.bankfiles import load, problems_of
from tests.conftest import FIXTURES

TINY = FIXTURES / "tiny_bank"


def test_every_question_type_loads_into_its_model() -> None:
    bank = load_bank(TINY)
    kinds = {q.id: type(q) for q in bank}
    assert kinds == {
        "ml-not-supervised": models.McqQuestion,
        "overfit-all": models.McqQuestion,
        "act-multi": models.MultiQuestion,
        "relu-linear": models.TrueFalseQuestion,
        "sig-deriv": models.NumericQuestion,
        "acc-param": models.NumericQuestion,
        "short-ipo": models.ShortQuestion,
        "sigmoid-fixture": models.CodeQuestion,
    }


def test_file_level_defaults_fill_in_and_tags_merge() -> None:
    bank = load_bank(TINY)
    q = bank.get("ml-not-supervised")
    assert (q.topic, q.week, q.points, q.difficulty) == ("ml", 4, 2, 1)
    assert q.tags == ["fixture", "supervised"]
    overfit = bank.get("overfit-all")
    assert overfit.topic == "regularization"  # its own value wins over the file's
    assert overfit.week == 4


def test_unknown_id_suggests_close_match() -> None:
    bank = load_bank(TINY)
    with pytest.raises(
        Exception, match=r"no question with id 'acc-parm' .*did you mean 'acc-param'"
    ):
        bank.get("acc-parm")


def test_exam_specs_and_hidden_folders_are_not_questions(in_tmp: Path) -> None:
    bank = load(
        in_tmp,
        {
            "a.yaml": "- {id: q1, type: tf, topic: ml, prompt: P, answer: true}\n",
            "exams/midterm.yaml": "title: not a question file\nsections: []\n",
            "_drafts/x.yaml": "not: [valid",
        },
    )
    assert [q.id for q in bank] == ["q1"]


def test_alias_bomb_is_refused_fast_and_small(in_tmp: Path) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        prev, cur = chr(96 + i), chr(97 + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    script = (
        "import time, sys\n"
        "from pathlib import Path\n"
        "from questionbank.bank import load_bank\n"
        "from questionbank.errors import InputError\n"
        "t = time.perf_counter()\n"
        "try:\n    load_bank(Path(sys.argv[1]))\n"
        "except InputError as e:\n    print(e.problems[0].message)\n"
        "print(time.perf_counter() - t)\n"
        # VmHWM is this process's own peak; ru_maxrss would include the peak of the
        # pytest process it was forked from (Linux keeps it across exec).
        "status = Path('/proc/self/status')\n"
        "peak = [l for l in status.read_text().splitlines() if l.startswith('VmHWM')]"
        " if status.exists() else []\n"
        "print(peak[0].split()[1] if peak else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    bank = in_tmp / "bank"
    bank.mkdir()
    (bank / "bomb.yaml").write_text("\n".join(lines) + "\n")
    out = subprocess.run(
        [sys.executable, "-c", script, str(bank)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        cwd=Path(__file__).parent.parent,
    ).stdout.splitlines()
    assert out[0].startswith("aliases would expand this document to 490,329,064 nodes")
    assert float(out[1]) < 1.0
    assert int(out[2]) < 200_000  # KiB: the expansion was never built


def test_python_tags_are_never_run(in_tmp: Path) -> None:
    marker = in_tmp / "pwned"
    problems = problems_of(
        in_tmp, {"a.yaml": f"- !!python/object/apply:os.system ['touch {marker}']\n"}
    )
    assert "unsupported YAML tag" in problems[0]
    assert not marker.exists()


def test_empty_bank_folder_is_a_clear_error(in_tmp: Path) -> None:
    (in_tmp / "bank").mkdir()
    with pytest.raises(Exception, match=r"no \.yaml files found"):
        load_bank(in_tmp / "bank")


def test_input_error_summary_counts_problems_and_files(in_tmp: Path) -> None:
    from tests.bankfiles import write_bank

    bank = write_bank(in_tmp, {"a.yaml": "- {id: q1, type: tf, topic: ml, prompt: P}\n"})
    with pytest.raises(InputError) as info:
        load_bank(bank)
    assert str(info.value).splitlines()[-1] == "1 problem in 1 file"
