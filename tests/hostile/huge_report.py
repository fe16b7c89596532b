# An exception report of 60 MiB of "[{}," written straight to the result channel: the trusted
# process used to json.loads it (2 GB of memory), once per case.
import os
import struct

PAYLOAD = b"[" + b"{}," * (20 << 20) + b"{}]"


def affine(x, shift=1.0):
    os.write(3, b"QB" + b"X" + struct.pack("<I", len(PAYLOAD)) + PAYLOAD)
    raise ValueError("see above")
