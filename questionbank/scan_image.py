"""Image stage of qbank scan: a scanned page -> an upright page image in layout coordinates.

Pages come from multi-page PDFs (rasterised by pdfium), TIFFs and single images. The
four corner fiducials give a homography onto the layout's own point grid (scale,
rotation, perspective in one step); the QR code then says which way up the page is
(the fiducials are point-symmetric, so a page fed upside down warps to a page turned by
180°, and the QR code is found at the mirrored place). Measurements are made on a
paper-normalised copy, ``darkness``: 0 where the page's own paper is, 1 at the ink
level of its fiducials, so uneven light and a grey or dark scan change nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
import zxingcpp
from PIL import Image

# Images are uint8 and measures float32; OpenCV's stubs type both loosely, so do these.
Gray = npt.NDArray[Any]
Floats = npt.NDArray[Any]
_QR = zxingcpp.barcode_formats_from_str("QRCode")

PX_PER_PT = 2.0  # the warped page: 2 px per point (144 dpi), enough for 11 pt bubbles
PDF_DPI = 150
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp"}
_WORK_WIDTH = 800  # fiducials are searched on a copy this wide


@dataclass(frozen=True)
class PageRef:
    """One page of one input file (index 0-based; shown 1-based)."""

    path: Path
    index: int

    @property
    def name(self) -> str:
        return f"{self.path.name} p{self.index + 1}"


def list_pages(path: Path) -> list[PageRef]:
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        import pypdfium2 as pdfium

        document = pdfium.PdfDocument(str(path))
        try:
            return [PageRef(path, i) for i in range(len(document))]
        finally:
            document.close()
    if suffix in (".tif", ".tiff"):
        count = cv2.imcount(str(path))
        return [PageRef(path, i) for i in range(max(count, 1))]
    return [PageRef(path, 0)]


def load_page(ref: PageRef) -> Gray | None:
    """The page as 8-bit grey, or None when the file cannot be decoded."""
    suffix = ref.path.suffix.lower()
    if suffix == ".pdf":
        import pypdfium2 as pdfium

        document = pdfium.PdfDocument(str(ref.path))
        try:
            bitmap = document[ref.index].render(scale=PDF_DPI / 72, grayscale=True)
            array = np.array(bitmap.to_numpy())
        finally:
            document.close()
        return array[:, :, 0].copy() if array.ndim == 3 else array
    if suffix in (".tif", ".tiff"):
        ok, images = cv2.imreadmulti(str(ref.path), start=ref.index, count=1)
        if not ok or not images:
            return None
        image = images[0]
        return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    # A 300 dpi scan decodes at half size in half the time (JPEG's DCT scaling), and
    # 150 dpi is more than the 144 dpi page the bubbles are measured on.
    try:
        with Image.open(ref.path) as probe:
            large = probe.width >= 2400
    except (OSError, ValueError, Image.DecompressionBombError):
        return None  # not an image (PIL reads only the header here)
    flags = cv2.IMREAD_REDUCED_GRAYSCALE_2 if large else cv2.IMREAD_GRAYSCALE
    return cv2.imread(str(ref.path), flags)


def _flatten(gray: Gray, kernel: int) -> Floats:
    """Grey divided by the local paper level (a max filter wider than any printed mark).

    The paper level varies slowly, so it is estimated on a quarter-size copy."""
    small = cv2.resize(gray, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    side = max(kernel // 4, 3) | 1
    element = cv2.getStructuringElement(cv2.MORPH_RECT, (side, side))
    paper = cv2.blur(cv2.dilate(small, element), (side, side))
    paper = cv2.resize(paper, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)
    return gray.astype(np.float32) / np.maximum(paper.astype(np.float32), 1.0)


def find_fiducials(
    gray: Gray, page_pt: tuple[float, float], inset: float, size: float
) -> npt.NDArray[np.float64] | None:
    """Centres of the four corner squares (image corners order TL, TR, BL, BR), or None."""
    scale = _WORK_WIDTH / gray.shape[1]
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)
    ppt = small.shape[1] / page_pt[0]  # pixels per point, near enough (scans are of a page)
    side = size * ppt
    flat = _flatten(small, int(side * 1.6) | 1)
    mask = (flat < 0.55).astype(np.uint8)
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    found: list[tuple[float, float]] = []
    for contour in contours:
        area = cv2.contourArea(contour)
        if not (0.45 * side * side <= area <= 1.8 * side * side):
            continue
        (cx, cy), (w, h), _ = cv2.minAreaRect(contour)
        if min(w, h) < 0.7 * max(w, h) or area < 0.85 * w * h:
            continue
        # Solid all through (a QR finder pattern is a ring around a smaller square).
        half = max(int(0.3 * min(w, h)), 1)
        core = mask[int(cy) - half : int(cy) + half + 1, int(cx) - half : int(cx) + half + 1]
        if core.size == 0 or core.mean() < 0.9:
            continue
        found.append((cx, cy))
    if len(found) < 4:
        return None
    points = np.array(found)
    height, width = small.shape
    corners = np.array([[0, 0], [width, 0], [0, height], [width, height]], dtype=np.float64)
    chosen = []
    for corner in corners:
        distance = np.linalg.norm(points - corner, axis=1)
        best = int(np.argmin(distance))
        # A fiducial lies within a fifth of the page's diagonal from its corner.
        if distance[best] > 0.2 * np.hypot(width, height):
            return None
        chosen.append(points[best])
    quad = np.array(chosen)
    if len({tuple(p) for p in quad}) < 4:
        return None
    # The four must form the layout's rectangle: opposite sides equal, expected aspect.
    top, bottom = quad[1] - quad[0], quad[3] - quad[2]
    left, right = quad[2] - quad[0], quad[3] - quad[1]
    widths = np.linalg.norm([top, bottom], axis=1)
    heights = np.linalg.norm([left, right], axis=1)
    want = (page_pt[1] - 2 * inset) / (page_pt[0] - 2 * inset)
    aspect = heights.mean() / widths.mean()
    if abs(aspect / want - 1) > 0.12 or widths.min() < 0.85 * widths.max():
        return None
    return np.asarray(quad / scale, dtype=np.float64)


def warp(
    gray: Gray,
    corners: npt.NDArray[np.float64],
    targets: list[tuple[float, float]],
    page_pt: tuple[float, float],
) -> Gray:
    """The page resampled onto the layout grid (PX_PER_PT), fiducials where the layout says."""
    destination = np.array(targets, dtype=np.float32) * PX_PER_PT
    matrix = cv2.getPerspectiveTransform(corners.astype(np.float32), destination)
    size = (round(page_pt[0] * PX_PER_PT), round(page_pt[1] * PX_PER_PT))
    return cv2.warpPerspective(
        gray, matrix, size, flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE
    )


def read_qr(gray: Gray, centre: tuple[float, float] | None = None, size: float = 0) -> str | None:
    """The text of a QR code, searched around ``centre`` (points) or in the whole image."""
    if centre is not None:
        half = size * PX_PER_PT
        x, y = centre[0] * PX_PER_PT, centre[1] * PX_PER_PT
        x0, y0 = max(int(x - half), 0), max(int(y - half), 0)
        gray = gray[y0 : int(y + half), x0 : int(x + half)]
        if gray.size == 0:
            return None
    results = zxingcpp.read_barcodes(gray, formats=_QR)
    return results[0].text if results else None


def darkness(warped: Gray, fiducials: list[tuple[float, float]], size: float) -> Floats:
    """0 at the local paper level, 1 at the fiducials' ink level (clipped to 0..1)."""
    flat = _flatten(warped, int(14 * PX_PER_PT) | 1)
    inks = []
    for x, y in fiducials:
        cx, cy, half = x * PX_PER_PT, y * PX_PER_PT, size * PX_PER_PT
        core = warped[
            int(cy - half * 0.3) : int(cy + half * 0.3), int(cx - half * 0.3) : int(cx + half * 0.3)
        ]
        around = warped[
            max(int(cy - half * 1.2), 0) : int(cy + half * 1.2),
            max(int(cx - half * 1.2), 0) : int(cx + half * 1.2),
        ]
        if core.size and around.size:
            inks.append(float(np.median(core)) / max(float(np.percentile(around, 90)), 1.0))
    # A washed-out scan still gets a usable scale: ink at least 20 % below the paper.
    ink = min(float(np.median(inks)) if inks else 0.2, 0.8)
    return np.clip((1.0 - flat) / (1.0 - ink), 0.0, 1.0).astype(np.float32)


def disk_offsets(radius: float) -> npt.NDArray[np.intp]:
    """(dy, dx) of the pixels within ``radius`` pixels of a centre."""
    r = int(np.ceil(radius))
    dy, dx = np.mgrid[-r : r + 1, -r : r + 1]
    inside = dy * dy + dx * dx <= radius * radius
    return np.stack([dy[inside], dx[inside]], axis=1)


def sample_disks(
    dark: Floats, centres: npt.NDArray[np.float64], offsets: npt.NDArray[np.intp]
) -> Floats:
    """Darkness of every pixel of every disk: shape (bubbles, pixels)."""
    cy = np.rint(centres[:, 1] * PX_PER_PT).astype(np.intp)[:, None] + offsets[None, :, 0]
    cx = np.rint(centres[:, 0] * PX_PER_PT).astype(np.intp)[:, None] + offsets[None, :, 1]
    cy = np.clip(cy, 0, dark.shape[0] - 1)
    cx = np.clip(cx, 0, dark.shape[1] - 1)
    samples: Floats = dark[cy, cx]
    return samples
