"""Wrong: one ROC point per sample after sorting, so tied scores are split by their order.
Caught by: all scores tied, negatives first
"""
import numpy as np


def roc_auc(y_true, scores):
    y = np.asarray(y_true)
    order = np.argsort(-np.asarray(scores, dtype=float), kind="stable")
    y = y[order]
    tpr = np.concatenate([[0.0], np.cumsum(y == 1) / np.sum(y == 1)])
    fpr = np.concatenate([[0.0], np.cumsum(y == 0) / np.sum(y == 0)])
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))
