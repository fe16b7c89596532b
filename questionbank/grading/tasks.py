"""Find the code tasks to grade: a task id, or an assignment file listing several.

An assignment file is YAML: `tasks: [conv2d, maxpool2d]` (and an optional `title`); one
submission file then defines every listed function.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from questionbank import models
from questionbank.bank import Bank, Entry
from questionbank.diagnostics import suggest
from questionbank.errors import InputError, Location, Problem, QbankError
from questionbank.grading.cases import (
    CaseSetupError,
    CaseSpec,
    PreparedTask,
    TaskSpec,
    TrustedLoader,
    prepare_task,
)
from questionbank.grading.compare import Tolerance

ASSIGNMENT_KEYS = ("title", "tasks")


def _tolerance(value: models.CodeTolerance | None) -> Tolerance | None:
    return None if value is None else Tolerance(rtol=value.rtol, atol=value.atol)


def spec_of(
    question: models.CodeQuestion, root: Path, cases: list[models.CodeCase] | None = None
) -> TaskSpec:
    """The grader's view of a code question (all its cases, or those given)."""
    return TaskSpec(
        id=question.id,
        function=question.function,
        reference=question.reference or "",
        root=root,
        tolerance=Tolerance(rtol=question.tolerance.rtol, atol=question.tolerance.atol),
        timeout=question.timeout,
        arg_types=dict(question.arg_types),
        returns=question.returns,
        check_inputs=question.inputs_readonly,
        cases=tuple(
            CaseSpec(
                name=c.name,
                points=c.points,
                hidden=c.hidden,
                args=c.args,
                generate=c.generate,
                seed=c.seed,
                tolerance=_tolerance(c.tolerance),
            )
            for c in (question.cases if cases is None else cases)
        ),
    )


def task_spec(entry: Entry, root: Path) -> TaskSpec:
    question = entry.question
    if not isinstance(question, models.CodeQuestion):
        raise QbankError(
            f"{entry.location()}: '{question.id}' is a {question.type} question, not a code task"
        )
    if question.reference is None:
        raise InputError(
            [Problem(entry.location(), f"code task '{question.id}' has no reference to grade with")]
        )
    return spec_of(question, root)


def prepare_entry(entry: Entry, root: Path, loader: TrustedLoader) -> PreparedTask:
    """Prepare one task; author problems become an InputError at the case's file:line:col."""
    try:
        return prepare_task(task_spec(entry, root), loader)
    except CaseSetupError as exc:
        raise InputError(
            Problem(
                entry.location("cases", index)
                if index is not None
                else entry.location("reference"),
                message,
            )
            for index, message in exc.problems
        ) from None


def task_ids(bank: Bank, target: str) -> list[str]:
    """TASK on the command line: an id in the bank, or the path of an assignment YAML file."""
    path = Path(target)
    if target.endswith((".yaml", ".yml")) or path.is_file():
        return _assignment(path)
    return [target]


def prepare_tasks(bank: Bank, target: str) -> list[PreparedTask]:
    loader = TrustedLoader(bank.project_root)
    code_ids = [q.id for q in bank.questions if isinstance(q, models.CodeQuestion)]
    prepared = []
    for task_id in task_ids(bank, target):
        if task_id not in code_ids:
            hint = suggest(task_id, code_ids)
            raise QbankError(f"no code task with id '{task_id}'{hint}")
        prepared.append(prepare_entry(bank.entry(task_id), bank.project_root, loader))
    return prepared


def _assignment(path: Path) -> list[str]:
    if not path.is_file():
        raise QbankError(f"{path}: no such assignment file (expected a task id or a .yaml file)")
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise QbankError(f"{path}: not valid YAML ({exc})") from None

    def fail(at: yaml.Node | None, message: str) -> InputError:
        line, column = (at.start_mark.line + 1, at.start_mark.column + 1) if at else (0, 0)
        return InputError([Problem(Location(str(path), line, column), message)])

    if not isinstance(node, yaml.MappingNode):
        raise fail(node, "expected a mapping with a 'tasks' list, e.g. tasks: [conv2d, maxpool2d]")
    ids: list[str] = []
    problems = []
    for key, value in node.value:
        if key.value not in ASSIGNMENT_KEYS:
            problems.append(
                fail(
                    key,
                    f"unknown key '{key.value}'{suggest(key.value, ASSIGNMENT_KEYS)}"
                    f"; expected one of {', '.join(ASSIGNMENT_KEYS)}",
                ).problems[0]
            )
        elif key.value == "tasks":
            if not isinstance(value, yaml.SequenceNode) or not value.value:
                problems.append(
                    fail(value, "'tasks' must be a non-empty list of task ids").problems[0]
                )
                continue
            for item in value.value:
                if not isinstance(item, yaml.ScalarNode) or not item.value:
                    problems.append(fail(item, "expected a task id").problems[0])
                else:
                    ids.append(item.value)
    if not ids and not problems:
        problems.append(fail(node, "missing 'tasks': the list of task ids to grade").problems[0])
    if problems:
        raise InputError(problems)
    return ids
