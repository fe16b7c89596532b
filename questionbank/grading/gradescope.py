"""`qbank export gradescope TASK`: an autograder bundle for Gradescope's fleet.

The zip holds setup.sh (installs this qbank from the bundled source), run_autograder (grades
the one .py file in /autograder/submission and writes /autograder/results/results.json) and
the source itself: the package, the bank and the graders. The bundle stays with the course
staff on Gradescope; students only ever see the results.
"""

from __future__ import annotations

import io
import shlex
import stat
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
/autograder/qbank-venv/bin/qbank --bank /autograder/source/qbank/bank grade {target} "${{files[0]}}" \\
  --format gradescope --out /autograder/results/results.json
"""

INCLUDED = ("pyproject.toml", "README.md", "questionbank", "bank", "graders", "templates")


def bundle(project_root: Path, task_ids: list[str], assignment: Path | None) -> bytes:
    """The zip's bytes. assignment: the assignment file to ship, when TASK was one."""
    missing = [name for name in ("pyproject.toml", "questionbank") if
               not (project_root / name).exists()]
    if missing:
        raise QbankError(f"{project_root}: not a qbank source tree (missing {', '.join(missing)}); "
                         "export from a checkout of qbank")
    target = shlex.quote(task_ids[0]) if assignment is None else "/autograder/source/assignment.yaml"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        _add_text(archive, "setup.sh", SETUP, executable=True)
        _add_text(archive, "run_autograder", RUN.format(target=target), executable=True)
        if assignment is not None:
            archive.write(assignment, "assignment.yaml")
        for name in INCLUDED:
            path = project_root / name
            files = [path] if path.is_file() else sorted(path.rglob("*")) if path.is_dir() else []
            for file in files:
                if file.is_file() and "__pycache__" not in file.parts and file.suffix != ".pyc":
                    archive.write(file, f"qbank/{file.relative_to(project_root)}")
    return buffer.getvalue()


def _add_text(archive: zipfile.ZipFile, name: str, text: str, *, executable: bool) -> None:
    info = zipfile.ZipInfo(name)
    mode = 0o755 if executable else 0o644
    info.external_attr = (stat.S_IFREG | mode) << 16
    archive.writestr(info, text)
