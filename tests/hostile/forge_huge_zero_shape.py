# A zero-size array whose other dimensions multiply past 2**63: no bytes to read, but
# reshaping or stacking it used to raise ValueError in the trusted process.
import json
import os
import struct

import numpy as np


def _frame(tree):
    header = json.dumps(tree).encode()
    payload = b"\x00" + struct.pack("<I", len(header)) + header
    return b"QB" + b"R" + struct.pack("<I", len(payload)) + payload


def affine(x, shift=1.0):
    huge = {"t": "arr", "dtype": "<f8", "shape": [0, 2**39, 2**39, 2**39], "o": "ndarray"}
    os.write(3, _frame(huge))
    os.write(3, _frame({"t": "seq", "k": "list", "i": [huge, huge]}))
    return np.zeros_like(x)
