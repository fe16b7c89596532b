"""`qbank export gradescope TASK`: an autograder bundle for Gradescope's fleet.

The zip holds setup.sh (installs Python >= 3.11 if needed and this qbank from the bundled
source, then makes the bundle readable by root only), run_autograder (grades the one .py file
(or notebook) in /autograder/submission at isolation level partial or better and always writes
/autograder/results/results.json), the qbank package with a minimal pyproject.toml, and the
course's bank/ and graders/. Students only ever see the results; their code runs as an
unprivileged uid that cannot read the references.
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
# Gradescope runs this once when it builds the autograder image (as root).
# qbank needs Python >= 3.11; Gradescope's default image (Ubuntu 22.04) has 3.10, so a
# standalone CPython build is installed with uv when no suitable python3 is found.
set -euo pipefail
root="${{QBANK_AUTOGRADER_ROOT:-/autograder}}"
venv="${{QBANK_VENV:-$root/qbank-venv}}"
if [ ! -x "$venv/bin/qbank" ]; then
  python=""
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
      python="$(command -v "$candidate")"
      break
    fi
  done
  if [ -z "$python" ]; then
    apt-get update -qq && apt-get install -y -qq python3-pip >/dev/null
    python3 -m pip install --quiet uv
    # Outside /root (mode 0700): the sandbox's uid must be able to read the interpreter.
    python3 -m uv python install 3.12 --install-dir /opt/qbank-python
    python="$(python3 -m uv python find 3.12)"
  fi
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet "$root/source/qbank"
fi
# The references, the bank and this bundle: readable by root only. Student code runs as an
# unprivileged uid, which then cannot read them even where the private root is unavailable.
chown -R root:root "$root/source"
chmod -R go-rwx "$root/source"
find "$venv" -type d -name _data -path '*questionbank*' -exec chmod -R go-rwx {{}} +
"""

RUN = """#!/usr/bin/env bash
# Gradescope runs this for every submission.
set -uo pipefail
root="${{QBANK_AUTOGRADER_ROOT:-/autograder}}"
venv="${{QBANK_VENV:-$root/qbank-venv}}"
results="$root/results/results.json"
mkdir -p "$root/results"
rm -f "$results"
fail() {{
  printf '{{"score": 0, "output": "%s", "tests": []}}\\n' "$1" > "$results"
  exit 0
}}
shopt -s nullglob
files=("$root"/submission/*.py "$root"/submission/*.ipynb)
if [ ${{#files[@]}} -ne 1 ]; then
  fail "expected exactly one .py or .ipynb file, found ${{#files[@]}}"
fi
# Official grades need at least the partial level (uid drop and rlimits); the level graded at
# is written in the results' output.
"$venv/bin/qbank" --bank "$root/source/qbank/bank" \\
  grade {target} "${{files[0]}}" --format gradescope --require-isolation partial \\
  --out "$results" 2> "$root/results/qbank-stderr.txt"
status=$?
if [ ! -s "$results" ]; then
  # qbank's own last words (a notebook it cannot read, say), made safe for JSON.
  reason=$(tail -n 1 "$root/results/qbank-stderr.txt" | tr -d '"\\\\\\000-\\037' | cut -c1-300)
  fail "the autograder could not grade this submission (qbank exit status $status): $reason"
fi
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
        _add_text(archive, "setup.sh", SETUP.format(), executable=True)
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
