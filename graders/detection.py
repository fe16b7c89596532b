"""Intersection over union and non-maximum suppression (topic: detection).

Boxes are (x1, y1, x2, y2) with x1 <= x2 and y1 <= y2 in continuous coordinates:
the area is (x2 - x1) * (y2 - y1), with no "+1" pixel convention.
"""

from __future__ import annotations

from typing import Any

import numpy as np

Kwargs = dict[str, Any]


def _area(b: np.ndarray) -> np.ndarray:
    return (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])


def _iou_one_to_many(box: np.ndarray, others: np.ndarray) -> np.ndarray:
    iw = np.clip(np.minimum(box[2], others[:, 2]) - np.maximum(box[0], others[:, 0]), 0, None)
    ih = np.clip(np.minimum(box[3], others[:, 3]) - np.maximum(box[1], others[:, 1]), 0, None)
    inter = iw * ih
    union = _area(box) + _area(others) - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)


def iou(box_a, box_b):
    a = np.asarray(box_a, dtype=np.float64)
    b = np.asarray(box_b, dtype=np.float64)
    return float(_iou_one_to_many(a, b[np.newaxis, :])[0])


def nms(boxes, scores, iou_threshold=0.5):
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    scores = np.asarray(scores, dtype=np.float64)
    # Highest score first; equal scores keep the lower index first (a stable sort of -score).
    order = np.argsort(-scores, kind="stable")
    keep: list[int] = []
    suppressed = np.zeros(len(scores), dtype=bool)
    for idx in order:
        if suppressed[idx]:
            continue
        keep.append(int(idx))
        # Only a kept box suppresses others; strictly greater than the threshold.
        suppressed |= _iou_one_to_many(boxes[idx], boxes) > iou_threshold
    return np.array(keep, dtype=np.int64)


# ---- case generators -------------------------------------------------------------------


def _random_boxes(rng: np.random.Generator, n: int, extent: float) -> np.ndarray:
    xy = rng.uniform(0.0, extent, size=(n, 2))
    wh = rng.uniform(5.0, 30.0, size=(n, 2))
    return np.concatenate([xy, xy + wh], axis=1)


def random_box_pair(rng: np.random.Generator) -> Kwargs:
    """Two boxes that overlap partially (the second is a shifted copy of the first)."""
    a = _random_boxes(rng, 1, 50.0)[0]
    shift = rng.uniform(-10.0, 10.0, size=2)
    return {"box_a": a, "box_b": a + np.r_[shift, shift]}


def random_detections(rng: np.random.Generator) -> Kwargs:
    """Clusters of jittered boxes around 4 objects, as a detector outputs them."""
    centres = _random_boxes(rng, 4, 200.0)
    boxes = np.concatenate([c + rng.normal(0.0, 3.0, size=(6, 4)) for c in centres])
    boxes[:, 2:] = np.maximum(boxes[:, 2:], boxes[:, :2] + 1.0)
    perm = rng.permutation(len(boxes))
    return {
        "boxes": boxes[perm],
        "scores": rng.random(len(boxes)),
        "iou_threshold": float(rng.choice([0.3, 0.5, 0.7])),
    }


def random_detections_tied_scores(rng: np.random.Generator) -> Kwargs:
    """Scores rounded to one decimal, so equal scores must keep the lower index first."""
    kwargs = random_detections(rng)
    kwargs["scores"] = np.round(kwargs["scores"], 1)
    return kwargs
