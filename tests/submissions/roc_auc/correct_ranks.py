"""Correct: Mann-Whitney U with average ranks for ties, O(n log n)."""
import numpy as np


def roc_auc(y_true, scores):
    y = np.asarray(y_true) == 1
    s = np.asarray(scores, dtype=float)
    uniq, inverse, counts = np.unique(s, return_inverse=True, return_counts=True)
    first_rank = np.cumsum(counts) - counts + 1
    avg_rank = first_rank + (counts - 1) / 2.0
    ranks = avg_rank[inverse]
    n_pos, n_neg = y.sum(), (~y).sum()
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))
