"""Decision stage of qbank scan: bubble darkness -> filled / empty / ambiguous -> answers.

Every measure is relative to the page itself: darkness runs from the page's paper (0)
to its fiducials' ink (1), and from each measure the page's typical empty circle (the
median over all its bubbles: most are empty, and the printed ring and letter are the
same on every one) is subtracted. Per bubble, over the inner 72 % of its radius:

- ``mean``: the average darkness (how much graphite);
- ``peak``: the 90th percentile (how dark the darkest strokes are);
- ``evenness``: mean / peak (≈ 1 for a fill, ≈ 0.3–0.6 for a tick or a cross).

The rules, in order:

1. **empty** when peak < 0.11 and mean < 0.1: nothing inside is darker than a ninth of
   the way from paper to ink. A cleanly erased mark leaves a faint, even residue and so
   counts as empty (a less clean one is flagged as faint).
2. **filled** when mean ≥ 0.2, peak ≥ 0.2 and evenness ≥ 0.8: the graphite covers the
   circle (a light pencil still counts: the test is how even, not how black).
3. otherwise **ambiguous**, and flagged for review, never guessed: a dark but uneven
   mark (a partial fill, a tick, a cross: students mean these as answers, or as
   cancellations) or a faint one (a light mark, an erasure not clean).

A row then reads: one filled bubble, or none (omitted); two on a single-answer row, an
ambiguous bubble, a broken digit column of the id or of a numeric grid are flagged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from questionbank.scan_image import Floats

EMPTY_PEAK = 0.11
EMPTY_MEAN = 0.1
FILLED_MIN = 0.2
FILLED_EVENNESS = 0.8
STROKE = "dark but uneven: a partial fill, a tick or a cross"
FAINT = "faint: a light mark, or an erasure not clean"


@dataclass(frozen=True)
class Cell:
    field: str
    value: str
    state: str  # filled | empty | ambiguous
    reason: str
    mean: float
    peak: float


def classify(fields: list[tuple[str, str]], samples: Floats) -> list[Cell]:
    """One Cell per bubble, from the darkness samples of each (shape bubbles x pixels)."""
    if len(fields) == 0:
        return []
    means = samples.mean(axis=1)
    peaks = np.percentile(samples, 90, axis=1)
    means = means - float(np.median(means))
    peaks = peaks - float(np.median(peaks))
    cells = []
    for (name, value), mean, peak in zip(fields, means.tolist(), peaks.tolist(), strict=True):
        evenness = mean / max(peak, 1e-6)
        if peak < EMPTY_PEAK and mean < EMPTY_MEAN:
            state, reason = "empty", ""
        elif mean >= FILLED_MIN and peak >= FILLED_MIN and evenness >= FILLED_EVENNESS:
            state, reason = "filled", ""
        else:
            state = "ambiguous"
            reason = STROKE if peak >= FILLED_MIN and evenness < FILLED_EVENNESS else FAINT
        cells.append(Cell(name, value, state, reason, round(mean, 3), round(peak, 3)))
    return cells


@dataclass(frozen=True)
class Reading:
    """One answer (or the id) as read: ``value`` when decided, else ``problem``."""

    field: str  # "q3" or "id"
    value: str | None
    problem: str = ""
    seen: str = ""  # what the scanner saw, for the reviewer


def _seen(cells: list[Cell]) -> str:
    marks = [
        f"{c.value}{'?' if c.state == 'ambiguous' else ''}" for c in cells if c.state != "empty"
    ]
    return " ".join(marks) or "(none)"


def _column(cells: list[Cell]) -> tuple[str | None, str]:
    """The one value marked in a digit column ('' when none), or a problem."""
    unsure = [c for c in cells if c.state == "ambiguous"]
    if unsure:
        return None, f"{unsure[0].value}: {unsure[0].reason}"
    filled = [c.value for c in cells if c.state == "filled"]
    if len(filled) > 1:
        return None, f"{len(filled)} marks in one column ({', '.join(filled)})"
    return (filled[0] if filled else ""), ""


def read_choice(name: str, cells: list[Cell], kind: str) -> Reading:
    unsure = [c for c in cells if c.state == "ambiguous"]
    seen = _seen(cells)
    if unsure:
        return Reading(name, None, f"{unsure[0].value}: {unsure[0].reason}", seen)
    filled = sorted(c.value for c in cells if c.state == "filled")
    if kind != "multi" and len(filled) > 1:
        return Reading(name, None, f"{len(filled)} marks on a single-answer row", seen)
    return Reading(name, ",".join(filled), "", seen)


def read_digits(name: str, columns: list[list[Cell]], *, numeric: bool) -> Reading:
    """A student id (digits; blank columns only at the end) or a numeric grid's number
    (``columns[0]`` is then the sign column)."""
    seen = " ".join(_seen(c) for c in columns)
    sign = ""
    if numeric:
        value, problem = _column(columns[0])
        if value is None:
            return Reading(name, None, problem, seen)
        sign, columns = value, columns[1:]
    text = ""
    ended = False
    for cells in columns:
        value, problem = _column(cells)
        if value is None:
            return Reading(name, None, problem, seen)
        if value == "":
            ended = ended or bool(text)
            if not text and not numeric:
                ended = True
            continue
        if ended:
            return Reading(name, None, "a blank column between marked ones", seen)
        text += value
    if not numeric:
        if not text:
            return Reading(name, None, "no student id filled in", seen)
        return Reading(name, text, "", seen)
    if not text:
        return Reading(name, None, "a sign alone", seen) if sign else Reading(name, "", "", seen)
    try:
        float(sign + text)
    except ValueError:
        return Reading(name, None, f"{sign + text!r} is not a number", seen)
    return Reading(name, sign + text, "", seen)
