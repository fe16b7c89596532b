"""300 per-student versions of a 40-question bilingual paper (HTML, key, CSV, manifest).

Target (issue 5): under 10 s on this machine, for assembling the versions and writing
paper-<id>.html, paper-<id>.md, key-<id>.html, answer-key.csv and manifest.json.
Baseline, measured in the same run: the same paper with one version, so the figure
that travels between machines is the cost of one more version relative to one paper.
Run: python bench/bench_papers.py

With --pdf: the PDF options of issue 12, side by side in one run, for 300 per-student
papers with their keys (goal: under 60 s on this 2-core machine) plus the class file.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

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


def _exam(root: Path, students: int) -> Any:
    spec = make_inputs(root, students)
    return assemble(load_spec(spec), load_bank(root / "bank"), engine=ParamEngine())


def _cpu() -> float:
    """CPU seconds used so far by this process and its reaped children (worker processes)."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _timed(label: str, students: int, run_once: Callable[[Path], None]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) for one run. This machine is shared: when other jobs
    keep its cores busy, wall time grows while CPU time does not, so both are printed."""
    with tempfile.TemporaryDirectory() as tmp:
        start, cpu = time.perf_counter(), _cpu()
        run_once(Path(tmp))
        seconds, cpu = time.perf_counter() - start, _cpu() - cpu
    print(f"  {label:<58} {seconds:7.2f} s wall {cpu:7.2f} s CPU for {students}", flush=True)
    return seconds, cpu


def _weasyprint(exam: Any, out: Path) -> None:
    """The previous PDF path: each HTML paper and key through WeasyPrint."""
    import weasyprint

    write_paper(exam, out)
    for version in exam.versions:
        for stem in ("paper", "key"):
            html = (out / f"{stem}-{version.label}.html").read_text(encoding="utf-8")
            weasyprint.HTML(string=html, base_url=str(out)).write_pdf(out / f"{stem}.pdf")


def _weasyprint_one_document(exam: Any, out: Path) -> None:
    """WeasyPrint laying out every paper, then writing them as one PDF (fonts once)."""
    import weasyprint

    write_paper(exam, out)
    documents = [
        weasyprint.HTML(
            string=(out / f"{stem}-{v.label}.html").read_text(encoding="utf-8"),
            base_url=str(out),
        ).render()
        for v in exam.versions
        for stem in ("paper", "key")
    ]
    pages = [page for doc in documents for page in doc.pages]
    documents[0].copy(pages).write_pdf(out / "all.pdf")


def _typst_one_document_split(exam: Any, out: Path) -> None:
    """Typst: one document for all papers and one for all keys, split with pypdf."""
    import json

    import pypdf
    import typst

    from questionbank.pdf import TypstPapers
    from questionbank.render_paper import PaperRenderer, Texts, paper_view
    from questionbank.richtext import RichText
    from questionbank.typst_markup import TypstText

    write_paper(exam, out)  # the HTML, Markdown, CSV and manifest, as in every option
    papers = TypstPapers(PaperRenderer().html_env.loader)  # type: ignore[arg-type]
    texts = Texts(RichText(), list(exam.loaded.spec.lang), TypstText())
    views = [paper_view(exam, v, texts) for v in exam.versions]
    for stem in ("paper", "key"):
        bodies = [papers.body(f"{stem}.typ.j2", view, i) for i, view in enumerate(views)]
        source = out / f"all-{stem}.typ"  # query() reads a file, not bytes
        source.write_text(papers.document(bodies), encoding="utf-8")
        compiler = typst.Compiler(source, root=out)
        whole = out / f"all-{stem}.pdf"
        compiler.compile(output=str(whole), pdf_tags=False)
        first = [page - 1 for page in json.loads(compiler.query("<qb-page>", field="value"))]
        reader = pypdf.PdfReader(whole)
        bounds = [*first, len(reader.pages)]
        for n, version in enumerate(exam.versions):
            writer = pypdf.PdfWriter()
            for page in range(bounds[n], bounds[n + 1]):
                writer.add_page(reader.pages[page])
            writer.write(out / f"{stem}-{version.label}.pdf")


def _typst_class_by_merging(exam: Any, out: Path) -> None:
    """Typst per PDF in 2 processes, then the class file merged from them with pypdf."""
    import pypdf

    write_paper(exam, out, pdf=True, pdf_workers=2)
    writer = pypdf.PdfWriter()
    for version in exam.versions:
        writer.append(out / f"paper-{version.label}.pdf")
        if len(writer.pages) % 2:
            writer.add_blank_page()
    writer.write(out / "class-papers.pdf")


def _paper(exam: Any, **options: Any) -> Callable[[Path], None]:
    def run_once(out: Path) -> None:
        write_paper(exam, out, **options)

    return run_once


def _chosen(exam: Any, workers: int, checked: list[str]) -> Callable[[Path], None]:
    def run_once(out: Path) -> None:
        written = write_paper(exam, out, pdf=True, class_pdf="id", pdf_workers=workers)
        pause = time.perf_counter(), _cpu()
        _check(written, out, len(exam.versions))  # checked, but not timed
        checked.append(f"{time.perf_counter() - pause[0]:.3f} {_cpu() - pause[1]:.3f}")

    return run_once


def pdf_main(students: int, sample: int, *, weasyprint: bool = True) -> None:
    cores = len(os_sched())
    print(f"PDF options: {students} per-student bilingual papers + keys ({cores} cores)")
    print(f"WeasyPrint options run on {sample} students and are scaled to {students}.")
    with tempfile.TemporaryDirectory() as small_root, tempfile.TemporaryDirectory() as full_root:
        small = _exam(Path(small_root), sample)
        full = _exam(Path(full_root), students)
    checked: list[str] = []  # wall and CPU seconds each check took, taken off its row
    options: list[tuple[str, int, Callable[[Path], None]]] = [
        (
            "baseline: HTML, Markdown, CSV, manifest (no PDF)",
            students,
            _paper(full),
        ),
    ]
    if weasyprint:  # minutes under load: --no-weasyprint leaves these rows out
        options += [
            (
                "WeasyPrint, one PDF at a time (previous path)",
                sample,
                lambda out: _weasyprint(small, out),
            ),
            (
                "WeasyPrint, one document for all, fonts once (no split)",
                sample,
                lambda out: _weasyprint_one_document(small, out),
            ),
        ]
    options += [
        (
            "Typst, one PDF at a time, 1 process",
            students,
            _paper(full, pdf=True, pdf_workers=1),
        ),
        (
            "Typst, one PDF at a time, 2 worker processes",
            students,
            _paper(full, pdf=True, pdf_workers=2),
        ),
        (
            "Typst, one document for all, split with pypdf",
            students,
            lambda out: _typst_one_document_split(full, out),
        ),
        (
            "Typst, class-papers.pdf alone",
            students,
            _paper(full, class_pdf="id", pdf_workers=1),
        ),
        (
            "Typst, per PDF (2 processes) + class file merged by pypdf",
            students,
            lambda out: _typst_class_by_merging(full, out),
        ),
        ("chosen: --pdf --class-pdf id, 1 process", students, _chosen(full, 1, checked)),
        ("chosen: --pdf --class-pdf id, 2 worker processes", students, _chosen(full, 2, checked)),
    ]
    rows = []
    for label, count, run_once in options:
        wall, cpu = _timed(label, count, run_once)
        if label.startswith("chosen") and checked:
            check_wall, check_cpu = map(float, checked.pop().split())
            wall, cpu = wall - check_wall, cpu - check_cpu
            print(f"    (PDF checks passed; their {check_wall:.1f} s are not counted)")
        factor = students / count
        rows.append((label, wall * factor, cpu * factor, count))
    base_wall, base_cpu = rows[0][1], rows[0][2]
    print()
    print(f"| option | wall s for {students} | CPU s | wall / baseline | CPU / baseline |")
    print("|---|---|---|---|---|")
    for label, wall, cpu, count in rows:
        note = f" (measured on {count}, scaled)" if count != students else ""
        print(
            f"| {label}{note} | {wall:.1f} | {cpu:.1f} | {wall / base_wall:.1f}x "
            f"| {cpu / base_cpu:.1f}x |"
        )
    wall, cpu = rows[-1][1], rows[-1][2]
    print(
        f"goal < 60 s for {students} papers + keys + class file: "
        f"{'met' if wall < 60 else 'MISSED'} in wall time ({wall:.1f} s); "
        f"{cpu:.1f} CPU s = {cpu / cores:.1f} s on {cores} idle cores"
    )


def _check(written: list[Path], out: Path, students: int) -> None:
    """The chosen path passes the CJK, font and page checks, not only the clock."""
    import pypdf

    pdfs = [p for p in written if p.suffix == ".pdf"]
    assert len(pdfs) == 2 * students + 1, len(pdfs)
    paper = pypdf.PdfReader(out / "paper-s1000.pdf")
    text = "".join(page.extract_text() or "" for page in paper.pages)
    assert "選擇題" in text and "Multiple choice" in text, "CJK or English text missing"
    fonts = [
        str(d.get_object()["/BaseFont"])
        for page in paper.pages
        for font in page["/Resources"]["/Font"].values()
        for d in font.get_object().get("/DescendantFonts", [])
        if "/FontFile3" in d.get_object()["/FontDescriptor"].get_object()
        or "/FontFile2" in d.get_object()["/FontDescriptor"].get_object()
    ]
    assert any("CJK" in f for f in fonts) and any("Math" in f for f in fonts), fonts
    whole = pypdf.PdfReader(out / "class-papers.pdf")
    assert len(whole.pages) >= students * len(paper.pages) // 2 * 2, len(whole.pages)


def os_sched() -> set[int]:
    import os

    return os.sched_getaffinity(0)


def main() -> None:
    if "--pdf" in sys.argv:
        students = (
            int(sys.argv[sys.argv.index("--students") + 1])
            if "--students" in sys.argv
            else STUDENTS
        )
        pdf_main(students, sample=5, weasyprint="--no-weasyprint" not in sys.argv)
        return
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
