"""Load stage: find the bank's YAML files and turn them into validated questions.

Every problem found in every file is collected; :func:`load_bank` raises one
:class:`~questionbank.errors.InputError` listing them all, after the bank-wide
checks in :mod:`questionbank.checks` have also had their say.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from questionbank import models
from questionbank.diagnostics import question_problems, suggest
from questionbank.errors import InputError, Location, Problem, QbankError
from questionbank.paths import display, project_root
from questionbank.yamlsource import MarkedList, MarkedMap, load_yaml, locate

_QUESTION: TypeAdapter[models.AnyQuestion] = TypeAdapter(models.Question)
# Folders inside a bank that hold other kinds of YAML (exam specs) or private files.
SKIPPED_FOLDERS = ("exams",)
_FILE_KEYS = (*models.FILE_DEFAULT_KEYS, "questions")


@dataclass(frozen=True)
class Entry:
    """A validated question and where it was written."""

    question: models.AnyQuestion
    file: str
    data: MarkedMap = field(repr=False, compare=False)

    def location(self, *path: str | int, key: bool = False) -> Location:
        mark = locate(self.data, path, key=key) or self.data.mark
        return Location(self.file, *mark)


@dataclass
class Bank:
    """All questions of a bank, in file order, with their locations."""

    root: Path
    entries: list[Entry]

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
                if candidate.suffix in (".yaml", ".yml") and not any(
                    part in SKIPPED_FOLDERS or part.startswith((".", "_")) for part in rel[:-1]
                ):
                    found.append(candidate)
        else:
            found.append(path)
    return found


def _file_questions(data: Any, file: str) -> tuple[list[Any], list[Problem]]:
    """The raw question mappings of one file, with file-level defaults applied."""
    if data is None:
        return [], []
    if isinstance(data, MarkedList):
        return list(data), []
    if not isinstance(data, MarkedMap):
        return [], [
            Problem(
                Location(file, 1, 1),
                "a bank file must be a list of questions or a mapping with 'questions:'",
            )
        ]
    problems = []
    for key in data:
        if key not in _FILE_KEYS:
            line, column = data.key_marks[key]
            problems.append(
                Problem(
                    Location(file, line, column),
                    f"unknown file-level key '{key}'{suggest(str(key), _FILE_KEYS)}; "
                    f"expected one of: {', '.join(_FILE_KEYS)}",
                )
            )
    questions = data.get("questions")
    if not isinstance(questions, MarkedList):
        line, column = data.value_marks.get("questions", data.mark)
        problems.append(
            Problem(Location(file, line, column), "'questions' must be a list of questions")
        )
        return [], problems
    for raw in questions:
        if isinstance(raw, MarkedMap):
            _apply_defaults(raw, data)
    return list(questions), problems


def _apply_defaults(question: MarkedMap, defaults: MarkedMap) -> None:
    for key in models.FILE_DEFAULT_KEYS:
        if key not in defaults:
            continue
        if key == "tags" and isinstance(defaults[key], list):
            own = question.get("tags")
            if isinstance(own, list):
                merged = MarkedList(question.value_marks["tags"])
                for tag in [*defaults[key], *own]:
                    if tag not in merged:
                        merged.append(tag)
                        merged.item_marks.append(merged.mark)
                question["tags"] = merged
                continue
        if key not in question:
            question[key] = defaults[key]
            question.key_marks[key] = defaults.key_marks[key]
            question.value_marks[key] = defaults.value_marks[key]


def parse_files(files: Iterable[Path]) -> tuple[list[Entry], list[Problem]]:
    """Validate every question of every file; never stops at the first problem."""
    entries: list[Entry] = []
    problems: list[Problem] = []
    for path in files:
        name = display(path)
        data, file_problems = load_yaml(path, name)
        problems.extend(file_problems)
        raws, structure_problems = _file_questions(data, name)
        problems.extend(structure_problems)
        for raw in raws:
            if not isinstance(raw, MarkedMap):
                mark = getattr(raw, "mark", None) or (0, 0)
                problems.append(
                    Problem(Location(name, *mark), f"a question must be a mapping, got {raw!r:.40}")
                )
                continue
            try:
                question = _QUESTION.validate_python(raw)
            except ValidationError as exc:
                problems.extend(question_problems(exc, raw, name))
                continue
            entries.append(Entry(question, name, raw))
    return entries, problems


def load_bank(root: Path, paths: Sequence[Path] | None = None, *, check: bool = True) -> Bank:
    """Load and validate a bank; raise :class:`InputError` with every problem found."""
    from questionbank.checks import check_bank

    files = bank_files(list(paths) if paths else [root])
    if not files:
        raise QbankError(f"{display(root)}: no .yaml files found (expected a folder of bank files)")
    entries, problems = parse_files(files)
    bank = Bank(root=root if root.is_dir() else root.parent, entries=entries)
    if check:
        problems.extend(check_bank(bank))
    if problems:
        raise InputError(problems)
    return bank
