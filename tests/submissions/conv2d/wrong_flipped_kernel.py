"""Wrong: true convolution (kernel rotated by 180 degrees) instead of cross-correlation.
Caught by: asymmetric 2x2 kernel on a 3x3 image (no flip)
"""
import numpy as np


def conv2d(x, w, b=None, stride=1, padding=0):
    w = w[:, :, ::-1, ::-1]
    c_out, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (padding, padding), (padding, padding)))
    h_out = (xp.shape[1] - kh) // stride + 1
    w_out = (xp.shape[2] - kw) // stride + 1
    out = np.zeros((c_out, h_out, w_out))
    for i in range(h_out):
        for j in range(w_out):
            window = xp[:, i * stride:i * stride + kh, j * stride:j * stride + kw]
            out[:, i, j] = np.tensordot(w, window, axes=3)
    return out if b is None else out + b[:, None, None]
