"""Shared helpers of the practice tests (quiz, history, review, bundle)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from questionbank import models
from questionbank.bank import Bank, load_bank
from questionbank.describe import LETTERS
from questionbank.instance import Instance

FIXTURE = Path(__file__).parent / "fixtures" / "practice_bank"
FIXTURE_BANK = FIXTURE / "bank"


def fixture_bank() -> Bank:
    return load_bank(FIXTURE_BANK)


def right_answer(inst: Instance) -> str:
    """What a student who knows the answer types."""
    q = inst.question
    if isinstance(q, models.ChoiceQuestion):
        return ",".join(LETTERS[i] for i in inst.correct_indexes)
    if isinstance(q, models.TrueFalseQuestion):
        return "t" if inst.answer else "f"
    if isinstance(q, models.NumericQuestion):
        return f"{inst.answer:.4f}"
    if isinstance(q, models.ShortQuestion):
        return q.answers[0]
    raise AssertionError(f"no typed answer for {q.type}")


def wrong_answer(inst: Instance) -> str:
    q = inst.question
    if isinstance(q, models.ChoiceQuestion):
        return next(LETTERS[i] for i, c in enumerate(inst.choices) if not c.correct)
    if isinstance(q, models.TrueFalseQuestion):
        return "f" if inst.answer else "t"
    if isinstance(q, models.NumericQuestion):
        return str(inst.answer + 1000)
    return "definitely not it"


def run_cli(args: list[str], *, home: Path, input: str = "", **env: str) -> Result:
    from questionbank.cli import cli

    runner = CliRunner()
    environment = {"QBANK_HOME": str(home), "NO_COLOR": "1", "COLUMNS": "100", **env}
    return runner.invoke(cli, ["--bank", str(FIXTURE_BANK), *args], input=input, env=environment)


def db_rows(home: Path, query: str = "SELECT * FROM answers ORDER BY id") -> list[dict[str, Any]]:
    with sqlite3.connect(home / "history.sqlite3") as db:
        db.row_factory = sqlite3.Row
        return [dict(row) for row in db.execute(query)]
