# Crash the interpreter.
import ctypes


def affine(x, shift=1.0):
    ctypes.string_at(0)
