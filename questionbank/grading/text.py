"""Text that came from a submission, made safe to write anywhere.

Student text (tracebacks, file names) reaches terminals, CSV files opened in spreadsheets, JSON
read by Gradescope and HTML. It is made valid UTF-8 (a lone surrogate from a crafted exception
would make writing the results fail), and stripped of control characters (ESC sequences
rewrite the instructor's terminal) and of bidirectional overrides (which make displayed text
differ from what it is).
"""

from __future__ import annotations

import re

_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
# Spreadsheets run a cell that starts with one of these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def clean_text(text: str, *, limit: int | None = None) -> str:
    """Valid UTF-8 with no control characters but newlines and tabs; at most limit chars."""
    valid = text.encode("utf-8", "replace").decode("utf-8")
    cleaned = _UNSAFE.sub("\ufffd", valid)
    if limit is not None and len(cleaned) > limit:
        return cleaned[: max(limit - 1, 0)] + "…"
    return cleaned


def csv_cell(text: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    cleaned = clean_text(text).replace("\n", " ")
    return "'" + cleaned if cleaned.startswith(_FORMULA_START) else cleaned
