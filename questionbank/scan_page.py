"""One scanned page, start to end: load, find, turn upright, identify, measure, decide, draw.

Runs in worker processes (see :mod:`questionbank.scan`); everything it returns is plain
data, and the pictures it makes (an annotated PNG per page, a crop per flagged row) are
written straight to the output folder, so only small results travel back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from questionbank.answer_sheet import parse_payload
from questionbank.scan_decide import Cell, Reading, classify, read_choice, read_digits
from questionbank.scan_image import (
    PX_PER_PT,
    Floats,
    Gray,
    PageRef,
    darkness,
    disk_offsets,
    find_fiducials,
    load_page,
    read_qr,
    sample_disks,
    warp,
)

INNER = 0.72  # share of a bubble's radius measured: inside the printed ring
GREEN, ORANGE, RED, BLUE = (40, 160, 40), (0, 140, 255), (30, 30, 220), (200, 120, 0)


@dataclass
class Layouts:
    """sheet-layout.json, indexed for the workers, with each question's type."""

    exam: str
    pages: dict[tuple[str, int], dict[str, Any]]
    types: dict[str, dict[int, str]]  # sheet -> question number -> type
    out: Path


@dataclass
class PageResult:
    ref: PageRef
    status: str  # ok | blank | unreadable | other-exam | unknown-sheet
    message: str = ""
    sheet: str = ""
    page: int = 0
    readings: dict[str, Reading] = field(default_factory=dict)
    cells: list[Cell] = field(default_factory=list)
    picture: str = ""  # the annotated PNG, relative to the output folder
    crops: dict[str, str] = field(default_factory=dict)


def safe_name(ref: PageRef) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{ref.path.stem}-p{ref.index + 1}")


def _banner(image: Gray, text: str, layouts: Layouts, ref: PageRef) -> str:
    scale = 600 / image.shape[1]
    small = cv2.cvtColor(cv2.resize(image, None, fx=scale, fy=scale), cv2.COLOR_GRAY2BGR)
    cv2.rectangle(small, (0, 0), (small.shape[1], 28), RED, -1)
    cv2.putText(small, text, (6, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (255, 255, 255), 1)
    return _save(small, layouts.out / "pages" / f"{safe_name(ref)}.png", layouts.out)


def _save(image: Any, target: Path, root: Path) -> str:
    target.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(target), image, [cv2.IMWRITE_PNG_COMPRESSION, 1])
    return target.relative_to(root).as_posix()


def _upright(
    gray: Gray, layouts: Layouts, any_page: dict[str, Any]
) -> tuple[Gray | None, str | None]:
    """The page warped onto the layout and turned upright, and its QR text."""
    size = tuple(any_page["size_pt"])
    fiducial = any_page["fiducials"][0]
    inset = min(fiducial["x"], fiducial["y"])
    corners = find_fiducials(gray, size, inset, fiducial["size"])
    if corners is None:
        return None, read_qr(gray)
    targets = [(f["x"], f["y"]) for f in any_page["fiducials"]]
    warped = warp(gray, corners, targets, size)
    qr = any_page["qr"]
    text = read_qr(warped, (qr["x"], qr["y"]), qr["size"])
    if text is None:
        # A page fed upside down: its QR code sits at the point-mirrored place.
        text = read_qr(warped, (size[0] - qr["x"], size[1] - qr["y"]), qr["size"])
        if text is not None:
            warped = cv2.rotate(warped, cv2.ROTATE_180)
    return warped, text


def _readings(cells: list[Cell], types: dict[int, str]) -> dict[str, Reading]:
    rows: dict[str, list[Cell]] = {}
    for cell in cells:
        rows.setdefault(cell.field, []).append(cell)
    readings: dict[str, Reading] = {}
    ids = sorted((f for f in rows if f.startswith("id")), key=lambda f: int(f[2:]))
    if ids:
        readings["id"] = read_digits("id", [rows[f] for f in ids], numeric=False)
    grids: dict[str, list[str]] = {}
    for name in rows:
        if name.startswith("q") and "." in name:
            grids.setdefault(name.split(".")[0], []).append(name)
        elif name.startswith("q"):
            readings[name] = read_choice(name, rows[name], types.get(int(name[1:]), "mcq"))
    for name, columns in grids.items():
        ordered = sorted(columns, key=lambda f: int(f.split(".")[1]))
        readings[name] = read_digits(name, [rows[f] for f in ordered], numeric=True)
    return readings


def _draw(dark: Floats, layout: dict[str, Any], result: PageResult, layouts: Layouts) -> None:
    # Drawn on the paper-normalised page in 9 grey levels: the paper becomes pure white,
    # so the PNGs stay small and quick to write, and show what the rules measured.
    levels = np.rint(dark * 8) * (255 / 8)
    colour = cv2.cvtColor((255 - levels).astype(np.uint8), cv2.COLOR_GRAY2BGR)
    flagged = {n for n, r in result.readings.items() if r.value is None}
    boxes: dict[str, list[float]] = {}
    for bubble, cell in zip(layout["bubbles"], result.cells, strict=True):
        x, y, r = (bubble[k] * PX_PER_PT for k in ("x", "y", "r"))
        row = "id" if cell.field.startswith("id") else cell.field.split(".")[0]
        box = boxes.setdefault(row, [x - r, y - r, x + r, y + r])
        box[:] = [min(box[0], x - r), min(box[1], y - r), max(box[2], x + r), max(box[3], y + r)]
        if cell.state == "filled":
            cv2.circle(colour, (round(x), round(y)), round(r + 3), GREEN, 3)
        elif cell.state == "ambiguous":
            cv2.circle(colour, (round(x), round(y)), round(r + 3), ORANGE, 3)
    pad = 6 * PX_PER_PT
    height, width = dark.shape
    stem = safe_name(result.ref)
    for row in sorted(flagged):
        x0, y0, x1, y1 = boxes[row]
        cv2.rectangle(
            colour, (round(x0 - pad), round(y0 - pad)), (round(x1 + pad), round(y1 + pad)), RED, 2
        )
        crop = colour[
            max(int(y0 - 3 * pad), 0) : min(int(y1 + 3 * pad), height),
            max(int(x0 - 6 * pad), 0) : min(int(x1 + 3 * pad), width),
        ]
        result.crops[row] = _save(crop, layouts.out / "crops" / f"{stem}-{row}.png", layouts.out)
    small = cv2.resize(colour, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    result.picture = _save(small, layouts.out / "pages" / f"{stem}.png", layouts.out)


def _is_blank(gray: Gray) -> bool:
    """Hardly a pixel darker than 60 % of the paper: nothing printed, nothing written."""
    paper = float(np.percentile(gray, 90))
    return float((gray < 0.6 * paper).mean()) < 0.002


def process(ref: PageRef, layouts: Layouts) -> PageResult:
    gray = load_page(ref)
    if gray is None:
        return PageResult(ref, "unreadable", "the file cannot be decoded as an image")
    any_page = next(iter(layouts.pages.values()))
    warped, text = _upright(gray, layouts, any_page)
    payload = parse_payload(text) if text else None
    if payload is None:
        if warped is None and text is None and _is_blank(gray):
            return PageResult(
                ref, "blank", "a blank page", picture=_banner(gray, "blank page", layouts, ref)
            )
        what = "no qbank QR code" if warped is not None else "the four corner squares not found"
        if text is not None and payload is None:
            what = f"a QR code that is not a qbank sheet's ({text[:40]!r})"
        return PageResult(ref, "unreadable", what, picture=_banner(gray, what, layouts, ref))
    exam, page, sheet = payload
    if exam != layouts.exam:
        what = f"a sheet of another exam ({exam}, not {layouts.exam})"
        return PageResult(
            ref, "other-exam", what, sheet, page, picture=_banner(gray, what, layouts, ref)
        )
    layout = layouts.pages.get((sheet, page))
    if layout is None:
        what = f"sheet {sheet} page {page} is not in sheet-layout.json"
        return PageResult(
            ref, "unknown-sheet", what, sheet, page, picture=_banner(gray, what, layouts, ref)
        )
    if warped is None:
        what = "the QR code was read but the four corner squares were not found"
        return PageResult(
            ref, "unreadable", what, sheet, page, picture=_banner(gray, what, layouts, ref)
        )
    fiducials = [(f["x"], f["y"]) for f in layout["fiducials"]]
    dark = darkness(warped, fiducials, layout["fiducials"][0]["size"])
    bubbles = layout["bubbles"]
    centres = np.array([[b["x"], b["y"]] for b in bubbles], dtype=np.float64)
    radius = (bubbles[0]["r"] if bubbles else 5.5) * PX_PER_PT * INNER
    samples = (
        sample_disks(dark, centres, disk_offsets(radius))
        if bubbles
        else np.zeros((0, 1), np.float32)
    )
    cells = classify([(b["field"], b["value"]) for b in bubbles], samples)
    result = PageResult(ref, "ok", "", sheet, page, cells=cells)
    result.readings = _readings(cells, layouts.types.get(sheet, {}))
    _draw(dark, layout, result, layouts)
    return result
