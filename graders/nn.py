"""Dense layers, the slides' backpropagation example and a residual block (topics: nn, cnn-arch).

Column-vector convention of the slides for single samples: z = W a (+ b), W[i, j] is the
weight from neuron j of the previous layer to neuron i.  dense_forward is the batched Keras
form x @ W + b.
"""

from __future__ import annotations

from typing import Any

import numpy as np

Kwargs = dict[str, Any]


def _sigmoid(x: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def dense_forward(x, W, b):
    return np.asarray(x, dtype=np.float64) @ np.asarray(W, dtype=np.float64) + np.asarray(
        b, dtype=np.float64
    )


def mlp_backward(x, y, W1, W2, W3):
    x = np.asarray(x, dtype=np.float64)
    W1, W2, W3 = (np.asarray(m, dtype=np.float64) for m in (W1, W2, W3))
    a1 = _sigmoid(W1 @ x)
    a2 = _sigmoid(W2 @ a1)
    y_hat = float((W3 @ a2)[0])  # the output neuron is linear: z^3 = y_hat
    delta3 = y_hat - float(y)  # dL/dz^3 for L = 1/2 (y_hat - y)^2
    dW3 = delta3 * a2[np.newaxis, :]
    delta2 = W3[0] * delta3 * a2 * (1.0 - a2)
    dW2 = np.outer(delta2, a1)
    delta1 = (W2.T @ delta2) * a1 * (1.0 - a1)
    dW1 = np.outer(delta1, x)
    return dW1, dW2, dW3


def residual_block(x, W1, b1, W2, b2):
    x = np.asarray(x, dtype=np.float64)
    a1 = np.maximum(np.asarray(W1, dtype=np.float64) @ x + np.asarray(b1, dtype=np.float64), 0.0)
    z2 = np.asarray(W2, dtype=np.float64) @ a1 + np.asarray(b2, dtype=np.float64)
    return np.maximum(z2 + x, 0.0)


# ---- case generators -------------------------------------------------------------------


def random_dense(rng: np.random.Generator) -> Kwargs:
    """A batch with N, D_in and D_out all different."""
    n, d_in, d_out = 5, int(rng.integers(2, 5)), int(rng.integers(6, 9))
    return {
        "x": rng.normal(size=(n, d_in)),
        "W": rng.normal(size=(d_in, d_out)),
        "b": rng.normal(size=(d_out,)),
    }


def random_dense_single(rng: np.random.Generator) -> Kwargs:
    """A batch of one sample (N = 1)."""
    d_in, d_out = int(rng.integers(3, 7)), int(rng.integers(2, 5))
    return {
        "x": rng.normal(size=(1, d_in)),
        "W": rng.normal(size=(d_in, d_out)),
        "b": rng.normal(size=(d_out,)),
    }


def random_mlp_slide(rng: np.random.Generator) -> Kwargs:
    """The slides' 2-2-2-1 network with random weights and target."""
    return {
        "x": rng.normal(size=2),
        "y": float(rng.normal()),
        "W1": rng.normal(size=(2, 2)),
        "W2": rng.normal(size=(2, 2)),
        "W3": rng.normal(size=(1, 2)),
    }


def random_mlp_wide(rng: np.random.Generator) -> Kwargs:
    """Different layer widths (3 inputs, 4 then 5 hidden units): transposes must be right."""
    return {
        "x": rng.normal(size=3),
        "y": float(rng.normal()),
        "W1": rng.normal(size=(4, 3)),
        "W2": rng.normal(size=(5, 4)),
        "W3": rng.normal(size=(1, 5)),
    }


def random_residual(rng: np.random.Generator) -> Kwargs:
    """D = 6 features through H = 4 hidden units; x has negative entries."""
    d, h = 6, 4
    return {
        "x": rng.normal(size=d),
        "W1": rng.normal(size=(h, d)),
        "b1": rng.normal(size=h),
        "W2": rng.normal(size=(d, h)),
        "b2": rng.normal(size=d),
    }
