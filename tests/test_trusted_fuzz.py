"""The trusted side never raises on what a job sends: random and mutated result frames and
values go through the frame parser, the decoder and the verdicts, and each either works or
fails in the one way its caller handles (FrameError, DecodeError, a failed case)."""

from __future__ import annotations

import contextlib
import json
import struct
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sandbox_helpers import toy_task

from questionbank.grading.verdicts import judge_case
from questionbank.sandbox import CaseOutcome, codec
from questionbank.sandbox.client import CASE_STATUSES
from questionbank.sandbox.frames import FrameError, StudentStream, student_frame

TASK = toy_task()
VALID = [
    codec.encode(v)
    for v in (np.arange(12.0).reshape(3, 4), (np.ones(2), 3), [1, 2, 3], 1.5, None, "x", {"a": 1})
]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=20,
)
node_keys = st.sampled_from(["t", "dtype", "shape", "o", "k", "i", "d", "v"])
nodes = st.recursive(
    st.fixed_dictionaries(
        {"t": st.sampled_from(["arr", "arr", "arr", "seq", "str", "dict", "other", "?"])},
        optional={
            "dtype": st.sampled_from(["<f8", "<i8", "|b1", "O", "<c16"]) | json_values,
            "shape": st.lists(st.integers(-2, 2**41), max_size=5) | json_values,
            "o": st.sampled_from(["ndarray", "scalar", "list"]) | json_values,
            "k": st.sampled_from(["tuple", "list"]) | json_values,
            "d": json_values,
        },
    ),
    lambda inner: (
        st.fixed_dictionaries(
            {
                "t": st.just("seq"),
                "k": st.sampled_from(["tuple", "list"]),
                "i": st.lists(inner, max_size=3),
            }
        )
        | st.dictionaries(node_keys, inner, max_size=3)
    ),
    max_leaves=10,
)
FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check_decode(blob: bytes) -> None:
    with contextlib.suppress(codec.DecodeError):
        codec.decode(blob)


def _value_blob(tree: Any, data: bytes) -> bytes:
    header = json.dumps(tree).encode()
    return struct.pack("<I", len(header)) + header + data


@FUZZ
@given(st.binary(max_size=600))
def test_random_bytes_never_raise_but_decode_error(blob: bytes) -> None:
    _check_decode(blob)


@FUZZ
@given(
    st.sampled_from(VALID),
    st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=6),
    st.integers(0, 10_000),
)
def test_mutated_values_never_raise_but_decode_error(
    blob: bytes, flips: list[tuple[int, int]], cut: int
) -> None:
    mutated = bytearray(blob)
    for position, value in flips:
        mutated[position % len(mutated)] = value
    _check_decode(bytes(mutated))
    _check_decode(bytes(mutated[: cut % (len(mutated) + 1)]))


@FUZZ
@given(nodes, st.binary(max_size=256))
def test_hand_made_trees_never_raise_but_decode_error(tree: Any, data: bytes) -> None:
    _check_decode(_value_blob(tree, data))


@FUZZ
@given(
    st.sampled_from(CASE_STATUSES),
    st.one_of(
        st.binary(max_size=300), st.sampled_from(VALID), nodes.map(lambda t: _value_blob(t, b""))
    ),
    st.text(max_size=40),
    st.integers(0, len(TASK.cases) - 1),
)
def test_verdicts_never_raise_and_write_clean_text(
    status: str, payload: bytes, detail: str, index: int
) -> None:
    for body in (payload, b"\x00" + payload, b"\x01" + payload):
        result = judge_case(TASK, TASK.cases[index], CaseOutcome(status, detail, 0.0, body))
        json.dumps(result.message, ensure_ascii=False).encode("utf-8")
        assert "\x1b" not in result.message
        assert result.score in (0.0, TASK.cases[index].points)


@FUZZ
@given(st.lists(st.binary(max_size=80), max_size=8), st.lists(st.sampled_from(VALID), max_size=3))
def test_the_frame_parser_raises_only_frame_error(chunks: list[bytes], values: list[bytes]) -> None:
    stream = StudentStream(1 << 16)
    feed = b"".join(student_frame(b"R", b"\x00" + v) for v in values) + b"".join(chunks)
    with contextlib.suppress(FrameError):
        for start in range(0, len(feed), 7):
            for kind, payload in stream.feed(feed[start : start + 7]):
                assert kind in b"LERX" and len(payload) <= 1 << 16


def test_a_hand_made_exception_json_becomes_clean_text() -> None:
    payload = json.dumps({"type": ["not", "a", "name"], "message": "\udcff\x1b[2J"}).encode()
    result = judge_case(TASK, TASK.cases[0], CaseOutcome("raised", "", 0.0, payload))
    assert result.message == "raised an exception\n\ufffd\ufffd[2J".replace(
        "\ufffd\ufffd", "?\ufffd"
    )
