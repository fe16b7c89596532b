"""Classification metrics (topic: metrics) for 0/1 labels, positive class 1."""

from __future__ import annotations

from typing import Any

import numpy as np

Kwargs = dict[str, Any]


def confusion_counts(y_true, y_pred):
    t = np.asarray(y_true).astype(bool)
    p = np.asarray(y_pred).astype(bool)
    tp = int(np.sum(t & p))
    fp = int(np.sum(~t & p))
    fn = int(np.sum(t & ~p))
    tn = int(np.sum(~t & ~p))
    return tp, fp, fn, tn


def accuracy(y_true, y_pred):
    t = np.asarray(y_true)
    return float(np.mean(t == np.asarray(y_pred)))


def precision_recall_f1(y_true, y_pred):
    tp, fp, fn, _ = confusion_counts(y_true, y_pred)
    # The zero-division convention of scikit-learn's zero_division=0.
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return float(precision), float(recall), float(f1)


def roc_auc(y_true, scores):
    """Mann-Whitney U / (n_pos n_neg) with mid-ranks, which counts a tied pair as 1/2."""
    t = np.asarray(y_true).astype(bool).ravel()
    s = np.asarray(scores, dtype=np.float64).ravel()
    n_pos = int(t.sum())
    n_neg = t.size - n_pos
    order = np.argsort(s, kind="stable")
    sorted_s = s[order]
    # Each run of equal scores gets the mean of the 1-based ranks it spans.
    starts = np.flatnonzero(np.r_[True, sorted_s[1:] != sorted_s[:-1]])
    ends = np.r_[starts[1:], s.size]
    mid = (starts + 1 + ends) / 2.0
    ranks = np.empty(s.size)
    ranks[order] = np.repeat(mid, ends - starts)
    u = ranks[t].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))


# ---- case generators -------------------------------------------------------------------


def random_labels_and_predictions(rng: np.random.Generator) -> Kwargs:
    """200 labels with all four counts different and non-zero."""
    n = 200
    y_true = (rng.random(n) < 0.3).astype(np.int64)
    flip = rng.random(n) < 0.2
    y_pred = np.where(flip, 1 - y_true, y_true).astype(np.int64)
    return {"y_true": y_true, "y_pred": y_pred}


def random_imbalanced_predictions(rng: np.random.Generator) -> Kwargs:
    """A rare positive class (5%) and a classifier that rarely says positive."""
    n = 300
    y_true = (rng.random(n) < 0.05).astype(np.int64)
    y_true[:2] = 1
    y_pred = ((rng.random(n) < 0.4) & (y_true == 1)) | (rng.random(n) < 0.02)
    return {"y_true": y_true, "y_pred": y_pred.astype(np.int64)}


def random_auc_continuous(rng: np.random.Generator) -> Kwargs:
    """Distinct continuous scores, positives shifted upwards, unsorted."""
    n = 150
    y_true = (rng.random(n) < 0.4).astype(np.int64)
    y_true[:2] = [0, 1]
    scores = rng.normal(size=n) + 0.8 * y_true
    return {"y_true": y_true, "scores": scores}


def random_auc_ties(rng: np.random.Generator) -> Kwargs:
    """Scores rounded to one decimal in [0, 1]: many ties inside and across the classes."""
    n = 120
    y_true = (rng.random(n) < 0.5).astype(np.int64)
    y_true[:2] = [0, 1]
    scores = np.clip(np.round(rng.normal(0.5 + 0.15 * (2 * y_true - 1), 0.2), 1), 0.0, 1.0)
    return {"y_true": y_true, "scores": scores}


def random_auc_few_levels(rng: np.random.Generator) -> Kwargs:
    """Integer scores 1..3 (a 3-level rating): almost every pair is tied or ordered."""
    n = 60
    y_true = (rng.random(n) < 0.3).astype(np.int64)
    y_true[:2] = [1, 0]
    scores = rng.integers(1, 4, size=n).astype(np.float64)
    return {"y_true": y_true, "scores": scores}
