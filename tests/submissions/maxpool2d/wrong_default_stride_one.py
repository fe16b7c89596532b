"""Wrong: treats stride=None as stride 1 (overlapping windows).
Caught by: slide example, the 2 x 4 x 4 feature map of filters 1 and 2
"""
import numpy as np


def maxpool2d(x, size=2, stride=None):
    if stride is None:
        stride = 1
    c, h, w = x.shape
    h_out, w_out = (h - size) // stride + 1, (w - size) // stride + 1
    out = np.empty((c, h_out, w_out))
    for i in range(h_out):
        for j in range(w_out):
            out[:, i, j] = x[:, i * stride:i * stride + size, j * stride:j * stride + size].max(axis=(1, 2))
    return out
