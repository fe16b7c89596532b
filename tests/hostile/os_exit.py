# os._exit cannot be caught: the case must still fail, and the grader go on.
import os


def affine(x, shift=1.0):
    print("all tests passed")
    os._exit(0)
