"""One real pseudo-terminal session (pexpect): typed answers, colours, Ctrl-C."""

from __future__ import annotations

import os
import random
import re
import sys
import time
from pathlib import Path

import pytest

from questionbank.session import Filters, plan_quiz, select
from tests.practice_helpers import FIXTURE_BANK, db_rows, fixture_bank, right_answer

pexpect = pytest.importorskip("pexpect", reason="pexpect drives the pseudo-terminal")

ROOT = Path(__file__).resolve().parent.parent


def _spawn(home: Path, *args: str, no_color: bool = False) -> pexpect.spawn:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update(
        QBANK_HOME=str(home), TERM="xterm-256color", COLUMNS="100", LINES="40", PYTHONPATH=str(ROOT)
    )
    if no_color:
        env["NO_COLOR"] = "1"
    child = pexpect.spawn(
        sys.executable,
        ["-m", "questionbank", "--bank", str(FIXTURE_BANK), *args],
        env=env,
        cwd=str(ROOT),
        encoding="utf-8",
        timeout=20,
        dimensions=(40, 100),
    )
    return child


def test_chinese_session_in_a_terminal(tmp_path: Path) -> None:
    plan = plan_quiz(select(fixture_bank().questions, Filters()), count=3, rng=random.Random(4))
    child = _spawn(tmp_path, "quiz", "--seed", "4", "-n", "3", "--lang", "zh-TW")
    for n, inst in enumerate(plan, start=1):
        child.expect_exact(f"第 {n}/3 題")
        child.expect_exact("> ")
        child.sendline(right_answer(inst))
        child.expect_exact("答對了")
    child.expect_exact("得分：3 / 3 分(100%)")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    rows = db_rows(tmp_path)
    assert [(r["question_id"], r["fraction"]) for r in rows] == [(i.id, 1.0) for i in plan]


@pytest.mark.parametrize("no_color", [False, True], ids=["colour", "NO_COLOR"])
def test_colours_follow_no_color(tmp_path: Path, no_color: bool) -> None:
    child = _spawn(tmp_path, "quiz", "--seed", "4", "-n", "1", "--lang", "en", no_color=no_color)
    child.expect_exact("> ")
    child.sendline("s")
    child.expect(pexpect.EOF)
    output = child.before or ""
    child.close()
    assert child.exitstatus == 0
    # A foreground colour code (the skipped line is yellow); bold and dim may stay.
    has_colour = re.search(r"\x1b\[(?:[\d;]*;)?3[0-8](?:;[\d;]*)?m", output) is not None
    assert has_colour is not no_color


def test_ctrl_c_exits_cleanly_with_answers_saved(tmp_path: Path) -> None:
    plan = plan_quiz(select(fixture_bank().questions, Filters()), count=3, rng=random.Random(4))
    child = _spawn(tmp_path, "quiz", "--seed", "4", "-n", "3", "--lang", "en")
    child.expect_exact("> ")
    child.sendline(right_answer(plan[0]))
    child.expect_exact("Question 2/3")
    child.expect_exact("> ")
    child.sendintr()
    child.expect_exact("Interrupted: your answers so far are saved.")
    child.expect_exact("Score: 1 / 1 points (100%)")
    child.expect(pexpect.EOF)
    output = child.before or ""
    child.close()
    assert child.exitstatus == 130
    assert "Traceback" not in output
    assert [r["question_id"] for r in db_rows(tmp_path)] == [plan[0].id]


def test_arrow_keys_answer_choice_questions(tmp_path: Path) -> None:
    filters = Filters(topics=("ml",))
    plan = plan_quiz(select(fixture_bank().questions, filters), count=2, rng=random.Random(9))
    child = _spawn(tmp_path, "quiz", "--topic", "ml", "--seed", "9", "-n", "2", "--lang", "en")
    for inst in plan:
        child.expect_exact("> ")
        keys = []
        for n, index in enumerate(inst.correct_indexes):
            if n:
                keys.append(",")
            keys += ["\x1b[B"] * (index + 1)  # Down from an empty letter lands on A
        for key in keys:
            child.send(key)
            time.sleep(0.05)
        child.send("\r")
        child.expect_exact("✓ Correct")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    rows = db_rows(tmp_path)
    assert [(r["question_id"], r["fraction"]) for r in rows] == [(i.id, 1.0) for i in plan]
