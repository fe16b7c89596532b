"""Quiz start-up: time from process start to the first answer prompt on screen.

Target: under 0.5 s with the full course bank. Each figure is the median (and 90th
percentile) of several runs of `python -m questionbank quiz`, timed from just before
the process is started until its first "> " prompt has been read from its output.
Baseline, measured in the same run: `python -c pass` (the interpreter's own start-up),
so that a loaded machine shows up as a high baseline rather than as a slow quiz.

Run from the checkout root: python bench/bench_quiz.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout, without installing
BANK = ROOT / "bank"
PROMPT = b"> "


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(QBANK_HOME=str(home), NO_COLOR="1", PYTHONPATH=str(ROOT), COLUMNS="100")
    return env


def time_to_prompt(args: list[str], env: dict[str, str]) -> float:
    """Seconds from starting the quiz until its first prompt arrives on its stdout."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "questionbank", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )
    assert proc.stdout is not None and proc.stdin is not None
    seen = b""
    while PROMPT not in seen:
        chunk = os.read(proc.stdout.fileno(), 65536)
        if not chunk:
            err = proc.stderr.read().decode() if proc.stderr else ""
            raise RuntimeError(f"the quiz ended before its first prompt: {err}")
        seen += chunk
    elapsed = time.perf_counter() - start
    proc.stdin.close()  # end of input: the quiz stops cleanly
    proc.stdout.read()
    if proc.stderr is not None:
        proc.stderr.read()
    if proc.wait(timeout=30) != 0:
        raise RuntimeError(f"the quiz exited with {proc.returncode}")
    return elapsed


def time_to_prompt_pty(args: list[str], env: dict[str, str]) -> float:
    """The same in a real pseudo-terminal (the student's case: line editing, colours)."""
    import pexpect

    start = time.perf_counter()
    child = pexpect.spawn(
        sys.executable, ["-m", "questionbank", *args], env=env, cwd=str(ROOT), timeout=30
    )
    child.expect_exact(PROMPT)
    elapsed = time.perf_counter() - start
    child.sendeof()
    child.expect(pexpect.EOF)
    child.close()
    return elapsed


def baseline(env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], env=env, check=True)
    return time.perf_counter() - start


def scaled_bank(target: Path, copies: int) -> int:
    """The course bank repeated ``copies`` times with fresh ids; returns its question count."""
    count = 0
    for n in range(copies):
        for path in sorted(BANK.rglob("*.yaml")):
            rel = path.relative_to(BANK)
            if "exams" in rel.parts:
                continue
            text = path.read_text(encoding="utf-8")
            text, found = re.subn(
                r"^(\s*-?\s*id:\s*)([a-z0-9][a-z0-9_.-]*)", rf"\g<1>\g<2>-copy{n}", text, flags=re.M
            )
            count += found
            out = target / f"copy{n}" / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(text, encoding="utf-8")
    return count


def fill_history(home: Path, answers: int) -> None:
    """A history of ``answers`` answers spread over 60 days, written by qbank itself."""
    from questionbank.bank import load_bank
    from questionbank.history import History

    questions = [q for q in load_bank(BANK, check=False).questions if q.type != "code"]
    History.open(home / "history.sqlite3").close()
    start = datetime.now(UTC) - timedelta(days=60)
    rows = []
    for n in range(answers):
        q = questions[n % len(questions)]
        at = start + timedelta(minutes=17 * n)
        rows.append(
            (1, q.id, q.topic, q.type, 0, "A", float(n % 3 != 0), 1.0, 0, 0, 4.0, at.isoformat())
        )
    with sqlite3.connect(home / "history.sqlite3") as db:
        db.execute(
            "INSERT INTO sessions (started_at, mode, lang, bank) VALUES "
            "('2026-01-01', 'quiz', 'en', 'bench')"
        )
        db.executemany(
            "INSERT INTO answers (session_id, question_id, topic, qtype, seed, given, fraction, "
            "points, skipped, hint_used, seconds, answered_at) VALUES "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


def summarise(label: str, times: list[float]) -> tuple[str, float, float, float]:
    times = sorted(times)
    p90 = times[min(len(times) - 1, int(0.9 * len(times)))]
    return label, times[0], statistics.median(times), p90


def libraries(env: dict[str, str]) -> float:
    """The libraries' own import time: what any pydantic + rich + click program pays."""
    start = time.perf_counter()
    code = "import click, pydantic, rich.console, rich.table, jinja2, yaml, sqlite3"
    subprocess.run([sys.executable, "-c", code], env=env, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    quiz = ["quiz", "-n", "10", "--seed", "1", "--lang", "en"]
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        env = _env(home)
        big = Path(tmp) / "big"
        big_count = scaled_bank(big, 10)
        from questionbank.bank import load_bank

        full_count = len(load_bank(BANK, check=False))
        due_home = Path(tmp) / "due"
        fill_history(due_home, 5000)

        cold_home = Path(tmp) / "cold"

        def cold() -> float:
            shutil.rmtree(cold_home / "cache", ignore_errors=True)
            return time_to_prompt(["--bank", str(BANK), *quiz], _env(cold_home))

        time_to_prompt(["--bank", str(BANK), *quiz], env)  # fills the cache
        time_to_prompt(["--bank", str(big), *quiz], env)
        scenarios: list[tuple[str, Callable[[], float]]] = [
            ("baseline: python -c pass", lambda: baseline(env)),
            ("baseline: import click, pydantic, rich, jinja2, yaml", lambda: libraries(env)),
            (
                f"quiz, full bank ({full_count} q), cache warm",
                lambda: time_to_prompt(["--bank", str(BANK), *quiz], env),
            ),
            (f"quiz, full bank ({full_count} q), no cache", cold),
            (
                "quiz, full bank, in a pseudo-terminal",
                lambda: time_to_prompt_pty(["--bank", str(BANK), *quiz], env),
            ),
            (
                "quiz --due, full bank, history of 5000 answers",
                lambda: time_to_prompt(["--bank", str(BANK), *quiz, "--due"], _env(due_home)),
            ),
            (
                f"quiz, bank x10 ({big_count} q), cache warm",
                lambda: time_to_prompt(["--bank", str(big), *quiz], env),
            ),
        ]
        # Round-robin, so that a burst of load on this shared machine hits every row alike.
        times: dict[str, list[float]] = {label: [] for label, _ in scenarios}
        for _ in range(runs):
            for label, once in scenarios:
                times[label].append(once())
        rows = [summarise(label, times[label]) for label, _ in scenarios]
    base = rows[1][2]
    print(f"runs per row: {runs}; target: first prompt < 0.500 s (median)")
    print(f"{'scenario':<52} {'min':>7} {'median':>8} {'p90':>8} {'x libs':>7}")
    for label, fastest, median, p90 in rows:
        print(f"{label:<52} {fastest:>6.3f}s {median:>7.3f}s {p90:>7.3f}s {median / base:>6.1f}x")


if __name__ == "__main__":
    main()
