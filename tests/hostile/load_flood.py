# Flood stdout while loading, then define the right function: every case fails on output.
import sys

_line = "flood " * 2000 + "\n"
for _ in range(100_000):
    sys.stdout.write(_line)


def affine(x, shift=1.0):
    return x * 3.25 + shift
