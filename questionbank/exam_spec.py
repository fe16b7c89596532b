"""Load and validate stage for exam specs (bank/exams/*.yaml).

The spec is read with the bank's marked YAML loader, so every problem (a typo in a
key, a missing pick, an unknown question id, a bad roster row) is reported with
``file:line:col``; all problems are collected and raised together.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from questionbank import models
from questionbank.diagnostics import question_problems, suggest
from questionbank.errors import InputError, Location, Problem
from questionbank.paths import display
from questionbank.yamlsource import MarkedList, MarkedMap, load_yaml, locate

VERSION_LABELS = string.ascii_uppercase
# The course's topics (the bank format contract); a filter may name one that has no
# questions yet, but a name outside this list and the bank is a typo.
COURSE_TOPICS = (
    "python",
    "numpy",
    "pandas",
    "sklearn",
    "ml",
    "nn",
    "optim",
    "regularization",
    "metrics",
    "activation",
    "encoding",
    "frameworks",
    "cnn",
    "cnn-arch",
    "rnn",
    "gan",
    "detection",
    "nlp",
    "transformer",
    "aoi",
    "ipo",
)
STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _listify(value: Any) -> Any:
    return [value] if isinstance(value, (str, int)) and not isinstance(value, bool) else value


def _rangify(value: Any) -> Any:
    return [value, value] if isinstance(value, int) and not isinstance(value, bool) else value


class Filter(_Spec):
    topic: list[str] = Field(
        default_factory=list, description="Any of these topics (a name or a list); empty: any."
    )
    type: list[str] = Field(
        default_factory=list, description="Any of these question types (mcq, multi, tf, …)."
    )
    week: tuple[int, int] | None = Field(
        default=None, description="A week, or [first, last] inclusive."
    )
    difficulty: tuple[int, int] | None = Field(
        default=None, description="A difficulty, or [lowest, highest] inclusive."
    )
    tags: list[str] = Field(
        default_factory=list, description="Questions having at least one of these tags."
    )
    exclude: list[str] = Field(
        default_factory=list, description="Question ids never to pick in this section."
    )

    _lists = field_validator("topic", "type", "tags", "exclude", mode="before")(_listify)
    _ranges = field_validator("week", "difficulty", mode="before")(_rangify)

    def matches(self, question: models.AnyQuestion) -> bool:
        return (
            (not self.topic or question.topic in self.topic)
            and (not self.type or question.type in self.type)
            and (
                self.week is None
                or (question.week is not None and self.week[0] <= question.week <= self.week[1])
            )
            and (
                self.difficulty is None
                or self.difficulty[0] <= question.difficulty <= self.difficulty[1]
            )
            and (not self.tags or bool(set(self.tags) & set(question.tags)))
            and question.id not in self.exclude
        )


class Section(_Spec):
    title: models.LocalizedText = Field(description="The section heading.")
    instructions: models.LocalizedText | None = Field(
        default=None, description="Printed under the heading."
    )
    pick: Annotated[int, Field(ge=1)] | None = Field(
        default=None, description="How many questions to draw from the `from` pool."
    )
    from_: Filter | None = Field(
        default=None, alias="from", description="The pool to draw `pick` questions from."
    )
    questions: list[str] | None = Field(
        default=None, description="These questions, by id (instead of pick/from)."
    )
    points: Annotated[float, Field(gt=0)] | None = Field(
        default=None, description="Points of each question; default: the question's own."
    )


class Shuffle(_Spec):
    questions: bool = Field(default=True, description="Reorder questions within each section.")
    choices: bool = Field(
        default=True, description="Reorder choices (pinned ones and 'All of the above' stay)."
    )


class SheetOptions(_Spec):
    id_digits: Annotated[int, Field(ge=1, le=12)] = Field(
        default=9, description="Digit columns of the answer sheet's student-id bubble grid."
    )
    numeric_grid: Annotated[int, Field(ge=0, le=8)] = Field(
        default=0,
        description=(
            "Digit columns of a bubble grid (with sign and decimal point) under each numeric "
            "question on the answer sheet; 0: a write-in box only."
        ),
    )


class ExamSpec(_Spec):
    title: models.LocalizedText = Field(description="The paper's title.")
    course: str | None = Field(default=None, description="Printed in the header.")
    date: str | None = Field(default=None, description="Printed in the header, as written.")
    instructions: models.LocalizedText | None = Field(
        default=None, description="Printed under the header."
    )
    seed: int = Field(description="Makes selection, order and parameters reproducible.")
    versions: Annotated[int, Field(ge=1, le=len(VERSION_LABELS))] | None = Field(
        default=None, description="How many versions (A, B, …); default 1."
    )
    per_student: str | None = Field(
        default=None,
        description="A roster CSV (student_id,name), relative to the spec: one version each.",
    )
    lang: list[models.LangTag] = Field(
        default_factory=lambda: ["zh-TW", "en"],
        min_length=1,
        description="The languages printed, in order (one or more).",
    )
    shuffle: Shuffle = Field(default_factory=Shuffle, description="What versions reorder.")
    sections: list[Section] = Field(min_length=1, description="The paper's sections, in order.")
    sheet: SheetOptions = Field(
        default_factory=SheetOptions, description="The printed answer sheet (qbank scan)."
    )

    _lang = field_validator("lang", mode="before")(_listify)

    @field_validator("date", mode="before")
    @classmethod
    def _date_as_written(cls, value: Any) -> Any:
        # YAML reads 2023-11-08 as a date; the paper prints it as written.
        return value.isoformat() if isinstance(value, datetime.date) else value


_KEYS: dict[str, list[str]] = {
    "spec": [f.alias or n for n, f in ExamSpec.model_fields.items()],
    "section": [f.alias or n for n, f in Section.model_fields.items()],
    "from": [f.alias or n for n, f in Filter.model_fields.items()],
    "shuffle": [f.alias or n for n, f in Shuffle.model_fields.items()],
    "sheet": [f.alias or n for n, f in SheetOptions.model_fields.items()],
}


@dataclass(frozen=True)
class Student:
    student_id: str
    name: str


@dataclass
class LoadedSpec:
    """A validated spec with where it was written (for later, bank-dependent errors)."""

    spec: ExamSpec
    file: str
    path: Path
    data: MarkedMap = field(repr=False)
    students: list[Student] = field(default_factory=list)

    def location(self, *path: str | int, key: bool = False) -> Location:
        mark = locate(self.data, path, key=key) or self.data.mark
        return Location(self.file, *mark)

    @property
    def labels(self) -> list[str]:
        """Version labels: A, B, … or the roster's student ids."""
        if self.students:
            return [s.student_id for s in self.students]
        return list(VERSION_LABELS[: self.spec.versions or 1])


def _unknown_keys(data: MarkedMap, file: str) -> list[Problem]:
    """Unknown keys, with a close-match suggestion (pydantic's own message has none)."""
    problems: list[Problem] = []

    def check(node: Any, kind: str) -> None:
        if not isinstance(node, MarkedMap):
            return
        allowed = _KEYS[kind]
        for key in node:
            if key not in allowed:
                hint = suggest(str(key), allowed) or f"; expected one of: {', '.join(allowed)}"
                where = "" if kind == "spec" else f" in {kind}"
                line, col = node.key_marks[key]
                problems.append(
                    Problem(
                        Location(file, line, col), f"exam spec: unknown key '{key}'{where}{hint}"
                    )
                )

    check(data, "spec")
    check(data.get("shuffle"), "shuffle")
    check(data.get("sheet"), "sheet")
    sections = data.get("sections")
    if isinstance(sections, MarkedList):
        for section in sections:
            check(section, "section")
            if isinstance(section, MarkedMap):
                check(section.get("from"), "from")
    return problems


def _known_keys(node: Any, kind: str) -> Any:
    """A copy of ``node`` without the keys :func:`_unknown_keys` reports."""
    if not isinstance(node, dict):
        return node
    inner = {"spec": {"shuffle": "shuffle"}, "section": {"from": "from"}}.get(kind, {})
    out: dict[Any, Any] = {}
    for key, value in node.items():
        if key not in _KEYS[kind]:
            continue
        if kind == "spec" and key == "sections" and isinstance(value, list):
            value = [_known_keys(section, "section") for section in value]
        elif key in inner:
            value = _known_keys(value, inner[key])
        out[key] = value
    return out


def _section_problems(spec: ExamSpec, loaded: LoadedSpec) -> list[Problem]:
    problems: list[Problem] = []
    for i, section in enumerate(spec.sections):
        where = f"section {i + 1}"
        if section.questions is None and section.from_ is None:
            problems.append(
                Problem(
                    loaded.location("sections", i),
                    f"exam spec: {where} needs either 'questions' (a list of ids) "
                    "or 'pick' with 'from' (a pool filter)",
                )
            )
        elif section.questions is not None and section.from_ is not None:
            problems.append(
                Problem(
                    loaded.location("sections", i, "from", key=True),
                    f"exam spec: {where} has both 'questions' and 'from' (expected one of them)",
                )
            )
        elif section.from_ is not None and section.pick is None:
            problems.append(
                Problem(
                    loaded.location("sections", i, "from", key=True),
                    f"exam spec: {where} draws 'from' a pool but says not how many "
                    "(expected 'pick: N')",
                )
            )
        elif section.questions is not None and section.pick is not None:
            problems.append(
                Problem(
                    loaded.location("sections", i, "pick", key=True),
                    f"exam spec: {where} lists its 'questions', so 'pick' has no meaning there",
                )
            )
        pool = section.from_
        if pool is None:
            continue
        for name in ("type",):
            for j, value in enumerate(pool.type):
                if value not in models.QUESTION_TYPES:
                    problems.append(
                        Problem(
                            loaded.location("sections", i, "from", name, j),
                            f"exam spec: {where}: unknown question type '{value}'"
                            f"{suggest(value, models.QUESTION_TYPES)}; expected one of: "
                            f"{', '.join(models.QUESTION_TYPES)}",
                        )
                    )
        for name in ("week", "difficulty"):
            bounds = getattr(pool, name)
            if bounds is not None and bounds[0] > bounds[1]:
                problems.append(
                    Problem(
                        loaded.location("sections", i, "from", name),
                        f"exam spec: {where}: '{name}' range [{bounds[0]}, {bounds[1]}] is empty "
                        "(expected [lowest, highest])",
                    )
                )
    if spec.versions is not None and spec.per_student is not None:
        problems.append(
            Problem(
                loaded.location("per_student", key=True),
                "exam spec: give either 'versions' or 'per_student', not both",
            )
        )
    return problems


def load_roster(path: Path, name: str) -> tuple[list[Student], list[Problem]]:
    """The roster CSV: a header student_id,name, then one student per row."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [Problem(Location(name), f"cannot read roster: {exc}")]
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or [c.strip() for c in rows[0][:2]] != ["student_id", "name"]:
        return [], [Problem(Location(name, 1, 1), "roster header must be: student_id,name")]
    students: list[Student] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        sid = row[0].strip()
        if not STUDENT_ID.match(sid):
            problems.append(
                Problem(
                    Location(name, line, 1),
                    f"student_id {sid!r} must be letters, digits, '_', '.', '-' "
                    "(it becomes part of file names)",
                )
            )
            continue
        if sid in seen:
            problems.append(
                Problem(
                    Location(name, line, 1),
                    f"student_id '{sid}' repeats the one on line {seen[sid]}",
                )
            )
            continue
        seen[sid] = line
        students.append(Student(sid, row[1].strip() if len(row) > 1 else ""))
    if not students and not problems:
        problems.append(Problem(Location(name, 1, 1), "roster lists no students"))
    return students, problems


def load_spec(path: Path) -> LoadedSpec:
    """Read and validate an exam spec; raise InputError with every problem found."""
    file = display(path)
    data, problems = load_yaml(path, file)
    if problems:
        raise InputError(problems)
    if not isinstance(data, MarkedMap):
        raise InputError.single(
            file, "an exam spec must be a mapping (title, seed, sections)", 1, 1
        )
    problems = _unknown_keys(data, file)
    try:
        # Unknown keys are left out (reported above, with suggestions), so that the
        # rest of the spec is still checked and every problem is reported in one run.
        spec = ExamSpec.model_validate(_known_keys(data, "spec"))
    except ValidationError as exc:
        problems.extend(
            p
            for p in question_problems(exc, data, file, what="exam spec")
            if "unknown key" not in p.message
        )
        raise InputError(problems) from None
    loaded = LoadedSpec(spec=spec, file=file, path=path, data=data)
    problems.extend(_section_problems(spec, loaded))
    if spec.per_student is not None:
        roster = path.parent / spec.per_student
        if not roster.is_file():
            problems.append(
                Problem(
                    loaded.location("per_student"),
                    f"exam spec: roster '{spec.per_student}' not found "
                    f"(looked for {display(roster)})",
                )
            )
        else:
            loaded.students, roster_problems = load_roster(roster, display(roster))
            problems.extend(roster_problems)
    if problems:
        raise InputError(problems)
    return loaded
