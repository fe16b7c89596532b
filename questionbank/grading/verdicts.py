"""Turn the sandbox's untrusted outcomes into verdicts, on the trusted side.

Every payload is hostile. Nothing here may raise because of what a job sent: a payload that
cannot be decoded or compared is that case's "invalid result", and every text that reaches a
report is cleaned (questionbank.grading.text). Hidden cases get a message from a fixed
vocabulary that carries no text or number the submission chose (but a count of wrong values
and the name of a builtin exception class).
"""

from __future__ import annotations

import builtins
import json
from dataclasses import dataclass

from questionbank.grading.cases import PreparedCase, PreparedTask
from questionbank.grading.compare import compare
from questionbank.grading.text import clean_text
from questionbank.sandbox import CaseOutcome, codec
from questionbank.sandbox.frames import MAX_REPORT

MAX_TRACEBACK = 2000

HIDDEN_MESSAGES = {
    "crashed": "crashed",
    "load_error": "the submission could not be loaded",
    "protocol_error": "invalid result",
    "invalid_result": "invalid result",
    "output_flood": "printed too much output",
    "overall_timeout": "the whole submission ran out of time",
    "sandbox_error": "the sandbox stopped answering",
    "modified_inputs": "modified its inputs",
    "wrong_type": "wrong type of result",
}


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
    stdout: str = ""  # what a public case printed (never a hidden one's)


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
    if len(payload) > MAX_REPORT:
        return "an exception", ""
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
    text = clean_text(text[-MAX_TRACEBACK:]) if isinstance(text, str) else ""
    return _exception_name(name), text


def load_error_message(outcome: CaseOutcome, function: str) -> str:
    if not outcome.payload:
        return clean_text(outcome.detail)
    name, text = _student_report(outcome.payload)
    if name == "missing":
        return f"the submission defines no function {function}()"
    if name == "SyntaxError":
        return "syntax error in the submission:\n" + text
    return f"loading the submission raised {name}:\n{text}".rstrip()


def judge_case(task: PreparedTask, case: PreparedCase, outcome: CaseOutcome) -> CaseResult:
    try:
        kind, public, hidden = _judge(task, case, outcome)
    except Exception:  # noqa: BLE001 - whatever a payload does, it fails only its own case
        kind, public, hidden = "invalid_result", "the result could not be read", "invalid result"
    passed = kind == "passed"
    message = hidden if case.hidden else public
    return CaseResult(
        task_id=task.spec.id,
        name=case.name,
        score=case.points if passed else 0.0,
        max_score=case.points,
        passed=passed,
        kind=kind,
        message=clean_text(message),
        hidden=case.hidden,
        seconds=outcome.seconds,
        stdout="" if case.hidden else clean_text(outcome.stdout.decode("utf-8", "replace")),
    )


def _judge(task: PreparedTask, case: PreparedCase, outcome: CaseOutcome) -> tuple[str, str, str]:
    status = outcome.status
    if status == "ok":
        return _judge_value(task, case, outcome.payload)
    if status == "raised":
        name, text = _student_report(outcome.payload)
        return "raised", f"raised {name}\n{text}".rstrip(), f"raised {name}"
    if status == "load_error":
        text = load_error_message(outcome, task.spec.function)
        return "load_error", text, HIDDEN_MESSAGES["load_error"]
    if status in ("timeout", "load_timeout"):
        return status, outcome.detail, outcome.detail  # the task's own limits, nothing else
    return status, outcome.detail, HIDDEN_MESSAGES.get(status, "failed")


def _judge_value(task: PreparedTask, case: PreparedCase, payload: bytes) -> tuple[str, str, str]:
    modified, body = payload[:1] == b"\x01", payload[1:]
    try:
        got = codec.decode(body)
    except codec.DecodeError as exc:
        text = f"the returned value could not be read ({exc})"
        return "invalid_result", text, HIDDEN_MESSAGES["invalid_result"]
    mismatch = compare(case.expected, got, case.tolerance)
    if mismatch is not None:
        return mismatch.kind, mismatch.public, mismatch.hidden
    wrong_type = return_kind_problem(task.spec.returns, got)
    if wrong_type is not None:
        return "wrong_type", wrong_type, HIDDEN_MESSAGES["wrong_type"]
    if modified and task.spec.check_inputs:
        text = "the function modified its inputs in place (the task says not to)"
        return "modified_inputs", text, HIDDEN_MESSAGES["modified_inputs"]
    return "passed", "passed", "passed"


_DTYPE_KINDS = {"float": "f", "int": "iu", "bool": "b"}


def return_kind_problem(wanted: str | None, got: codec.Node) -> str | None:
    """Why got is not of the kind the task asks for (None when it is, or nothing is asked)."""
    if wanted is None:
        return None
    if wanted == "tuple":
        if isinstance(got, codec.Sequence) and got.kind == "tuple":
            return None
        return f"returned {_kind_of(got)}; the task asks for a tuple"
    if not isinstance(got, codec.Array):
        return f"returned {_kind_of(got)}; the task asks for {_wanted_text(wanted)}"
    if wanted in ("int", "float", "bool"):
        ok = got.origin == "scalar" and got.data.dtype.kind in _DTYPE_KINDS[wanted]
    elif wanted == "ndarray":
        ok = got.origin == "ndarray"
    else:
        dtype = wanted.removeprefix("ndarray[").removesuffix("]")
        kinds = _DTYPE_KINDS.get(dtype)
        ok = got.origin == "ndarray" and (
            got.data.dtype.kind in kinds if kinds else got.data.dtype.name == dtype
        )
    return None if ok else f"returned {_kind_of(got)}; the task asks for {_wanted_text(wanted)}"


def _kind_of(node: codec.Node) -> str:
    if isinstance(node, codec.Array):
        if node.origin == "scalar":
            names = {"f": "a float", "i": "an int", "u": "an int", "b": "a bool"}
            return names.get(node.data.dtype.kind, "a number")
        if node.origin == "list":
            return "a list"
        return f"a {node.data.dtype.name} array"
    if isinstance(node, codec.Sequence):
        return f"a {node.kind}"
    return node.description


def _wanted_text(wanted: str) -> str:
    if wanted.startswith("ndarray["):
        return f"a NumPy {wanted.removeprefix('ndarray[').removesuffix(']')} array"
    return {"int": "an int", "float": "a float", "bool": "a bool", "ndarray": "a NumPy array"}[
        wanted
    ]
