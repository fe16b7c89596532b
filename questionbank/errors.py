"""The one family of user errors, and how they map to exit codes.

Anything the user can fix (a bad bank file, a missing path, a bad exam spec) raises a
subclass of :class:`QbankError`; the CLI prints it without a traceback and exits with its
``exit_code``. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

EXIT_OK = 0
EXIT_BAD_INPUT = 1
EXIT_USAGE = 2


@dataclass(frozen=True, order=True)
class Location:
    """A place in a file; line and column are 1-based, as editors show them."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return self.file
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, at one place."""

    location: Location
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class QbankError(Exception):
    """Base class of every error the user can fix; never shown with a traceback."""

    exit_code = EXIT_BAD_INPUT


class UsageError(QbankError):
    """The command line itself is wrong (exit 2, like click's own usage errors)."""

    exit_code = EXIT_USAGE


class InputError(QbankError):
    """One or more problems in the user's files, all reported together."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(problems)
        count = len(self.problems)
        files = len({p.location.file for p in self.problems})
        summary = f"{count} problem{'s' * (count != 1)} in {files} file{'s' * (files != 1)}"
        super().__init__("\n".join([*(str(p) for p in self.problems), summary]))

    @classmethod
    def single(cls, file: str | Path, message: str, line: int = 0, column: int = 0) -> InputError:
        return cls([Problem(Location(str(file), line, column), message)])
