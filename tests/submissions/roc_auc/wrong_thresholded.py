"""Wrong: thresholds the scores at 0.5 first and computes (TPR + TNR) / 2.
Caught by: ties across the classes, unsorted
"""
import numpy as np


def roc_auc(y_true, scores):
    y = np.asarray(y_true) == 1
    pred = np.asarray(scores) >= 0.5
    tpr = np.mean(pred[y])
    tnr = np.mean(~pred[~y])
    return float((tpr + tnr) / 2)
