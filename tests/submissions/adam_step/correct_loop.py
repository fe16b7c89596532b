"""Correct: a plain loop over the elements with Python floats."""
import math

import numpy as np


def adam_step(w, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    w_new, m_new, v_new = (np.array(a, dtype=float) for a in (w, m, v))
    for k in np.ndindex(w_new.shape):
        g = float(grad[k])
        m_new[k] = beta1 * m[k] + (1 - beta1) * g
        v_new[k] = beta2 * v[k] + (1 - beta2) * g * g
        m_hat = m_new[k] / (1 - beta1 ** t)
        v_hat = v_new[k] / (1 - beta2 ** t)
        w_new[k] = w[k] - lr * m_hat / (math.sqrt(v_hat) + eps)
    return w_new, m_new, v_new
