"""Correct: builds the ROC curve with one point per distinct threshold, then trapezoids."""
import numpy as np


def roc_auc(y_true, scores):
    y = np.asarray(y_true)
    s = np.asarray(scores, dtype=float)
    thresholds = np.unique(s)[::-1]
    tpr = [0.0] + [np.mean(s[y == 1] >= th) for th in thresholds]
    fpr = [0.0] + [np.mean(s[y == 0] >= th) for th in thresholds]
    area = 0.0
    for k in range(1, len(tpr)):
        area += (fpr[k] - fpr[k - 1]) * (tpr[k] + tpr[k - 1]) / 2
    return float(area)
