"""Wrong: every box suppresses lower-scored overlapping boxes, even a suppressed one.
Caught by: chain A-B-C, only kept boxes suppress (threshold 0.3)
"""
import numpy as np


def _iou(a, b):
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def nms(boxes, scores, iou_threshold=0.5):
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
    suppressed = set()
    for rank, i in enumerate(order):
        for j in order[rank + 1:]:
            if _iou(boxes[i], boxes[j]) > iou_threshold:
                suppressed.add(j)
    return np.array([i for i in order if i not in suppressed], dtype=np.int64)
