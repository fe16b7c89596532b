"""Losses and entropy from the slides' "Training and Loss" part (topic: nn)."""

from __future__ import annotations

from typing import Any

import numpy as np

Kwargs = dict[str, Any]


def mse(y_true, y_pred):
    d = np.asarray(y_true, dtype=np.float64) - np.asarray(y_pred, dtype=np.float64)
    return float(np.mean(d * d))


def mae(y_true, y_pred):
    d = np.asarray(y_true, dtype=np.float64) - np.asarray(y_pred, dtype=np.float64)
    return float(np.mean(np.abs(d)))


def binary_cross_entropy(y_true, p, eps=1e-7):
    y = np.asarray(y_true, dtype=np.float64)
    q = np.clip(np.asarray(p, dtype=np.float64), eps, 1.0 - eps)
    return float(-np.mean(y * np.log(q) + (1.0 - y) * np.log(1.0 - q)))


def sparse_categorical_cross_entropy(y_true, probs, eps=1e-7):
    labels = np.asarray(y_true, dtype=np.int64)
    probs = np.asarray(probs, dtype=np.float64)
    picked = probs[np.arange(labels.size), labels]
    return float(-np.mean(np.log(np.clip(picked, eps, 1.0 - eps))))


def entropy(p, base=2):
    p = np.asarray(p, dtype=np.float64)
    nz = p[p > 0]
    # 0 log 0 = 0: zero probabilities contribute nothing.
    return float(-np.sum(nz * np.log(nz)) / np.log(base)) + 0.0  # no -0.0


# ---- case generators -------------------------------------------------------------------


def random_regression(rng: np.random.Generator) -> Kwargs:
    """A (N, k) batch of targets and predictions, N != k."""
    n, k = int(rng.integers(5, 20)), int(rng.integers(2, 5))
    y = rng.normal(size=(n, k)) * 10
    return {"y_true": y, "y_pred": y + rng.normal(size=(n, k)) * 2}


def random_binary_probs(rng: np.random.Generator) -> Kwargs:
    """Probabilities from a sigmoid of moderate logits, labels 0/1 as floats."""
    n = int(rng.integers(10, 50))
    y = (rng.random(n) < 0.5).astype(np.float64)
    p = 1.0 / (1.0 + np.exp(-rng.normal(1.5 * (2 * y - 1), 1.5)))
    return {"y_true": y, "p": p}


def random_categorical(rng: np.random.Generator) -> Kwargs:
    """A batch of softmax rows and integer labels (N != K)."""
    n, k = int(rng.integers(5, 30)), int(rng.integers(3, 11))
    while n == k:
        n += 1
    logits = rng.normal(0.0, 2.0, size=(n, k))
    probs = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    return {"y_true": rng.integers(0, k, size=n).astype(np.int64), "probs": probs}


def random_distribution(rng: np.random.Generator) -> Kwargs:
    """A probability vector with some exact zeros."""
    k = int(rng.integers(4, 12))
    p = rng.random(k)
    p[rng.random(k) < 0.3] = 0.0
    p[0] = max(p[0], 0.1)
    return {"p": p / p.sum()}
