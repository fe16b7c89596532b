"""Correct: sigma(x) * (1 - sigma(x)); 1 / (1 + exp(-x)) is 0, not nan, at -1000."""
import numpy as np


def sigmoid_derivative(x):
    with np.errstate(over="ignore"):
        s = 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))
    return s * (1.0 - s)
