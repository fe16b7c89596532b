"""Wrong: assumes square images and kernels (uses H and kH for both axes).
Caught by: random non-square image and kernel, padding 2
"""
import numpy as np


def conv2d(x, w, b=None, stride=1, padding=0):
    c_out, _, k, _ = w.shape
    xp = np.pad(x, ((0, 0), (padding, padding), (padding, padding)))
    n_out = (xp.shape[1] - k) // stride + 1
    out = np.zeros((c_out, n_out, n_out))
    for i in range(n_out):
        for j in range(n_out):
            window = xp[:, i * stride:i * stride + k, j * stride:j * stride + k]
            out[:, i, j] = np.tensordot(w[:, :, :k, :k], window, axes=3)
    return out if b is None else out + b[:, None, None]
