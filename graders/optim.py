"""One step of the slides' optimizers (topic: optim).

Every step returns new arrays and leaves its inputs untouched.  The state arrays
(velocity, n, m, v) have the shape of w.
"""

from __future__ import annotations

from typing import Any

import numpy as np

Kwargs = dict[str, Any]


def sgd_step(w, grad, lr=0.01):
    return np.asarray(w, dtype=np.float64) - lr * np.asarray(grad, dtype=np.float64)


def momentum_step(w, grad, velocity, lr=0.01, momentum=0.9):
    # Keras' form: v <- momentum * v - lr * g ; w <- w + v (PyTorch scales v differently).
    g = np.asarray(grad, dtype=np.float64)
    v_new = momentum * np.asarray(velocity, dtype=np.float64) - lr * g
    return np.asarray(w, dtype=np.float64) + v_new, v_new


def adagrad_step(w, grad, n, lr=0.01, eps=1e-8):
    g = np.asarray(grad, dtype=np.float64)
    n_new = np.asarray(n, dtype=np.float64) + g * g
    # The slides put eps inside the square root: 1 / sqrt(n + eps).
    return np.asarray(w, dtype=np.float64) - lr * g / np.sqrt(n_new + eps), n_new


def rmsprop_step(w, grad, s, lr=0.001, rho=0.9, eps=1e-7):
    g = np.asarray(grad, dtype=np.float64)
    s_new = rho * np.asarray(s, dtype=np.float64) + (1.0 - rho) * g * g
    return np.asarray(w, dtype=np.float64) - lr * g / (np.sqrt(s_new) + eps), s_new


def adam_step(w, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    g = np.asarray(grad, dtype=np.float64)
    m_new = beta1 * np.asarray(m, dtype=np.float64) + (1.0 - beta1) * g
    v_new = beta2 * np.asarray(v, dtype=np.float64) + (1.0 - beta2) * g * g
    m_hat = m_new / (1.0 - beta1**t)
    v_hat = v_new / (1.0 - beta2**t)
    w_new = np.asarray(w, dtype=np.float64) - lr * m_hat / (np.sqrt(v_hat) + eps)
    return w_new, m_new, v_new


# ---- case generators -------------------------------------------------------------------


def _shape(rng: np.random.Generator) -> tuple[int, ...]:
    return tuple(int(n) for n in rng.integers(2, 6, size=int(rng.integers(1, 3))))


def random_sgd(rng: np.random.Generator) -> Kwargs:
    shape = _shape(rng)
    return {
        "w": rng.normal(size=shape),
        "grad": rng.normal(size=shape),
        "lr": float(rng.uniform(0.05, 0.5)),
    }


def random_momentum(rng: np.random.Generator) -> Kwargs:
    """A mid-training step: non-zero velocity, lr and momentum away from their defaults."""
    shape = _shape(rng)
    return {
        "w": rng.normal(size=shape),
        "grad": rng.normal(size=shape),
        "velocity": rng.normal(scale=0.3, size=shape),
        "lr": float(rng.uniform(0.05, 0.3)),
        "momentum": float(rng.uniform(0.5, 0.95)),
    }


def random_adagrad(rng: np.random.Generator) -> Kwargs:
    """A mid-training step with an accumulated n and a visible eps."""
    shape = _shape(rng)
    return {
        "w": rng.normal(size=shape),
        "grad": rng.normal(size=shape),
        "n": rng.uniform(0.0, 3.0, size=shape),
        "lr": float(rng.uniform(0.05, 0.5)),
        "eps": 0.01,
    }


def random_rmsprop(rng: np.random.Generator) -> Kwargs:
    shape = _shape(rng)
    return {
        "w": rng.normal(size=shape),
        "grad": rng.normal(size=shape),
        "s": rng.uniform(0.0, 2.0, size=shape),
        "lr": float(rng.uniform(0.01, 0.1)),
        "rho": float(rng.uniform(0.8, 0.99)),
        "eps": 0.01,
    }


def random_adam_midway(rng: np.random.Generator) -> Kwargs:
    """Step t in 2..20 with moments from earlier steps: bias correction still matters."""
    shape = _shape(rng)
    grad = rng.normal(size=shape)
    return {
        "w": rng.normal(size=shape),
        "grad": grad,
        "m": rng.normal(scale=0.1, size=shape),
        "v": rng.uniform(0.0, 0.05, size=shape),
        "t": int(rng.integers(2, 21)),
        "lr": float(rng.uniform(0.001, 0.1)),
    }


def random_adam_tiny_grad(rng: np.random.Generator) -> Kwargs:
    """First step with gradients near 1e-6 and eps 1e-4: where eps sits is visible."""
    shape = _shape(rng)
    grad = rng.normal(scale=1e-6, size=shape)
    return {
        "w": rng.normal(size=shape),
        "grad": grad,
        "m": np.zeros(shape),
        "v": np.zeros(shape),
        "t": 1,
        "lr": 0.01,
        "eps": 1e-4,
    }
