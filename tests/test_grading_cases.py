"""Trusted case preparation: argument conversion, generators, references, task versions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from questionbank.grading.cases import (
    CaseSetupError,
    CaseSpec,
    TaskSpec,
    convert_args,
    prepare_task,
)


def test_numeric_lists_become_arrays_and_scalars_stay_python() -> None:
    args = convert_args(
        {
            "x": [[1, 2], [3, 4]],
            "idx": [0, 2],
            "mask": [1, 0],
            "raw": [1, 2],
            "k": 3,
            "lr": 0.5,
            "name": "same",
            "b": None,
        },
        {"idx": "int64", "mask": "bool", "raw": "raw"},
        case="c",
    )
    assert args["x"].dtype == np.float64 and args["x"].shape == (2, 2)
    assert args["idx"].dtype == np.int64
    assert args["mask"].dtype == np.bool_ and args["mask"].tolist() == [True, False]
    assert args["raw"] == [1, 2] and isinstance(args["raw"], list)
    assert (args["k"], args["lr"], args["name"], args["b"]) == (3, 0.5, "same", None)
    assert type(args["k"]) is int


BAD_ARGS = [
    (
        "ragged",
        {"x": [[1, 2], [3]]},
        {},
        "case 'c': argument 'x' is not a rectangular numeric list",
    ),
    ("strings", {"x": ["a", "b"]}, {}, "case 'c': argument 'x' is not a rectangular numeric list"),
    (
        "unknown type",
        {"x": [1]},
        {"x": "float32"},
        "case 'c': arg_types['x'] is 'float32'; expected one of float64, int64, bool, raw",
    ),
]


@pytest.mark.parametrize(
    ("args", "types", "message"), [b[1:] for b in BAD_ARGS], ids=[b[0] for b in BAD_ARGS]
)
def test_bad_arguments(args: dict[str, Any], types: dict[str, str], message: str) -> None:
    with pytest.raises(CaseSetupError) as info:
        convert_args(args, types, case="c")
    assert str(info.value).startswith(message)


def _root(tmp_path: Path, body: str) -> Path:
    (tmp_path / "graders").mkdir()
    (tmp_path / "graders" / "g.py").write_text("import numpy as np\n" + body)
    return tmp_path


def _spec(root: Path, *cases: CaseSpec, reference: str = "graders/g.py:ref") -> TaskSpec:
    return TaskSpec(id="t", function="f", reference=reference, root=root, cases=cases)


def test_expected_values_come_from_the_reference_on_a_copy(tmp_path: Path) -> None:
    root = _root(
        tmp_path,
        "def ref(x):\n    x *= 2\n    return x.sum()\n"
        "def gen(rng):\n    return {'x': rng.normal(size=3)}\n",
    )
    task = prepare_task(
        _spec(
            root,
            CaseSpec("lit", args={"x": [1, 2]}),
            CaseSpec("gen", generate="graders/g.py:gen", seed=3),
        )
    )
    first, second = task.cases
    assert float(first.expected.data) == 6.0  # type: ignore[union-attr]
    rng_x = np.random.default_rng(3).normal(size=3)
    assert float(second.expected.data) == pytest.approx(2 * rng_x.sum())  # type: ignore[union-attr]
    from questionbank.sandbox import codec

    assert codec.decode_args(first.args_blob)["x"].tolist() == [1.0, 2.0]  # not doubled


def test_every_broken_case_is_reported(tmp_path: Path) -> None:
    root = _root(tmp_path, "def ref(x):\n    return 1 / x[0]\ndef gen(rng):\n    return [1, 2]\n")
    spec = _spec(
        root,
        CaseSpec("ok", args={"x": [1]}),
        CaseSpec("raises", args={"x": ["a"]}),
        CaseSpec("not a dict", generate="graders/g.py:gen", seed=1),
        CaseSpec("missing", generate="graders/g.py:nope", seed=1),
    )
    with pytest.raises(CaseSetupError) as info:
        prepare_task(spec)
    assert [index for index, _ in info.value.problems] == [1, 2, 3]
    assert "graders/g.py:gen must return a dict of kwargs" in info.value.problems[1][1]
    assert "g.py defines no nope()" in info.value.problems[2][1]


def test_version_changes_with_the_reference_file(tmp_path: Path) -> None:
    root = _root(tmp_path, "def ref(x):\n    return x\n")
    spec = _spec(root, CaseSpec("c", args={"x": [1]}))
    before = prepare_task(spec).version
    assert prepare_task(spec).version == before
    (root / "graders" / "g.py").write_text("import numpy as np\ndef ref(x):\n    return x + 0\n")
    assert prepare_task(spec).version != before


def test_bad_reference_target(tmp_path: Path) -> None:
    with pytest.raises(CaseSetupError, match=r"expected 'graders/<module>\.py:<function>'"):
        prepare_task(_spec(tmp_path, CaseSpec("c", args={}), reference="graders/g:ref"))
