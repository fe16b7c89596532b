"""Wrong: ignores the custom betas and uses the defaults 0.9 and 0.999.
Caught by: custom betas 0.5 and 0.6
"""
import numpy as np


def adam_step(w, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    m = 0.9 * m + 0.1 * grad
    v = 0.999 * v + 0.001 * grad ** 2
    m_hat = m / (1 - 0.9 ** t)
    v_hat = v / (1 - 0.999 ** t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
