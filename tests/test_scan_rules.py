"""The fill rules and row readings of qbank scan, on hand-made darkness samples."""

from __future__ import annotations

import numpy as np
import pytest

from questionbank.scan_decide import FAINT, STROKE, Cell, classify, read_choice, read_digits

PIXELS = 200


def _bubble(kind: str) -> np.ndarray:
    rng = np.random.default_rng(abs(hash(kind)) % 1000)
    base = rng.normal(0.04, 0.01, PIXELS).clip(0, 1)  # an empty printed circle
    if kind == "fill":
        return base + 0.8
    if kind == "light-fill":
        return base + 0.3
    if kind == "tick":
        out = base.copy()
        out[: PIXELS // 4] += 0.8
        return out
    if kind == "erased":
        return base + 0.08
    if kind == "faint":
        return base + 0.15
    return base


@pytest.mark.parametrize(
    ("kind", "state", "reason"),
    [
        pytest.param("empty", "empty", "", id="empty"),
        pytest.param("fill", "filled", "", id="dark-fill"),
        pytest.param("light-fill", "filled", "", id="light-pencil-but-even"),
        pytest.param("erased", "empty", "", id="clean-erasure-is-empty"),
        pytest.param("tick", "ambiguous", STROKE, id="tick-is-a-stroke"),
        pytest.param("faint", "ambiguous", FAINT, id="faint-mark"),
    ],
)
def test_each_rule(kind: str, state: str, reason: str) -> None:
    # A page of mostly empty circles sets the baseline; the bubble under test is the last.
    kinds = ["empty"] * 20 + [kind]
    samples = np.stack([_bubble(k) for k in kinds]).astype(np.float32)
    cells = classify([("q1", str(n)) for n in range(len(kinds))], samples)
    assert (cells[-1].state, cells[-1].reason) == (state, reason)
    assert all(c.state == "empty" for c in cells[:-1])


def test_rules_are_relative_to_the_page_not_a_fixed_grey() -> None:
    # A grey scan: every circle 0.3 darker. The same fill still reads filled, empties empty.
    kinds = ["empty"] * 20 + ["fill"]
    samples = np.stack([_bubble(k) for k in kinds]).astype(np.float32) + 0.3
    cells = classify([("q1", str(n)) for n in range(len(kinds))], samples.clip(0, 1))
    assert [c.state for c in cells] == ["empty"] * 20 + ["filled"]


def _cells(spec: str) -> list[Cell]:
    """'A B! C?' -> A empty, B filled, C ambiguous."""
    out = []
    for token in spec.split():
        value, mark = token.rstrip("!?"), token[-1]
        state = {"!": "filled", "?": "ambiguous"}.get(mark, "empty")
        out.append(Cell("q1", value, state, STROKE if state == "ambiguous" else "", 0, 0))
    return out


@pytest.mark.parametrize(
    ("row", "kind", "value", "problem"),
    [
        pytest.param("A B! C D", "mcq", "B", "", id="one-mark"),
        pytest.param("A B C D", "mcq", "", "", id="omitted"),
        pytest.param(
            "A! B C! D", "mcq", None, "2 marks on a single-answer row", id="two-marks-mcq"
        ),
        pytest.param("A! B C! D", "multi", "A,C", "", id="two-marks-multi"),
        pytest.param("T F?", "tf", None, f"F: {STROKE}", id="ambiguous-tf"),
    ],
)
def test_read_choice(row: str, kind: str, value: str | None, problem: str) -> None:
    reading = read_choice("q1", _cells(row), kind)
    assert (reading.value, reading.problem) == (value, problem)


@pytest.mark.parametrize(
    ("columns", "numeric", "value", "problem"),
    [
        pytest.param(["4!", "1!", "0!"], False, "410", "", id="id"),
        pytest.param(["4!", "1!", "_"], False, "41", "", id="id-shorter-than-the-grid"),
        pytest.param(
            ["_", "1!", "2!"], False, None, "a blank column between marked ones", id="id-gap"
        ),
        pytest.param(["_", "_"], False, None, "no student id filled in", id="id-none"),
        pytest.param(["4! 5!"], False, None, "2 marks in one column (4, 5)", id="id-two-in-column"),
        pytest.param(["-!", "3!", ".!", "5!"], True, "-3.5", "", id="negative-decimal"),
        pytest.param(["_", "_", "7!"], True, "7", "", id="right-aligned"),
        pytest.param(["_", "_", "_"], True, "", "", id="numeric-omitted"),
        pytest.param(["-!", "_"], True, None, "a sign alone", id="sign-alone"),
        pytest.param(["_", ".!", ".!"], True, None, "'..' is not a number", id="two-points"),
    ],
)
def test_read_digits(columns: list[str], numeric: bool, value: str | None, problem: str) -> None:
    cells = [_cells(c.replace("_", "0")) for c in columns]  # "_": a column with no mark
    reading = read_digits("x", cells, numeric=numeric)
    assert (reading.value, reading.problem) == (value, problem)
