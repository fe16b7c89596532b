"""Comparison on the trusted side: a table of returned values and the exact messages."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from questionbank.grading.compare import Tolerance, compare
from questionbank.sandbox import codec


def node(value: Any) -> codec.Node:
    return codec.decode(codec.encode(value))


E3 = np.arange(12.0).reshape(2, 2, 3)
OFF = E3.copy()
OFF[1, 0, 2] += 0.12
NAN = E3.copy()
NAN[0, 1, 1] = np.nan

CASES = [
    ("equal", E3, E3.copy(), None, None),
    ("list of lists counts as array", E3[0], E3[0].tolist(), None, None),
    ("within rtol", np.array([1e6]), np.array([1e6 + 0.5]), None, None),
    (
        "shape",
        np.zeros((4, 4, 4)),
        np.zeros((4, 3, 3)),
        "shape",
        "shape (4,3,3) vs expected (4,4,4)",
    ),
    ("scalar vs 1-element array", 0.75, np.array([0.75]), "shape", "shape (1) vs expected ()"),
    (
        "value",
        E3,
        OFF,
        "value",
        "max abs error 0.12 at [1,0,2] (got 8.12, expected 8); 1 of 12 values outside tolerance",
    ),
    ("nan", E3, NAN, "nan", "NaN in output at [0,1,1] (1 of 12)"),
    ("inf", np.ones(3), np.array([1.0, np.inf, 1.0]), "inf", "inf in output at [1] (1 of 3)"),
    ("nan expected and returned", np.array([np.nan, 1.0]), np.array([np.nan, 1.0]), None, None),
    ("tuple length", (E3, E3), (E3,), "structure", "returned 1 values, expected 2"),
    (
        "tuple vs array",
        (E3, E3),
        np.stack([E3, E3]),
        "structure",
        "returned an array of shape (2,2,2,3), expected a tuple of 2",
    ),
    (
        "tuple element",
        (np.ones(2), np.zeros(2)),
        (np.ones(2), np.ones(2)),
        "value",
        "value 2: max abs error 1 at [0] (got 1, expected 0); 2 of 2 values outside tolerance",
    ),
    ("list accepted for tuple", (np.ones(2), 3.0), [np.ones(2), 3.0], None, None),
    ("None", E3, None, "structure", "returned None, expected an array of shape (2,2,3)"),
    ("string", 0.5, "0.5", "structure", "returned a string, expected a scalar"),
    ("bool array is numeric", np.array([1.0, 0.0]), np.array([True, False]), None, None),
    (
        "complex refused",
        np.ones(2),
        np.ones(2, dtype=complex),
        "structure",
        "returned complex128 array, expected an array of shape (2)",
    ),
]


@pytest.mark.parametrize(
    ("expected", "got", "kind", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_comparison_table(expected: Any, got: Any, kind: str | None, message: str | None) -> None:
    found = compare(node(expected), node(got), Tolerance(rtol=1e-6, atol=1e-9))
    if kind is None:
        assert found is None
    else:
        assert found is not None
        assert (found.kind, found.public) == (kind, message)


def test_hidden_messages_give_the_kind_only() -> None:
    found = compare(node(E3), node(OFF), Tolerance())
    assert found is not None
    assert found.hidden == "wrong values (1 of 12 values outside tolerance)"
    shape = compare(node(np.zeros((4, 4, 4))), node(np.zeros((4, 3, 3))), Tolerance())
    assert shape is not None and shape.hidden == "wrong shape"


def test_subclass_and_lying_eq_are_compared_as_plain_data() -> None:
    class Sneaky(np.ndarray):
        def __eq__(self, other: object) -> Any:
            return np.ones(3, dtype=bool)

    class Liar:
        def __eq__(self, other: object) -> bool:
            return True

    assert compare(node(np.ones(3)), node(np.zeros(3).view(Sneaky)), Tolerance()) is not None
    liar = compare(node(np.ones(3)), node(Liar()), Tolerance())
    assert (
        liar is not None
        and liar.public == "returned an object of type Liar, expected an array of shape (3)"
    )
