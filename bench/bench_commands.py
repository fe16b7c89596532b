"""Everyday commands on the course bank, whole processes, against baselines in the same run.

Targets (issue 14), all with a warm cache unless said otherwise:
- `show`, `list`, the first quiz question, `practice TASK`: < 0.3 s and
  < 5x `python -c "import yaml, pydantic"`;
- `validate` of the unchanged bank < 0.3 s; after editing one file < 1 s;
- cold full check (parse + models + every check, nothing cached) <= 3x parsing the same
  files with yaml.CSafeLoader (both in-process, so interpreter start-up is not counted);
- `paper` (midterm, 2 versions, HTML + Markdown) < 0.5 s; each whole-bank export < 1 s.

Every command runs in a copy of the checkout's bank/ and graders/ with its own cache
folder. Rows run round-robin, so a burst of load on the shared machine hits all alike.
Run from the checkout root: python bench/bench_commands.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_quiz import time_to_prompt  # noqa: E402


def _run(args: list[str], env: dict[str, str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True, env=env, cwd=cwd)
    return time.perf_counter() - start


def _in_process(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def cold_check_ratio(project: Path, runs: int) -> tuple[float, float]:
    """(CSafeLoader parse, cold load + full check) of the bank, in this process."""
    import yaml

    from questionbank.bank import bank_files
    from questionbank.bankcache import load_bank_cached

    files = bank_files([project / "bank"])

    def parse() -> None:
        for path in files:
            yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)

    def cold() -> None:
        # Nothing cached: neither the bank nor the compiled templates.
        saved = os.environ.get("QBANK_CACHE_DIR")
        with tempfile.TemporaryDirectory() as empty:
            os.environ["QBANK_CACHE_DIR"] = empty
            try:
                load_bank_cached(project / "bank", check=True)
            finally:
                if saved is not None:
                    os.environ["QBANK_CACHE_DIR"] = saved

    cold()  # imports and pydantic's first-use costs are not the check's
    return _in_process(parse, runs), _in_process(cold, runs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    py = sys.executable
    qbank = [py, "-m", "questionbank"]
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "proj"
        for part in ("bank", "graders"):
            shutil.copytree(ROOT / part, project / part)
        (project / "pyproject.toml").write_text("")
        out = Path(tmp) / "out"
        out.mkdir()
        env = dict(os.environ)
        env.update(
            QBANK_CACHE_DIR=str(Path(tmp) / "cache"),
            QBANK_HOME=str(Path(tmp) / "home"),
            QBANK_BANK=str(project / "bank"),
            NO_COLOR="1",
            COLUMNS="100",
            PYTHONPATH=str(ROOT),
            # An installed qbank runs from bytecode (pip compiles it at install). Without
            # this, a PYTHONDONTWRITEBYTECODE in the caller's environment (this machine sets
            # it) makes every run compile qbank's sources again.
            PYTHONPYCACHEPREFIX=str(Path(tmp) / "pycache"),
        )
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        edited = project / "bank" / "ml.yaml"
        original = edited.read_text(encoding="utf-8")
        edits = iter(range(10**6))

        def after_edit() -> float:
            edited.write_text(original + f"# edit {next(edits)}\n", encoding="utf-8")
            return _run([*qbank, "validate"], env, project)

        def cold_validate() -> float:
            shutil.rmtree(Path(tmp) / "cold", ignore_errors=True)
            return _run(
                [*qbank, "validate"], {**env, "QBANK_CACHE_DIR": str(Path(tmp) / "cold")}, project
            )

        spec = str(project / "bank" / "exams" / "midterm.yaml")
        rows: dict[str, Callable[[], float]] = {
            "python -c pass": lambda: _run([py, "-c", "pass"], env, project),
            "import yaml, pydantic": lambda: _run(
                [py, "-c", "import yaml, pydantic"], env, project
            ),
            "validate (unchanged)": lambda: _run([*qbank, "validate"], env, project),
            "validate (one file edited)": after_edit,
            "validate (no cache)": cold_validate,
            "list --format json": lambda: _run([*qbank, "list", "--format", "json"], env, project),
            "show conv2d": lambda: _run([*qbank, "show", "conv2d"], env, project),
            "practice conv2d": lambda: _run(
                [*qbank, "practice", "conv2d", "--out", str(out / "c.py"), "--force"], env, project
            ),
            "first quiz question": lambda: time_to_prompt(["quiz", "-n", "10"], env),
            "paper midterm (2 versions)": lambda: _run(
                [*qbank, "paper", spec, "--out", str(out / "paper")], env, project
            ),
        }
        for fmt, suffix in (("moodle", "xml"), ("gift", "txt"), ("qti", "zip")):
            rows[f"export {fmt}"] = lambda f=fmt, s=suffix: _run(
                [*qbank, "export", f, "--out", str(out / f"all.{s}")], env, project
            )
        _run([*qbank, "validate"], env, project)  # warm the cache
        for fn in rows.values():  # and the bytecode and the rendered sheets: not timed
            fn()
        times: dict[str, list[float]] = {name: [] for name in rows}
        for _ in range(runs):
            for name, fn in rows.items():
                times[name].append(fn())
        edited.write_text(original, encoding="utf-8")
        parse, cold = cold_check_ratio(project, runs)
    libs = statistics.median(times["import yaml, pydantic"])
    print(f"{runs} runs each, medians (min-max); x libs = ratio to `import yaml, pydantic`")
    for name, values in times.items():
        median = statistics.median(values)
        print(
            f"{name:30} {median * 1000:6.0f} ms ({min(values) * 1000:.0f}-"
            f"{max(values) * 1000:.0f})  {median / libs:4.1f}x libs"
        )
    print(
        f"in-process: CSafeLoader parse of the bank {parse * 1000:.0f} ms; cold load + full "
        f"check {cold * 1000:.0f} ms: {cold / parse:.1f}x (target <= 3x)"
    )


if __name__ == "__main__":
    main()
