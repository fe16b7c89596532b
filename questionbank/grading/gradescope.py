"""`qbank export gradescope TASK`: an autograder bundle for Gradescope's fleet.

The zip holds setup.sh (installs this qbank from the bundled source), run_autograder (grades
the one .py file in /autograder/submission and writes /autograder/results/results.json), the
qbank package with a minimal pyproject.toml, and the course's bank/ and graders/. The
bundle stays with the course staff on Gradescope; students only ever see the results.
"""

from __future__ import annotations

import importlib.metadata
import io
import json
import shlex
import stat
import tomllib
import zipfile
from pathlib import Path

from questionbank.errors import QbankError

SETUP = """#!/usr/bin/env bash
# Gradescope runs this once when it builds the autograder image.
set -euo pipefail
apt-get update -qq && apt-get install -y -qq python3 python3-pip python3-venv >/dev/null
python3 -m venv /autograder/qbank-venv
/autograder/qbank-venv/bin/pip install --quiet /autograder/source/qbank
"""

RUN = """#!/usr/bin/env bash
# Gradescope runs this for every submission.
set -uo pipefail
mkdir -p /autograder/results
shopt -s nullglob
files=(/autograder/submission/*.py)
if [ ${{#files[@]}} -ne 1 ]; then
  printf '{{"score": 0, "output": "expected exactly one .py file, found %s", "tests": []}}\\n' \\
    "${{#files[@]}}" > /autograder/results/results.json
  exit 0
fi
/autograder/qbank-venv/bin/qbank --bank /autograder/source/qbank/bank \\
  grade {target} "${{files[0]}}" --format gradescope --out /autograder/results/results.json
"""

PYPROJECT = """[build-system]
requires = ["hatchling>=1.21"]
build-backend = "hatchling.build"

[project]
name = "qbank"
version = "{version}"
requires-python = ">=3.11"
dependencies = {dependencies}

[project.scripts]
qbank = "questionbank.cli:main"

[tool.hatch.build.targets.wheel]
packages = ["questionbank"]
"""


def _dependencies(package_dir: Path) -> list[str]:
    pyproject = package_dir.parent / "pyproject.toml"
    if pyproject.is_file():
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        return list(data.get("project", {}).get("dependencies", []))
    try:
        required = importlib.metadata.requires("qbank") or []
    except importlib.metadata.PackageNotFoundError:
        required = []
    return [r for r in required if "extra ==" not in r]


def bundle(project_root: Path, task_ids: list[str], assignment: Path | None) -> bytes:
    """The zip's bytes: this qbank's package, plus the bank and graders of project_root.

    assignment: the assignment file to ship, when TASK was one."""
    import questionbank

    package_dir = Path(questionbank.__file__).resolve().parent
    for name in ("bank", "graders"):
        if not (project_root / name).is_dir():
            raise QbankError(f"{project_root}: no {name}/ folder to ship with the autograder")
    target = (
        shlex.quote(task_ids[0]) if assignment is None else "/autograder/source/assignment.yaml"
    )
    pyproject = PYPROJECT.format(
        version=questionbank.__version__, dependencies=json.dumps(_dependencies(package_dir))
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        _add_text(archive, "setup.sh", SETUP, executable=True)
        _add_text(archive, "run_autograder", RUN.format(target=target), executable=True)
        _add_text(archive, "qbank/pyproject.toml", pyproject, executable=False)
        if assignment is not None:
            archive.write(assignment, "assignment.yaml")
        trees = [
            (package_dir, "qbank/questionbank"),
            (project_root / "bank", "qbank/bank"),
            (project_root / "graders", "qbank/graders"),
        ]
        for folder, prefix in trees:
            for file in sorted(folder.rglob("*")):
                if file.is_file() and "__pycache__" not in file.parts and file.suffix != ".pyc":
                    archive.write(file, f"{prefix}/{file.relative_to(folder).as_posix()}")
    return buffer.getvalue()


def _add_text(archive: zipfile.ZipFile, name: str, text: str, *, executable: bool) -> None:
    info = zipfile.ZipInfo(name)
    mode = 0o755 if executable else 0o644
    info.external_attr = (stat.S_IFREG | mode) << 16
    archive.writestr(info, text)
