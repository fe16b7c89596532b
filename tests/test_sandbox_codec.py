"""The data-only codec: round trips, and hostile bytes refused without allocating or executing."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest

from questionbank.sandbox import codec


def blob(tree: object, data: bytes = b"") -> bytes:
    header = json.dumps(tree).encode()
    return struct.pack("<I", len(header)) + header + data


def test_arguments_round_trip_with_their_python_types() -> None:
    args = {
        "x": np.arange(6.0).reshape(2, 3),
        "n": 3,
        "lr": 0.5,
        "flag": True,
        "mode": "same",
        "b": None,
        "raw": [[1, 2], [3, 4]],
        "ids": np.array([1, 2], dtype=np.int64),
    }
    back = codec.decode_args(codec.encode(args))
    assert back["x"].dtype == np.float64 and back["x"].shape == (2, 3)
    assert type(back["n"]) is int and type(back["lr"]) is float and back["flag"] is True
    assert back["mode"] == "same" and back["b"] is None
    assert back["raw"] == [[1, 2], [3, 4]]
    assert back["ids"].dtype == np.int64


def test_outputs_become_plain_nodes() -> None:
    value = (np.ones((2, 2), dtype=np.float32), [1.0, 2.0], 3, np.float64(0.5))
    decoded = codec.decode(codec.encode(value))
    assert isinstance(decoded, codec.Sequence) and decoded.kind == "tuple"
    first, second, third, fourth = decoded.items
    assert isinstance(first, codec.Array) and first.data.dtype == np.float32
    assert isinstance(second, codec.Array) and second.origin == "list"
    assert isinstance(third, codec.Array) and third.data.shape == ()
    assert isinstance(fourth, codec.Array) and float(fourth.data) == 0.5


BAD = [
    ("empty", b""),
    ("header longer than blob", struct.pack("<I", 1000) + b"{}"),
    ("not json", struct.pack("<I", 3) + b"{x}"),
    ("not an object", blob([1, 2])),
    ("unknown node", blob({"t": "pickle"})),
    ("object dtype", blob({"t": "arr", "dtype": "|O", "shape": [1], "o": "ndarray"}, b"\0" * 8)),
    (
        "structured dtype",
        blob({"t": "arr", "dtype": "|V8", "shape": [1], "o": "ndarray"}, b"\0" * 8),
    ),
    (
        "huge shape, few bytes",
        blob({"t": "arr", "dtype": "<f8", "shape": [2**39, 2**39], "o": "ndarray"}, b"\0" * 8),
    ),
    ("negative dim", blob({"t": "arr", "dtype": "<f8", "shape": [-1], "o": "ndarray"}, b"\0" * 8)),
    ("bool as dim", blob({"t": "arr", "dtype": "<f8", "shape": [True], "o": "ndarray"}, b"\0" * 8)),
    ("truncated data", blob({"t": "arr", "dtype": "<f8", "shape": [2], "o": "ndarray"}, b"\0" * 8)),
    ("trailing bytes", blob({"t": "arr", "dtype": "<f8", "shape": [1], "o": "ndarray"}, b"\0" * 9)),
    ("bad origin", blob({"t": "arr", "dtype": "<f8", "shape": [1], "o": "x"}, b"\0" * 8)),
    ("bad sequence kind", blob({"t": "seq", "k": "set", "i": []})),
    ("too deep", blob(json.loads("[" * 0 + '{"t":"seq","k":"list","i":[' * 40 + "]}" * 40))),
    ("json nesting bomb", struct.pack("<I", 200_000) + b"[" * 100_000 + b"]" * 100_000),
]


@pytest.mark.parametrize("data", [b for _, b in BAD], ids=[n for n, _ in BAD])
def test_hostile_bytes_are_refused(data: bytes) -> None:
    with pytest.raises(codec.DecodeError):
        codec.decode(data)
