# Sleeps (no CPU use, so only a wall-clock timeout can end it).
import time


def affine(x, shift=1.0):
    time.sleep(3600)
    return x
