"""The Gradescope bundle end to end, in a simulated /autograder with the layers Docker's
default profile blocks turned off (no namespaces, no private root, no cgroup): setup.sh makes
the references unreadable to the sandbox's uid, run_autograder grades at level partial and
says so, and a submission that reads the reference from disk gains nothing."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sandbox_helpers import TOY_ROOT

from questionbank.grading.gradescope import bundle

DOCKER_BLOCKS = "net,pid,mount,ipc,uts,private_root,cgroup"
READ_REFERENCE = """
import os
import numpy as np

STOLEN = None
for folder, _, files in os.walk("{root}/source"):
    if "toy.py" in files:
        try:
            scope = {{}}
            exec(open(os.path.join(folder, "toy.py")).read(), scope)
            STOLEN = scope["affine"]
        except OSError:
            pass


def affine(x, shift=1.0):
    if STOLEN is not None:
        return STOLEN(x, shift)
    return np.zeros_like(x)
"""


@pytest.fixture
def root() -> Iterator[Path]:
    """A world-traversable folder, as /autograder is (pytest's tmp_path is not: it would hide
    the bundle from the sandbox's uid whatever setup.sh does)."""
    folder = Path(tempfile.mkdtemp(prefix="qbank-autograder-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _autograder(root: Path) -> Path:
    (root / "source").mkdir(parents=True)
    (root / "submission").mkdir()
    with zipfile.ZipFile(io.BytesIO(bundle(TOY_ROOT, ["toy-affine"], None))) as zf:
        zf.extractall(root / "source")
    return root


def _env(root: Path) -> dict[str, str]:
    return {
        **os.environ,
        "QBANK_AUTOGRADER_ROOT": str(root),
        "QBANK_VENV": sys.prefix,
        "QBANK_SANDBOX_DISABLE": DOCKER_BLOCKS,
    }


def _script(root: Path, name: str, env: dict[str, str] | None = None) -> None:
    done = subprocess.run(
        ["bash", str(root / "source" / name)],
        env=env or _env(root),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr


def _grade(root: Path, source: str) -> dict[str, object]:
    for old in (root / "submission").iterdir():
        old.unlink()
    (root / "submission" / "submission.py").write_text(source)
    _script(root, "run_autograder")
    return json.loads((root / "results" / "results.json").read_text())  # type: ignore[no-any-return]


@pytest.mark.skipif(os.geteuid() != 0, reason="the uid drop needs root, as on Gradescope")
@pytest.mark.skipif(not Path(sys.prefix, "bin", "qbank").exists(), reason="qbank not installed")
def test_bundle_in_a_simulated_autograder(root: Path) -> None:
    _autograder(root)
    _script(root, "setup.sh")
    reference = root / "source" / "qbank" / "graders" / "toy.py"
    assert reference.stat().st_mode & 0o077 == 0

    good = (TOY_ROOT / "submissions" / "good.py").read_text()
    honest = _grade(root, good)
    assert honest["score"] == 5
    assert "sandbox isolation: partial" in str(honest["output"])

    thief = _grade(root, READ_REFERENCE.format(root=root))
    assert thief["score"] == 0, thief["output"]
    assert "sandbox isolation: partial" in str(thief["output"])


def test_a_run_that_cannot_grade_still_writes_results(root: Path) -> None:
    _autograder(root)
    env = {**_env(root), "QBANK_VENV": str(root / "no-such-venv")}
    (root / "submission" / "a.py").write_text("def affine(x, shift=1.0):\n    return x\n")
    _script(root, "run_autograder", env)
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == 0
    assert "could not grade this submission" in results["output"]
