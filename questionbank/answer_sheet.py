"""Layout stage for printed answer sheets: an assembled exam -> pages of bubbles.

Everything a scanner needs is computed here, once, in PDF points from the top-left
corner: the sheet's HTML draws exactly these positions (absolutely placed, so
WeasyPrint cannot move them) and ``sheet-layout.json`` records them for ``qbank scan``
and for the tests that fill sheets synthetically. Bubble fields: ``q3`` (choices A–E,
T/F), ``q3.0`` (a numeric grid's sign, value ``-``), ``q3.1``… (its digit columns:
``.`` and 0–9), ``id1``… (student-id digit columns, 0–9).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from questionbank.assemble import Exam, PaperItem, Version
from questionbank.describe import LETTERS
from questionbank.localized import pick

LAYOUT_FORMAT = 1
PAGE_PT = (595.28, 841.89)  # A4
FIDUCIAL_PT = 20.0
FIDUCIAL_INSET = 34.0  # centre of a fiducial from the page's edges
QR_PT = 64.0
BUBBLE_R = 5.5  # 11 pt ≈ 3.9 mm across: the size of national exams' answer cards
PITCH_X = 17.0
PITCH_Y = 17.0
ID_TOP = 164.0
ID_PITCH_Y = 14.5
QUESTIONS_TOP = 330.0
QUESTIONS_BOTTOM = 780.0
COLUMN_LEFT = (52.0, 185.0, 318.0, 451.0)
ROWS_PER_COLUMN = int((QUESTIONS_BOTTOM - QUESTIONS_TOP) // PITCH_Y) + 1
DIGITS = "0123456789"


@dataclass(frozen=True)
class Bubble:
    field: str
    value: str
    x: float
    y: float
    r: float = BUBBLE_R


@dataclass(frozen=True)
class Label:
    """Text drawn on the sheet (not part of the layout contract)."""

    text: str
    x: float
    y: float
    size: float = 8.0
    align: str = "left"
    bold: bool = False


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float


@dataclass
class SheetPage:
    sheet: str
    page: int
    pages: int
    payload: str
    bubbles: list[Bubble] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    boxes: list[Box] = field(default_factory=list)

    def fiducials(self) -> list[tuple[float, float]]:
        w, h = PAGE_PT
        i = FIDUCIAL_INSET
        return [(i, i), (w - i, i), (i, h - i), (w - i, h - i)]

    def qr_centre(self) -> tuple[float, float]:
        return (PAGE_PT[0] - FIDUCIAL_INSET - 10 - QR_PT / 2, 96.0)

    def as_layout(self) -> dict[str, Any]:
        qx, qy = self.qr_centre()
        return {
            "sheet": self.sheet,
            "page": self.page,
            "size_pt": list(PAGE_PT),
            "fiducials": [{"x": x, "y": y, "size": FIDUCIAL_PT} for x, y in self.fiducials()],
            "qr": {"x": qx, "y": qy, "size": QR_PT, "payload": self.payload},
            "bubbles": [
                {"field": b.field, "value": b.value, "x": b.x, "y": b.y, "r": b.r}
                for b in self.bubbles
            ],
        }


def exam_id(exam: Exam, manifest: dict[str, Any]) -> str:
    """A hash of the spec file and of every question drawn from the bank, as printed."""
    digest = hashlib.sha256(exam.loaded.path.read_bytes())
    digest.update(json.dumps(manifest, ensure_ascii=False, sort_keys=True).encode())
    return digest.hexdigest()[:12]


def qr_payload(exam: str, sheet: str, page: int) -> str:
    # The sheet label goes last: a roster's student id may contain anything but a newline.
    return f"qbank|{exam}|{page}|{sheet}"


def parse_payload(text: str) -> tuple[str, int, str] | None:
    parts = text.split("|", 3)
    if len(parts) != 4 or parts[0] != "qbank" or not parts[2].isdigit():
        return None
    return parts[1], int(parts[2]), parts[3]


def _row_height(item: PaperItem, numeric_digits: int) -> int:
    return 12 if item.question.type == "numeric" and numeric_digits else 1


def _place_item(page: SheetPage, item: PaperItem, left: float, top: float, digits: int) -> None:
    q = f"q{item.number}"
    kind = item.question.type
    page.labels.append(Label(str(item.number), left + 14, top + 3, 8.5, "right", True))
    first = left + 28
    if kind in ("mcq", "multi"):
        for i in range(len(item.instance.choices)):
            page.bubbles.append(Bubble(q, LETTERS[i], first + i * PITCH_X, top))
    elif kind == "tf":
        for i, value in enumerate("TF"):
            page.bubbles.append(Bubble(q, value, first + i * PITCH_X, top))
    elif kind == "numeric":
        page.boxes.append(Box(first - 6, top - 7, 5 * PITCH_X + 2, 14))
        if digits:
            page.bubbles.append(Bubble(f"{q}.0", "-", first, top + PITCH_Y))
            for c in range(1, digits + 1):
                x = first + c * PITCH_X
                for r, value in enumerate("." + DIGITS, start=1):
                    page.bubbles.append(Bubble(f"{q}.{c}", value, x, top + r * PITCH_Y))
    else:  # short and code are written on the paper and graded by hand or by the sandbox
        page.labels.append(Label("寫在試卷上 on the paper", first - 6, top + 3, 6.5))


def _header(page: SheetPage, exam: Exam, version: Version, id_digits: int) -> None:
    spec = exam.loaded.spec
    title = " / ".join(dict.fromkeys(pick(spec.title, lang) for lang in spec.lang))
    page.labels += [
        Label(title, 60, 30, 11, bold=True),
        Label(f"答案卡 Answer sheet · 版本 Version {version.label}", 60, 46, 8.5),
        Label(f"第 {page.page} / {page.pages} 頁 Page", 60, 60, 8.5),
        Label(
            "請用 2B 鉛筆塗滿圓圈；擦拭乾淨。 Fill each circle fully with a pencil;", 60, 78, 7.5
        ),
        Label("erase cleanly. Do not write near the black squares or the code.", 60, 90, 7.5),
        Label("姓名 Name", 60, 112, 8.5),
    ]
    page.boxes.append(Box(110, 102, 200, 16))
    if version.student is not None:
        page.labels += [
            Label(version.student.name, 114, 114, 10),
            Label(f"學號 Student ID  {version.student.student_id}", 60, 140, 10, bold=True),
        ]
        return
    page.labels.append(Label("學號 Student ID（寫下並塗滿 write and fill）", 60, 134, 8.5))
    for c in range(id_digits):
        x = 70 + c * PITCH_X
        page.boxes.append(Box(x - 7, 140, 14, 16))
        for d, value in enumerate(DIGITS):
            page.bubbles.append(Bubble(f"id{c + 1}", value, x, ID_TOP + 12 + d * ID_PITCH_Y))


def sheet_pages(
    exam: Exam, version: Version, exam_hash: str, *, id_digits: int = 9, numeric_digits: int = 0
) -> list[SheetPage]:
    """Lay out one version's (or one student's) answer sheet over as many pages as needed."""
    # First flow the questions into (page, column, row) slots, then draw each page.
    slots: list[list[tuple[PaperItem, int, int]]] = [[]]
    column = row = 0
    for item in version.items:
        height = _row_height(item, numeric_digits)
        if row + height > ROWS_PER_COLUMN:
            column, row = column + 1, 0
        if column == len(COLUMN_LEFT):
            slots.append([])
            column = row = 0
        slots[-1].append((item, column, row))
        row += height
    pages = [
        SheetPage(version.label, n, len(slots), qr_payload(exam_hash, version.label, n))
        for n in range(1, len(slots) + 1)
    ]
    for page, placed in zip(pages, slots, strict=True):
        _header(page, exam, version, id_digits)
        for item, column, row in placed:
            _place_item(
                page, item, COLUMN_LEFT[column], QUESTIONS_TOP + row * PITCH_Y, numeric_digits
            )
    return pages


def layout_document(exam_hash: str, pages: list[SheetPage]) -> dict[str, Any]:
    return {
        "format": LAYOUT_FORMAT,
        "exam": exam_hash,
        "sheets": [p.as_layout() for p in pages],
    }
