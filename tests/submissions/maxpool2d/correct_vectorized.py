"""Correct: a strided view of all windows, then one max over the window axes."""
import numpy as np
from numpy.lib.stride_tricks import as_strided


def maxpool2d(x, size=2, stride=None):
    s = size if stride is None else stride
    x = np.ascontiguousarray(x, dtype=float)
    c, h, w = x.shape
    h_out, w_out = (h - size) // s + 1, (w - size) // s + 1
    sc, sh, sw = x.strides
    windows = as_strided(x, shape=(c, h_out, w_out, size, size),
                         strides=(sc, sh * s, sw * s, sh, sw), writeable=False)
    return windows.max(axis=(3, 4))
