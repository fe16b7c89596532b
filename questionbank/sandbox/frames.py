"""Framing for the sandbox's channels.

Control socket (trusted client <-> zygote, a SOCK_SEQPACKET pair): one small JSON message per
packet, with file descriptors passed alongside (SCM_RIGHTS). Nothing a student wrote or printed
ever travels on it.

Result pipe (job -> trusted client, directly): [b"QB"][kind][4-byte length][payload]. Every
byte is hostile: the parser checks the magic, the kind, and each frame's size against the cap
for its kind *before* buffering the payload, so a job can make the client hold at most one
capped frame at a time.
"""

from __future__ import annotations

import json
import os
import socket
import struct
from typing import Any

STUDENT_MAGIC = b"QB"
STUDENT_HEADER = struct.Struct("<2scI")
CONTROL_PACKET = 1 << 16
# Exception reports are a short JSON written by the harness: anything larger is not one.
MAX_REPORT = 64 << 10


class FrameError(OSError):
    """The other end closed the channel or sent something that is not a frame."""


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def send_control(sock: socket.socket, message: dict[str, Any], fds: tuple[int, ...] = ()) -> None:
    raw = json.dumps(message, separators=(",", ":")).encode()
    if len(raw) > CONTROL_PACKET:
        raise FrameError("control message too large")
    if fds:
        socket.send_fds(sock, [raw], list(fds))
    else:
        sock.send(raw)


def receive_control(sock: socket.socket) -> tuple[dict[str, Any], list[int]]:
    """The next message and the descriptors that came with it; FrameError when closed."""
    raw, fds, _, _ = socket.recv_fds(sock, CONTROL_PACKET, 8)
    if not raw:
        for fd in fds:
            os.close(fd)
        raise FrameError("control channel closed")
    try:
        message = json.loads(raw)
    except ValueError:
        message = None
    if not isinstance(message, dict):
        for fd in fds:
            os.close(fd)
        raise FrameError("malformed control message")
    return message, fds


def student_frame(kind: bytes, payload: bytes) -> bytes:
    return STUDENT_HEADER.pack(STUDENT_MAGIC, kind, len(payload)) + payload


class StudentStream:
    """Incremental parser for the frames a job sends.

    max_value caps one returned value ("R"); exception reports ("X", "E") are capped at
    MAX_REPORT, "L" (loaded) carries nothing, and "O" (what was printed since the previous
    frame) 256 KiB."""

    def __init__(self, max_value: int) -> None:
        self.buffer = bytearray()
        # "O": what the case printed (the harness keeps 64 Ki characters: up to 4 bytes each).
        self.caps = {b"R": max_value, b"X": MAX_REPORT, b"E": MAX_REPORT, b"L": 0, b"O": 256 << 10}
        self.expected = 0  # size of the frame being buffered, once its header is known

    def feed(self, data: bytes) -> list[tuple[bytes, bytes]]:
        """The frames completed by data; FrameError on garbage or an oversized frame."""
        self.buffer += data
        frames = []
        while len(self.buffer) >= STUDENT_HEADER.size:
            magic, kind, size = STUDENT_HEADER.unpack_from(self.buffer)
            cap = self.caps.get(kind)
            if magic != STUDENT_MAGIC or cap is None:
                raise FrameError("garbage on the result channel")
            if size > cap:
                raise FrameError(f"a {_KIND_NAMES[kind]} larger than {cap} bytes")
            end = STUDENT_HEADER.size + size
            if len(self.buffer) < end:
                break
            frames.append((kind, bytes(self.buffer[STUDENT_HEADER.size : end])))
            del self.buffer[:end]
        return frames


_KIND_NAMES = {
    b"R": "returned value",
    b"X": "exception report",
    b"E": "load report",
    b"L": "frame",
    b"O": "printed output",
}
