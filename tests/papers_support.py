"""Helpers shared by the paper, export and grading tests: the fixture bank and specs."""

from __future__ import annotations

from pathlib import Path

from questionbank.assemble import Exam, assemble
from questionbank.bank import Bank, load_bank
from questionbank.exam_spec import load_spec

FIXTURES = Path(__file__).parent / "fixtures" / "papers"
BANK = FIXTURES / "bank"
SPEC = FIXTURES / "exam.yaml"
PER_STUDENT = FIXTURES / "per-student.yaml"


def fixture_bank() -> Bank:
    return load_bank(BANK)


def fixture_exam(spec: Path = SPEC, bank: Bank | None = None) -> Exam:
    return assemble(load_spec(spec), bank or fixture_bank())


def write_spec(folder: Path, text: str, name: str = "spec.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path
