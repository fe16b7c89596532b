"""Wrong: x * (1 - x), the formula for when x already holds sigma(z).
Caught by: small values from -2 to 2 (maximum 0.25 at 0)
"""
import numpy as np


def sigmoid_derivative(x):
    x = np.asarray(x, dtype=float)
    return x * (1 - x)
