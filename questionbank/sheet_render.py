"""Render stage for answer sheets: laid-out pages -> sheet-V.html, sheet-V.pdf, layout JSON.

The template (templates/sheet.html.j2, overridable like the paper's) only draws the
positions computed in :mod:`questionbank.answer_sheet`; it places every element
absolutely in points, so the PDF matches ``sheet-layout.json`` to the point.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import segno

from questionbank.answer_sheet import (
    FIDUCIAL_PT,
    PAGE_PT,
    QR_PT,
    SheetPage,
    exam_id,
    layout_document,
    sheet_pages,
)
from questionbank.assemble import Exam
from questionbank.render_paper import PaperRenderer, manifest

LAYOUT_FILE = "sheet-layout.json"


def _page_view(page: SheetPage) -> dict[str, Any]:
    qx, qy = page.qr_centre()
    # Quiet zone 0: the page around the code is kept blank by the layout instead.
    qr = segno.make(page.payload, error="m", micro=False)
    return {
        "fiducials": [
            {"left": x - FIDUCIAL_PT / 2, "top": y - FIDUCIAL_PT / 2} for x, y in page.fiducials()
        ],
        "qr": {"left": qx - QR_PT / 2, "top": qy - QR_PT / 2, "uri": qr.svg_data_uri(border=0)},
        "bubbles": [
            {"left": b.x - b.r, "top": b.y - b.r, "d": 2 * b.r, "value": b.value}
            for b in page.bubbles
        ],
        "labels": [vars(label) for label in page.labels],
        "boxes": [vars(box) for box in page.boxes],
    }


def sheet_html(renderer: PaperRenderer, pages: list[SheetPage]) -> str:
    view = {
        "page_w": PAGE_PT[0],
        "page_h": PAGE_PT[1],
        "fiducial": FIDUCIAL_PT,
        "qr_size": QR_PT,
        "pages": [_page_view(p) for p in pages],
    }
    return renderer.render("sheet.html.j2", view)


def write_sheets(
    exam: Exam, out: Path, *, templates: Path | None = None, pdf: bool = True
) -> list[Path]:
    """Write sheet-V.html (and sheet-V.pdf) per version and the one sheet-layout.json."""
    exam_hash = exam_id(exam, manifest(exam))
    renderer = PaperRenderer(templates)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    every: list[SheetPage] = []
    options = exam.loaded.spec.sheet
    for version in exam.versions:
        pages = sheet_pages(
            exam,
            version,
            exam_hash,
            id_digits=options.id_digits,
            numeric_digits=options.numeric_grid,
        )
        every += pages
        target = out / f"sheet-{version.label}.html"
        target.write_text(sheet_html(renderer, pages), encoding="utf-8", newline="\n")
        written.append(target)
    if pdf:
        written += _write_pdfs(sheet_html(renderer, every), every, out)
    layout = out / LAYOUT_FILE
    text = json.dumps(layout_document(exam_hash, every), ensure_ascii=False, indent=1)
    layout.write_text(text + "\n", encoding="utf-8", newline="\n")
    written.append(layout)
    return written


def _write_pdfs(source: str, pages: list[SheetPage], out: Path) -> list[Path]:
    """Every sheet rendered in one WeasyPrint pass (its start-up is most of the cost of a
    one-page document, and a roster has hundreds), then split into sheet-V.pdf files."""
    import pypdfium2 as pdfium
    import weasyprint

    combined = weasyprint.HTML(string=source).write_pdf()
    document = pdfium.PdfDocument(combined)
    written: list[Path] = []
    try:
        if len(document) != len(pages):
            raise RuntimeError(f"{len(document)} PDF pages for {len(pages)} sheet pages")
        first = 0
        while first < len(pages):
            sheet = pages[first].sheet
            count = pages[first].pages
            single = pdfium.PdfDocument.new()
            single.import_pages(document, list(range(first, first + count)))
            target = out / f"sheet-{sheet}.pdf"
            single.save(str(target))
            single.close()
            written.append(target)
            first += count
    finally:
        document.close()
    return written
