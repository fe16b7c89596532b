"""Rendering: golden files, semantic HTML, templates (override, sandbox), math, PDF, browser."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest
from papers_support import fixture_exam

from questionbank.errors import QbankError
from questionbank.render_paper import write_paper
from questionbank.richtext import RichText

ROOT = Path(__file__).parent.parent
VOID = {"meta", "br", "hr", "img", "input", "link", "col", "area", "base", "wbr", "source"}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("paper")
    write_paper(fixture_exam(), out)
    return out


@pytest.mark.parametrize(
    "name", ["paper-A.html", "paper-A.md", "key-A.html", "answer-key.csv", "manifest.json"]
)
def test_rendered_files_match_goldens(
    rendered: Path, golden: Callable[[str, str], None], name: str
) -> None:
    golden(f"papers/{name}", (rendered / name).read_text(encoding="utf-8"))


class _Outline(HTMLParser):
    """Collects the structure a semantic check needs, and any unbalanced tag."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.headings: list[int] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in {"h1", "h2", "h3", "h4"}:
            self.headings.append(int(tag[1]))
        if tag not in VOID and not (tag == "math" or (self.stack and "math" in self.stack)):
            self.stack.append(tag)
        elif tag == "math":
            self.stack.append(tag)
        elif "math" in self.stack:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1] if self.stack else 'nothing'}")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _outline(path: Path) -> _Outline:
    parser = _Outline()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser


def test_paper_html_is_semantic(rendered: Path) -> None:
    page = _outline(rendered / "paper-A.html")
    assert page.errors == [] and page.stack == []
    tags = [t for t, _ in page.tags]
    assert tags[0] == "html" and page.tags[0][1]["lang"] == "zh-TW"
    assert ("meta", {"charset": "utf-8"}) in page.tags
    assert tags.count("h1") == 1 and tags.count("main") == 1 and "header" in tags
    assert "script" not in tags
    # headings never skip a level
    assert all(b - a <= 1 for a, b in zip(page.headings, page.headings[1:], strict=False))
    questions = [a for t, a in page.tags if t == "li" and a.get("class") == "question"]
    assert [a["id"] for a in questions] == [f"q{n}" for n in range(1, 11)]
    choice_lists = [a for t, a in page.tags if t == "ol" and a.get("class") == "choices"]
    assert len(choice_lists) == 5 and all(a["type"] == "A" for a in choice_lists)
    langs = [a.get("lang") for _, a in page.tags]
    assert langs.count("en") >= 10 and langs.count("zh-TW") >= 10
    text = "".join(page.text)
    assert "姓名" in text and "Student ID" in text and "Version" in text


def test_math_is_prerendered_to_mathml(rendered: Path) -> None:
    html = (rendered / "paper-A.html").read_text(encoding="utf-8")
    assert "<math" in html and "<mi>&#x003C3;</mi>" in html  # σ from $\sigma(x)$
    assert "$\\sigma" not in html
    key = (rendered / "key-A.html").read_text(encoding="utf-8")
    assert "<mfrac>" in key  # \frac in the explanation


def test_css_has_a4_and_cjk_font_stack(rendered: Path) -> None:
    html = (rendered / "paper-A.html").read_text(encoding="utf-8")
    assert "size: A4" in html
    assert '"Noto Serif CJK TC"' in html and '"Noto Sans CJK TC"' in html


def test_coding_task_prints_signature_and_starter(rendered: Path) -> None:
    html = (rendered / "paper-A.html").read_text(encoding="utf-8")
    assert "relu(x: np.ndarray) -&gt; np.ndarray" in html
    assert "# your code here" in html
    md = (rendered / "paper-A.md").read_text(encoding="utf-8")
    assert "```python\nimport numpy as np\n\ndef relu(x):" in md


def test_bank_html_is_escaped() -> None:
    html = RichText().html("<script>alert(1)</script> **bold** $x^2$")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<strong>bold</strong>" in html and "<msup>" in html


def test_templates_can_be_overridden_one_by_one(tmp_path: Path) -> None:
    custom = tmp_path / "templates"
    custom.mkdir()
    (custom / "paper.md.j2").write_text(
        "Custom {{ version }}: {{ question_count }}\n", encoding="utf-8"
    )
    out = tmp_path / "out"
    write_paper(fixture_exam(), out, templates=custom)
    assert (out / "paper-B.md").read_text(encoding="utf-8") == "Custom B: 10\n"
    assert "<main>" in (out / "paper-B.html").read_text(encoding="utf-8")  # bundled one


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{ version.__class__.__mro__ }}", "template 'paper.md.j2': refused by the sandbox"),
        ("{{ no_such_name }}", "template 'paper.md.j2': 'no_such_name' is undefined"),
        ("{% for %}", "template error: Expected an expression"),
    ],
    ids=["sandbox", "strict-undefined", "syntax"],
)
def test_bad_templates_give_clear_errors(tmp_path: Path, template: str, message: str) -> None:
    custom = tmp_path / "templates"
    custom.mkdir()
    (custom / "paper.md.j2").write_text(template, encoding="utf-8")
    with pytest.raises(QbankError) as caught:
        write_paper(fixture_exam(), tmp_path / "out", templates=custom)
    assert message in str(caught.value)


def _pdf_text(path: Path) -> str:
    if shutil.which("pdftotext"):
        return subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(path), "-"],
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout
    pypdf = pytest.importorskip("pypdf", reason="neither pdftotext nor pypdf is available")
    return "".join(page.extract_text() or "" for page in pypdf.PdfReader(path).pages)


def _embedded_fonts(path: Path) -> set[str]:
    """Names of the fonts whose program is embedded in the PDF."""
    pypdf = pytest.importorskip("pypdf", reason="pypdf is not installed")
    names: set[str] = set()
    for page in pypdf.PdfReader(path).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for part in [font, *(d.get_object() for d in font.get("/DescendantFonts", []))]:
                descriptor = part.get("/FontDescriptor")
                if descriptor is None:
                    continue
                descriptor = descriptor.get_object()
                if any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                    names.add(str(descriptor["/FontName"]))
    return names


def _needs_typst_and_cjk_fonts() -> None:
    pytest.importorskip("typst", reason="the typst package is not installed")
    if not any(
        Path(d).exists()
        for d in ("/usr/share/fonts/opentype/noto", "/usr/share/fonts/truetype/noto")
    ):
        pytest.skip("fonts-noto-cjk is not installed")


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    _needs_typst_and_cjk_fonts()
    out = tmp_path_factory.mktemp("pdf")
    write_paper(fixture_exam(), out, pdf=True, class_pdf="id")
    return out


def test_pdf_prints_traditional_chinese(pdfs: Path) -> None:
    text = _pdf_text(pdfs / "paper-A.pdf")
    for phrase in ("測驗", "姓名", "學號", "下列哪些是監督式學習"):
        assert phrase in text.replace("\n", "")
    assert "Fixture quiz" in text
    pypdf = pytest.importorskip("pypdf", reason="pypdf is not installed")
    pages = len(pypdf.PdfReader(pdfs / "paper-A.pdf").pages)
    assert pages == 3 and len(pypdf.PdfReader(pdfs / "key-A.pdf").pages) == 1
    for page in range(1, pages + 1):  # the footer, with its space, numbers every page
        assert f"Version A · {page} / {pages}" in text
    fonts = _embedded_fonts(pdfs / "paper-A.pdf")
    assert any("CJKtc" in name for name in fonts), fonts  # embedded, not just referenced
    assert any("Math" in name for name in fonts), fonts  # formulas set in a math font
    key_text = _pdf_text(pdfs / "key-A.pdf").replace("\n", "")
    assert "答案" in key_text and "選擇題" in key_text
    assert "relu\\s*\\(x\\)" in key_text  # a regex key printed as written, not as markup


def test_pdfs_are_reproducible_and_workers_change_nothing(pdfs: Path, tmp_path: Path) -> None:
    written = write_paper(fixture_exam(), tmp_path, pdf=True, class_pdf="id", pdf_workers=2)
    assert sorted(p.name for p in written if p.suffix == ".pdf") == sorted(
        p.name for p in pdfs.glob("*.pdf")
    )
    for name in ("paper-A.pdf", "key-B.pdf", "class-papers.pdf"):  # no dates or random ids
        assert (tmp_path / name).read_bytes() == (pdfs / name).read_bytes()


def test_a_template_typst_rejects_is_a_clear_error(tmp_path: Path) -> None:
    _needs_typst_and_cjk_fonts()
    custom = tmp_path / "templates"
    custom.mkdir()
    (custom / "key.typ.j2").write_text("#qb-nosuch({{ version }})\n", encoding="utf-8")
    for workers in (1, 2):
        with pytest.raises(QbankError) as caught:
            write_paper(
                fixture_exam(),
                tmp_path / f"out{workers}",
                templates=custom,
                pdf=True,
                pdf_workers=workers,
            )
        assert "key-A.pdf: typesetting failed (Typst): unknown variable: qb-nosuch" in str(
            caught.value
        )


def _pages(path: Path) -> list[list[tuple[float, float, str]]]:
    """Each page's text lines as (top, left, text), top to bottom, the footer left out."""
    layout = pytest.importorskip("pdfminer.high_level", reason="pdfminer.six is not installed")
    from pdfminer.layout import LTTextContainer, LTTextLine

    pages = []
    for page in layout.extract_pages(path):
        lines = []
        for box in page:
            if not isinstance(box, LTTextContainer):
                continue
            for line in box:
                if isinstance(line, LTTextLine) and line.y0 > 55 and line.get_text().strip():
                    lines.append((page.height - line.y1, line.x0, line.get_text().strip()))
        pages.append(sorted(lines))
    return pages


def test_pdf_pages_never_split_a_question(tmp_path: Path) -> None:
    _needs_typst_and_cjk_fonts()
    from questionbank.bank import load_bank

    spec = ROOT / "bank" / "exams" / "midterm.yaml"
    from papers_support import fixture_exam as assemble_exam

    exam = assemble_exam(spec, load_bank(ROOT / "bank"))
    write_paper(exam, tmp_path, pdf=True)
    pages = _pages(tmp_path / "paper-A.pdf")
    assert len(pages) >= 4
    sections = [line for page in pages for _, _, line in page if "points)" in line]
    assert len(sections) == len(exam.versions[0].sections)
    numbers = []
    for n, page in enumerate(pages, start=1):
        assert len(page) > 1, f"page {n} holds a single line: {page}"
        if n > 1:
            # A page starts with a question's number or a section's title, never with
            # the rest of a question (a choice, an answer box) or a lone instruction.
            first = page[0][2]
            assert re.fullmatch(r"\d+\.", first) or "points)" in first, (n, first)
        # A section's title is never the last thing on a page.
        assert "points)" not in page[-1][2], (n, page[-1])
        numbers += [int(t[:-1]) for _, x, t in page if re.fullmatch(r"\d+\.", t) and x < 60]
    assert numbers == list(range(1, len(exam.versions[0].items) + 1))


def test_class_pdf_sorts_by_id_and_starts_each_paper_on_a_sheet(tmp_path: Path) -> None:
    _needs_typst_and_cjk_fonts()
    from papers_support import PER_STUDENT

    exam = fixture_exam(PER_STUDENT)
    labels = [v.label for v in exam.versions]
    write_paper(exam, tmp_path, pdf=True, class_pdf="id")
    pypdf = pytest.importorskip("pypdf", reason="pypdf is not installed")
    reader = pypdf.PdfReader(tmp_path / "class-papers.pdf")
    firsts = []
    for n, page in enumerate(reader.pages, start=1):
        text = page.extract_text() or ""
        found = re.search(r"Version (\S+) · 1 / (\d+)", text)
        if found:
            firsts.append((n, found.group(1)))
    assert [label for _, label in firsts] == sorted(labels)
    assert all(n % 2 == 1 for n, _ in firsts), firsts  # duplex: each on a fresh sheet
    singles = sum(len(pypdf.PdfReader(tmp_path / f"paper-{x}.pdf").pages) for x in labels)
    assert singles <= len(reader.pages) <= singles + len(labels)


def test_class_order() -> None:
    from questionbank.pdf import class_order

    labels = ["s10", "s2", "b1", "s1"]
    assert [labels[i] for i in class_order(labels, "id")] == ["b1", "s1", "s2", "s10"]
    assert class_order(labels, "roster") == [0, 1, 2, 3]


def test_worker_processes_only_for_a_class() -> None:
    import os

    from questionbank.pdf import default_workers

    assert default_workers(0) == default_workers(9) == 1  # spawning costs more than it saves
    assert default_workers(300) == min(len(os.sched_getaffinity(0)), 4)


def _chars(path: Path) -> list[tuple[str, float, float, float, float, float]]:
    """Every glyph of page 1 as (text, left, right, bottom, top, size)."""
    layout = pytest.importorskip("pdfminer.high_level", reason="pdfminer.six is not installed")
    from pdfminer.layout import LTChar

    def walk(node: object) -> list[LTChar]:
        if isinstance(node, LTChar):
            return [node]
        return [c for child in getattr(node, "_objs", []) for c in walk(child)]

    page = next(iter(layout.extract_pages(path)))
    return [(c.get_text(), c.x0, c.x1, c.y0, c.y1, c.size) for c in walk(page)]


def _typeset(tmp_path: Path, markdown: str) -> Path:
    from questionbank.pdf import TypstPapers
    from questionbank.render_paper import PaperRenderer
    from questionbank.typst_markup import TypstText

    papers = TypstPapers(PaperRenderer().html_env.loader)  # type: ignore[arg-type]
    target = tmp_path / "formula.pdf"
    target.write_bytes(papers.compile(papers.document([TypstText().markup(markdown)])))
    return target


def test_pdf_formula_layout_has_limits_and_scripts(tmp_path: Path) -> None:
    """The conv2d sum: limits under and over the sigma, scripts raised and lowered."""
    _needs_typst_and_cjk_fonts()
    pdf = _typeset(tmp_path, "$$y_{i} = \\sum_{u=0}^{k_H-1} x_{i+u}^{2}$$")
    chars = _chars(pdf)
    text = "".join(c[0] for c in chars)
    assert "∑" in text

    def one(symbol: str) -> tuple[str, float, float, float, float, float]:
        found = [c for c in chars if c[0] == symbol]
        assert found, (symbol, text)
        return found[0]

    sigma = one("∑")
    below = one("𝑢")  # the first u is the lower limit's
    above = one("𝑘")
    assert below[4] <= sigma[3] + 1  # under the sign
    assert above[3] >= sigma[4] - 1  # over it
    for limit in (below, above):  # centred on it, and smaller
        assert sigma[1] - 2 < (limit[1] + limit[2]) / 2 < sigma[2] + 2
        assert limit[5] < sigma[5]
    x = one("𝑥")
    squared = next(c for c in chars if c[0] == "2" and c[1] > x[2] - 1)
    assert squared[3] > x[3] + 1 and squared[5] < x[5]  # raised and smaller
    y = one("𝑦")
    i = next(c for c in chars if c[0] == "𝑖" and c[1] > y[2] - 1)
    assert i[3] < y[3] and i[5] < y[5]  # lowered and smaller
    assert y[1] < sigma[1] < x[1]  # the order a reader sees


def test_pdf_inline_formula_keeps_script_positions(tmp_path: Path) -> None:
    _needs_typst_and_cjk_fonts()
    chars = _chars(_typeset(tmp_path, "比較 $e^{-x}$ 與 $w_{11}$"))
    e = next(c for c in chars if c[0] == "𝑒")
    minus = next(c for c in chars if c[0] == "−")
    assert minus[3] > e[3] + 1 and minus[5] < e[5]  # the exponent's minus sign, raised
    w = next(c for c in chars if c[0] == "𝑤")
    ones = [c for c in chars if c[0] == "1" and c[1] > w[1]]
    assert len(ones) == 2 and all(c[3] < w[3] and c[5] < w[5] for c in ones)
    assert "比較" in "".join(c[0] for c in chars)


def test_bank_text_cannot_run_typst(tmp_path: Path) -> None:
    _needs_typst_and_cjk_fonts()
    hostile = '#read("/etc/passwd") [x] *bold* <l> @ref // not a comment \\ $\\text{#eval("1")}$'
    text = "".join(c[0] for c in _chars(_typeset(tmp_path, hostile)))
    assert '#read("/etc/passwd")' in text.replace(" ", "").replace("”", '"').replace("“", '"')
    assert "root:" not in text and "//notacomment" in text.replace(" ", "")
    assert "bold" in text and "#eval" in text


@pytest.mark.browser
def test_paper_renders_in_headless_chromium(rendered: Path, tmp_path: Path) -> None:
    setup = subprocess.run(
        ["bash", str(Path(__file__).parent / "tools" / "ensure_chromium.sh")],
        capture_output=True,
        text=True,
        timeout=900,
    )
    if setup.returncode != 0:
        pytest.skip(f"no headless Chromium: {setup.stderr.strip()}")
    browser = setup.stdout.strip().splitlines()[-1]
    shot = tmp_path / "paper-A.png"
    subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=900,1400",
            f"--screenshot={shot}",
            (rendered / "paper-A.html").as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert shot.exists(), "Chromium wrote no screenshot"
    from PIL import Image

    image = Image.open(shot).convert("L")
    assert image.size == (900, 1400)
    histogram = image.histogram()
    dark = sum(histogram[:100])
    # a rendered paper is mostly white with a fair amount of black text on it
    assert histogram[255] > 0.5 * image.size[0] * image.size[1]
    assert dark > 2000


def test_markdown_paper_cues_and_counts(rendered: Path) -> None:
    md = (rendered / "paper-A.md").read_text(encoding="utf-8")
    assert "是非 / True or false: ____________ (T / F)" in md
    assert "答案(可複選) / Answer (all that apply): ____________" in md
    assert "答案 / Answer: ____________ params" in md
    assert "(2 points)" in md and "(1 points)" not in md and "1 questions" not in md
    html = (rendered / "paper-A.html").read_text(encoding="utf-8")
    assert "Version <strong>A</strong>" in html and 'string-set: version-label "Version "' in html


@pytest.mark.parametrize(
    ("latex", "typst"),
    [
        ("x_i^2", "attach(x, b: i, t: 2)"),
        (
            "\\sum_{u=0}^{k_H-1} w_{u}",
            "attach(sum, b: u = 0, t: attach(k, b: H) - 1) attach(w, b: u)",
        ),
        ("\\frac{1}{1+e^{-x}}", "frac(1, 1 + attach(e, t: - x))"),
        ("\\tfrac12", "inline(frac(1, 2))"),
        ("\\hat y \\tilde{x}", "hat(y) tilde(x)"),
        ("\\Bigl\\lfloor \\frac{n}{s} \\Bigr\\rfloor", "lr(⌊ frac(n, s) ⌋)"),
        ("\\left( a \\right.", "lr(\\( a)"),
        ("\\text{out}, a/b", '"out" \\, a \\/ b'),
        ("\\mathbb{E}[x]", "bb(E) \\[ x \\]"),
        ("\\epsilon \\varepsilon", "epsilon.alt epsilon"),
        ("\\operatorname{softmax}(z)", 'op("softmax", limits: #false) \\( z \\)'),
        ('\\text{"#x"}', '"\\"#x\\""'),
    ],
    ids=[
        "scripts",
        "limits",
        "fraction",
        "digit-args",
        "accents",
        "big-fences",
        "null-fence",
        "text-and-slash",
        "blackboard",
        "epsilon",
        "operatorname",
        "quoted-text",
    ],
)
def test_latex_to_typst(latex: str, typst: str) -> None:
    from questionbank.typst_math import latex_to_typst

    assert latex_to_typst(latex) == typst


@pytest.mark.parametrize(
    ("latex", "message"),
    [
        ("\\unknownmacro x", "unknown macro \\unknownmacro"),
        ("x^", "an argument is missing"),
        ("x \\left", "the formula ends where an argument was expected"),
        ("{x", "a group is not closed with }"),
        ("x}", "a } closes nothing"),
        ("\\left( x", "a group is not closed with"),
        ("x_1_2", "double subscript"),
    ],
    ids=[
        "unknown",
        "dangling-script",
        "missing-argument",
        "open-group",
        "stray-brace",
        "left-alone",
        "double-sub",
    ],
)
def test_unsupported_math_is_reported_and_printed_as_source(latex: str, message: str) -> None:
    from questionbank.typst_markup import math
    from questionbank.typst_math import UnsupportedMath, latex_to_typst

    with pytest.raises(UnsupportedMath) as caught:
        latex_to_typst(latex)
    assert message in str(caught.value)
    assert math(latex, display=False).startswith("#raw(")


def _bank_strings(paths: list[Path]) -> list[str]:
    """Every string in these YAML files (texts, choices, explanations, ids, …)."""
    import yaml

    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, str):
            found.append(node)
        elif isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path in paths:
        walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    return found


def test_every_formula_of_the_bank_typesets() -> None:
    """All math in the shipped bank (and the fixtures) converts and compiles in Typst."""
    typst = pytest.importorskip("typst", reason="the typst package is not installed")
    from questionbank.typst_math import latex_to_typst

    paths = sorted([*(ROOT / "bank").rglob("*.yaml"), *(ROOT / "tests/fixtures").rglob("*.yaml")])
    formulas = {
        found.group(1) or found.group(2)
        for text in _bank_strings(paths)
        for found in re.finditer(r"\$\$(.+?)\$\$|\$(.+?)\$", text, re.DOTALL)
    }
    assert len(formulas) > 300
    compiler = typst.Compiler()
    failures = []
    for latex in sorted(formulas):
        source = "$" + latex_to_typst(latex) + "$"
        try:
            compiler.compile(input=source.encode(), format="svg")
        except typst.TypstError as exc:
            failures.append(f"{latex!r} -> {source}: {exc.message}")
    assert failures == []


def test_cli_writes_the_class_pdf(tmp_path: Path) -> None:
    _needs_typst_and_cjk_fonts()
    from click.testing import CliRunner
    from papers_support import BANK, PER_STUDENT

    from questionbank.cli import cli

    args = ["--bank", str(BANK), "paper", str(PER_STUDENT), "--out", str(tmp_path)]
    result = CliRunner().invoke(cli, [*args, "--class-pdf", "roster"])
    assert result.exit_code == 0, result.output
    # Per version: paper .html/.md, key .html, answer sheet .html/.pdf; then answer-key.csv,
    # manifest.json, sheet-layout.json and the class file.
    assert "3 version(s), 19 files written" in result.output
    assert (tmp_path / "class-papers.pdf").read_bytes().startswith(b"%PDF-")
    assert not list(tmp_path.glob("paper-*.pdf"))  # --class-pdf alone: no per-version PDFs
    bad = CliRunner().invoke(cli, [*args, "--class-pdf", "seat"])
    assert bad.exit_code == 2 and "'seat' is not one of 'id', 'roster'" in bad.output


@pytest.mark.slow
def test_every_text_of_the_bank_is_valid_typst_markup() -> None:
    """Each string of every bank file, as Typst markup, compiles: escaping never leaks."""
    typst = pytest.importorskip("typst", reason="the typst package is not installed")
    from questionbank.typst_markup import TypstText

    texts = _bank_strings(sorted((ROOT / "bank").rglob("*.yaml")))
    assert len(texts) > 1000
    convert = TypstText()
    source = "\n\n".join(f"#block[{convert.markup(text)}]" for text in texts)
    try:
        typst.Compiler().compile(input=source.encode(), format="svg")
    except typst.TypstError as exc:
        pytest.fail(f"{exc.message}\n{exc.diagnostic[:2000]}")
