"""One step of a simple RNN cell and of an LSTM cell (topic: rnn), Keras layouts.

Batched rows: x (N, D), h (N, H); kernels multiply from the right (x @ Wx).
"""

from __future__ import annotations

from typing import Any

import numpy as np

Kwargs = dict[str, Any]


def _sigmoid(x: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def rnn_cell_step(x, h_prev, Wx, Wh, b):
    x, h_prev, Wx, Wh, b = (np.asarray(a, dtype=np.float64) for a in (x, h_prev, Wx, Wh, b))
    return np.tanh(x @ Wx + h_prev @ Wh + b)


def lstm_cell_step(x, h_prev, c_prev, W, U, b):
    x, h_prev, c_prev, W, U, b = (
        np.asarray(a, dtype=np.float64) for a in (x, h_prev, c_prev, W, U, b)
    )
    hidden = h_prev.shape[-1]
    z = x @ W + h_prev @ U + b
    # Gate blocks in Keras' (and PyTorch's) order: input, forget, candidate, output.
    i = _sigmoid(z[:, :hidden])
    f = _sigmoid(z[:, hidden : 2 * hidden])
    g = np.tanh(z[:, 2 * hidden : 3 * hidden])
    o = _sigmoid(z[:, 3 * hidden :])
    c_new = f * c_prev + i * g
    h_new = o * np.tanh(c_new)
    return h_new, c_new


# ---- case generators -------------------------------------------------------------------


def random_rnn(rng: np.random.Generator) -> Kwargs:
    """N, D and H all different; a non-symmetric Wh and a non-zero state."""
    n, d, h = 3, 5, 4
    return {
        "x": rng.normal(size=(n, d)),
        "h_prev": rng.uniform(-1, 1, size=(n, h)),
        "Wx": rng.normal(scale=0.5, size=(d, h)),
        "Wh": rng.normal(scale=0.5, size=(h, h)),
        "b": rng.normal(scale=0.1, size=h),
    }


def random_lstm(rng: np.random.Generator) -> Kwargs:
    """N, D and H all different, distinct weights per gate, non-zero states."""
    n, d, h = 2, 3, 4
    return {
        "x": rng.normal(size=(n, d)),
        "h_prev": rng.uniform(-1, 1, size=(n, h)),
        "c_prev": rng.normal(size=(n, h)),
        "W": rng.normal(scale=0.7, size=(d, 4 * h)),
        "U": rng.normal(scale=0.7, size=(h, 4 * h)),
        "b": rng.normal(scale=0.5, size=4 * h),
    }
