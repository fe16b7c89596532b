"""Scaled dot-product attention (topic: transformer)."""

from __future__ import annotations

from typing import Any

import numpy as np

Kwargs = dict[str, Any]


def scaled_dot_product_attention(Q, K, V, mask=None):
    Q, K, V = (np.asarray(a, dtype=np.float64) for a in (Q, K, V))
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    if mask is not None:
        # True (or 1) = this query may attend to this key.
        scores = np.where(np.asarray(mask, dtype=bool), scores, -np.inf)
    scores = scores - np.max(scores, axis=-1, keepdims=True)
    weights = np.exp(scores)
    weights /= np.sum(weights, axis=-1, keepdims=True)
    return weights @ V, weights


# ---- case generators -------------------------------------------------------------------


def random_attention(rng: np.random.Generator) -> Kwargs:
    """Lq != Lk and d_k != d_v, no mask."""
    lq, lk, dk, dv = 3, 5, 4, 2
    return {
        "Q": rng.normal(size=(lq, dk)),
        "K": rng.normal(size=(lk, dk)),
        "V": rng.normal(size=(lk, dv)),
    }


def random_attention_causal(rng: np.random.Generator) -> Kwargs:
    """Self-attention over 6 positions with a causal (lower-triangular) boolean mask."""
    length, dk, dv = 6, 8, 3
    return {
        "Q": rng.normal(size=(length, dk)),
        "K": rng.normal(size=(length, dk)),
        "V": rng.normal(size=(length, dv)),
        "mask": np.tril(np.ones((length, length), dtype=bool)),
    }


def random_attention_batched(rng: np.random.Generator) -> Kwargs:
    """A leading batch-of-heads axis (2, L, d) and large scores (entries of size ~30)."""
    b, lq, lk, dk, dv = 2, 4, 3, 16, 5
    return {
        "Q": rng.normal(scale=30.0, size=(b, lq, dk)),
        "K": rng.normal(size=(b, lk, dk)),
        "V": rng.normal(size=(b, lk, dv)),
    }


def random_attention_padding_mask(rng: np.random.Generator) -> Kwargs:
    """A padding mask of shape (1, Lk) broadcast over the queries: the last keys are padding."""
    lq, lk, dk, dv = 4, 6, 4, 4
    mask = np.ones((1, lk), dtype=bool)
    mask[0, 4:] = False
    return {
        "Q": rng.normal(size=(lq, dk)),
        "K": rng.normal(size=(lk, dk)),
        "V": rng.normal(size=(lk, dv)),
        "mask": mask,
    }
