"""Wrong: uses m and v directly, without dividing by 1 - beta**t.
Caught by: first step (t = 1) from zero moments
"""
import numpy as np


def adam_step(w, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad ** 2
    return w - lr * m / (np.sqrt(v) + eps), m, v
