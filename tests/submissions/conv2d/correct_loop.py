"""Correct: explicit loops over filters and output positions."""
import numpy as np


def conv2d(x, w, b=None, stride=1, padding=0):
    c_out, c_in, kh, kw = w.shape
    _, h, wd = x.shape
    xp = np.zeros((c_in, h + 2 * padding, wd + 2 * padding))
    xp[:, padding:padding + h, padding:padding + wd] = x
    h_out = (h + 2 * padding - kh) // stride + 1
    w_out = (wd + 2 * padding - kw) // stride + 1
    out = np.zeros((c_out, h_out, w_out))
    for o in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                window = xp[:, i * stride:i * stride + kh, j * stride:j * stride + kw]
                out[o, i, j] = np.sum(window * w[o])
        if b is not None:
            out[o] += b[o]
    return out
