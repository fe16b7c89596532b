"""One-hot encoding and embedding lookup (topic: encoding)."""

from __future__ import annotations

from typing import Any

import numpy as np

Kwargs = dict[str, Any]


def one_hot(labels, num_classes):
    labels = np.asarray(labels, dtype=np.int64)
    out = np.zeros((labels.size, num_classes), dtype=np.float64)
    out[np.arange(labels.size), labels] = 1.0
    return out


def embedding_lookup(E, ids):
    return np.asarray(E, dtype=np.float64)[np.asarray(ids, dtype=np.int64)]


# ---- case generators -------------------------------------------------------------------


def random_labels(rng: np.random.Generator) -> Kwargs:
    """Labels that never use the last class, so num_classes cannot be max(labels) + 1."""
    k = int(rng.integers(4, 12))
    n = int(rng.integers(5, 40))
    return {"labels": rng.integers(0, k - 1, size=n).astype(np.int64), "num_classes": k}


def random_token_batch(rng: np.random.Generator) -> Kwargs:
    """A (batch, seq_len) array of token ids with repeats; vocabulary size != dimension."""
    vocab, dim = int(rng.integers(10, 50)), int(rng.integers(3, 9))
    batch, seq = int(rng.integers(2, 5)), int(rng.integers(3, 8))
    return {
        "E": rng.normal(size=(vocab, dim)),
        "ids": rng.integers(0, vocab, size=(batch, seq)).astype(np.int64),
    }
