"""Answer sheets: the layout contract, and the PDF drawing exactly what the layout says."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
import zxingcpp

from questionbank.answer_sheet import (
    PAGE_PT,
    ROWS_PER_COLUMN,
    parse_payload,
    qr_payload,
    sheet_pages,
)
from questionbank.assemble import PaperSection
from questionbank.sheet_render import write_sheets
from tests.papers_support import PER_STUDENT, fixture_exam, write_spec

DPI = 150


@pytest.fixture(scope="module")
def sheets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sheets")
    write_sheets(fixture_exam(), out)
    return out


def _layout(folder: Path) -> dict:
    return json.loads((folder / "sheet-layout.json").read_text(encoding="utf-8"))


def _page_image(pdf: Path, index: int = 0) -> np.ndarray:
    page = pdfium.PdfDocument(str(pdf))[index]
    return np.asarray(page.render(scale=DPI / 72, grayscale=True).to_pil().convert("L"))


def test_layout_has_exactly_the_contract_keys(sheets: Path) -> None:
    layout = _layout(sheets)
    assert set(layout) == {"format", "exam", "sheets"} and layout["format"] == 1
    assert [(s["sheet"], s["page"]) for s in layout["sheets"]] == [("A", 1), ("B", 1)]
    page = layout["sheets"][0]
    assert set(page) == {"sheet", "page", "size_pt", "fiducials", "qr", "bubbles"}
    assert page["size_pt"] == list(PAGE_PT)
    assert len(page["fiducials"]) == 4
    assert all(set(f) == {"x", "y", "size"} for f in page["fiducials"])
    assert set(page["qr"]) == {"x", "y", "size", "payload"}
    assert all(set(b) == {"field", "value", "x", "y", "r"} for b in page["bubbles"])
    assert parse_payload(page["qr"]["payload"]) == (layout["exam"], 1, "A")


def test_one_bubble_row_per_choice_question_and_a_nine_digit_id_grid(sheets: Path) -> None:
    exam = fixture_exam()
    page = _layout(sheets)["sheets"][0]
    fields: dict[str, list[str]] = {}
    for b in page["bubbles"]:
        fields.setdefault(b["field"], []).append(b["value"])
    for item in exam.versions[0].items:
        values = fields.get(f"q{item.number}")
        kind = item.question.type
        if kind in ("mcq", "multi"):
            assert values == list("ABCDE"[: len(item.instance.choices)])
        elif kind == "tf":
            assert values == ["T", "F"]
        else:
            assert values is None, f"{kind} has no bubbles without numeric_grid"
    assert [f"id{c}" for c in range(1, 10)] == [f for f in fields if f.startswith("id")]
    assert all(fields[f"id{c}"] == list("0123456789") for c in range(1, 10))


def test_bubbles_do_not_overlap_and_stay_inside_the_fiducials(sheets: Path) -> None:
    page = _layout(sheets)["sheets"][0]
    xs = [f["x"] for f in page["fiducials"]]
    ys = [f["y"] for f in page["fiducials"]]
    centres = np.array([[b["x"], b["y"]] for b in page["bubbles"]])
    assert centres[:, 0].min() > min(xs) and centres[:, 0].max() < max(xs)
    assert centres[:, 1].min() > min(ys) and centres[:, 1].max() < max(ys)
    gaps = np.linalg.norm(centres[:, None] - centres[None], axis=2) + np.eye(len(centres)) * 99
    assert gaps.min() >= 2 * page["bubbles"][0]["r"] + 2  # at least 2 pt between circles


def test_pdf_draws_fiducials_qr_and_circles_where_the_layout_says(sheets: Path) -> None:
    page = _layout(sheets)["sheets"][1]
    image = _page_image(sheets / "sheet-B.pdf")
    px = DPI / 72
    for f in page["fiducials"]:
        assert image[round(f["y"] * px), round(f["x"] * px)] < 60  # solid black centre
    for b in page["bubbles"]:
        x, y, r = b["x"] * px, b["y"] * px, b["r"] * px
        ring = [image[round(y + r * np.sin(a)), round(x + r * np.cos(a))] for a in (0, 1.6, 3.1)]
        assert min(ring) < 200, f"no circle drawn at {b}"
    found = zxingcpp.read_barcodes(image)
    assert [r.text for r in found] == [page["qr"]["payload"]]
    centre = np.mean(
        [[p.x, p.y] for p in (found[0].position.top_left, found[0].position.bottom_right)], axis=0
    )
    assert np.allclose(centre / px, [page["qr"]["x"], page["qr"]["y"]], atol=2)


def test_per_student_sheets_carry_the_id_and_have_no_id_grid(tmp_path: Path) -> None:
    write_sheets(fixture_exam(PER_STUDENT), tmp_path, pdf=False)
    layout = _layout(tmp_path)
    assert [s["sheet"] for s in layout["sheets"]] == ["s1101", "s1102", "s1103"]
    assert not any(b["field"].startswith("id") for s in layout["sheets"] for b in s["bubbles"])
    html = (tmp_path / "sheet-s1101.html").read_text(encoding="utf-8")
    assert "王小明" in html and "s1101" in html


def test_numeric_grid_and_id_digits_come_from_the_spec(tmp_path: Path) -> None:
    spec = (PER_STUDENT.parent / "exam.yaml").read_text(encoding="utf-8")
    spec += "sheet: {id_digits: 7, numeric_grid: 4}\n"
    path = write_spec(PER_STUDENT.parent, spec, name=f"tmp-{tmp_path.name}.yaml")
    try:
        exam = fixture_exam(path)
    finally:
        path.unlink()
    pages = sheet_pages(exam, exam.versions[0], "x", id_digits=7, numeric_digits=4)
    fields = {b.field for b in pages[0].bubbles}
    assert {f for f in fields if f.startswith("id")} == {f"id{c}" for c in range(1, 8)}
    numeric = next(i.number for i in exam.versions[0].items if i.question.type == "numeric")
    grid = [b for b in pages[0].bubbles if b.field.startswith(f"q{numeric}.")]
    assert [b.value for b in grid if b.field == f"q{numeric}.0"] == ["-"]
    assert [b.value for b in grid if b.field == f"q{numeric}.4"] == list(".0123456789")


def test_long_papers_flow_onto_more_pages_each_with_its_own_qr() -> None:
    exam = fixture_exam()
    version = exam.versions[0]
    mcq = next(i for i in version.items if i.question.type == "mcq")
    count = 4 * ROWS_PER_COLUMN + 3
    items = [replace(mcq, number=n) for n in range(1, count + 1)]
    long = replace(version, sections=[PaperSection(version.sections[0].section, items)])
    pages = sheet_pages(exam, long, "e1")
    assert [p.page for p in pages] == [1, 2]
    assert [p.payload for p in pages] == [qr_payload("e1", "A", 1), qr_payload("e1", "A", 2)]
    numbers = [{int(b.field[1:]) for b in p.bubbles if b.field.startswith("q")} for p in pages]
    assert numbers[0] | numbers[1] == set(range(1, count + 1))
    assert max(numbers[0]) < min(numbers[1])


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        pytest.param("qbank|abc|2|s 1|x", ("abc", 2, "s 1|x"), id="sheet-label-may-hold-bars"),
        pytest.param("qbank|abc|two|A", None, id="page-not-a-number"),
        pytest.param("https://example.org", None, id="another-qr-code"),
    ],
)
def test_parse_payload(payload: str, expected: tuple | None) -> None:
    assert parse_payload(payload) == expected


def test_rendered_sheets_come_from_the_cache_the_second_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sheets depend only on the exam's layout: writing the papers again (after editing a
    question's text, say) reuses the rendered PDFs instead of starting WeasyPrint; a damaged
    cached file is rendered again."""
    monkeypatch.setenv("QBANK_CACHE_DIR", str(tmp_path / "cache"))
    write_sheets(fixture_exam(), tmp_path / "first")
    first = (tmp_path / "first" / "sheet-A.pdf").read_bytes()
    with monkeypatch.context() as blocked:
        blocked.setitem(sys.modules, "weasyprint", None)  # importing it now fails
        write_sheets(fixture_exam(), tmp_path / "second")
    assert (tmp_path / "second" / "sheet-A.pdf").read_bytes() == first
    (cached,) = (tmp_path / "cache" / "sheets").glob("*/sheet-A.pdf")
    cached.write_bytes(first[: len(first) // 2])  # cut short: not a whole PDF
    write_sheets(fixture_exam(), tmp_path / "third")
    assert (tmp_path / "third" / "sheet-A.pdf").read_bytes().rstrip().endswith(b"%%EOF")
    assert cached.read_bytes().rstrip().endswith(b"%%EOF")
