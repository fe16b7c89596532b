"""Whole practice sessions through the CLI (click's CliRunner), then the database."""

from __future__ import annotations

import json
import os
import random
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from questionbank.history import AnswerRecord, History
from questionbank.instance import Instance
from questionbank.scheduler import Planner
from questionbank.session import Filters, plan_quiz, plan_review, select
from tests.practice_helpers import (
    FIXTURE_BANK,
    db_rows,
    fixture_bank,
    right_answer,
    run_cli,
    wrong_answer,
)


def _plan(seed: int, count: int) -> list[Instance]:
    bank = fixture_bank()
    return plan_quiz(select(bank.questions, Filters()), count=count, rng=random.Random(seed))


@pytest.mark.parametrize("lang", ["en", "zh-TW"])
def test_full_session_all_right(tmp_path: Path, lang: str) -> None:
    plan = _plan(11, 6)
    answers = "".join(right_answer(inst) + "\n" for inst in plan)
    result = run_cli(
        ["quiz", "--seed", "11", "-n", "6", "--lang", lang], home=tmp_path, input=answers
    )
    assert result.exit_code == 0, result.output
    rows = db_rows(tmp_path)
    assert [(r["question_id"], r["seed"], r["fraction"], r["skipped"]) for r in rows] == [
        (inst.id, inst.seed, 1.0, 0) for inst in plan
    ]
    sessions = db_rows(tmp_path, "SELECT mode, lang FROM sessions")
    assert sessions == [{"mode": "quiz", "lang": lang}]
    score = "Score: 6 / 6 points (100%)" if lang == "en" else "得分：6 / 6 分(100%)"
    assert score in result.stdout
    assert "\x1b[" not in result.stdout  # not a terminal: no colours


@pytest.mark.parametrize("lang", ["en", "zh-TW"])
def test_transcript_matches_golden(
    tmp_path: Path, lang: str, golden: Callable[[str, str], None]
) -> None:
    plan = _plan(5, 5)
    typed = [
        wrong_answer(plan[0]),
        "?",
        right_answer(plan[1]),
        "s",
        "nonsense",
        right_answer(plan[3]),
        "q",
    ]
    if plan[0].type == "numeric":
        typed.insert(0, "not a number")
    result = run_cli(
        ["quiz", "--seed", "5", "-n", "5", "--lang", lang],
        home=tmp_path,
        input="".join(t + "\n" for t in typed),
    )
    assert result.exit_code == 0, result.output
    # Semantic check first, so a refreshed golden file cannot hide a broken session.
    shown = [inst.id for inst in plan if f"· {inst.id} ·" in result.stdout]
    assert shown == [inst.id for inst in plan[:5]][: len(shown)] and len(shown) >= 4
    rows = db_rows(tmp_path)
    assert [r["question_id"] for r in rows] == [inst.id for inst in plan[:4]]
    assert [r["skipped"] for r in rows] == [0, 0, 1, 0]
    assert [r["hint_used"] for r in rows] == [0, 0, 0, 0]  # '?' without a hint is not a hint
    # FSRS's intervals are fixed (Again: 1 min, Good: 10 min); the clock time is not.
    golden(f"practice/quiz_{lang}.txt", re.sub(r"\(\d\d:\d\d\)", "(HH:MM)", result.stdout))


def test_review_asks_again_what_was_missed(tmp_path: Path) -> None:
    plan = _plan(21, 4)
    typed = [wrong_answer(plan[0]), right_answer(plan[1]), "s", right_answer(plan[3])]
    first = run_cli(
        ["quiz", "--seed", "21", "-n", "4", "--lang", "en"],
        home=tmp_path,
        input="".join(t + "\n" for t in typed),
    )
    assert first.exit_code == 0, first.output
    with History.open(tmp_path / "history.sqlite3") as history:
        memories = Planner().memories(history.answers())
    review_plan, gone = plan_review(
        fixture_bank().questions, memories, count=20, rng=random.Random(1)
    )
    assert gone == []
    # Most recently missed first: the skipped one, then the wrong one.
    assert [inst.id for inst in review_plan] == [plan[2].id, plan[0].id]
    for inst, old in zip(review_plan, (plan[2], plan[0]), strict=True):
        if inst.question.parametric:
            assert inst.seed != old.seed  # comes back with new numbers
    result = run_cli(
        ["review", "--lang", "zh-TW", "--seed", "1"],
        home=tmp_path,
        input="".join(right_answer(inst) + "\n" for inst in review_plan),
    )
    assert result.exit_code == 0, result.output
    rows = db_rows(tmp_path)
    assert [(r["question_id"], r["fraction"]) for r in rows[4:]] == [
        (inst.id, 1.0) for inst in review_plan
    ]
    assert db_rows(tmp_path, "SELECT mode FROM sessions ORDER BY id")[-1] == {"mode": "review"}
    final = run_cli(["review", "--lang", "en"], home=tmp_path)
    first, second = final.stdout.splitlines()
    # Everything was just answered right: nothing due, the next review minutes away.
    assert re.fullmatch(r"Due now: 0 · new: \d+ · next review: in \d+ min \(\d\d:\d\d\)", first)
    assert second == "Nothing to review: every question you answered was right last time."


def test_due_brings_back_a_parametric_question_with_new_numbers(tmp_path: Path) -> None:
    long_ago = datetime.now(UTC) - timedelta(days=30)
    with History.open(tmp_path / "history.sqlite3") as history:
        session = history.start_session(mode="quiz", lang="en", bank="fixture")
        for question_id, topic, qtype, seed, fraction in [
            ("fx-numeric-accuracy", "metrics", "numeric", 77, 0.0),
            ("fx-tf-relu-negative", "activation", "tf", 0, 1.0),
        ]:
            history.record(
                session,
                AnswerRecord(
                    question_id, topic, qtype, seed, "x", fraction, 1.0, False, False, 3.0, long_ago
                ),
            )
    result = run_cli(
        ["quiz", "--due", "-n", "2", "--lang", "en", "--seed", "3"], home=tmp_path, input="s\ns\n"
    )
    assert result.exit_code == 0, result.output
    rows = db_rows(tmp_path)[2:]
    # The wrong one is the weakest, so it comes first; the right one is due after 30 days.
    assert [r["question_id"] for r in rows] == ["fx-numeric-accuracy", "fx-tf-relu-negative"]
    assert rows[0]["seed"] != 77


def test_due_with_nothing_due(tmp_path: Path) -> None:
    bank = fixture_bank()
    now = datetime.now(UTC)
    with History.open(tmp_path / "history.sqlite3") as history:
        session = history.start_session(mode="quiz", lang="en", bank="fixture")
        for q in select(bank.questions, Filters(topics=("activation",))):
            for days in (60, 30, 0):  # three right answers: the next review is days away
                history.record(
                    session,
                    AnswerRecord(
                        q.id,
                        q.topic,
                        q.type,
                        0,
                        "x",
                        1.0,
                        1.0,
                        False,
                        False,
                        2.0,
                        now - timedelta(days=days),
                    ),
                )
    result = run_cli(["quiz", "--due", "--topic", "activation", "--lang", "en"], home=tmp_path)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert re.fullmatch(
        r"Due now: 0 · new: 0 · next review: in \d+ days \(\d{4}-\d\d-\d\d\)", lines[0]
    )
    assert lines[1].startswith("Nothing is due now; the next review is in ")
    assert lines[2] == "Every question here has been seen: come back when one is due."
    assert db_rows(tmp_path, "SELECT count(*) AS n FROM sessions") == [{"n": 1}]  # no new session


def test_stats_table_and_json(tmp_path: Path) -> None:
    empty = run_cli(["stats"], home=tmp_path)
    assert empty.exit_code == 0
    assert "No answers yet in" in empty.stdout
    plan = _plan(8, 3)
    typed = [right_answer(plan[0]), wrong_answer(plan[1]), "s"]
    run_cli(
        ["quiz", "--seed", "8", "-n", "3", "--lang", "en"],
        home=tmp_path,
        input="".join(t + "\n" for t in typed),
    )
    data = json.loads(run_cli(["stats", "--format", "json"], home=tmp_path).stdout)
    assert data["totals"] == {
        "answered": 2,
        "skipped": 1,
        "correct": 1,
        "accuracy": 0.5,
        "points": 1.0,
        "max_points": 2.0,
        "questions": 3,
    }
    assert sum(t["answered"] for t in data["topics"]) == 2
    table = run_cli(["stats"], home=tmp_path).stdout
    for topic in {inst.question.topic for inst in plan}:
        assert topic in table
    assert "total" in table and "50%" in table


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ["quiz", "--topic", "activaton"],
            1,
            "--topic 'activaton': no question has this topic (did you mean 'activation'?); "
            "topics in the bank: activation, frameworks, metrics, ml, numpy\n",
        ),
        (
            ["quiz", "--topic", "numpy"],
            1,
            "no quiz question matches --topic/--week (code tasks: use qbank practice)\n",
        ),
        (["quiz", "--week", "6-3"], 2, "--week '6-3': the range is backwards (expected 3-6)\n"),
        (["quiz", "--week", "six"], 2, "--week 'six': expected a week or a range such as 3-6\n"),
        (
            ["quiz", "--week", "40-41"],
            1,
            "no quiz question matches --topic/--week (code tasks: use qbank practice)\n",
        ),
    ],
    ids=["topic-typo", "topic-only-code", "week-backwards", "week-word", "week-empty"],
)
def test_bad_options(tmp_path: Path, args: list[str], code: int, message: str) -> None:
    result = run_cli(args, home=tmp_path)
    assert result.exit_code == code
    assert result.stderr == message
    assert "Traceback" not in result.output


def test_week_and_topic_filters(tmp_path: Path) -> None:
    result = run_cli(
        ["quiz", "--week", "4", "--topic", "ml", "-n", "5", "--lang", "en"],
        home=tmp_path,
        input="s\ns\ns\n",
    )
    assert result.exit_code == 0
    asked = {r["question_id"] for r in db_rows(tmp_path)}
    assert asked == {"fx-multi-supervised", "fx-exam-only-secret"}  # ml questions of week 4


def test_corrupt_history_is_moved_aside(tmp_path: Path) -> None:
    broken = tmp_path / "history.sqlite3"
    broken.write_bytes(b"this is not an SQLite database, but someone's answers may be in it\n" * 50)
    result = run_cli(
        ["quiz", "-n", "1", "--lang", "en", "--topic", "activation", "--seed", "2"],
        home=tmp_path,
        input="s\n",
    )
    assert result.exit_code == 0, result.output
    moved = list(tmp_path.glob("history.sqlite3.corrupt-*"))
    assert len(moved) == 1
    assert moved[0].read_bytes().startswith(b"this is not an SQLite database")
    assert result.stderr.startswith(f"warning: the history database {broken} could not be read (")
    assert f"it was moved to {moved[0]} (nothing was deleted)" in " ".join(result.stderr.split())
    assert len(db_rows(tmp_path)) == 1  # the new history holds the new answer


def test_two_quiz_sessions_at_once_lose_no_answer(tmp_path: Path) -> None:
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "QBANK_HOME": str(tmp_path), "NO_COLOR": "1", "PYTHONPATH": str(root)}
    args = [sys.executable, "-m", "questionbank", "--bank", str(FIXTURE_BANK), "quiz", "-n", "7"]
    procs = [
        subprocess.Popen(
            [*args, "--seed", str(seed), "--lang", lang],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            text=True,
        )
        for seed, lang in ((1, "en"), (2, "zh-TW"))
    ]
    for proc in procs:
        _, err = proc.communicate("s\n" * 7, timeout=60)
        assert proc.returncode == 0, err
    rows = db_rows(tmp_path)
    assert len(rows) == 14
    sessions = db_rows(tmp_path, "SELECT id, lang FROM sessions ORDER BY id")
    assert sorted(s["lang"] for s in sessions) == ["en", "zh-TW"]
    for session in sessions:
        answered = [r for r in rows if r["session_id"] == session["id"]]
        assert len({r["question_id"] for r in answered}) == 7


def test_ctrl_c_while_loading_ends_quietly(capsys: pytest.CaptureFixture[str]) -> None:
    from questionbank.session import EXIT_INTERRUPTED, guarded

    def loading() -> None:
        raise KeyboardInterrupt

    assert guarded(loading) == EXIT_INTERRUPTED == 130
    assert capsys.readouterr().err == "\ninterrupted\n"


def test_due_with_an_empty_history_offers_new_questions_in_course_order(tmp_path: Path) -> None:
    result = run_cli(["quiz", "--due", "-n", "3", "--lang", "en"], home=tmp_path, input="s\ns\ns\n")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:3] == [
        "Due now: 0 · new: 7 · next review: -",
        "Nothing is due now: no question has been answered yet.",
        "Here are 3 new question(s) instead, by week with the topics mixed.",
    ]
    asked = [r["question_id"] for r in db_rows(tmp_path)]
    # Week 4 first (metrics, then ml: topics in turn), then week 6.
    assert asked == ["fx-numeric-accuracy", "fx-exam-only-secret", "fx-multi-supervised"]
    assert sum("Next review: in 1 min" in line for line in lines) == 3  # skips rate Again


def test_due_starts_with_the_outlook_and_says_when_next(tmp_path: Path) -> None:
    run_cli(["quiz", "--seed", "4", "-n", "2", "--lang", "en"], home=tmp_path, input="s\ns\n")
    result = run_cli(["quiz", "--due", "-n", "1", "--lang", "zh-TW"], home=tmp_path, input="q\n")
    first = result.stdout.splitlines()[0]
    # Two skipped a moment ago: due in a minute, not yet; five never seen.
    assert re.fullmatch(r"到期 0 題 · 新題 5 題 · 下次複習：1 分鐘後\(\d\d:\d\d\)", first), first


def test_review_with_no_history_says_there_is_nothing_to_review(tmp_path: Path) -> None:
    result = run_cli(["review", "--lang", "en"], home=tmp_path)
    assert result.exit_code == 0
    assert result.stdout == (
        "Nothing to review yet: no answer has been saved. Start with: qbank quiz\n"
    )
    zh = run_cli(["review", "--lang", "zh-TW"], home=tmp_path)
    assert zh.stdout == "還沒有可複習的題目：尚未儲存任何作答。先從 qbank quiz 開始。\n"


def test_stats_keeps_accuracy_and_recall_apart(tmp_path: Path) -> None:
    plan = _plan(8, 1)
    run_cli(
        ["quiz", "--seed", "8", "-n", "1", "--lang", "en"],
        home=tmp_path,
        input=wrong_answer(plan[0]) + "\n",
    )
    result = run_cli(["stats"], home=tmp_path, COLUMNS="80")
    lines = result.stdout.splitlines()
    header = lines[0].split()
    assert " ".join(header) == "topic qs answered right accuracy points skips due recall now"
    row = next(line.split() for line in lines if line.startswith(plan[0].question.topic))
    # Just answered wrong: 0% right, yet FSRS's recall now is near 100% (it decays later).
    assert row[4] == "0%" and row[-1] in {"100%", "99%"}
    assert "accuracy: the share of your answers that were right." in " ".join(lines)
    assert any(
        re.fullmatch(r"Due now: 0 · new: 6 · next review: in 1 min \(\d\d:\d\d\)", x) for x in lines
    )
    assert all(len(line) <= 80 for line in lines if not line.startswith("history: "))
    data = json.loads(run_cli(["stats", "--format", "json"], home=tmp_path).stdout)
    assert data["review"]["due"] == 0 and data["review"]["new"] == 6
    assert data["topics"][0]["accuracy"] == 0.0 and data["topics"][0]["recall"] > 0.9
