"""Loading and validating a 10,000-question bank vs parsing it with yaml.CSafeLoader alone.

Target (issue 2): qbank's full load + validation at most 2x the CSafeLoader parse.
Also times `qbank --help` start-up (target < 0.3 s) against a bare `python -c pass`.
Run: python bench/bench_loading.py
"""

from __future__ import annotations

import gc
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from questionbank.bank import load_bank

QUESTIONS = 10_000
PER_FILE = 500

TEMPLATES = [
    """  - id: q{n}-mcq
    type: mcq
    difficulty: 2
    tags: [gen, mcq]
    source: "generated for the benchmark"
    prompt:
      zh-TW: 下列何者不是機器學習的監督式學習方法(Supervised learning)？第 {n} 題
      en: Which of the following is not a supervised learning method? Item {n}
    choices:
      - text: {{zh-TW: 支持向量機(SVM), en: Support vector machine}}
      - text: {{zh-TW: 隨機森林(RF), en: Random forest}}
      - text: {{zh-TW: K-最近鄰居法 (KNN), en: k-nearest neighbours}}
      - text: {{zh-TW: K-平均演算法 (K-Means), en: K-Means}}
        correct: true
        feedback: {{en: "K-Means is clustering.", zh-TW: "K-Means 是分群。"}}
    explanation: {{en: "K-Means is unsupervised.", zh-TW: "K-Means 是非監督式學習。"}}
""",
    """  - id: q{n}-tf
    type: tf
    prompt: {{en: "ReLU is linear ({n}).", zh-TW: "ReLU 是線性函數（{n}）。"}}
    answer: false
    explanation: {{en: "It is piecewise linear, hence non-linear.", zh-TW: "分段線性，故非線性。"}}
""",
    """  - id: q{n}-num
    type: numeric
    prompt: {{en: "What is $\\\\sigma'(0)$? ({n})", zh-TW: "$\\\\sigma'(0)$ 等於多少？（{n}）"}}
    answer: 0.25
    tolerance: {{abs: 0.001}}
""",
    """  - id: q{n}-short
    type: short
    prompt: {{en: "What does the O in IPO stand for? ({n})", zh-TW: "IPO 的 O 代表什麼？（{n}）"}}
    answers: [Output, 輸出]
""",
]


def make_bank(root: Path) -> Path:
    bank = root / "bank"
    bank.mkdir()
    for f in range(QUESTIONS // PER_FILE):
        parts = [f"topic: t{f % 7}\nweek: {f % 16 + 1}\nquestions:\n"]
        for i in range(PER_FILE):
            n = f * PER_FILE + i
            parts.append(TEMPLATES[n % len(TEMPLATES)].format(n=n))
        (bank / f"file{f:02d}.yaml").write_text("".join(parts), encoding="utf-8")
    return bank


def best_of(runs: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def parse_only(bank: Path) -> None:
    for path in sorted(bank.glob("*.yaml")):
        yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)


def without_gc(fn: Callable[[], object]) -> None:
    gc.disable()
    try:
        fn()
    finally:
        gc.enable()


def startup(args: list[str], runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bank = make_bank(Path(tmp))
        count = len(load_bank(bank))
        assert count == QUESTIONS, count
        baseline = best_of(3, lambda: parse_only(bank))
        # qbank pauses the cyclic GC while loading; the same favour for the baseline
        # shows how much of the difference is the parse itself.
        baseline_nogc = best_of(3, lambda: without_gc(lambda: parse_only(bank)))
        qbank = best_of(3, lambda: load_bank(bank))
    print(f"questions: {QUESTIONS}")
    print(f"yaml.CSafeLoader parse only: {baseline:.3f} s")
    print(f"qbank load + validate:      {qbank:.3f} s")
    print(f"yaml.CSafeLoader, GC paused: {baseline_nogc:.3f} s")
    print(
        f"ratio: {qbank / baseline:.2f}x (target <= 2.0x); vs the GC-paused parse: "
        f"{qbank / baseline_nogc:.2f}x"
    )
    bare = startup([sys.executable, "-c", "pass"])
    help_time = startup([sys.executable, "-m", "questionbank", "--help"])
    print(f"python -c pass:     {bare * 1000:.0f} ms")
    print(f"qbank --help:       {help_time * 1000:.0f} ms (target < 300 ms)")


if __name__ == "__main__":
    main()
