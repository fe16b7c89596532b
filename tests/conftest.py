"""Shared fixtures; ``--update-goldens`` rewrites golden files instead of comparing."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
GOLDENS = Path(__file__).parent / "goldens"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        default=False,
        help="Rewrite tests/goldens/ from the current output instead of comparing with it.",
    )


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[str, str], None]:
    """golden(relative_path, text): compare text with tests/goldens/<relative_path>."""
    update = bool(request.config.getoption("--update-goldens"))

    def check(name: str, text: str) -> None:
        path = GOLDENS / name
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="\n")
            return
        if not path.exists():
            pytest.fail(f"golden file {path} is missing; run pytest --update-goldens")
        expected = path.read_text(encoding="utf-8")
        assert text == expected, f"{name} differs from its golden; review, then --update-goldens"

    return check


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run the test from an empty folder, so paths print relative to it."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("QBANK_BANK", raising=False)
    return tmp_path


@pytest.fixture(scope="session")
def _bank_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("bank-cache")


@pytest.fixture(autouse=True)
def _private_bank_cache(monkeypatch: pytest.MonkeyPatch, _bank_cache: Path) -> None:
    """Never read or write the user's own cache of checked banks."""
    monkeypatch.setenv("QBANK_CACHE_DIR", str(_bank_cache))


@pytest.fixture(autouse=True)
def _no_ambient_bank(monkeypatch: pytest.MonkeyPatch) -> None:
    if "QBANK_BANK" in os.environ:
        monkeypatch.delenv("QBANK_BANK")


@pytest.fixture
def no_leftover_proofs() -> Iterator[None]:
    """Remove the proof files the hostile corpus tries to leave (sandbox_helpers.PROOFS)."""
    from sandbox_helpers import PROOFS

    yield
    for path in PROOFS:
        with contextlib.suppress(OSError):
            Path(path).unlink()
