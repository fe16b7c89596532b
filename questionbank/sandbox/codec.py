"""Data-only encoding of case inputs and student outputs (never pickle).

A value is a JSON tree whose array leaves point into a list of raw buffers:
    [4-byte header length][JSON header][buffer 0][buffer 1]...
The decoder is written for hostile input: it checks every length, dtype and nesting depth, and
reads array bytes with numpy.frombuffer from an allowlist of plain dtypes. What it returns is
plain data (float64-convertible ndarrays, tuples, lists, None, str) that no submission code can
have touched, so comparisons on the trusted side cannot be fooled by __eq__ or subclasses.
"""

from __future__ import annotations

import hashlib
import json
import math
import struct
from dataclasses import dataclass
from typing import Any

import numpy as np

MAX_DEPTH = 32
MAX_NODES = 100_000
MAX_HEADER = 4 << 20
_ALLOWED_DTYPES = {
    np.dtype(t).str for t in ("?", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8")
}
_HEADER_LEN = struct.Struct("<I")


class DecodeError(ValueError):
    """The bytes are not a well-formed encoded value."""


@dataclass(frozen=True)
class Array:
    """A numeric leaf. origin records what the submission returned: ndarray, scalar or list."""

    data: np.ndarray[Any, Any]
    origin: str


@dataclass(frozen=True)
class Sequence:
    kind: str  # "tuple" or "list"
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Other:
    """Something that is not numeric data: None, a string, a dict, an object of some class."""

    description: str


Node = Array | Sequence | Other


# --------------------------------------------------------------------------- encoding


class _Encoder:
    def __init__(self) -> None:
        self.buffers: list[bytes] = []
        self.nodes = 0

    def leaf(self, array: np.ndarray[Any, Any], origin: str) -> dict[str, Any]:
        if array.dtype.kind == "f" and array.dtype.itemsize > 8:
            array = array.astype(np.float64)
        if array.dtype.str not in _ALLOWED_DTYPES:
            return {"t": "other", "d": f"{array.dtype} array"}
        # tobytes() is C order whatever the layout (ascontiguousarray would turn 0-d into 1-d).
        self.buffers.append(array.tobytes(order="C"))
        return {"t": "arr", "dtype": array.dtype.str, "shape": list(array.shape), "o": origin}

    def node(self, value: Any, depth: int) -> dict[str, Any]:
        self.nodes += 1
        if depth > MAX_DEPTH or self.nodes > MAX_NODES:
            return {"t": "other", "d": "a too deeply nested or too large structure"}
        # Exact type checks on purpose: a subclass is converted to its plain base value.
        if isinstance(value, np.ndarray):
            base = np.asarray(value).view(np.ndarray)
            if base.dtype == object:
                return self.node(base.tolist(), depth + 1)
            return self.leaf(base, "ndarray")
        if isinstance(value, bool | np.bool_):
            return self.leaf(np.asarray(bool(value)), "scalar")
        if isinstance(value, int | np.integer):
            number = int(value)
            if -(2**63) <= number < 2**63:
                return self.leaf(np.asarray(number, dtype=np.int64), "scalar")
            return self.leaf(np.asarray(float(number)), "scalar")
        if isinstance(value, float | np.floating):
            return self.leaf(np.asarray(float(value), dtype=np.float64), "scalar")
        if type(value) is list:
            as_array = _numeric_array(value)
            if as_array is not None:
                return self.leaf(as_array, "list")
        if isinstance(value, tuple | list):
            kind = "tuple" if isinstance(value, tuple) else "list"
            return {"t": "seq", "k": kind, "i": [self.node(v, depth + 1) for v in list(value)]}
        if value is None:
            return {"t": "other", "d": "None"}
        if isinstance(value, str):
            return {"t": "str", "v": str(value)[:10_000]}
        if isinstance(value, dict):
            return {
                "t": "dict",
                "i": {str(k): self.node(v, depth + 1) for k, v in list(value.items())},
            }
        return {"t": "other", "d": f"an object of type {type(value).__name__}"}


def _numeric_array(value: list[Any]) -> np.ndarray[Any, Any] | None:
    """A rectangular list of numbers as one array (so long lists stay cheap), else None."""
    try:
        array = np.asarray(value)
    except (ValueError, TypeError, OverflowError, RecursionError):
        return None
    return array if array.dtype.kind in "biuf" else None


def encode(value: Any) -> bytes:
    """Encode a value (a case's kwargs, or a function's return value) as bytes."""
    encoder = _Encoder()
    tree = encoder.node(value, 0)
    header = json.dumps(tree, separators=(",", ":"), allow_nan=False).encode()
    return _HEADER_LEN.pack(len(header)) + header + b"".join(encoder.buffers)


def fingerprint(value: Any) -> bytes:
    """A digest of a value's encoding: equal before and after a call that left it untouched."""
    return hashlib.sha256(encode(value)).digest()


# --------------------------------------------------------------------------- decoding


class _Decoder:
    def __init__(self, blob: bytes) -> None:
        if len(blob) < _HEADER_LEN.size:
            raise DecodeError("truncated value")
        (size,) = _HEADER_LEN.unpack_from(blob)
        if size > MAX_HEADER or _HEADER_LEN.size + size > len(blob):
            raise DecodeError("bad header length")
        try:
            self.tree = json.loads(blob[_HEADER_LEN.size : _HEADER_LEN.size + size])
        except (ValueError, RecursionError) as exc:
            raise DecodeError(f"bad header: {type(exc).__name__}") from None
        self.blob = memoryview(blob)
        self.offset = _HEADER_LEN.size + size
        self.nodes = 0

    def node(self, tree: Any, depth: int) -> Node:
        self.nodes += 1
        if depth > MAX_DEPTH or self.nodes > MAX_NODES or not isinstance(tree, dict):
            raise DecodeError("malformed structure")
        kind = tree.get("t")
        if not isinstance(kind, str):
            raise DecodeError("unknown node")
        if kind == "arr":
            return self.array(tree)
        if kind == "seq":
            items = tree.get("i")
            if not isinstance(items, list) or tree.get("k") not in ("tuple", "list"):
                raise DecodeError("malformed sequence")
            return Sequence(tree["k"], tuple(self.node(i, depth + 1) for i in items))
        if kind == "str":
            return Other("a string")
        if kind == "dict":
            return Other("a dict")
        if kind == "other":
            text = tree.get("d")
            return Other(text[:200] if isinstance(text, str) else "an unsupported value")
        raise DecodeError("unknown node")

    def array(self, tree: dict[str, Any]) -> Array:
        dtype_str, shape, origin = tree.get("dtype"), tree.get("shape"), tree.get("o")
        if not isinstance(dtype_str, str) or dtype_str not in _ALLOWED_DTYPES:
            raise DecodeError("dtype not allowed")
        if (
            not isinstance(shape, list)
            or len(shape) > 32
            or not all(type(n) is int and 0 <= n < 2**40 for n in shape)
            # Also for zero-size arrays: the other dimensions must be addressable.
            or math.prod(n or 1 for n in shape) >= 2**40
        ):
            raise DecodeError("bad shape")
        if not isinstance(origin, str) or origin not in ("ndarray", "scalar", "list"):
            raise DecodeError("bad origin")
        dtype = np.dtype(dtype_str)
        nbytes = math.prod(shape) * dtype.itemsize
        end = self.offset + nbytes
        if end > len(self.blob):
            raise DecodeError("array data truncated")
        data = np.frombuffer(self.blob[self.offset : end], dtype=dtype).reshape(tuple(shape)).copy()
        self.offset = end
        return Array(data, origin)

    def done(self, node: Node) -> Node:
        if self.offset != len(self.blob):
            raise DecodeError("trailing bytes")
        return node


def decode(blob: bytes) -> Node:
    """Decode untrusted bytes into plain nodes; DecodeError on anything malformed, whatever
    went wrong (the checks below are meant to catch it all; this is the net under them)."""
    try:
        decoder = _Decoder(blob)
        return decoder.done(decoder.node(decoder.tree, 0))
    except DecodeError:
        raise
    except Exception as exc:  # noqa: BLE001 - hostile bytes must never raise anything else
        raise DecodeError(f"malformed value ({type(exc).__name__})") from None


def decode_args(blob: bytes) -> dict[str, Any]:
    """Rebuild a case's kwargs from trusted bytes (in the sandbox, before calling the student)."""
    decoder = _Decoder(blob)
    tree = decoder.tree
    if not isinstance(tree, dict) or tree.get("t") != "dict":
        raise DecodeError("arguments must be a mapping")
    return {name: _to_python(decoder.node(sub, 1), sub) for name, sub in tree["i"].items()}


def _to_python(node: Node, tree: dict[str, Any]) -> Any:
    if isinstance(node, Array):
        if node.origin == "scalar":
            return node.data.item()
        if node.origin == "list":
            return node.data.tolist()
        return node.data
    if isinstance(node, Sequence):
        items = [_to_python(n, t) for n, t in zip(node.items, tree["i"], strict=True)]
        return tuple(items) if node.kind == "tuple" else items
    if tree.get("t") == "str":
        return tree["v"]
    if tree.get("d") == "None":
        return None
    raise DecodeError(f"argument of unsupported kind: {node.description}")
