"""Correct: one element at a time with math.exp, branching on the sign to avoid overflow."""
import math

import numpy as np


def _sigmoid(v):
    if v >= 0:
        return 1.0 / (1.0 + math.exp(-v))
    e = math.exp(v)
    return e / (1.0 + e)


def sigmoid_derivative(x):
    if np.ndim(x) == 0:
        s = _sigmoid(float(x))
        return s * (1.0 - s)
    arr = np.asarray(x, dtype=float)
    out = np.empty_like(arr)
    for index in np.ndindex(arr.shape):
        s = _sigmoid(arr[index])
        out[index] = s * (1.0 - s)
    return out
