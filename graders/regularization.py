"""Inverted dropout and the L2 penalty (topic: regularization)."""

from __future__ import annotations

from typing import Any

import numpy as np

Kwargs = dict[str, Any]


def inverted_dropout(x, mask, p):
    x = np.asarray(x, dtype=np.float64)
    return x * np.asarray(mask, dtype=np.float64) / (1.0 - p)


def l2_penalty(w, lam=1.0):
    w = np.asarray(w, dtype=np.float64)
    return float(lam * np.sum(w * w))


# ---- case generators -------------------------------------------------------------------


def random_dropout(rng: np.random.Generator) -> Kwargs:
    """A (batch, units) activation with a mask drawn at a drop rate other than 0.5."""
    p = float(rng.choice([0.1, 0.2, 0.3, 0.25, 0.4]))
    shape = (int(rng.integers(2, 6)), int(rng.integers(5, 12)))
    mask = (rng.random(shape) >= p).astype(np.float64)
    return {"x": rng.normal(size=shape), "mask": mask, "p": p}


def random_weights(rng: np.random.Generator) -> Kwargs:
    """A 4-D conv kernel of weights and a lambda away from 1."""
    shape = tuple(int(n) for n in rng.integers(2, 5, size=4))
    return {"w": rng.normal(size=shape), "lam": float(rng.uniform(1e-4, 1e-1))}
