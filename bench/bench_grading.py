"""Autograder benchmark: per-submission overhead of the sandbox, and batch throughput.

Run from the checkout root:
python bench/bench_grading.py [--count 500] [--jobs 2] [--runs 200] [--rounds 3]

1. Overhead: a submission whose function returns its input, one case; the median time of
   grade_submission (memfd and pipes, fork from the zygote, namespaces, cgroup, private root,
   uid drop, seccomp, rlimits, load, run, decode, compare) with the zygotes already warm. The
   student's own work is ~0.
2. Throughput: COUNT conv2d submissions (the corpus in tests/submissions/conv2d, correct and
   wrong, repeated with a comment so every file differs), graded with `grade_batch` and -j
   JOBS, against the baseline of one fresh `python` process per submission that imports
   numpy, runs the same cases (inputs from .npy files) and writes outputs as .npy, JOBS at a
   time, with the comparisons done in the parent. Both runs include writing results.
3. The floor of any fork-per-submission design (FORK_FLOOR_RUNNER), measured right after each
   of ROUNDS qbank runs; the share of the floor's throughput qbank reaches is the median of
   the paired rounds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from questionbank.bank import load_bank  # noqa: E402
from questionbank.grading.batch import grade_batch  # noqa: E402
from questionbank.grading.cases import CaseSpec, TaskSpec, prepare_task  # noqa: E402
from questionbank.grading.grade import grade_submission  # noqa: E402
from questionbank.grading.tasks import prepare_tasks  # noqa: E402
from questionbank.sandbox import SandboxServer  # noqa: E402

BASELINE_RUNNER = r"""
import sys, json, importlib.util
from pathlib import Path
import numpy as np
sub, fn, folder = sys.argv[1], sys.argv[2], Path(sys.argv[3])
spec = importlib.util.spec_from_file_location("submission", sub)
mod = importlib.util.module_from_spec(spec)
try:
    spec.loader.exec_module(mod)
    f = getattr(mod, fn)
except BaseException:
    sys.exit(3)
for case in json.loads((folder / "cases.json").read_text()):
    kwargs = {k: (np.load(folder / v) if isinstance(v, str) else v["value"])
              for k, v in case["args"].items()}
    try:
        np.save(folder / f"out_{case['i']}_{Path(sub).stem}.npy",
                np.asarray(f(**kwargs), dtype=float), allow_pickle=False)
    except BaseException:
        pass
"""

# The floor of any fork-per-submission design: a warm process that has imported numpy forks a
# child per submission, which runs the same cases and pipes the raw outputs back. No namespaces,
# no uid drop, no rlimits, no comparison, no result files.
FORK_FLOOR_RUNNER = r"""
import sys, json, os, importlib.util
from pathlib import Path
import numpy as np
folder = Path(sys.argv[1])
fn = sys.argv[2]
cases = [{k: (np.load(folder / v) if isinstance(v, str) else v["value"])
          for k, v in case["args"].items()}
         for case in json.loads((folder / "cases.json").read_text())]
for sub in sys.argv[3:]:
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            spec = importlib.util.spec_from_file_location("submission", sub)
            mod = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(mod)
            f = getattr(mod, fn)
            for kwargs in cases:
                try:
                    os.write(w, np.asarray(f(**kwargs), dtype=float).tobytes())
                except BaseException:
                    pass
        finally:
            os._exit(0)
    os.close(w)
    while os.read(r, 1 << 16):
        pass
    os.close(r)
    os.waitpid(pid, 0)
"""


def overhead(runs: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="qbank-bench-") as root:
        return _overhead(runs, Path(root))


def _overhead(runs: int, root: Path) -> dict[str, Any]:
    (root / "identity.py").write_text("def f(x):\n    return x\n")
    task = prepare_task(
        TaskSpec(
            id="identity",
            function="f",
            reference="identity.py:f",
            root=root,
            cases=(CaseSpec("one", args={"x": [1.0, 2.0, 3.0]}),),
        )
    )
    source = b"def f(x):\n    return x\n"
    with SandboxServer() as server:
        for _ in range(20):
            grade_submission([task], source, server)
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            result = grade_submission([task], source, server)
            times.append(time.perf_counter() - start)
            assert result.score == 1
        level = server.isolation["level"]
    fork_times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", "import numpy"], check=True)
        fork_times.append(time.perf_counter() - start)
        del done
    return {
        "median_ms": 1000 * statistics.median(times),
        "p90_ms": 1000 * sorted(times)[int(0.9 * len(times))],
        "fresh_python_numpy_ms": 1000 * statistics.median(fork_times),
        "level": level,
    }


def make_corpus(folder: Path, count: int, *, vectorized_only: bool) -> list[Path]:
    corpus = sorted((ROOT / "tests/submissions/conv2d").glob("*.py"))
    if vectorized_only:
        corpus = [p for p in corpus if "loop" not in p.name]
    paths = []
    for index in range(count):
        source = corpus[index % len(corpus)].read_text()
        path = folder / f"s{index:04d}_{corpus[index % len(corpus)].stem}.py"
        path.write_text(source + f"\n# student {index}\n")
        paths.append(path)
    return paths


def baseline(paths: list[Path], task, jobs: int, work: Path) -> float:  # type: ignore[no-untyped-def]
    from questionbank.grading.compare import compare
    from questionbank.sandbox import codec

    cases = []
    for i, case in enumerate(task.cases):
        kwargs = codec.decode_args(case.args_blob)
        args: dict[str, Any] = {}
        for name, value in kwargs.items():
            if isinstance(value, np.ndarray):
                np.save(work / f"in_{i}_{name}.npy", value, allow_pickle=False)
                args[name] = f"in_{i}_{name}.npy"
            else:
                args[name] = {"value": value}
        cases.append({"i": i, "args": args})
    (work / "cases.json").write_text(json.dumps(cases))
    runner = work / "runner.py"
    runner.write_text(BASELINE_RUNNER)

    def one(path: Path) -> float:
        subprocess.run(
            [sys.executable, str(runner), str(path), task.spec.function, str(work)],
            timeout=60,
            check=False,
            capture_output=True,
        )
        score = 0.0
        for i, case in enumerate(task.cases):
            out = work / f"out_{i}_{path.stem}.npy"
            if out.exists():
                got = codec.decode(codec.encode(np.load(out, allow_pickle=False)))
                if compare(case.expected, got, case.tolerance) is None:
                    score += case.points
        (work / f"{path.stem}.json").write_text(json.dumps({"score": score}))
        return score

    start = time.perf_counter()
    with ThreadPoolExecutor(jobs) as pool:
        list(pool.map(one, paths))
    return time.perf_counter() - start


def fork_floor(paths: list[Path], task, jobs: int, work: Path) -> float:  # type: ignore[no-untyped-def]
    """Seconds for the bare fork-per-submission runner, JOBS processes in parallel (after
    baseline() has written the cases to work/)."""
    runner = work / "fork_floor.py"
    runner.write_text(FORK_FLOOR_RUNNER)
    start = time.perf_counter()
    shares = [paths[i::jobs] for i in range(jobs)]
    running = [
        subprocess.Popen(
            [sys.executable, str(runner), str(work), task.spec.function, *map(str, share)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for share in shares
    ]
    for process in running:
        process.wait()
    return time.perf_counter() - start


def throughput(count: int, jobs: int, rounds: int, *, vectorized_only: bool) -> dict[str, Any]:
    """qbank and the bare-fork floor graded back to back, `rounds` times (this machine is shared:
    pairing each run with the floor measured right after it keeps a load change from counting
    against either); the slow baseline once."""
    task = prepare_tasks(load_bank(ROOT / "bank", check=False), "conv2d")[0]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp, "subs")
        folder.mkdir()
        paths = make_corpus(folder, count, vectorized_only=vectorized_only)
        work = Path(tmp, "baseline")
        work.mkdir()
        base = baseline(paths, task, jobs, work)
        base_scores = [json.loads((work / f"{p.stem}.json").read_text())["score"] for p in paths]
        ours, floors = [], []
        for round_ in range(rounds):
            out = Path(tmp, f"out{round_}")
            start = time.perf_counter()
            grade_batch([task], folder, out, jobs=jobs)
            ours.append(time.perf_counter() - start)
            scores = [json.loads((out / f"{p.stem}.json").read_text())["score"] for p in paths]
            assert scores == base_scores, "the sandbox and the baseline disagree on some score"
            floors.append(fork_floor(paths, task, jobs, work))
    shares = [floor / our for our, floor in zip(ours, floors, strict=True)]
    return {
        "count": count,
        "ours_s": statistics.median(ours),
        "baseline_s": base,
        "floor_s": statistics.median(floors),
        "shares": shares,
        "share": statistics.median(shares),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    o = overhead(args.runs)
    print(f"isolation level: {o['level']}")
    print(
        f"per-submission overhead (identity function, 1 case): median {o['median_ms']:.2f} ms, "
        f"p90 {o['p90_ms']:.2f} ms; fresh `python -c 'import numpy'`: "
        f"{o['fresh_python_numpy_ms']:.1f} ms ({o['fresh_python_numpy_ms'] / o['median_ms']:.1f}x)"
    )
    for vectorized_only in (False, True):
        t = throughput(args.count, args.jobs, args.rounds, vectorized_only=vectorized_only)
        label = "vectorized and wrong only" if vectorized_only else "whole corpus (incl. loops)"
        rounds = ", ".join(f"{share:.0%}" for share in t["shares"])
        print(
            f"conv2d x{t['count']}, -j {args.jobs}, {label}: sandbox {t['ours_s']:.1f} s "
            f"({t['count'] / t['ours_s']:.1f}/s), baseline {t['baseline_s']:.1f} s: "
            f"{t['baseline_s'] / t['ours_s']:.1f}x the baseline's throughput; bare fork per "
            f"submission, no sandbox: {t['floor_s']:.1f} s; qbank reaches {t['share']:.0%} of "
            f"the floor's throughput (median of {len(t['shares'])} paired rounds: {rounds}; "
            "target: 60%)"
        )


if __name__ == "__main__":
    main()
