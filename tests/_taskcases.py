"""Test-side helpers for the coding tasks: read bank/tasks/*.yaml, build each case's keyword
arguments the way FORMAT-CONTRACT.md describes, compare outputs, and run a submission file
in a separate Python process (its outputs come back as .npy files, never pickles).

This is a stand-in used only to check the task content (references, cases, the corpus in
tests/submissions); the real grader with its sandbox lives in questionbank/.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
TASKS_DIR = ROOT / "bank" / "tasks"
RUNNER = Path(__file__).resolve().parent / "_run_submission.py"

_DTYPES = {"float64": np.float64, "int64": np.int64, "bool": np.bool_}


@dataclass(frozen=True)
class Task:
    file: Path
    spec: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.spec["id"])


def load_tasks() -> list[Task]:
    tasks = []
    for path in sorted(TASKS_DIR.glob("*.yaml")):
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        questions = data["questions"] if isinstance(data, dict) else data
        tasks.extend(Task(path, q) for q in questions if q.get("type") == "code")
    return tasks


def load_module(file: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_qbank_test_{file.stem}", file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def resolve(ref: str) -> Callable[..., Any]:
    """'graders/cnn.py:conv2d' -> the function, loaded from the checkout by file path."""
    rel, _, name = ref.partition(":")
    return getattr(load_module(ROOT / rel), name)  # type: ignore[no-any-return]


def _convert(value: Any, dtype: str | None) -> Any:
    if dtype == "raw":
        return value
    if isinstance(value, list):
        return np.asarray(value, dtype=_DTYPES[dtype or "float64"])
    return value


def case_kwargs(task: Task, case: dict[str, Any]) -> dict[str, Any]:
    if "generate" in case:
        return dict(resolve(case["generate"])(np.random.default_rng(case["seed"])))
    types = task.spec.get("arg_types", {})
    return {k: _convert(v, types.get(k)) for k, v in case.get("args", {}).items()}


def iter_cases(task: Task) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    for case in task.spec["cases"]:
        yield case, case_kwargs(task, case)


def mismatch(expected: Any, actual: Any, rtol: float, atol: float) -> str | None:
    """None when actual matches expected in structure, shape and values; else why not."""
    if isinstance(expected, tuple):
        if not isinstance(actual, (tuple, list)) or len(actual) != len(expected):
            return f"expected a tuple of {len(expected)}, got {type(actual).__name__}"
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            why = mismatch(e, a, rtol, atol)
            if why:
                return f"item {i}: {why}"
        return None
    try:
        exp = np.asarray(expected, dtype=np.float64)
        act = np.asarray(actual, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        return f"not numeric: {exc}"
    if exp.shape != act.shape:
        return f"shape {act.shape} vs expected {exp.shape}"
    if not np.all(np.isfinite(act) == np.isfinite(exp)):
        return "non-finite values where finite ones were expected"
    if not np.allclose(act, exp, rtol=rtol, atol=atol, equal_nan=True):
        err = np.abs(act - exp)
        return f"max abs error {float(np.max(err)):.3g}"
    return None


def run_submission(task: Task, submission: Path, workdir: Path) -> dict[str, Any]:
    """Outputs of `submission` on every case of `task`, computed in a child process.

    Returns {case name: output or an "error: ..." string}.
    """
    specs = []
    for n, (case, kwargs) in enumerate(iter_cases(task)):
        args = {}
        for key, value in kwargs.items():
            if isinstance(value, np.ndarray):
                file = workdir / f"in_{n}_{key}.npy"
                np.save(file, value, allow_pickle=False)
                args[key] = {"npy": file.name}
            else:
                args[key] = {"value": value}
        specs.append({"name": case["name"], "args": args})
    (workdir / "cases.json").write_text(json.dumps(specs), encoding="utf-8")
    timeout = float(task.spec.get("timeout", 2.0)) * len(specs) + 20
    subprocess.run(
        [sys.executable, str(RUNNER), str(submission), task.spec["function"], str(workdir)],
        check=True,
        timeout=timeout,
        capture_output=True,
    )
    report = json.loads((workdir / "outputs.json").read_text(encoding="utf-8"))
    results: dict[str, Any] = {}
    for n, entry in enumerate(report):
        if "error" in entry:
            results[specs[n]["name"]] = "error: " + entry["error"]
            continue
        parts = [np.load(workdir / f, allow_pickle=False) for f in entry["files"]]
        results[specs[n]["name"]] = tuple(parts) if entry["tuple"] else parts[0]
    return results


def grade(task: Task, outputs: dict[str, Any]) -> dict[str, str | None]:
    """{case name: None if passed else the reason}, expected values from the reference."""
    reference = resolve(task.spec["reference"])
    tol = task.spec["tolerance"]
    verdicts: dict[str, str | None] = {}
    for case, kwargs in iter_cases(task):
        out = outputs[case["name"]]
        if isinstance(out, str) and out.startswith("error: "):
            verdicts[case["name"]] = out
        else:
            verdicts[case["name"]] = mismatch(reference(**kwargs), out, tol["rtol"], tol["atol"])
    return verdicts
