"""The README's set-up command on a fresh virtual environment (slow: it installs)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


@pytest.mark.slow
def test_readme_main_command_works_from_a_fresh_venv(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is needed to copy the checkout")
    checkout = tmp_path / "checkout"
    # A clean copy of what is committed plus the working tree's tracked files.
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    for name in filter(None, files):
        src = ROOT / os.fsdecode(name)
        if src.is_file():
            dst = checkout / os.fsdecode(name)
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", str(checkout)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    if install.returncode != 0 and "Could not find a version" in install.stderr:
        pytest.skip(f"no package index reachable: {install.stderr[-300:]}")
    assert install.returncode == 0, install.stderr[-2000:]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "QBANK_BANK"}
    qbank = env_dir / "bin" / "qbank"

    def run_qbank(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [str(qbank), *args],
            cwd=elsewhere,
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return done

    assert "questions valid" in run_qbank("validate").stdout
    ids = {q["id"] for q in json.loads(run_qbank("list", "--format", "json").stdout)}
    assert len(ids) >= 300 and "mid-ml-q27-not-supervised" in ids
    # The sandbox from an installed qbank (its server runs without site, on explicit paths).
    submission = elsewhere / "mine.py"
    submission.write_text(
        "import numpy as np\n\n\ndef sigmoid_derivative(x):\n"
        "    s = 0.5 * (1 + np.tanh(0.5 * np.asarray(x, dtype=float)))\n"
        "    return s * (1 - s)\n"
    )
    graded = run_qbank("grade", "sigmoid_derivative", str(submission), "--format", "json")
    document = json.loads(graded.stdout)
    assert document["score"] == document["max_score"] > 0, graded.stdout[-2000:]
