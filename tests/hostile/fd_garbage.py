# Write garbage to every file descriptor that might be open.
import os

for fd in range(0, 1024):
    try:
        os.write(fd, b"\xff garbage \x00" * 100)
    except OSError:
        pass


def affine(x, shift=1.0):
    return x
