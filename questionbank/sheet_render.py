"""Render stage for answer sheets: laid-out pages -> sheet-V.html, sheet-V.pdf, layout JSON.

The template (templates/sheet.html.j2, overridable like the paper's) only draws the
positions computed in :mod:`questionbank.answer_sheet`; it places every element
absolutely in points, so the PDF matches ``sheet-layout.json`` to the point.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
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
    """sheet-V.pdf per sheet, from the cache of rendered sheets when this exact source was
    rendered before (rendering takes WeasyPrint ~1 s; a sheet depends only on the exam's
    layout, so editing a question's text and writing the papers again finds it there)."""
    names = list(dict.fromkeys(page.sheet for page in pages))
    cache = _SheetCache(source)
    pdfs = cache.get(names)
    if pdfs is None:
        pdfs = _render_pdfs(source, pages)
        cache.put(pdfs)
    written: list[Path] = []
    for name in names:
        target = out / f"sheet-{name}.pdf"
        target.write_bytes(pdfs[name])
        written.append(target)
    return written


def _render_pdfs(source: str, pages: list[SheetPage]) -> dict[str, bytes]:
    """Every sheet rendered in one WeasyPrint pass (its start-up is most of the cost of a
    one-page document, and a roster has hundreds), then split into one PDF per sheet."""
    import pypdfium2 as pdfium
    import weasyprint

    combined = weasyprint.HTML(string=source).write_pdf()
    document = pdfium.PdfDocument(combined)
    pdfs: dict[str, bytes] = {}
    try:
        if len(document) != len(pages):
            raise RuntimeError(f"{len(document)} PDF pages for {len(pages)} sheet pages")
        first = 0
        while first < len(pages):
            sheet = pages[first].sheet
            count = pages[first].pages
            single = pdfium.PdfDocument.new()
            single.import_pages(document, list(range(first, first + count)))
            buffer = io.BytesIO()
            single.save(buffer)
            single.close()
            pdfs[sheet] = buffer.getvalue()
            first += count
    finally:
        document.close()
    return pdfs


class _SheetCache:
    """Rendered sheets in the user's cache folder, keyed by the SHA-256 of the sheets' HTML
    and the versions of everything that turns it into PDF. A folder is written whole (a
    temporary one renamed); a file that does not look like a whole PDF is a miss."""

    def __init__(self, source: str) -> None:
        from importlib.metadata import version

        from questionbank import __version__
        from questionbank.paths import cache_dir

        shape = f"{__version__}|{version('weasyprint')}|{version('pypdfium2')}"
        key = hashlib.sha256(f"{shape}\0{source}".encode()).hexdigest()
        self.folder = cache_dir() / "sheets" / key

    def get(self, names: list[str]) -> dict[str, bytes] | None:
        pdfs: dict[str, bytes] = {}
        for name in names:
            try:
                data = (self.folder / f"sheet-{name}.pdf").read_bytes()
            except OSError:
                return None
            if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-1024:]:
                return None
            pdfs[name] = data
        return pdfs

    def put(self, pdfs: dict[str, bytes]) -> None:
        temporary = self.folder.with_name(f".{self.folder.name}.{os.getpid()}")
        try:
            shutil.rmtree(temporary, ignore_errors=True)
            temporary.mkdir(parents=True)
            for name, data in pdfs.items():
                (temporary / f"sheet-{name}.pdf").write_bytes(data)
            shutil.rmtree(self.folder, ignore_errors=True)  # a damaged copy
            temporary.rename(self.folder)
        except OSError:  # a cache that cannot be written only costs time
            shutil.rmtree(temporary, ignore_errors=True)
