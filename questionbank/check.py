"""`qbank check TASK FILE`: a student's file against the task's public cases, in the sandbox.

Hidden cases are never used here (they are for grading). Expected values come from the
trusted reference when the bank has one (the course bank), or from the values a student
bundle carries (computed by the reference when the bundle was written). Either way the
student's code runs only in the autograder's sandbox, a separate process.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table
from rich.text import Text

from questionbank import models
from questionbank.bundle import restore_expected
from questionbank.errors import QbankError
from questionbank.grading.batch import read_submission
from questionbank.grading.cases import (
    CaseSetupError,
    PreparedCase,
    PreparedTask,
    TaskSpec,
    TrustedLoader,
    convert_args,
    prepare_task,
)
from questionbank.grading.grade import SubmissionResult, grade_submission
from questionbank.grading.tasks import spec_of
from questionbank.notebook import NotebookError
from questionbank.sandbox import (
    SandboxConfig,
    SandboxError,
    SandboxServer,
    codec,
    describe_isolation,
)


def public_task(task: models.CodeQuestion, root: Path) -> PreparedTask:
    """The task with its public cases only, each with its expected value."""
    public = [c for c in task.cases if not c.hidden]
    if not public:
        raise QbankError(f"code task '{task.id}' has no public case to check against")
    spec = spec_of(task, root, public)
    try:
        if task.reference is not None:
            return prepare_task(spec, TrustedLoader(root))
        return _from_expected(spec, public)
    except CaseSetupError as exc:
        raise QbankError(f"code task '{task.id}': {exc}") from None


def _from_expected(spec: TaskSpec, cases: list[models.CodeCase]) -> PreparedTask:
    """A bundle's task: literal arguments and precomputed expected values."""
    prepared = []
    digest = hashlib.sha256(spec.id.encode())
    for case, case_spec in zip(cases, spec.cases, strict=True):
        if case.expected is None or case.args is None:
            raise QbankError(
                f"code task '{spec.id}': case {case.name!r} has no reference, so it needs "
                "literal 'args' and an 'expected' value (as `qbank bundle --student` writes)"
            )
        args_blob = codec.encode(convert_args(case.args, spec.arg_types, case=case.name))
        expected_blob = codec.encode(restore_expected(case.expected))
        digest.update(args_blob + expected_blob)
        prepared.append(
            PreparedCase(
                case.name,
                case.points,
                False,
                args_blob,
                codec.decode(expected_blob),
                case_spec.tolerance or spec.tolerance,
            )
        )
    return PreparedTask(spec, tuple(prepared), digest.hexdigest()[:16])


_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "case": "case",
        "result": "result",
        "time": "time",
        "passed": "passed",
        "failed": "failed",
        "same": "the same",
        "inputs": "inputs: ",
        "printed": "printed:",
        "note": "note: ",
        "summary": "{passed}/{total} public cases passed. Hidden cases are run only when your "
        "work is graded.",
    },
    "zh-TW": {
        "case": "測資",
        "result": "結果",
        "time": "時間",
        "passed": "通過",
        "failed": "未通過",
        "same": "同上",
        "inputs": "輸入：",
        "printed": "印出：",
        "note": "注意：",
        "summary": "公開測資通過 {passed}/{total}。隱藏測資只在評分時執行。",
    },
}


# Debug prints are welcome here: a long run of them is cut in the display, never a failure
# (grading keeps its own cap on output).
CHECK_MAX_STDOUT = 256 << 20
SHOWN_STDOUT = 2000


def run_check(task: PreparedTask, file: Path) -> SubmissionResult:
    try:
        _, source, notes = read_submission(file, [task.spec.function])
    except OSError as exc:
        raise QbankError(f"{file}: cannot read ({exc.strerror or exc})") from None
    except NotebookError as exc:
        raise QbankError(f"{file}: {exc}") from None
    try:
        with SandboxServer(config=SandboxConfig(max_stdout=CHECK_MAX_STDOUT)) as server:
            result = grade_submission([task], source, server, name=file.name)
    except SandboxError as exc:
        raise QbankError(f"the autograder's sandbox could not run: {exc}") from None
    return dataclasses.replace(result, notes=notes)


def print_check(
    console: Console, result: SubmissionResult, task: PreparedTask, *, lang: str = "en"
) -> None:
    """One row per public case: passed, or what differed; then, for each failed case, its
    inputs (public, so shown) and what it printed, as pytest shows captured output. The
    words are in lang (en or zh-TW); what differed is the grader's own English message."""
    words = _WORDS["zh-TW" if lang == "zh-TW" else "en"]
    (graded,) = result.tasks
    table = Table(header_style="bold")
    table.add_column(words["case"], overflow="fold")
    table.add_column(words["result"], overflow="fold")
    table.add_column(words["time"], justify="right", no_wrap=True)
    previous = ""
    for case in graded.cases:
        # A load error (a SyntaxError, say) is the same for every case: shown once.
        message = (
            words["same"]
            if case.kind == "load_error" and case.message == previous
            else case.message
        )
        previous = case.message
        verdict = (
            Text(words["passed"], style="green")
            if case.passed
            # The message holds student text (tracebacks): never read as rich markup.
            else Text.assemble((words["failed"], "red"), ": " + message)
        )
        table.add_row(Text(case.name), verdict, f"{case.seconds:.2f}s")
    console.print(table)
    for note in result.notes:
        console.print(Text(words["note"] + note))
    by_name = {c.name: c for c in task.cases}
    for case in graded.cases:
        if case.passed or case.kind == "load_error":
            continue
        console.print(Text(f"── {case.name} ──", style="bold"))
        prepared = by_name.get(case.name)
        if prepared is not None:
            console.print(Text(words["inputs"] + describe_inputs(prepared.args_blob)))
        if case.stdout:
            console.print(Text(words["printed"], style="bold"))
            console.print(Text(_shown(case.stdout)))
    passed = sum(c.passed for c in graded.cases)
    console.print(
        Text(
            words["summary"].format(passed=passed, total=len(graded.cases)),
            style="bold green" if passed == len(graded.cases) else "bold",
        )
    )
    level = result.isolation.get("level")
    if level and level != "full":
        console.print(f"note: sandbox isolation {describe_isolation(result.isolation)}")


def describe_inputs(blob: bytes) -> str:
    """A public case's arguments, compactly (long arrays summarised by numpy)."""
    try:
        kwargs = codec.decode_args(blob)
    except codec.DecodeError:
        return "(could not be shown)"
    parts = []
    for name, value in kwargs.items():
        if isinstance(value, np.ndarray):
            text = np.array2string(value, threshold=40, precision=6, separator=", ")
            text = f"array({text}, dtype={value.dtype})"
        else:
            text = repr(value)
        parts.append(f"{name}={text}")
    return ", ".join(parts)


def _shown(text: str) -> str:
    if len(text) <= SHOWN_STDOUT:
        return text.rstrip("\n")
    return text[:SHOWN_STDOUT].rstrip("\n") + f"\n… ({len(text) - SHOWN_STDOUT} more characters)"
