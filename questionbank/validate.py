"""Validate stage, as `qbank validate` runs it: which bank, which files, what to say.

A file is always validated in the context of its bank (an id it shares with another
file is an error there, so it is one here); the summary names what was checked.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from questionbank import models
from questionbank.bank import Bank, bank_files
from questionbank.bankconfig import CONFIG_NAME
from questionbank.errors import Problem, QbankError
from questionbank.paths import display


@dataclass(frozen=True)
class Report:
    summary: str
    warnings: list[Problem]


def _folder(path: Path) -> str:
    return display(path).rstrip("/") + "/"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def bank_of(path: Path, default: Path) -> Path:
    """The bank a file or folder belongs to: ``default`` (the bank in use) when it lies
    inside it, else the nearest folder above it with a _bank.yaml, else its own folder."""
    target = path.resolve()
    if default.is_dir() and target.is_relative_to(default.resolve()):
        return default
    start = target if target.is_dir() else target.parent
    for folder in (start, *start.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    return start


def counts(questions: Sequence[models.AnyQuestion]) -> str:
    """'120 mcq, 40 numeric, …; topics: ml 20, cnn 18, …'"""
    types = Counter(q.type for q in questions)
    topics = Counter(q.topic for q in questions)
    by_type = ", ".join(
        f"{n} {t}" for t, n in sorted(types.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    by_topic = ", ".join(f"{t} {n}" for t, n in sorted(topics.items()))
    return f"{by_type}; topics: {by_topic}"


def validate(default_bank: Path, paths: Sequence[Path]) -> Report:
    """Check the bank, or the files and folders named in the context of their bank."""
    from questionbank.bankcache import load_bank_cached
    from questionbank.lint import bilingual_warnings

    if not paths:
        bank = load_bank_cached(default_bank, check=True)
        where = _folder(bank.root)
        text = f"{_plural(len(bank), 'question')} valid in {where}: {counts(bank.questions)}"
        return Report(text, sorted(bilingual_warnings(bank.entries)))
    roots = {bank_of(p, default_bank) for p in paths}
    if len(roots) > 1:
        shown = ", ".join(sorted(display(r) for r in roots))
        raise QbankError(
            f"the files named belong to different banks ({shown}); validate one at a time"
        )
    root = roots.pop()
    for path in paths:
        if path.is_dir() and not bank_files([path]):
            raise QbankError(
                f"{display(path)}: no .yaml files found (expected a folder of bank files)"
            )
    bank = load_bank_cached(root, paths, check=True)
    return _report(bank, paths)


def _report(bank: Bank, paths: Sequence[Path]) -> Report:
    from questionbank.lint import bilingual_warnings

    named = {display(f.resolve()) for f in bank_files(list(paths))}
    entries = [e for e in bank.entries if e.file in named]
    what = ", ".join(display(p) for p in paths)
    text = (
        f"{_plural(len(entries), 'question')} valid in {what} "
        f"(checked with the bank {_folder(bank.root)}, {_plural(len(bank), 'question')}): "
        f"{counts([e.question for e in entries])}"
    )
    return Report(text, sorted(bilingual_warnings(entries)))
