"""Correct: explicit loops over channels and output positions."""
import numpy as np


def maxpool2d(x, size=2, stride=None):
    if stride is None:
        stride = size
    c, h, w = x.shape
    h_out = (h - size) // stride + 1
    w_out = (w - size) // stride + 1
    out = np.empty((c, h_out, w_out))
    for ch in range(c):
        for i in range(h_out):
            for j in range(w_out):
                out[ch, i, j] = x[ch, i * stride:i * stride + size, j * stride:j * stride + size].max()
    return out
