"""Reports of a graded submission: a readable table, and Gradescope's results.json."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from questionbank.grading.grade import SubmissionResult
from questionbank.sandbox import describe_isolation


def _points(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 4)


def to_gradescope(result: SubmissionResult, *, strict: bool = False) -> dict[str, Any]:
    """Gradescope-style results; hidden cases are shown once grades are published.

    strict drops max_score at the top level, which Gradescope's spec does not have."""
    tests = []
    for task in result.tasks:
        for case in task.cases:
            tests.append(
                {
                    "name": f"{task.task_id}: {case.name}",
                    "score": _points(case.score),
                    "max_score": _points(case.max_score),
                    "status": "passed" if case.passed else "failed",
                    "output": case.message,
                    "visibility": "after_published" if case.hidden else "visible",
                }
            )
    summary = f"{_points(result.score)} / {_points(result.max_score)} points"
    level = result.isolation.get("level")
    if level:  # the level graded at, always: official grades need partial or better
        summary += f"\nsandbox isolation: {describe_isolation(result.isolation)}"
    for note in result.notes:
        summary += f"\nnote: {note}"
    document: dict[str, Any] = {
        "score": _points(result.score),
        "max_score": _points(result.max_score),
        "execution_time": round(result.execution_time, 3),
        "output": summary,
        "tests": tests,
    }
    if strict:
        del document["max_score"]
    return document


def print_text(result: SubmissionResult, console: Console) -> None:
    table = Table(
        title=f"{result.submission}: {_points(result.score)} / {_points(result.max_score)}"
    )
    table.add_column("task")
    table.add_column("case", overflow="fold")
    table.add_column("points", justify="right")
    table.add_column("result", overflow="fold")
    for task in result.tasks:
        previous = ""
        for case in task.cases:
            label = case.name + (" (hidden)" if case.hidden else "")
            # A load error repeats on every case: print its traceback once.
            message = (
                "the same"
                if case.message == previous and case.kind == "load_error"
                else (case.message)
            )
            previous = case.message
            # Messages carry student text (tracebacks): never let rich read it as markup.
            verdict = (
                Text("passed", style="green")
                if case.passed
                else Text.assemble(("failed", "red"), ": " + message)
            )
            table.add_row(
                Text(task.task_id),
                Text(label),
                f"{_points(case.score)}/{_points(case.max_score)}",
                verdict,
            )
    console.print(table)
    for note in result.notes:
        console.print(Text(f"note: {note}"))
    level = result.isolation.get("level")
    if level and level != "full":
        console.print(f"warning: sandbox isolation {describe_isolation(result.isolation)}")
