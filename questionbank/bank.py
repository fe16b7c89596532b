"""Load stage: find the bank's YAML files and turn them into validated questions.

Every problem found in every file is collected; :func:`load_bank` raises one
:class:`~questionbank.errors.InputError` listing them all, after the bank-wide
checks in :mod:`questionbank.checks` have also had their say.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from questionbank import models
from questionbank.diagnostics import question_problems, suggest
from questionbank.errors import InputError, Location, Problem, QbankError
from questionbank.models import BankConfig
from questionbank.paths import display, project_root
from questionbank.yamlsource import Mark, NodeLocator, parse_plain, read_text

_QUESTION: TypeAdapter[models.AnyQuestion] = TypeAdapter(models.Question)
# Folders inside a bank that hold other kinds of YAML (exam specs) or private files.
SKIPPED_FOLDERS = ("exams",)
# Files named _*.yaml are not questions: _bank.yaml configures the bank.
_FILE_KEYS = (*models.FILE_DEFAULT_KEYS, "questions")


@dataclass(frozen=True)
class Where:
    """Where a question was written: its file and its path inside the file."""

    file: str
    locator: NodeLocator = field(repr=False, compare=False)
    prefix: tuple[str | int, ...]  # ("questions", 3) or (3,)

    def mark(self, path: tuple[str | int, ...], key: bool = False) -> Mark | None:
        mark, matched = self.locator.find((*self.prefix, *path), key=key)
        if path and matched <= len(self.prefix) and self.prefix[0] == "questions":
            # Not in the question itself: it may be a file-level default.
            default, found = self.locator.find(path[:1], key=key)
            if found:
                return default
        return mark

    def location(self, *path: str | int, key: bool = False) -> Location:
        return Location(self.file, *(self.mark(path, key) or (0, 0)))


@dataclass(frozen=True)
class Entry:
    """A validated question and where it was written."""

    question: models.AnyQuestion
    where: Where = field(repr=False, compare=False)

    @property
    def file(self) -> str:
        return self.where.file

    def location(self, *path: str | int, key: bool = False) -> Location:
        return self.where.location(*path, key=key)


@dataclass
class Bank:
    """All questions of a bank, in file order, with their locations."""

    root: Path
    entries: list[Entry]
    config: BankConfig = field(default_factory=BankConfig)

    def __post_init__(self) -> None:
        self._by_id = {e.question.id: e for e in self.entries}

    @property
    def questions(self) -> list[models.AnyQuestion]:
        return [e.question for e in self.entries]

    @property
    def project_root(self) -> Path:
        return project_root(self.root)

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[models.AnyQuestion]:
        return iter(self.questions)

    def entry(self, question_id: str) -> Entry:
        try:
            return self._by_id[question_id]
        except KeyError:
            hint = suggest(question_id, self._by_id)
            raise QbankError(
                f"no question with id '{question_id}' in {display(self.root)}{hint}"
            ) from None

    def get(self, question_id: str) -> models.AnyQuestion:
        return self.entry(question_id).question


def bank_files(paths: Sequence[Path]) -> list[Path]:
    """The YAML files named, or found below the folders named, in a stable order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            for candidate in sorted(path.rglob("*.y*ml")):
                rel = candidate.relative_to(path).parts
                if (
                    candidate.suffix in (".yaml", ".yml")
                    and not candidate.name.startswith(("_", "."))
                    and not any(
                        part in SKIPPED_FOLDERS or part.startswith((".", "_")) for part in rel[:-1]
                    )
                ):
                    found.append(candidate)
        else:
            found.append(path)
    return found


def _file_questions(
    data: Any, where: Where
) -> tuple[list[tuple[tuple[str | int, ...], Any]], list[Problem]]:
    """The raw question mappings of one file with their paths, file-level defaults applied."""
    if data is None:
        return [], []
    if isinstance(data, list):
        return [((i,), raw) for i, raw in enumerate(data)], []
    if not isinstance(data, dict):
        return [], [
            Problem(
                where.location(),
                "a bank file must be a list of questions or a mapping with 'questions:'",
            )
        ]
    problems = [
        Problem(
            where.location(key, key=True),
            f"unknown file-level key '{key}'{suggest(str(key), _FILE_KEYS)}; "
            f"expected one of: {', '.join(_FILE_KEYS)}",
        )
        for key in data
        if key not in _FILE_KEYS
    ]
    questions = data.get("questions")
    if not isinstance(questions, list):
        problems.append(
            Problem(where.location("questions"), "'questions' must be a list of questions")
        )
        return [], problems
    for raw in questions:
        if isinstance(raw, dict):
            _apply_defaults(raw, data)
    return [(("questions", i), raw) for i, raw in enumerate(questions)], problems


def _apply_defaults(question: dict[str, Any], defaults: dict[str, Any]) -> None:
    for key in models.FILE_DEFAULT_KEYS:
        if key not in defaults:
            continue
        own = question.get(key)
        if key == "tags" and isinstance(own, list) and isinstance(defaults[key], list):
            question[key] = list(dict.fromkeys([*defaults[key], *own]))
        elif key not in question:
            question[key] = defaults[key]


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while a bank loads.

    Loading builds hundreds of thousands of acyclic dicts, lists and strings that all stay
    alive; each automatic collection rescans them, which cost more than the parsing itself
    (10,000 questions: 2.7 s with the collector, 1.2–1.5 s without). Reference counting
    still frees everything; the collector's previous state is restored afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def parse_files(files: Iterable[Path]) -> tuple[list[Entry], list[Problem]]:
    """Validate every question of every file; never stops at the first problem."""
    entries: list[Entry] = []
    problems: list[Problem] = []
    with _no_cyclic_gc():
        for path in files:
            name = display(path)
            text, read_problems = read_text(path, name)
            problems.extend(read_problems)
            if text is not None:
                found, file_problems = parse_text(text, name)
                entries.extend(found)
                problems.extend(file_problems)
    return entries, problems


def parse_text(text: str, name: str) -> tuple[list[Entry], list[Problem]]:
    """The questions of one file's text (``name`` is how messages show the file)."""
    entries: list[Entry] = []
    data, problems = parse_plain(text, name)
    locator = NodeLocator(text)
    raws, structure_problems = _file_questions(data, Where(name, locator, ()))
    problems.extend(structure_problems)
    for prefix, raw in raws:
        where = Where(name, locator, prefix)
        if not isinstance(raw, dict):
            problems.append(
                Problem(where.location(), f"a question must be a mapping, got {raw!r:.40}")
            )
            continue
        try:
            question = _QUESTION.validate_python(raw)
        except ValidationError as exc:
            problems.extend(question_problems(exc, raw, name, mark_of=where.mark))
            continue
        entries.append(Entry(question, where))
    return entries, problems


def bank_folder(root: Path) -> Path:
    return root if root.is_dir() else root.parent


def no_files_error(root: Path) -> QbankError:
    return QbankError(f"{display(root)}: no .yaml files found (expected a folder of bank files)")


def load_bank(root: Path, paths: Sequence[Path] | None = None, *, check: bool = True) -> Bank:
    """Load and validate a bank; raise :class:`InputError` with every problem found."""
    from questionbank.bankconfig import load_config
    from questionbank.checks import check_bank

    files = bank_files(list(paths) if paths else [root])
    if not files:
        raise no_files_error(root)
    entries, problems = parse_files(files)
    config, config_problems = load_config(bank_folder(root))
    problems.extend(config_problems)
    bank = Bank(root=bank_folder(root), entries=entries, config=config)
    if check:
        problems.extend(check_bank(bank))
    if problems:
        raise InputError(problems)
    return bank
