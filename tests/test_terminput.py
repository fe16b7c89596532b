"""Arrow keys on a choice question's answer line, in a real pseudo-terminal pair."""

from __future__ import annotations

import io
import os
import re
import threading
import time
from collections.abc import Iterator

import pytest
from rich.console import Console

from questionbank.terminput import TerminalReader, step_letter

pytest.importorskip("termios", reason="arrow keys need a POSIX terminal")

UP, DOWN = "\x1b[A", "\x1b[B"


def _type(master: int, slave: int, keys: bytes) -> threading.Thread:
    """Type ``keys`` once the reader has put the terminal in key-by-key mode, as a person
    at the keyboard would (keys typed before that go through the line discipline)."""
    import termios

    def typist() -> None:
        deadline = time.monotonic() + 10
        while termios.tcgetattr(slave)[3] & termios.ICANON and time.monotonic() < deadline:
            time.sleep(0.005)
        # One write per key, as a terminal sends an arrow key's bytes together.
        for key in re.findall(rb"\x1b\[[AB]|.", keys, re.DOTALL):
            os.write(master, key)

    thread = threading.Thread(target=typist, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize(
    ("buffer", "step", "expected"),
    [
        ("", 1, "A"),
        ("", -1, "D"),
        ("A", 1, "B"),
        ("D", 1, "A"),
        ("A", -1, "D"),
        ("b", 1, "C"),
        ("A,", 1, "A,A"),
        ("A,C", 1, "A,D"),
    ],
    ids=[
        "empty-down",
        "empty-up",
        "next",
        "wrap-down",
        "wrap-up",
        "lower-case",
        "after-comma",
        "last-of-several",
    ],
)
def test_step_letter(buffer: str, step: int, expected: str) -> None:
    assert step_letter(buffer, 4, step) == expected


@pytest.fixture
def terminal() -> Iterator[tuple[int, TerminalReader, io.StringIO]]:
    master, slave = os.openpty()
    stdin = os.fdopen(slave, "r", encoding="utf-8", closefd=True)
    out = io.StringIO()
    console = Console(file=out, width=80, force_terminal=True)
    yield master, TerminalReader(console, stdin), out
    stdin.close()
    os.close(master)


@pytest.mark.parametrize(
    ("keys", "answer"),
    [
        (DOWN + DOWN + "\r", "B"),
        (UP + "\r", "D"),
        (DOWN + "," + DOWN + DOWN + DOWN + "\r", "A,C"),
        ("c" + UP + "\r", "B"),
        ("ab\x7f" + "\r", "a"),
        ("?\r", "?"),
        ("xyz\x15b\r", "b"),
    ],
    ids=[
        "down-down",
        "up-wraps",
        "multi-with-comma",
        "typed-then-up",
        "backspace",
        "hint-key",
        "ctrl-u",
    ],
)
def test_keys_make_the_answer(
    terminal: tuple[int, TerminalReader, io.StringIO], keys: str, answer: str
) -> None:
    master, reader, out = terminal
    typist = _type(master, reader.stdin.fileno(), keys.encode())
    assert reader.ask("> ", choices=4) == answer
    typist.join()
    assert out.getvalue().endswith("> " + answer + "\n")


def test_ctrl_d_on_an_empty_line_ends_input(
    terminal: tuple[int, TerminalReader, io.StringIO],
) -> None:
    master, reader, _ = terminal
    _type(master, reader.stdin.fileno(), b"\x04")
    assert reader.ask("> ", choices=3) is None


def test_terminal_settings_are_restored(terminal: tuple[int, TerminalReader, io.StringIO]) -> None:
    import termios

    master, reader, _ = terminal
    before = termios.tcgetattr(reader.stdin.fileno())
    _type(master, reader.stdin.fileno(), b"a\r")
    assert reader.ask("> ", choices=2) == "a"
    assert termios.tcgetattr(reader.stdin.fileno()) == before


def test_no_key_mode_when_the_output_is_not_a_terminal() -> None:
    reader = TerminalReader(Console(file=io.StringIO()), io.StringIO())
    assert reader.arrows is False
