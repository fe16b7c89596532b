"""Turn pydantic's validation errors into messages an instructor can act on.

pydantic reports a ``loc`` such as ``('mcq', 'choices', 1, 'corect')``; we walk that
path through the data as written (skipping the union tags pydantic inserts) to find
the line and column, name the question, say what was expected, and suggest a close
match for a misspelt key or type.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from questionbank import models
from questionbank.errors import Location, Problem
from questionbank.yamlsource import Mark, locate

_TYPE_NAMES = {
    "string_type": "a string",
    "dict_type": "a mapping",
    "list_type": "a list",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "tuple_type": "a list",
}


def _field_names(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


_QUESTION_MODELS: dict[str, type[BaseModel]] = {
    "mcq": models.McqQuestion,
    "multi": models.MultiQuestion,
    "tf": models.TrueFalseQuestion,
    "numeric": models.NumericQuestion,
    "short": models.ShortQuestion,
    "code": models.CodeQuestion,
}
# Keys allowed inside nested mappings, by the key that holds them.
_NESTED_KEYS: dict[str, list[str]] = {
    "choices": _field_names(models.Choice),
    "cases": _field_names(models.CodeCase),
    "params": ["int", "float", "choice"],
}


def data_path(data: Any, loc: Sequence[str | int]) -> tuple[str | int, ...]:
    """The part of ``loc`` that names keys and indexes really present in ``data``."""
    path: list[str | int] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            path.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            path.append(part)
            node = node[part]
    return tuple(path)


def _value_at(data: Any, path: Sequence[str | int]) -> Any:
    node = data
    for part in path:
        node = node[part]
    return node


def _allowed_keys(data: Any, parent: tuple[str | int, ...]) -> list[str]:
    """Which keys the mapping at ``parent`` may have (for suggestions and messages)."""
    kind = data.get("type") if isinstance(data, dict) else None
    if not parent:
        model = _QUESTION_MODELS.get(kind) if isinstance(kind, str) else None
        return _field_names(model) if model else []
    last = parent[-1]
    before = parent[-2] if len(parent) >= 2 else None
    if isinstance(last, int) and before in ("choices", "cases"):
        return _NESTED_KEYS[str(before)]
    if before == "params":
        return _NESTED_KEYS["params"]
    if last == "tolerance":
        return ["rtol", "atol"] if kind == "code" or before is not None else ["abs", "rel"]
    return []


def suggest(word: str, candidates: Iterable[str]) -> str:
    """' (did you mean 'answer'?)' for a close match, else ''."""
    match = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _describe_question(data: Any) -> str:
    if isinstance(data, dict):
        kind = data.get("type")
        qid = data.get("id")
        if isinstance(kind, str) and isinstance(qid, str):
            return f"{kind} '{qid}'"
        if isinstance(qid, str):
            return f"question '{qid}'"
    return "question"


def _dotted(path: Sequence[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


MarkOf = Callable[[tuple[str | int, ...], bool], Mark | None]


def question_problems(
    exc: ValidationError,
    data: Any,
    file: str,
    *,
    mark_of: MarkOf | None = None,
    what: str | None = None,
) -> list[Problem]:
    """Problems for one question (or other mapping) that failed validation.

    ``mark_of(path, key)`` gives the mark of a data path; by default ``data`` is taken
    to be built of MarkedMap / MarkedList and carries its own marks.
    """
    who = what or _describe_question(data)
    if mark_of is None:

        def mark_of(path: tuple[str | int, ...], key: bool) -> Mark | None:
            return locate(data, path, key=key)

    grouped: dict[tuple[str | int, ...], list[dict[str, Any]]] = {}
    for error in exc.errors():
        path = data_path(data, error["loc"])
        grouped.setdefault(path, []).append(dict(error))
    # A type mismatch of a union branch is noise when another branch went deeper.
    deeper = {p for p in grouped for q in grouped if len(q) > len(p) and q[: len(p)] == p}
    problems: list[Problem] = []
    for path, errors in grouped.items():
        if path in deeper and all(e["type"] in _TYPE_NAMES for e in errors):
            continue
        problems.extend(_problems_at(data, path, errors, file, who, mark_of))
    return problems


def _problems_at(
    data: Any,
    path: tuple[str | int, ...],
    errors: list[dict[str, Any]],
    file: str,
    who: str,
    mark_of: MarkOf,
) -> list[Problem]:
    bad_keys = [e for e in errors if "[key]" in e["loc"]]
    if bad_keys:
        parent = _dotted(path[:-1])
        return [
            _problem(
                file,
                mark_of(path, True),
                f"{who}: '{parent}' has key {path[-1]!r}, which is not a language tag (expected "
                "a tag such as en or zh-TW; in a flow mapping {…} quote text that has a comma)",
            )
        ]
    type_errors = [e for e in errors if e["type"] in _TYPE_NAMES]
    others = [e for e in errors if e["type"] not in _TYPE_NAMES]
    out: list[Problem] = []
    if type_errors:
        wanted = sorted({_TYPE_NAMES[e["type"]] for e in type_errors})
        mark = mark_of(path, False)
        value = _value_at(data, path) if path else data
        field = _dotted(path) or "the question"
        out.append(
            _problem(
                file, mark, f"{who}: '{field}' must be {' or '.join(wanted)}, got {_show(value)}"
            )
        )
    for error in others:
        out.append(_one(data, path, error, file, who, mark_of))
    return out


def _problem(file: str, mark: tuple[int, int] | None, message: str) -> Problem:
    line, column = mark or (0, 0)
    return Problem(Location(file, line, column), message)


def _one(
    data: Any,
    path: tuple[str | int, ...],
    error: dict[str, Any],
    file: str,
    who: str,
    mark_of: MarkOf,
) -> Problem:
    kind = error["type"]
    loc = error["loc"]
    field = _dotted(path)
    ctx = error.get("ctx") or {}
    if kind == "extra_forbidden":
        key = str(loc[-1])
        allowed = _allowed_keys(data, path[:-1])
        hint = suggest(key, allowed)
        expected = f"; expected one of: {', '.join(allowed)}" if allowed and not hint else ""
        where = f" in '{_dotted(path[:-1])}'" if path[:-1] else ""
        return _problem(
            file, mark_of(path, True), f"{who}: unknown key '{key}'{where}{hint}{expected}"
        )
    if kind == "missing":
        key = str(loc[-1])
        where = f" in '{field}'" if field else ""
        return _problem(file, mark_of(path, False), f"{who}: missing required key '{key}'{where}")
    if kind in ("union_tag_invalid", "union_tag_not_found") and not path:
        tag = ctx.get("tag")
        expected = ", ".join(models.QUESTION_TYPES)
        if tag is None:
            return _problem(
                file,
                mark_of(path, False),
                f"{who}: missing required key 'type' (expected one of: {expected})",
            )
        mark = mark_of(("type",), False) if isinstance(data, dict) and "type" in data else None
        return _problem(
            file,
            mark,
            f"{who}: unknown question type '{tag}'{suggest(str(tag), models.QUESTION_TYPES)}; "
            f"expected one of: {expected}",
        )
    value = _value_at(data, path) if path else data
    message = error["msg"]
    if kind == "too_short":
        message = f"needs at least {ctx.get('min_length')} item(s), got {ctx.get('actual_length')}"
    elif kind == "string_pattern_mismatch":
        message = f"must match {ctx.get('pattern')}"
    elif kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        message = message.replace("Input should be", "must be")
    elif kind == "literal_error":
        message = f"must be {ctx.get('expected')}"
    elif kind.startswith("value_error"):
        message = message.removeprefix("Value error, ")
    name = f"'{field}'" if field else "value"
    return _problem(file, mark_of(path, False), f"{who}: {name} {message}, got {_show(value)}")
