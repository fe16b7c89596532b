"""Wrong: returns sigma(x) itself, not its derivative.
Caught by: small values from -2 to 2 (maximum 0.25 at 0)
"""
import numpy as np


def sigmoid_derivative(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))
