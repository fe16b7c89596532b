"""Wrong: puts a sigmoid on the output neuron too (the slides' y_hat = z^3 is linear).
Caught by: the slides' 2-2-2-1 network, simple weights
"""
import numpy as np


def mlp_backward(x, y, W1, W2, W3):
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    a1 = sig(W1 @ x)
    a2 = sig(W2 @ a1)
    y_hat = sig(W3 @ a2)[0]
    d3 = np.array([(y_hat - y) * y_hat * (1 - y_hat)])
    d2 = (W3.T @ d3) * a2 * (1 - a2)
    d1 = (W2.T @ d2) * a1 * (1 - a1)
    return np.outer(d1, x), np.outer(d2, a1), np.outer(d3, a2)
