from __future__ import annotations

import os
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        default=False,
        help="rewrite golden files under tests/goldens from the current output",
    )


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-goldens"))


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run the test from an empty folder, so paths print relative to it."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("QBANK_BANK", raising=False)
    return tmp_path


@pytest.fixture(autouse=True)
def _no_ambient_bank(monkeypatch: pytest.MonkeyPatch) -> None:
    if "QBANK_BANK" in os.environ:
        monkeypatch.delenv("QBANK_BANK")
