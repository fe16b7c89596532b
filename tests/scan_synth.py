"""Synthetic filled and scanned answer sheets, made from sheet-layout.json and the real PDFs.

Used by the scan tests (a few dozen pages) and by bench/bench_scan.py (thousands). A
page is the sheet PDF rasterised at the scan's dpi, with pencil-like marks drawn where
the layout puts the bubbles, then degraded like a sheet-feeder or phone scan: rotation,
scale, perspective, uneven light, blur, noise, JPEG. Every bubble's truth is kept:
``fill`` (full or ≥ 70 % covered, a mark meant as an answer), ``tick`` and ``cross``
(meant as an answer, but not a fill), ``erased`` and ``empty``.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pypdfium2 as pdfium
from PIL import Image

MARKED = ("fill", "tick", "cross")  # what a student means as an answer


@dataclass
class Style:
    """How one page is marked and scanned."""

    dpi: int = 200
    angle: float = 0.0
    upside_down: bool = False
    scale: float = 1.0
    perspective: float = 0.0  # corner jitter, fraction of the page
    blur: float = 0.0  # Gaussian sigma, in pixels at 150 dpi
    noise: float = 0.0
    light: float = 0.0  # depth of the illumination gradient
    jpeg: int | None = None
    pencil: float = 0.85  # darkness of this student's pencil, 0..1
    partial: float = 0.0  # share of fills that cover only 70-90 %
    ticks: float = 0.0  # share of answers marked with a tick or a cross instead
    erasures: float = 0.0  # share of rows with an erased earlier answer
    strays: int = 0


@dataclass
class SynthPage:
    image: np.ndarray
    sheet: str
    page: int
    student_id: str
    truth: dict[tuple[str, str], str] = field(default_factory=dict)  # (field, value) -> kind


def style_for(level: str, rng: random.Random) -> Style:
    """Clean, moderate and hard scans (the issue's ranges; hard adds the worst of each)."""
    u = rng.uniform
    base = Style(dpi=rng.choice([150, 200, 300]), pencil=u(0.55, 0.95))
    if level == "clean":
        base.angle = u(-1.5, 1.5)
        base.jpeg = rng.choice([None, 90])
        base.partial = 0.1
        return base
    base.angle = u(-10, 10)
    base.upside_down = rng.random() < 0.15
    base.scale = u(0.95, 1.05)
    base.perspective = u(0, 0.012)
    base.blur = u(0, 0.8)
    base.noise = u(0, 6)
    base.light = u(0, 0.3)
    base.jpeg = rng.randint(60, 90)
    base.partial = 0.25
    base.ticks = 0.03
    base.erasures = 0.05
    base.strays = rng.randint(0, 2)
    if level == "hard":
        base.pencil = u(0.35, 0.95)
        base.perspective = u(0.005, 0.02)
        base.blur = u(0.5, 1.6)
        base.noise = u(4, 12)
        base.light = u(0.2, 0.45)
        base.jpeg = rng.randint(40, 70)
        base.ticks = 0.08
        base.erasures = 0.12
        base.strays = rng.randint(1, 4)
    return base


@cache
def _raster(pdf: Path, index: int, dpi: int) -> np.ndarray:
    document = pdfium.PdfDocument(str(pdf))
    try:
        bitmap = document[index].render(scale=dpi / 72, grayscale=True)
        array = np.array(bitmap.to_numpy())
    finally:
        document.close()
    return array[:, :, 0].copy() if array.ndim == 3 else array


def _disk(r: int) -> tuple[np.ndarray, np.ndarray]:
    dy, dx = np.mgrid[-r : r + 1, -r : r + 1]
    return dy, dx


def _darken(image: np.ndarray, x: float, y: float, amount: np.ndarray) -> None:
    """Graphite darkens multiplicatively; ``amount`` is a square patch centred on (x, y)."""
    h = amount.shape[0] // 2
    x0, y0 = round(x) - h, round(y) - h
    patch = image[y0 : y0 + amount.shape[0], x0 : x0 + amount.shape[1]].astype(np.float32)
    patch *= 1.0 - amount[: patch.shape[0], : patch.shape[1]]
    image[y0 : y0 + patch.shape[0], x0 : x0 + patch.shape[1]] = patch.astype(np.uint8)


def _texture(rng: np.random.Generator, shape: tuple[int, ...], level: float) -> np.ndarray:
    grain = cv2.GaussianBlur(rng.random(shape).astype(np.float32), (0, 0), 0.8)
    return np.clip(level * (0.8 + 0.4 * grain), 0, 0.97)


def draw_mark(
    image: np.ndarray,
    x: float,
    y: float,
    r: float,
    kind: str,
    style: Style,
    rng: np.random.Generator,
) -> None:
    """One pencil mark on the bubble centred at (x, y), radius r (pixels)."""
    size = int(np.ceil(r * 1.4))
    dy, dx = _disk(size)
    level = style.pencil * rng.uniform(0.9, 1.05)
    if kind in ("fill", "partial", "erased"):
        reach = r * rng.uniform(0.88, 1.08)
        ox, oy = rng.normal(0, 0.06 * r, 2)
        inside = (dx - ox) ** 2 + (dy - oy) ** 2 <= reach * reach
        if kind == "partial":
            theta = rng.uniform(0, 2 * np.pi)
            along = dx * np.cos(theta) + dy * np.sin(theta)
            inside &= along <= np.quantile(along[inside], rng.uniform(0.72, 0.9))
        amount = _texture(rng, dx.shape, level) * inside
        if kind == "erased":
            amount = cv2.GaussianBlur(amount * rng.uniform(0.06, 0.2), (0, 0), 1.5)
        _darken(image, x, y, amount.astype(np.float32))
        return
    canvas = np.zeros(dx.shape, np.float32)
    width = max(1, round(r * rng.uniform(0.18, 0.3)))
    c = size

    def line(a: tuple[float, float], b: tuple[float, float]) -> None:
        p = (round(c + a[0] * r), round(c + a[1] * r))
        q = (round(c + b[0] * r), round(c + b[1] * r))
        cv2.line(canvas, p, q, 1.0, width, cv2.LINE_AA)

    if kind == "tick":
        line((-0.55, 0.0), (-0.1, 0.55))
        line((-0.1, 0.55), (0.65, -0.7))
    else:  # cross
        line((-0.6, -0.6), (0.6, 0.6))
        line((-0.6, 0.6), (0.6, -0.6))
    _darken(image, x, y, _texture(rng, dx.shape, level) * canvas)


def _stray(image: np.ndarray, rng: np.random.Generator, ppt: float, level: float) -> None:
    """A stray pencil line in the header's free space or the margin beside the questions."""
    h, w = image.shape
    if rng.random() < 0.5:
        x0, y0 = rng.uniform(330, 440) * ppt, rng.uniform(130, 290) * ppt
    else:
        x0, y0 = rng.uniform(44, 50) * ppt, rng.uniform(330, 770) * ppt
    angle, length = rng.uniform(0, np.pi), rng.uniform(8, 40) * ppt
    x1 = float(np.clip(x0 + length * np.cos(angle) * (1 if x0 > 100 * ppt else 0.1), 0, w - 1))
    y1 = float(np.clip(y0 + length * np.sin(angle), 0, h - 1))
    grey = round(255 * (1 - level))
    cv2.line(image, (round(x0), round(y0)), (round(x1), round(y1)), grey, max(1, round(ppt)))


def mark_page(
    pdf: Path,
    index: int,
    layout_page: dict[str, Any],
    choices: dict[str, set[str]],
    style: Style,
    rng: np.random.Generator,
) -> tuple[np.ndarray, dict[tuple[str, str], str]]:
    """The rasterised sheet page with the chosen bubbles marked; returns image and truth."""
    image = _raster(pdf, index, style.dpi).copy()
    ppt = style.dpi / 72
    truth: dict[tuple[str, str], str] = {}
    rows: dict[str, list[dict[str, Any]]] = {}
    for bubble in layout_page["bubbles"]:
        rows.setdefault(bubble["field"], []).append(bubble)
    for name, bubbles in rows.items():
        chosen = choices.get(name, set())
        erase = [b for b in bubbles if b["value"] not in chosen]
        if erase and rng.random() < style.erasures:
            victim = erase[rng.integers(len(erase))]
            truth[(name, victim["value"])] = "erased"
        for bubble in bubbles:
            key = (name, bubble["value"])
            if bubble["value"] in chosen:
                roll = rng.random()
                if roll < style.ticks:
                    kind = "tick" if rng.random() < 0.5 else "cross"
                elif rng.random() < style.partial:
                    kind = "partial"
                else:
                    kind = "fill"
                truth[key] = "fill" if kind == "partial" else kind
            else:
                kind = truth.setdefault(key, "empty")
            if kind != "empty":
                draw_mark(
                    image, bubble["x"] * ppt, bubble["y"] * ppt, bubble["r"] * ppt, kind, style, rng
                )
    for _ in range(style.strays):
        _stray(image, rng, ppt, style.pencil)
    return image, truth


def scan(image: np.ndarray, style: Style, rng: np.random.Generator) -> np.ndarray:
    """Geometric and photometric degradation, as a sheet feeder or flatbed would add."""
    h, w = image.shape
    # The scanner bed is larger than the page: a turned page keeps its corners in view.
    pad_x, pad_y = int(w * 0.08), int(h * 0.06)
    canvas = cv2.copyMakeBorder(image, pad_y, pad_y, pad_x, pad_x, cv2.BORDER_CONSTANT, value=250)
    ch, cw = canvas.shape
    src = np.float32(
        [[pad_x, pad_y], [pad_x + w, pad_y], [pad_x, pad_y + h], [pad_x + w, pad_y + h]]
    )
    centre = np.float32([cw / 2, ch / 2])
    theta = np.deg2rad(style.angle + (180 if style.upside_down else 0))
    rot = np.float32([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    dst = (src - centre) @ rot.T * style.scale + centre
    dst += rng.normal(0, style.perspective * w, dst.shape).astype(np.float32)
    dst += rng.uniform(-0.01, 0.01, 2).astype(np.float32) * w
    matrix = cv2.getPerspectiveTransform(src, dst.astype(np.float32))
    out = cv2.warpPerspective(
        canvas, matrix, (cw, ch), flags=cv2.INTER_LINEAR, borderValue=250
    ).astype(np.float32)
    if style.light:
        # A smooth gradient: made small, then stretched over the page.
        yy, xx = np.mgrid[0:64, 0:64].astype(np.float32) / 64
        phi = rng.uniform(0, 2 * np.pi)
        ramp = np.clip((xx - 0.5) * np.cos(phi) + (yy - 0.5) * np.sin(phi) + 0.5, 0, 1)
        out *= 1.0 - style.light * cv2.resize(ramp, (cw, ch), interpolation=cv2.INTER_LINEAR)
    if style.blur:
        out = cv2.GaussianBlur(out, (0, 0), style.blur * style.dpi / 150)
    if style.noise:
        noise = np.empty(out.shape, np.float32)
        cv2.setRNGSeed(int(rng.integers(1 << 30)))
        cv2.randn(noise, 0.0, float(style.noise))
        out += noise
    return cv2.convertScaleAbs(np.clip(out, 0, 255))


def encode(image: np.ndarray, style: Style) -> bytes:
    if style.jpeg is None:
        ok, data = cv2.imencode(".png", image, [cv2.IMWRITE_PNG_COMPRESSION, 1])
    else:
        ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, style.jpeg])
    assert ok
    return data.tobytes()


def write_pdf(images: list[np.ndarray], target: Path, dpi: int = 150) -> None:
    """A sheet feeder's multi-page PDF: one JPEG per page."""
    pages = [Image.fromarray(i) for i in images]
    pages[0].save(target, save_all=True, append_images=pages[1:], resolution=dpi, quality=85)


def blank_page(dpi: int, rng: np.random.Generator) -> np.ndarray:
    h, w = round(841.89 * dpi / 72), round(595.28 * dpi / 72)
    page = np.full((h, w), 245, np.float32) + rng.normal(0, 3, (h, w))
    return np.clip(page, 0, 255).astype(np.uint8)


def as_png(image: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def answers_for(
    layout_page: dict[str, Any], key_types: dict[int, str], rng: random.Random, student: str
) -> dict[str, set[str]]:
    """Random answers for the questions on this page (some omitted), and the student id."""
    rows: dict[str, list[str]] = {}
    for bubble in layout_page["bubbles"]:
        rows.setdefault(bubble["field"], []).append(bubble["value"])
    choices: dict[str, set[str]] = {}
    for name, values in rows.items():
        if name.startswith("id"):
            column = int(name[2:]) - 1
            if column < len(student):
                choices[name] = {student[column]}
            continue
        if "." in name:
            continue  # numeric grids are filled by numeric_answer()
        if rng.random() < 0.08:
            continue  # omitted
        if key_types.get(int(name[1:])) == "multi":
            picked = set(rng.sample(values, rng.randint(1, min(3, len(values)))))
            choices[name] = picked
        else:
            choices[name] = {rng.choice(values)}
    return choices


def numeric_marks(question: int, text: str, columns: int) -> dict[str, set[str]]:
    """The grid bubbles for a number written left-aligned: sign column, then one per char."""
    marks: dict[str, set[str]] = {}
    if text.startswith("-"):
        marks[f"q{question}.0"] = {"-"}
        text = text[1:]
    assert len(text) <= columns, text
    for c, char in enumerate(text, start=1):
        marks[f"q{question}.{c}"] = {char}
    return marks


@dataclass
class Truth:
    """What one scanned page should read as."""

    file: str
    index: int
    sheet: str
    page: int
    student: str
    answers: dict[int, str]  # question -> answer in responses.csv notation
    cells: dict[tuple[str, str], str]


def key_types(paper: Path) -> dict[str, dict[int, str]]:
    import csv

    types: dict[str, dict[int, str]] = {}
    with (paper / "answer-key.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            types.setdefault(row["version"], {})[int(row["number"])] = row["type"]
    return types


def numeric_text(rng: random.Random, columns: int) -> str:
    value = rng.choice([rng.uniform(-99, 999), rng.uniform(0, 1), float(rng.randint(0, 9999))])
    text = f"{value:.{rng.randint(0, 3)}f}".rstrip("0").rstrip(".") if "." in f"{value}" else ""
    text = text or "0"
    return text[: columns + (1 if text.startswith("-") else 0)].rstrip(".") or "0"


def fill_page(
    paper: Path,
    layout_page: dict[str, Any],
    types: dict[int, str],
    style: Style,
    rng: random.Random,
    nrng: np.random.Generator,
    student: str,
) -> tuple[np.ndarray, dict[int, str], dict[tuple[str, str], str]]:
    """A filled, scanned page; its intended answers; its per-bubble truth."""
    choices = answers_for(layout_page, types, rng, student)
    grids: dict[int, int] = {}
    for bubble in layout_page["bubbles"]:
        name = bubble["field"]
        if name.startswith("q") and "." in name:
            number, column = (int(p) for p in name[1:].split("."))
            grids[number] = max(grids.get(number, 0), column)
    answers = {int(n[1:]): ",".join(sorted(v)) for n, v in choices.items() if n.startswith("q")}
    for number, columns in grids.items():
        if rng.random() < 0.1:
            answers[number] = ""
            continue
        text = numeric_text(rng, columns)
        choices.update(numeric_marks(number, text, columns))
        answers[number] = text
    for bubble in layout_page["bubbles"]:
        if bubble["field"].startswith("q") and "." not in bubble["field"]:
            answers.setdefault(int(bubble["field"][1:]), "")
    pdf = paper / f"sheet-{layout_page['sheet']}.pdf"
    image, truth = mark_page(pdf, layout_page["page"] - 1, layout_page, choices, style, nrng)
    return scan(image, style, nrng), answers, truth


def intended(truth: dict[tuple[str, str], str], name: str) -> set[str]:
    return {v for (f, v), kind in truth.items() if f == name and kind in MARKED}
