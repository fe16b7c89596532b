# A load error report of 60 MiB, sent before the submission finishes loading: it used to be
# parsed once and copied to every case.
import os
import struct
import time

PAYLOAD = b"[" + b"{}," * (20 << 20) + b"{}]"
os.write(3, b"QB" + b"E" + struct.pack("<I", len(PAYLOAD)) + PAYLOAD)
time.sleep(1)


def affine(x, shift=1.0):
    return x
