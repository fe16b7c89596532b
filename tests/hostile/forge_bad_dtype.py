# A hand-made result frame whose dtype is a list: an unhashable value where the trusted
# decoder expected a string (it used to crash the trusted process with TypeError).
import json
import os
import struct

import numpy as np


def _frame(tree, data=b""):
    header = json.dumps(tree).encode()
    payload = b"\x00" + struct.pack("<I", len(header)) + header + data
    return b"QB" + b"R" + struct.pack("<I", len(payload)) + payload


def affine(x, shift=1.0):
    os.write(3, _frame({"t": "arr", "dtype": [1], "shape": [1], "o": "ndarray"}, b"\x00" * 8))
    os.write(3, _frame({"t": {"nested": []}}))
    return np.zeros_like(x)
