"""Build a code task's cases on the trusted side: arguments, generated inputs, expected values.

The reference and the generators are the course's own trusted files (graders/<module>.py),
loaded by path in this process. Student code never runs here, and the fork server that runs it
is a separate, fresh process that never sees what this module computes.
"""

from __future__ import annotations

import copy
import hashlib
import importlib.util
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from questionbank.grading.compare import Tolerance
from questionbank.sandbox import codec

ARG_TYPES = {"float64": np.float64, "int64": np.int64, "bool": np.bool_}
_TARGET = re.compile(r"^(?P<path>[A-Za-z0-9_./-]+\.py):(?P<name>[A-Za-z_][A-Za-z0-9_]*)$")


class CaseSetupError(ValueError):
    """A task's cases or reference are unusable (an author error, not a student error).

    problems pairs each message with the index of the case it concerns (None: the task)."""

    def __init__(self, problems: list[tuple[int | None, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(message for _, message in problems))


@dataclass(frozen=True)
class CaseSpec:
    """A case as written in the bank: literal args, or a trusted generator and a seed."""

    name: str
    points: float = 1.0
    hidden: bool = False
    args: Mapping[str, Any] | None = None
    generate: str | None = None
    seed: int | None = None
    tolerance: Tolerance | None = None


@dataclass(frozen=True)
class TaskSpec:
    """The parts of a `code` question the grader needs. root holds bank/ and graders/."""

    id: str
    function: str
    reference: str
    cases: tuple[CaseSpec, ...]
    root: Path
    tolerance: Tolerance = field(default_factory=Tolerance)
    timeout: float = 2.0
    arg_types: Mapping[str, str] = field(default_factory=dict)
    source: str = ""
    returns: str | None = None  # checked by verdicts.return_kind_problem
    check_inputs: bool = False  # "do not modify the inputs"


@dataclass(frozen=True)
class PreparedCase:
    name: str
    points: float
    hidden: bool
    args_blob: bytes
    expected: codec.Node
    tolerance: Tolerance


@dataclass(frozen=True)
class PreparedTask:
    spec: TaskSpec
    cases: tuple[PreparedCase, ...]
    version: str

    @property
    def max_score(self) -> float:
        return sum(case.points for case in self.cases)


class TrustedLoader:
    """Loads graders/<module>.py files by path, once each."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.modules: dict[Path, Any] = {}

    def resolve(self, target: str, *, what: str) -> tuple[Path, Callable[..., Any]]:
        match = _TARGET.match(target)
        if match is None:
            raise _problem(f"{what} {target!r}: expected 'graders/<module>.py:<function>'")
        path = (self.root / match["path"]).resolve()
        if not path.is_file():
            raise _problem(f"{what} {target!r}: no file {path}")
        module = self.modules.get(path)
        if module is None:
            spec = importlib.util.spec_from_file_location(
                f"qbank_trusted_{len(self.modules)}", path
            )
            if spec is None or spec.loader is None:
                raise _problem(f"{what} {target!r}: cannot load {path}")
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            self.modules[path] = module
        function = getattr(module, match["name"], None)
        if not callable(function):
            raise _problem(f"{what} {target!r}: {path.name} defines no {match['name']}()")
        return path, function


def convert_args(
    args: Mapping[str, Any], arg_types: Mapping[str, str], *, case: str
) -> dict[str, Any]:
    """Literal YAML -> call arguments: numeric lists become arrays, scalars stay scalars."""
    converted: dict[str, Any] = {}
    for name, value in args.items():
        wanted = arg_types.get(name, "float64")
        if wanted == "raw" or not isinstance(value, list):
            converted[name] = copy.deepcopy(value)
            continue
        if wanted not in ARG_TYPES:
            raise _problem(
                f"case {case!r}: arg_types[{name!r}] is {wanted!r}; expected one of "
                f"float64, int64, bool, raw"
            )
        try:
            converted[name] = np.array(value, dtype=ARG_TYPES[wanted])
        except (ValueError, TypeError) as exc:
            raise _problem(
                f"case {case!r}: argument {name!r} is not a rectangular numeric list ({exc})"
            ) from None
    return converted


def prepare_task(spec: TaskSpec, loader: TrustedLoader | None = None) -> PreparedTask:
    """Compute every case's arguments and expected value; collect all problems, then raise."""
    loader = loader or TrustedLoader(spec.root)
    problems: list[tuple[int | None, str]] = []
    digest = hashlib.sha256(json.dumps(_spec_fingerprint(spec), sort_keys=True).encode())
    try:
        ref_path, reference = loader.resolve(spec.reference, what="reference")
        digest.update(ref_path.read_bytes())
    except CaseSetupError as exc:
        raise CaseSetupError([(None, str(exc))]) from None
    prepared: list[PreparedCase] = []
    for index, case in enumerate(spec.cases):
        try:
            kwargs = _case_args(case, spec, loader, digest)
            expected = reference(**copy.deepcopy(kwargs))
            expected_node = codec.decode(codec.encode(expected))
        except CaseSetupError as exc:
            problems.append((index, str(exc)))
            continue
        except Exception as exc:  # noqa: BLE001 - a broken reference or generator: author error
            problems.append((index, f"case {case.name!r}: {type(exc).__name__}: {exc}"))
            continue
        prepared.append(
            PreparedCase(
                case.name,
                case.points,
                case.hidden,
                codec.encode(kwargs),
                expected_node,
                case.tolerance or spec.tolerance,
            )
        )
    if problems:
        raise CaseSetupError(problems)
    return PreparedTask(spec, tuple(prepared), digest.hexdigest()[:16])


def _case_args(
    case: CaseSpec, spec: TaskSpec, loader: TrustedLoader, digest: Any
) -> dict[str, Any]:
    if case.generate is not None:
        path, generator = loader.resolve(case.generate, what=f"case {case.name!r} generator")
        digest.update(path.read_bytes())
        produced = generator(np.random.default_rng(case.seed))
        if not isinstance(produced, dict) or not all(isinstance(k, str) for k in produced):
            raise _problem(f"case {case.name!r}: {case.generate} must return a dict of kwargs")
        return convert_args(produced, spec.arg_types, case=case.name)
    return convert_args(case.args or {}, spec.arg_types, case=case.name)


def _problem(message: str) -> CaseSetupError:
    return CaseSetupError([(None, message)])


def _spec_fingerprint(spec: TaskSpec) -> dict[str, Any]:
    return {
        "id": spec.id,
        "function": spec.function,
        "reference": spec.reference,
        "tolerance": [spec.tolerance.rtol, spec.tolerance.atol],
        "timeout": spec.timeout,
        "arg_types": dict(spec.arg_types),
        "returns": spec.returns,
        "check_inputs": spec.check_inputs,
        "cases": [
            [c.name, c.points, c.hidden, repr(c.args), c.generate, c.seed, repr(c.tolerance)]
            for c in spec.cases
        ],
    }
