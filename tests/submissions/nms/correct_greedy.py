"""Correct: a list of candidates, best first, dropping what the kept box overlaps."""
import numpy as np


def _iou(a, b):
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def nms(boxes, scores, iou_threshold=0.5):
    candidates = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
    keep = []
    while candidates:
        best = candidates.pop(0)
        keep.append(best)
        candidates = [i for i in candidates if _iou(boxes[best], boxes[i]) <= iou_threshold]
    return np.array(keep, dtype=np.int64)
