"""Wrong: propagates with W2 instead of W2.T (invisible when W2 is symmetric).
Caught by: negative weights, target below the prediction
"""
import numpy as np


def mlp_backward(x, y, W1, W2, W3):
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    a1 = sig(W1 @ x)
    a2 = sig(W2 @ a1)
    d3 = np.array([(W3 @ a2)[0] - y])
    d2 = (W3.T @ d3) * a2 * (1 - a2)
    d1 = (W2 @ d2) * a1 * (1 - a1)
    return np.outer(d1, x), np.outer(d2, a1), np.outer(d3, a2)
