"""Convolution, pooling and output sizes (topic: cnn), in the slides' conventions.

Layouts are channels-first without a batch axis: x (C, H, W).  Convolution is the
cross-correlation of the slides (the kernel is not flipped).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

Kwargs = dict[str, Any]

# The slides' 6 x 6 image and its two 3 x 3 filters.
SLIDE_IMAGE = np.array(
    [
        [1, 0, 0, 0, 0, 1],
        [0, 1, 0, 0, 1, 0],
        [0, 0, 1, 1, 0, 0],
        [1, 0, 0, 0, 1, 0],
        [0, 1, 0, 0, 1, 0],
        [0, 0, 1, 0, 1, 0],
    ],
    dtype=np.float64,
)
SLIDE_FILTER_1 = np.array([[1, -1, -1], [-1, 1, -1], [-1, -1, 1]], dtype=np.float64)
SLIDE_FILTER_2 = np.array([[-1, 1, -1], [-1, 1, -1], [-1, 1, -1]], dtype=np.float64)


def conv_output_size(n, k, stride=1, padding=0):
    return (n + 2 * padding - k) // stride + 1


def conv2d(x, w, b=None, stride=1, padding=0):
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    c_out, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (padding, padding), (padding, padding)))
    # windows[c, i, j, u, v] = xp[c, i + u, j + v]; slicing by the stride keeps exactly
    # floor((H + 2p - kH) / s) + 1 window origins per axis.
    windows = sliding_window_view(xp, (kh, kw), axis=(1, 2))[:, ::stride, ::stride]
    out = np.einsum("chwuv,ocuv->ohw", windows, w)
    if b is not None:
        out = out + np.asarray(b, dtype=np.float64).reshape(c_out, 1, 1)
    return out


def maxpool2d(x, size=2, stride=None):
    x = np.asarray(x, dtype=np.float64)
    step = size if stride is None else stride
    windows = sliding_window_view(x, (size, size), axis=(1, 2))[:, ::step, ::step]
    return windows.max(axis=(3, 4))


# ---- case generators -------------------------------------------------------------------


def _conv_case(
    rng: np.random.Generator,
    *,
    c_in: int,
    c_out: int,
    h: int,
    w: int,
    k: int,
    stride: int,
    padding: int,
    bias: bool,
) -> Kwargs:
    kwargs: Kwargs = {
        "x": rng.normal(size=(c_in, h, w)),
        "w": rng.normal(size=(c_out, c_in, k, k)),
        "stride": stride,
        "padding": padding,
    }
    if bias:
        kwargs["b"] = rng.normal(size=(c_out,))
    return kwargs


def random_conv2d_rgb(rng: np.random.Generator) -> Kwargs:
    """RGB 8x8, 4 asymmetric 3x3 filters with bias, stride 2, padding 1."""
    return _conv_case(rng, c_in=3, c_out=4, h=8, w=8, k=3, stride=2, padding=1, bias=True)


def random_conv2d_nonsquare(rng: np.random.Generator) -> Kwargs:
    """Non-square image (H != W) with a non-square kernel (kH != kW), padding 2, no bias."""
    c_in, c_out = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    h, w = int(rng.integers(5, 9)), int(rng.integers(9, 13))
    return {
        "x": rng.normal(size=(c_in, h, w)),
        "w": rng.normal(size=(c_out, c_in, 3, 2)),
        "padding": 2,
    }


def random_conv2d_floor(rng: np.random.Generator) -> Kwargs:
    """Stride 3 on sizes where (H + 2p - k) is not a multiple of the stride: floor matters."""
    c_in, c_out = int(rng.integers(1, 3)), int(rng.integers(2, 4))
    return _conv_case(rng, c_in=c_in, c_out=c_out, h=11, w=12, k=3, stride=3, padding=1, bias=True)


def random_conv2d_large(rng: np.random.Generator) -> Kwargs:
    """A larger layer (16 channels in, 8 out, 28x28, 5x5 kernels, 'same' padding 2)."""
    return _conv_case(rng, c_in=16, c_out=8, h=28, w=28, k=5, stride=1, padding=2, bias=True)


def random_maxpool(rng: np.random.Generator) -> Kwargs:
    """Several channels, default size and stride, even sizes."""
    c = int(rng.integers(1, 5))
    h, w = 2 * int(rng.integers(2, 6)), 2 * int(rng.integers(2, 6))
    return {"x": rng.normal(size=(c, h, w))}


def random_maxpool_odd(rng: np.random.Generator) -> Kwargs:
    """Odd, non-square sizes with size 3, stride left at its default: the last rows drop."""
    c = int(rng.integers(1, 4))
    return {"x": rng.normal(size=(c, 7, 11)), "size": 3}


def random_maxpool_overlap(rng: np.random.Generator) -> Kwargs:
    """Overlapping windows (size 3, stride 2) on all-negative values."""
    c = int(rng.integers(1, 4))
    return {"x": -np.abs(rng.normal(size=(c, 9, 6))) - 1.0, "size": 3, "stride": 2}


def random_conv_output_size(rng: np.random.Generator) -> Kwargs:
    """Sizes where floor and ceil differ (n + 2p - k not a multiple of the stride)."""
    stride = int(rng.integers(2, 5))
    k = int(rng.choice([1, 3, 5, 7]))
    padding = int(rng.integers(0, 3))
    n = k + int(rng.integers(1, 200))
    while (n + 2 * padding - k) % stride == 0:
        n += 1
    return {"n": n, "k": k, "stride": stride, "padding": padding}
