"""Compare a decoded student value with the expected one, on the trusted side.

Both sides are plain nodes from questionbank.sandbox.codec (the expected value goes through the
same encoder), so nothing the submission defined runs here. Messages for public cases say what
differed; for hidden cases they give only the kind of failure.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from questionbank.sandbox.codec import Array, Node, Other, Sequence


@dataclass(frozen=True)
class Tolerance:
    rtol: float = 1e-6
    atol: float = 1e-9


@dataclass(frozen=True)
class Mismatch:
    """Why a value was wrong: kind is one of structure, shape, dtype, nan, inf, value."""

    kind: str
    public: str
    hidden: str


def compare(expected: Node, got: Node, tol: Tolerance) -> Mismatch | None:
    return _compare(expected, got, tol, where="")


def _describe(node: Node) -> str:
    if isinstance(node, Array):
        if node.data.ndim == 0:
            return "a scalar"
        return f"an array of shape {_shape(node.data.shape)}"
    if isinstance(node, Sequence):
        return f"a {node.kind} of {len(node.items)} values"
    return node.description


def _shape(shape: tuple[int, ...]) -> str:
    return "(" + ",".join(str(n) for n in shape) + ")"


def _as_array(node: Node) -> Array | None:
    """A list/tuple of numbers (or of equal-shaped arrays) counts as an array."""
    if isinstance(node, Array):
        return node
    if isinstance(node, Sequence) and node.items:
        parts = [_as_array(item) for item in node.items]
        if all(p is not None for p in parts):
            arrays = [p.data for p in parts if p is not None]
            if len({a.shape for a in arrays}) == 1:
                return Array(np.stack(arrays), "list")
    return None


def _compare(expected: Node, got: Node, tol: Tolerance, where: str) -> Mismatch | None:
    prefix = f"{where}: " if where else ""
    if isinstance(expected, Sequence):
        if not isinstance(got, Sequence):
            text = f"returned {_describe(got)}, expected a {expected.kind} of {len(expected.items)}"
            return Mismatch("structure", prefix + text, prefix + "wrong structure")
        if len(got.items) != len(expected.items):
            text = f"returned {len(got.items)} values, expected {len(expected.items)}"
            return Mismatch("structure", prefix + text, prefix + "wrong number of values")
        for index, (exp_item, got_item) in enumerate(zip(expected.items, got.items, strict=True)):
            found = _compare(
                exp_item, got_item, tol, (f"{where} > " if where else "") + f"value {index + 1}"
            )
            if found is not None:
                return found
        return None
    if isinstance(expected, Other):
        if isinstance(got, Other) and got.description == expected.description:
            return None
        text = f"returned {_describe(got)}, expected {expected.description}"
        return Mismatch("structure", prefix + text, prefix + "wrong kind of value")
    array = _as_array(got)
    if array is None:
        text = f"returned {_describe(got)}, expected {_describe(expected)}"
        return Mismatch("structure", prefix + text, prefix + "wrong kind of value")
    return _compare_arrays(expected.data, array.data, tol, prefix)


def _compare_arrays(
    exp: np.ndarray, got: np.ndarray, tol: Tolerance, prefix: str
) -> Mismatch | None:
    if got.shape != exp.shape:
        text = f"shape {_shape(got.shape)} vs expected {_shape(exp.shape)}"
        # Hidden: never echo the shape, which the submission chooses (a channel out for
        # hidden inputs).
        return Mismatch("shape", prefix + text, prefix + "wrong shape")
    if got.dtype.kind not in "biuf":
        return Mismatch("dtype", prefix + f"dtype {got.dtype}", prefix + "non-numeric output")
    e = exp.astype(np.float64)
    g = got.astype(np.float64)
    same_nonfinite = (np.isnan(e) & np.isnan(g)) | (np.isinf(e) & (g == e))
    for label, bad in (
        ("NaN", np.isnan(g) & ~same_nonfinite),
        ("inf", np.isinf(g) & ~same_nonfinite),
    ):
        if bad.any():
            first = tuple(int(i) for i in np.argwhere(bad)[0])
            text = f"{label} in output at {_index(first)} ({int(bad.sum())} of {bad.size})"
            return Mismatch(label.lower(), prefix + text, prefix + f"{label} in output")
    missing = ~np.isfinite(e) & ~same_nonfinite
    if missing.any():
        first = tuple(int(i) for i in np.argwhere(missing)[0])
        text = f"finite value at {_index(first)} where {e[first]} was expected"
        return Mismatch("value", prefix + text, prefix + "wrong values")
    finite = np.isfinite(e)
    error = np.where(finite, np.abs(g - np.where(finite, e, 0.0)), 0.0)
    allowed = tol.atol + tol.rtol * np.abs(np.where(finite, e, 0.0))
    outside = error > allowed
    if not outside.any():
        return None
    worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(error)), error.shape))
    count = f"{int(outside.sum())} of {outside.size} values outside tolerance"
    at = f" at {_index(worst)}" if worst else ""
    text = (
        f"max abs error {error[worst]:.3g}{at} (got {g[worst]:.6g}, expected {e[worst]:.6g}); "
        f"{count}"
    )
    return Mismatch("value", prefix + text, prefix + f"wrong values ({count})")


def _index(index: tuple[int, ...]) -> str:
    return "[" + ",".join(str(i) for i in index) + "]"
