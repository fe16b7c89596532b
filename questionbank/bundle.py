"""`qbank bundle --student`: a bank students can practise with, holding no secrets.

Left out: questions marked ``exam_only``, every code task's ``reference`` and its hidden
cases, the graders/ folder and exam specs. Public cases are made self-contained: a
generated case has its arguments drawn here and written out as literal values, and
every public case carries ``expected``, computed now by the trusted reference in this
(instructor's) process, so that ``qbank check`` works from the bundle alone.
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import yaml

from questionbank import models
from questionbank.bank import Bank
from questionbank.errors import QbankError
from questionbank.paths import display

TUPLE_KEY = "__tuple__"
_KINDS = {"f": "float64", "i": "int64", "u": "int64", "b": "bool"}

HEADER = (
    "# Student practice bundle written by `qbank bundle --student` on {date}.\n"
    "# It holds no exam-only questions, no reference solutions and no hidden cases;\n"
    "# expected values of the public cases were computed by the course's references.\n"
)


@dataclass
class BundleReport:
    out: Path
    files: int = 0
    questions: int = 0
    code_tasks: int = 0
    public_cases: int = 0
    notebooks: int = 0
    left_out: dict[str, int] = field(
        default_factory=lambda: {"exam_only": 0, "hidden_cases": 0, "tasks_without_public": 0}
    )

    def lines(self) -> list[str]:
        return [
            f"wrote {self.questions} questions ({self.code_tasks} code tasks, "
            f"{self.public_cases} public cases) in {self.files} files to {display(self.out)}",
            f"left out: {self.left_out['exam_only']} exam-only questions, "
            f"{self.left_out['hidden_cases']} hidden cases, "
            f"{self.left_out['tasks_without_public']} code tasks with no public case",
        ] + (
            [f"wrote {self.notebooks} notebooks to {display(self.out / 'notebooks')}"]
            if self.notebooks
            else []
        )


def convert(args: Mapping[str, Any], arg_types: Mapping[str, str], where: str) -> dict[str, Any]:
    """Case arguments as the function receives them: the grader's own conversion."""
    from questionbank.grading.cases import CaseSetupError, convert_args

    try:
        return convert_args(args, arg_types, case=where)
    except CaseSetupError as exc:
        raise QbankError(f"{where}: {exc}") from None


def case_kwargs(task: models.CodeQuestion, case: models.CodeCase, root: Path) -> dict[str, Any]:
    """The keyword arguments of one case, drawing generated ones with their seed."""
    if case.generate is not None:
        generate = load_function(case.generate, root)
        drawn = generate(np.random.default_rng(case.seed))
        if not isinstance(drawn, Mapping):
            raise QbankError(
                f"code '{task.id}': case {case.name!r}: {case.generate} returned "
                f"{type(drawn).__name__}, expected a dict of keyword arguments"
            )
        return dict(drawn)
    return convert(case.args or {}, task.arg_types, f"code '{task.id}': case {case.name!r}")


def load_function(reference: str, root: Path) -> Callable[..., Any]:
    """'graders/<file>.py:<function>' below ``root``, imported by path (trusted code)."""
    rel, _, name = reference.partition(":")
    module = _load_module(root / rel)
    function = getattr(module, name, None)
    if not callable(function):
        raise QbankError(f"{reference}: {display(root / rel)} has no function {name!r}")
    return function  # type: ignore[no-any-return]


def _load_module(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_qbank_grader_{path.stem}", path)
    if spec is None or spec.loader is None or not path.is_file():
        raise QbankError(f"{display(path)}: cannot load (expected a Python file of graders/)")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _literal(value: Any, where: str) -> tuple[Any, str | None]:
    """An argument as plain YAML, and the arg_type that turns it back into the same value."""
    if isinstance(value, np.ndarray):
        kind = _KINDS.get(value.dtype.kind)
        if kind is None:
            raise QbankError(f"{where}: a {value.dtype} array cannot be written to a bundle")
        return value.tolist(), kind
    if isinstance(value, np.generic):
        return value.item(), None
    if _plain(value):
        return value, None
    raise QbankError(
        f"{where}: a {type(value).__name__} holding arrays or objects cannot be written to a "
        "student bundle (expected arrays, numbers, strings, or lists and dicts of them)"
    )


def _plain(value: Any) -> bool:
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return False


def expected_literal(value: Any, where: str) -> Any:
    """The reference's output as plain YAML: arrays become lists, tuples {__tuple__: [...]}."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "fiub":
            raise QbankError(f"{where}: the reference returned a {value.dtype} array")
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        # YAML has no tuples, and a tuple is graded as a tuple (not one stacked array).
        return {TUPLE_KEY: [expected_literal(v, where) for v in value]}
    if isinstance(value, list):
        return [expected_literal(v, where) for v in value]
    if isinstance(value, dict):
        return {str(k): expected_literal(v, where) for k, v in value.items()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise QbankError(f"{where}: the reference returned a {type(value).__name__}")


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.dtype == b.dtype and a.shape == b.shape and bool(np.array_equal(a, b, True))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and bool(a == b)


def student_task(task: models.CodeQuestion, root: Path, report: BundleReport) -> dict[str, Any]:
    """A code task without its reference and hidden cases, public cases made literal."""
    if task.reference is None:
        raise QbankError(f"code '{task.id}' has no reference to compute expected values")
    reference = load_function(task.reference, root)
    arg_types: dict[str, str] = dict(task.arg_types)
    cases: list[dict[str, Any]] = []
    for case in task.cases:
        if case.hidden:
            report.left_out["hidden_cases"] += 1
            continue
        where = f"code '{task.id}': case {case.name!r}"
        kwargs = case_kwargs(task, case, root)
        args: dict[str, Any] = {}
        for name, value in kwargs.items():
            args[name], kind = _literal(value, f"{where}: argument {name!r}")
            if kind is not None and kind != "float64":
                arg_types.setdefault(name, kind)
        rebuilt = convert(args, arg_types, where)
        if not all(_same(rebuilt[k], kwargs[k]) for k in kwargs):
            raise QbankError(f"{where}: its arguments do not survive being written as YAML")
        # Copies: a reference that modified its input must not change what is written.
        expected = reference(**{k: _copy(v) for k, v in rebuilt.items()})
        literal = expected_literal(expected, where)
        _check_faithful(expected, literal, where)
        entry: dict[str, Any] = {"name": case.name, "args": args, "points": case.points}
        entry["expected"] = literal
        if case.tolerance is not None:
            entry["tolerance"] = case.tolerance.model_dump()
        cases.append(entry)
    data = _dump(task)
    data.pop("reference", None)
    data["cases"] = cases
    if arg_types:
        data["arg_types"] = arg_types
    data.setdefault("timeout", task.timeout)
    data.setdefault("tolerance", task.tolerance.model_dump())
    return data


def restore_expected(value: Any) -> Any:
    """A bundle's expected value as the reference returned it (tuples restored)."""
    if isinstance(value, dict):
        if set(value) == {TUPLE_KEY} and isinstance(value[TUPLE_KEY], list):
            return tuple(restore_expected(v) for v in value[TUPLE_KEY])
        return {k: restore_expected(v) for k, v in value.items()}
    if isinstance(value, list):
        return [restore_expected(v) for v in value]
    return value


def _check_faithful(expected: Any, literal: Any, where: str) -> None:
    """The written value, read back from YAML, must grade exactly like the reference's."""
    from questionbank.grading.compare import Tolerance, compare
    from questionbank.sandbox import codec

    reread = restore_expected(yaml.safe_load(yaml.dump(literal, Dumper=_Dumper)))
    reference_node = codec.decode(codec.encode(expected))
    mismatch = compare(reference_node, codec.decode(codec.encode(reread)), Tolerance(0.0, 0.0))
    if mismatch is not None:
        raise QbankError(
            f"{where}: the expected value cannot be written to a bundle faithfully "
            f"({mismatch.public})"
        )


def _copy(value: Any) -> Any:
    return value.copy() if isinstance(value, np.ndarray) else value


def notebook_data(task: models.CodeQuestion, root: Path) -> dict[str, Any]:
    """What a starter notebook needs (questionbank.notebook.starter_notebook): the task with
    its public cases only, each with literal arguments and its expected value: computed by
    the reference in a course bank, as written in a student bundle."""
    if task.reference is not None:
        return student_task(task, root, BundleReport(root))
    data = _dump(task)
    data["cases"] = [c for c in data["cases"] if not c.get("hidden")]
    if not data["cases"] or any("expected" not in c or "args" not in c for c in data["cases"]):
        raise QbankError(
            f"code task '{task.id}' has no reference, so its public cases need literal "
            "'args' and 'expected' values for a notebook (as `qbank bundle --student` writes)"
        )
    data.setdefault("tolerance", task.tolerance.model_dump())
    return data


def write_student_bundle(bank: Bank, out: Path, *, notebooks: bool = False) -> BundleReport:
    """Write the student bank to ``out/bank/``, mirroring the bank's file layout; with
    notebooks, also ``out/notebooks/<task>.ipynb`` for every coding task (for Colab)."""
    target = out / "bank"
    if target.exists() and any(target.iterdir()):
        raise QbankError(
            f"{display(target)} already exists and is not empty; "
            "choose another --out (a bundle is never written over old files)"
        )
    report = BundleReport(out)
    root = bank.project_root
    by_file: dict[str, list[dict[str, Any]]] = {}
    for entry in bank.entries:
        q = entry.question
        if q.exam_only:
            report.left_out["exam_only"] += 1
            continue
        if isinstance(q, models.CodeQuestion):
            data = student_task(q, root, report)
            if not data["cases"]:
                report.left_out["tasks_without_public"] += 1
                continue
            report.code_tasks += 1
            report.public_cases += len(data["cases"])
            if notebooks:
                from questionbank.notebook import starter_notebook

                folder = out / "notebooks"
                folder.mkdir(parents=True, exist_ok=True)
                (folder / f"{q.id}.ipynb").write_bytes(starter_notebook(data))
                report.notebooks += 1
        else:
            data = _dump(q)
        by_file.setdefault(entry.file, []).append(data)
        report.questions += 1
    header = HEADER.format(date=datetime.now(UTC).strftime("%Y-%m-%d"))
    for file, questions in by_file.items():
        path = target / _relative(Path(file), bank.root)
        path.parent.mkdir(parents=True, exist_ok=True)
        text = yaml.dump(questions, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
        path.write_text(header + text, encoding="utf-8")
        report.files += 1
    return report


def _dump(question: models.AnyQuestion) -> dict[str, Any]:
    return question.model_dump(mode="json", by_alias=True, exclude_defaults=True)


class _Dumper(yaml.SafeDumper):
    """Readable YAML: lists of numbers on one line, multi-line text (starter code) as blocks."""


def _represent_list(dumper: yaml.SafeDumper, value: list[Any]) -> yaml.Node:
    flat = all(v is None or isinstance(v, (bool, int, float)) for v in value)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flat or None)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value and not value.endswith((" ", "\t")) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(list, _represent_list)
_Dumper.add_representer(str, _represent_str)


def _relative(file: Path, root: Path) -> Path:
    for candidate in (file, Path.cwd() / file):
        try:
            return candidate.resolve().relative_to(root.resolve())
        except ValueError:
            continue
    return Path(file.name)
