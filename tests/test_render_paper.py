"""Rendering: golden files, semantic HTML, templates (override, sandbox), math, PDF, browser."""

from __future__ import annotations

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


@pytest.mark.slow
def test_pdf_prints_traditional_chinese(tmp_path: Path) -> None:
    pytest.importorskip("weasyprint", reason="WeasyPrint is not installed")
    if not any(
        Path(d).exists()
        for d in ("/usr/share/fonts/opentype/noto", "/usr/share/fonts/truetype/noto")
    ):
        pytest.skip("fonts-noto-cjk is not installed")
    exam = fixture_exam()
    exam = type(exam)(loaded=exam.loaded, selection=exam.selection, versions=exam.versions[:1])
    write_paper(exam, tmp_path, pdf=True)
    text = _pdf_text(tmp_path / "paper-A.pdf")
    for phrase in ("測驗", "姓名", "學號", "下列哪些是監督式學習"):
        assert phrase in text.replace("\n", "")
    assert "Fixture quiz" in text
    fonts = _embedded_fonts(tmp_path / "paper-A.pdf")
    assert any("CJK-TC" in name for name in fonts), fonts  # embedded, not just referenced
    key_text = _pdf_text(tmp_path / "key-A.pdf").replace("\n", "")
    assert "答案" in key_text and "選擇題" in key_text
    again = tmp_path / "again"
    write_paper(exam, again, pdf=True)
    for name in ("paper-A.pdf", "key-A.pdf"):  # no creation date or random ids inside
        assert (again / name).read_bytes() == (tmp_path / name).read_bytes()


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
