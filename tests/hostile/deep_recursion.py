# Unbounded recursion with the recursion limit lifted: a C stack overflow.
import sys

sys.setrecursionlimit(10**9)


def affine(x, shift=1.0):
    return affine(x, shift) + 1
