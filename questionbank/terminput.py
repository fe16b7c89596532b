"""Where quiz answers come from: a stream read line by line, or a terminal.

In a terminal, a choice question's answer line also takes the arrow keys: Up and Down
step the letter being typed through the choices (A, B, C, …), so "↓ ↓ Enter" answers
B, and for multiple response "↓ , ↓ ↓ Enter" answers A,C. Everything else is typed as
usual; other questions use the terminal's ordinary line editing (CJK input included).
"""

from __future__ import annotations

import os
import select
import string
import sys
from typing import Protocol, TextIO

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

LETTERS = string.ascii_uppercase
_UP = (b"\x1b[A", b"\x1bOA")
_DOWN = (b"\x1b[B", b"\x1bOB")


class Reader(Protocol):
    arrows: bool  # whether the arrow keys pick choices

    def ask(self, prompt: str, *, choices: int = 0) -> str | None:
        """One answer, or None at end of input; ``choices``: how many letters the arrow
        keys may step through (0: none). Ctrl-C raises KeyboardInterrupt."""


class LineReader:
    """Answers one per line from a stream (a pipe, a file, a test's StringIO).

    The answer read is echoed after the prompt so that a transcript reads like the
    terminal session it replaces."""

    arrows = False

    def __init__(self, stream: TextIO, console: Console) -> None:
        self.stream = stream
        self.console = console

    def ask(self, prompt: str, *, choices: int = 0) -> str | None:
        self.console.print(Text(prompt, style="bold"), end="")
        line = self.stream.readline()
        if not line:
            self.console.print()
            return None
        answer = line.rstrip("\r\n")
        self.console.print(Text(answer), highlight=False)
        return answer


class TerminalReader:
    """Answers typed at a terminal."""

    def __init__(self, console: Console, stdin: TextIO | None = None) -> None:
        self.console = console
        self.stdin = stdin or sys.stdin
        # Key-by-key input redraws its line: only when the output is a terminal too.
        self.arrows = _has_termios() and console.is_terminal

    def ask(self, prompt: str, *, choices: int = 0) -> str | None:
        if choices and self.arrows:
            return self._ask_keys(prompt, choices)
        try:
            return self.console.input(Text(prompt, style="bold"))
        except EOFError:
            self.console.print()
            return None

    def _ask_keys(self, prompt: str, choices: int) -> str | None:
        import termios
        import tty

        fd = self.stdin.fileno()
        saved = termios.tcgetattr(fd)
        out = self.console.file
        buffer = ""

        def redraw() -> None:
            out.write("\r\x1b[2K" + prompt + buffer)
            out.flush()

        try:
            # Keys one by one, Ctrl-C still interrupts; TCSANOW keeps keys typed ahead.
            tty.setcbreak(fd, termios.TCSANOW)
            redraw()
            while True:
                key = _read_key(fd)
                if key in (b"\r", b"\n"):
                    out.write("\n")
                    return buffer
                if key == b"\x04" and not buffer:  # Ctrl-D on an empty line: end of input
                    out.write("\n")
                    return None
                if key in _UP or key in _DOWN:
                    buffer = step_letter(buffer, choices, -1 if key in _UP else 1)
                elif key in (b"\x7f", b"\x08"):
                    buffer = buffer[:-1]
                elif key == b"\x15":  # Ctrl-U
                    buffer = ""
                else:
                    text = key.decode("utf-8", errors="ignore")
                    if text.isprintable() and cell_len(buffer + text) < 200:
                        buffer += text
                redraw()
        finally:
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def step_letter(buffer: str, choices: int, step: int) -> str:
    """Up/Down on an answer line: the last letter typed moves to the previous/next
    choice (wrapping); on an empty line or after a separator, A (Down) or the last (Up)."""
    letters = LETTERS[:choices]
    last = buffer[-1:].upper()
    if last and last in letters:
        return buffer[:-1] + letters[(letters.index(last) + step) % choices]
    return buffer + (letters[0] if step > 0 else letters[-1])


def _read_key(fd: int) -> bytes:
    first = os.read(fd, 1)
    if first == b"\x1b":
        # An arrow key's bytes arrive together; a lone Escape is followed by nothing.
        if not select.select([fd], [], [], 0.05)[0]:
            return first
        return first + os.read(fd, 2)
    if first and first[0] >= 0xC0:  # the lead byte of a multi-byte UTF-8 character
        more = 1 if first[0] < 0xE0 else 2 if first[0] < 0xF0 else 3
        return first + os.read(fd, more)
    if not first:
        return b"\x04"
    return first


def _has_termios() -> bool:
    try:
        import termios  # noqa: F401
    except ImportError:  # not on Windows
        return False
    return True
