"""Helpers shared by the foundation tests: write a tiny bank and collect its problems."""

from __future__ import annotations

import textwrap
from pathlib import Path

from questionbank.bank import Bank, load_bank
from questionbank.errors import InputError


def write_bank(root: Path, files: dict[str, str | bytes]) -> Path:
    bank = root / "bank"
    for name, content in files.items():
        path = bank / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return bank


def problems_of(root: Path, files: dict[str, str | bytes]) -> list[str]:
    """Every problem line load_bank reports, with paths relative to ``root``."""
    bank = write_bank(root, files)
    try:
        load_bank(bank)
    except InputError as exc:
        return [str(p).replace(str(root) + "/", "") for p in exc.problems]
    return []


def load(root: Path, files: dict[str, str | bytes]) -> Bank:
    return load_bank(write_bank(root, files))
