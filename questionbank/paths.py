"""Where the bank, graders and templates live.

Order: ``--bank PATH`` (or ``QBANK_BANK``); else ``bank/`` of the checkout we are run
inside (the current directory or a parent holding ``pyproject.toml`` and ``bank/``);
else the copy installed with the package. References such as
``graders/cnn.py:conv2d`` are resolved against the folder that holds the bank.
"""

from __future__ import annotations

import os
from pathlib import Path

from questionbank.errors import QbankError

_PACKAGE = Path(__file__).resolve().parent


def _installed(name: str) -> Path:
    data = _PACKAGE / "_data" / name
    if data.is_dir():
        return data
    return _PACKAGE.parent / name  # a source or editable install


def _checkout_root(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        if (folder / "bank").is_dir() and (folder / "pyproject.toml").is_file():
            return folder
    return None


def resolve_bank(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The bank folder to use, following the order in the module docstring."""
    chosen = explicit or os.environ.get("QBANK_BANK")
    if chosen:
        path = Path(chosen)
        if not path.exists():
            raise QbankError(f"{path}: no such bank folder or file (from --bank / QBANK_BANK)")
        return path
    root = _checkout_root(Path.cwd())
    if root is not None:
        return root / "bank"
    return _installed("bank")


def project_root(bank: Path) -> Path:
    """The folder references are relative to: the one that holds the bank folder."""
    bank = bank.resolve()
    return bank.parent if bank.is_dir() else bank.parent.parent


def templates_dir() -> Path:
    root = _checkout_root(Path.cwd())
    if root is not None and (root / "templates").is_dir():
        return root / "templates"
    return _installed("templates")


def display(path: Path) -> str:
    """A path as the user should see it: relative to the current directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def cache_dir() -> Path:
    """QBANK_CACHE_DIR, else $QBANK_HOME/cache, else the platform's user cache folder."""
    explicit = os.environ.get("QBANK_CACHE_DIR")
    if explicit:
        return Path(explicit)
    home = os.environ.get("QBANK_HOME")
    if home:
        return Path(home) / "cache"
    import platformdirs

    return Path(platformdirs.user_cache_dir("qbank", appauthor=False))
