"""300 per-student versions of a 40-question bilingual paper (HTML, key, CSV, manifest).

Target (issue 5): under 10 s on this machine, for assembling the versions and writing
paper-<id>.html, paper-<id>.md, key-<id>.html, answer-key.csv and manifest.json.
Baseline, measured in the same run: the same paper with one version, so the figure
that travels between machines is the cost of one more version relative to one paper.
Run: python bench/bench_papers.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from questionbank.assemble import assemble
from questionbank.bank import load_bank
from questionbank.exam_spec import load_spec
from questionbank.params import ParamEngine
from questionbank.render_paper import write_paper

STUDENTS = 300
TARGET_S = 10.0

MCQ = """  - id: b{n}-mcq
    type: mcq
    topic: {topic}
    prompt:
      zh-TW: "第 {n} 題：$\\\\sigma(x)=\\\\frac{{1}}{{1+e^{{-x}}}}$ 的導數為何？"
      en: "Item {n}: what is the derivative of $\\\\sigma(x)=\\\\frac{{1}}{{1+e^{{-x}}}}$?"
    choices:
      - text: '$\\sigma(x)(1-\\sigma(x))$'
        correct: true
      - text: '$\\sigma(x)^2$'
        feedback: {{zh-TW: "少了 $(1-\\\\sigma)$。", en: "Missing the $(1-\\\\sigma)$ factor."}}
      - text: {{zh-TW: "$1-\\\\sigma(x)$ (第 {n} 題)", en: "$1-\\\\sigma(x)$ (item {n})"}}
      - text: {{zh-TW: "以上皆非", en: "None of the above"}}
    explanation:
      zh-TW: "$\\\\sigma'(x)=\\\\sigma(x)(1-\\\\sigma(x))$，第 {n} 題。"
      en: "$\\\\sigma'(x)=\\\\sigma(x)(1-\\\\sigma(x))$, item {n}."
"""
MULTI = """  - id: b{n}-multi
    type: multi
    topic: {topic}
    prompt: {{zh-TW: "下列哪些是激勵函數？({n})", en: "Which are activation functions? ({n})"}}
    choices:
      - {{text: ReLU, correct: true}}
      - {{text: tanh, correct: true}}
      - {{text: Adam}}
      - {{text: {{zh-TW: 均方誤差, en: Mean squared error}}}}
    explanation: {{zh-TW: "Adam 是優化器。", en: "Adam is an optimizer."}}
"""
TF = """  - id: b{n}-tf
    type: tf
    topic: {topic}
    prompt: {{zh-TW: "是非：ReLU 是線性函數。({n})", en: "True or false: ReLU is linear. ({n})"}}
    answer: false
"""
NUMERIC = """  - id: b{n}-num
    type: numeric
    topic: {topic}
    params:
      tp: {{int: [1, 20]}}
      tn: {{int: [50, 100]}}
      fp: {{int: [0, 10]}}
      fn: {{int: [0, 10]}}
    prompt:
      zh-TW: "TP={{{{ tp }}}}、TN={{{{ tn }}}}、FP={{{{ fp }}}}、FN={{{{ fn }}}}，正確率？({n})"
      en: "TP={{{{ tp }}}}, TN={{{{ tn }}}}, FP={{{{ fp }}}}, FN={{{{ fn }}}}: accuracy? ({n})"
    answer: "(tp + tn) / (tp + tn + fp + fn)"
    tolerance: {{abs: 0.005}}
    explanation:
      zh-TW: "$\\\\frac{{TP+TN}}{{TP+TN+FP+FN}}$"
      en: "$\\\\frac{{TP+TN}}{{TP+TN+FP+FN}}$"
"""
KINDS = [(MCQ, 36), (MULTI, 8), (TF, 8), (NUMERIC, 12)]
SPEC = """title: {{zh-TW: 深度學習 期中考, en: Deep Learning Midterm}}
course: 112-1 深度學習 Deep Learning
seed: 20231108
per_student: roster.csv
lang: [zh-TW, en]
sections:
  - title: {{zh-TW: 選擇題, en: Multiple choice}}
    pick: 24
    from: {{type: mcq}}
    points: 2
  - title: {{zh-TW: 複選, en: Multiple response}}
    pick: 4
    from: {{type: multi}}
  - title: {{zh-TW: 是非, en: True or false}}
    pick: 4
    from: {{type: tf}}
  - title: {{zh-TW: 計算, en: Calculations}}
    pick: 8
    from: {{type: numeric}}
    points: 5
"""


def make_inputs(root: Path, students: int) -> Path:
    bank = root / "bank"
    bank.mkdir()
    lines = ["questions:"]
    n = 0
    for template, count in KINDS:
        for _ in range(count):
            n += 1
            lines.append(template.format(n=n, topic=("ml", "nn", "metrics")[n % 3]))
    (bank / "bench.yaml").write_text("\n".join(lines), encoding="utf-8")
    roster = ["student_id,name", *(f"s{1000 + i},學生{i}" for i in range(students))]
    (root / "roster.csv").write_text("\n".join(roster) + "\n", encoding="utf-8")
    spec = root / "midterm.yaml"
    spec.write_text(SPEC.format(), encoding="utf-8")
    return spec


def run(root: Path, students: int) -> tuple[float, int, int]:
    """Seconds to load, assemble and write every version; (seconds, versions, files)."""
    spec = make_inputs(root, students)
    start = time.perf_counter()
    exam = assemble(load_spec(spec), load_bank(root / "bank"), engine=ParamEngine())
    written = write_paper(exam, root / "out")
    return time.perf_counter() - start, len(exam.versions), len(written)


def main() -> None:
    repeats = 3
    base_times, full_times = [], []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as tmp:
            seconds, versions, _ = run(Path(tmp), 1)
            assert versions == 1
            base_times.append(seconds)
        with tempfile.TemporaryDirectory() as tmp:
            seconds, versions, files = run(Path(tmp), STUDENTS)
            assert versions == STUDENTS and files == 3 * STUDENTS + 2
            full_times.append(seconds)
    base, full = statistics.median(base_times), statistics.median(full_times)
    per_version = (full - base) / (STUDENTS - 1)
    print(f"paper: 40 bilingual questions ({sum(c for _, c in KINDS)} in the bank)")
    print(f"baseline, 1 version:          {base:6.2f} s")
    print(f"{STUDENTS} per-student versions:    {full:6.2f} s   (median of {repeats})")
    ratio = per_version / base
    print(f"each further version:         {per_version * 1000:6.1f} ms = {ratio:.3f}x one paper")
    print(f"{STUDENTS} versions / 1 version:     {full / base:6.1f}x")
    verdict = "met" if full < TARGET_S else "MISSED"
    print(f"target < {TARGET_S:.0f} s: {verdict}")


if __name__ == "__main__":
    main()
