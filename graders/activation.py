"""Activation functions (topic: activation), written to stay exact for large |x|."""

from __future__ import annotations

from typing import Any

import numpy as np

Kwargs = dict[str, Any]


def _scalar_or_array(out: np.ndarray, x: Any) -> Any:
    """A Python scalar input gives a float back, an array input an array of its shape."""
    if np.ndim(x) == 0 and not isinstance(x, np.ndarray):
        return float(out)
    return out


def _sigmoid(x: np.ndarray) -> np.ndarray:
    # exp(-|x|) never overflows; the two branches are the same function rewritten.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid(x):
    arr = np.asarray(x, dtype=np.float64)
    return _scalar_or_array(_sigmoid(arr), x)


def sigmoid_derivative(x):
    arr = np.asarray(x, dtype=np.float64)
    # sigma(x)(1 - sigma(x)) = e^{-|x|} / (1 + e^{-|x|})^2, symmetric in x and overflow-free.
    e = np.exp(-np.abs(arr))
    return _scalar_or_array(e / (1.0 + e) ** 2, x)


def relu(x):
    arr = np.asarray(x, dtype=np.float64)
    return _scalar_or_array(np.maximum(arr, 0.0), x)


def tanh_derivative(x):
    arr = np.asarray(x, dtype=np.float64)
    t = np.tanh(arr)
    return _scalar_or_array(1.0 - t * t, x)


def softmax(z, axis=-1):
    arr = np.asarray(z, dtype=np.float64)
    shifted = arr - np.max(arr, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)


# ---- case generators -------------------------------------------------------------------


def random_elementwise(rng: np.random.Generator) -> Kwargs:
    """A 3-D array of moderate values, for any elementwise activation."""
    shape = tuple(int(n) for n in rng.integers(1, 5, size=3))
    return {"x": rng.normal(0.0, 3.0, size=shape)}


def random_elementwise_wide(rng: np.random.Generator) -> Kwargs:
    """Values from -800 to 800 in a non-square matrix: naive formulas overflow here."""
    rows, cols = int(rng.integers(2, 6)), int(rng.integers(6, 10))
    x = rng.uniform(-800.0, 800.0, size=(rows, cols))
    x[0, :3] = [-800.0, 0.0, 800.0]
    return {"x": x}


def random_softmax_rows(rng: np.random.Generator) -> Kwargs:
    """A batch of logit rows, default axis."""
    n = int(rng.integers(2, 7))
    k = n + int(rng.integers(1, 4))  # non-square, so a missing keepdims cannot broadcast
    return {"z": rng.normal(0.0, 4.0, size=(n, k))}


def random_softmax_axis(rng: np.random.Generator) -> Kwargs:
    """A 3-D tensor normalised along a random axis (0, 1 or 2), with large logits."""
    shape = tuple(int(n) for n in rng.integers(2, 5, size=3))
    z = rng.normal(0.0, 300.0, size=shape)
    return {"z": z, "axis": int(rng.integers(0, 3))}
