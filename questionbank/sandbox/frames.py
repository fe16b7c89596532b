"""Framing for the two pipes of the sandbox.

Between the trusted client and the fork server: [4-byte JSON length][JSON][blobs...], where the
JSON lists the blob lengths. From the student process to the server: [b"QB"][kind][4-byte
length][payload]; the server checks only the framing and never interprets a payload.
"""

from __future__ import annotations

import json
import os
import select
import struct
import time
from typing import Any

_LEN = struct.Struct("<I")
STUDENT_MAGIC = b"QB"
STUDENT_HEADER = struct.Struct("<2scI")
MAX_MESSAGE = 1 << 30


class FrameError(OSError):
    """The other end closed the pipe or sent something that is not a frame."""


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def read_exact(fd: int, size: int, deadline: float | None = None) -> bytes:
    chunks = []
    while size > 0:
        if deadline is not None:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([fd], [], [], wait)[0]:
                raise FrameError("timed out")
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            raise FrameError("pipe closed")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def send_message(fd: int, header: dict[str, Any], blobs: list[bytes]) -> None:
    header = {**header, "blobs": [len(b) for b in blobs]}
    raw = json.dumps(header, separators=(",", ":")).encode()
    write_all(fd, _LEN.pack(len(raw)) + raw + b"".join(blobs))


def receive_message(fd: int, deadline: float | None = None) -> tuple[dict[str, Any], list[bytes]]:
    (size,) = _LEN.unpack(read_exact(fd, _LEN.size, deadline))
    if size > MAX_MESSAGE:
        raise FrameError("message too large")
    header = json.loads(read_exact(fd, size, deadline))
    sizes = [int(n) for n in header.pop("blobs")]
    if any(n < 0 for n in sizes) or sum(sizes) > MAX_MESSAGE:
        raise FrameError("bad blob sizes")
    # One read for all the blobs: a reply carries one per case.
    data = memoryview(read_exact(fd, sum(sizes), deadline))
    blobs, offset = [], 0
    for n in sizes:
        blobs.append(bytes(data[offset : offset + n]))
        offset += n
    return header, blobs


def student_frame(kind: bytes, payload: bytes) -> bytes:
    return STUDENT_HEADER.pack(STUDENT_MAGIC, kind, len(payload)) + payload


class StudentStream:
    """Incremental parser for frames arriving from the student process."""

    def __init__(self, max_payload: int) -> None:
        self.buffer = bytearray()
        self.max_payload = max_payload
        self.received = 0

    def feed(self, data: bytes) -> list[tuple[bytes, bytes]]:
        """Return the complete frames so far; FrameError on bad magic, or when the frames of
        one attempt add up to more than max_payload (the server keeps them until replying)."""
        self.received += len(data)
        if self.received > self.max_payload + 64 * STUDENT_HEADER.size:
            raise FrameError(f"output larger than {self.max_payload} bytes")
        self.buffer += data
        frames = []
        while len(self.buffer) >= STUDENT_HEADER.size:
            magic, kind, size = STUDENT_HEADER.unpack_from(self.buffer)
            if magic != STUDENT_MAGIC or kind not in b"LERX":
                raise FrameError("garbage on the result channel")
            if size > self.max_payload:
                raise FrameError(f"output larger than {self.max_payload} bytes")
            end = STUDENT_HEADER.size + size
            if len(self.buffer) < end:
                break
            frames.append((kind, bytes(self.buffer[STUDENT_HEADER.size : end])))
            del self.buffer[:end]
        return frames
