"""Wrong: a tied pair counts 1 (>= instead of >).
Caught by: all scores tied, negatives first
"""
import numpy as np


def roc_auc(y_true, scores):
    y = np.asarray(y_true) == 1
    s = np.asarray(scores, dtype=float)
    return float(np.mean(s[y][:, None] >= s[~y][None, :]))
