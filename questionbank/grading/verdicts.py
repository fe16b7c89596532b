"""Turn the sandbox's untrusted outcomes into verdicts, on the trusted side."""

from __future__ import annotations

import builtins
import json
from dataclasses import dataclass

from questionbank.grading.cases import PreparedCase, PreparedTask
from questionbank.grading.compare import compare
from questionbank.sandbox import CaseOutcome, codec

MAX_TRACEBACK = 2000


@dataclass(frozen=True)
class CaseResult:
    task_id: str
    name: str
    score: float
    max_score: float
    passed: bool
    kind: str  # "passed" or why not: shape, value, nan, timeout, raised, crashed, load_error ...
    message: str
    hidden: bool
    seconds: float


def _exception_name(raw: object) -> str:
    # The name comes from the student process: accept only real builtin exception names, so a
    # crafted class name cannot carry a hidden case's inputs out in a hidden case's message.
    if isinstance(raw, str) and raw.isidentifier():
        candidate = getattr(builtins, raw, None)
        if isinstance(candidate, type) and issubclass(candidate, BaseException):
            return raw
    return "an exception"


def _student_report(payload: bytes) -> tuple[str, str]:
    """(exception name, traceback text) from a 'raised'/'load_error' payload, defensively."""
    try:
        data = json.loads(payload)
    except (ValueError, RecursionError):
        return "an exception", ""
    if not isinstance(data, dict):
        return "an exception", ""
    name = data.get("type")
    text = data.get("message")
    if name == "missing":
        return "missing", ""
    return _exception_name(name), text[-MAX_TRACEBACK:] if isinstance(text, str) else ""


def load_error_message(outcome: CaseOutcome, function: str) -> str:
    if not outcome.payload:
        return outcome.detail
    name, text = _student_report(outcome.payload)
    if name == "missing":
        return f"the submission defines no function {function}()"
    if name == "SyntaxError":
        return "syntax error in the submission:\n" + text
    return f"loading the submission raised {name}:\n{text}".rstrip()


def judge_case(task: PreparedTask, case: PreparedCase, outcome: CaseOutcome) -> CaseResult:
    kind, public, hidden = _judge(task, case, outcome)
    passed = kind == "passed"
    message = hidden if case.hidden else public
    return CaseResult(
        task_id=task.spec.id, name=case.name, score=case.points if passed else 0.0,
        max_score=case.points, passed=passed, kind=kind, message=message, hidden=case.hidden,
        seconds=outcome.seconds,
    )


def _judge(task: PreparedTask, case: PreparedCase, outcome: CaseOutcome) -> tuple[str, str, str]:
    status = outcome.status
    if status == "ok":
        try:
            got = codec.decode(outcome.payload)
        except codec.DecodeError as exc:
            text = f"the returned value could not be read ({exc})"
            return "protocol_error", text, text
        mismatch = compare(case.expected, got, case.tolerance)
        if mismatch is None:
            return "passed", "passed", "passed"
        return mismatch.kind, mismatch.public, mismatch.hidden
    if status == "raised":
        name, text = _student_report(outcome.payload)
        return "raised", f"raised {name}\n{text}".rstrip(), f"raised {name}"
    if status == "load_error":
        text = load_error_message(outcome, task.spec.function)
        first_line = text.splitlines()[0] if text else "the submission could not be loaded"
        return "load_error", text, first_line
    return status, outcome.detail, outcome.detail
