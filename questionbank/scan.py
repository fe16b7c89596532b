"""qbank scan: scanned answer sheets -> responses.csv, review.csv, scan-report.html.

Pages are read in worker processes (:mod:`questionbank.scan_page`); here they are joined
into students. Nothing uncertain is guessed: every ambiguous cell, double mark,
unreadable id, duplicate, missing page, blank page and sheet of another exam becomes a
row of review.csv, and a student with an open row is held back from responses.csv
until a reviewer writes a decision in that row; the next run applies it.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from questionbank.describe import LETTERS
from questionbank.errors import InputError, Location, Problem
from questionbank.paths import display
from questionbank.scan_image import IMAGE_SUFFIXES, PageRef, list_pages
from questionbank.scan_page import Layouts, PageResult, process
from questionbank.sheets import load_key

REVIEW_COLUMNS = (
    "item",
    "file",
    "page",
    "sheet",
    "student_id",
    "question",
    "problem",
    "seen",
    "decision",
    "crop",
)
IGNORE = "ignore"
BLANK = "blank"


@dataclass
class Item:
    """A row of review.csv: one thing a person must decide."""

    item: str
    file: str
    page: str
    sheet: str
    student: str
    question: str
    problem: str
    seen: str = ""
    crop: str = ""
    decision: str = ""
    open: bool = True

    def row(self) -> list[str]:
        return [
            self.item,
            self.file,
            self.page,
            self.sheet,
            self.student,
            self.question,
            self.problem,
            self.seen,
            self.decision,
            self.crop,
        ]


@dataclass
class Outcome:
    results: list[PageResult]
    items: list[Item]
    rows: list[list[str]]
    held: list[str]
    notes: list[str] = field(default_factory=list)

    @property
    def open_items(self) -> list[Item]:
        return [i for i in self.items if i.open]


def load_layouts(paper: Path, out: Path) -> Layouts:
    path = paper / "sheet-layout.json"
    if not path.is_file():
        raise InputError.single(
            display(paper), "no sheet-layout.json here (expected the folder `qbank paper` wrote)"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        pages = {(s["sheet"], int(s["page"])): s for s in data["sheets"]}
        exam = str(data["exam"])
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError.single(display(path), f"not a qbank sheet layout: {exc}") from None
    if data.get("format") != 1 or not pages:
        raise InputError.single(display(path), "expected format 1 with at least one sheet")
    key = load_key(paper / "answer-key.csv")
    types = {v: {n: e.type for n, e in entries.items()} for v, entries in key.versions.items()}
    return Layouts(exam, pages, types, out)


def collect_pages(scans: Iterable[Path]) -> list[PageRef]:
    """Every page of the given files and folders (folders: their PDFs and images, sorted)."""
    files: list[Path] = []
    problems: list[Problem] = []
    for path in scans:
        if path.is_dir():
            files += sorted(
                p for p in path.iterdir() if p.suffix.lower() in {*IMAGE_SUFFIXES, ".pdf"}
            )
        elif path.suffix.lower() in {*IMAGE_SUFFIXES, ".pdf"}:
            files.append(path)
        else:
            problems.append(
                Problem(
                    Location(display(path)),
                    f"not a scan: expected .pdf, .png, .jpg, .jpeg, .tif or .tiff, got "
                    f"'{path.suffix or 'no suffix'}'",
                )
            )
    if problems:
        raise InputError(problems)
    pages: list[PageRef] = []
    for path in files:
        try:
            pages += list_pages(path)
        except Exception as exc:  # noqa: BLE001 - pdfium raises its own PdfiumError
            problems.append(Problem(Location(display(path)), f"cannot open: {exc}"))
    if problems:
        raise InputError(problems)
    return pages


# Per worker process, set once by the pool's initializer (the layouts are too large to
# send with every page); the parent process never writes it.
_WORKER: dict[str, Layouts] = {}


def _init(layouts: Layouts) -> None:
    _WORKER["layouts"] = layouts


def _work(ref: PageRef) -> PageResult:
    return process(ref, _WORKER["layouts"])


def read_pages(
    pages: list[PageRef],
    layouts: Layouts,
    *,
    jobs: int,
    on_progress: Callable[[int, int], None] | None = None,
) -> list[PageResult]:
    results: list[PageResult] = []
    if jobs <= 1 or len(pages) < 4:
        for ref in pages:
            results.append(process(ref, layouts))
            if on_progress is not None:
                on_progress(len(results), len(pages))
        return results
    with ProcessPoolExecutor(max_workers=jobs, initializer=_init, initargs=(layouts,)) as pool:
        for result in pool.map(_work, pages, chunksize=2):
            results.append(result)
            if on_progress is not None:
                on_progress(len(results), len(pages))
    return results


def load_decisions(path: Path) -> dict[str, str]:
    """Decisions a reviewer wrote in an earlier review.csv (item -> decision)."""
    if not path.is_file():
        return {}
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError.single(display(path), f"cannot read: {exc}") from None
    reader = csv.DictReader(io.StringIO(text))
    if "item" not in (reader.fieldnames or []) or "decision" not in (reader.fieldnames or []):
        raise InputError.single(display(path), f"header must be {','.join(REVIEW_COLUMNS)}", 1, 1)
    return {
        (row.get("item") or "").strip(): (row.get("decision") or "").strip()
        for row in reader
        if (row.get("decision") or "").strip()
    }


def _valid_answer(decision: str, kind: str, choices: int) -> str | None:
    """The decision in responses.csv notation, or None when it does not fit the question."""
    if decision.lower() == BLANK:
        return ""
    text = decision.strip().upper()
    if kind in ("mcq", "multi"):
        letters = [p.strip() for p in text.split(",") if p.strip()]
        allowed = LETTERS[:choices] if choices else LETTERS
        if (
            not letters
            or any(x not in allowed for x in letters)
            or len(set(letters)) != len(letters)
        ):
            return None
        if kind == "mcq" and len(letters) != 1:
            return None
        return ",".join(sorted(letters))
    if kind == "tf":
        return text if text in ("T", "F") else None
    try:
        float(decision)
    except ValueError:
        return None
    return decision.strip()


def _answer_check(kind: str, choices: int) -> Callable[[str], str | None]:
    def check(decision: str) -> str | None:
        return _valid_answer(decision, kind, choices)

    return check


class _Review:
    """Builds review items, applying the decisions of an earlier run."""

    def __init__(self, decisions: dict[str, str]) -> None:
        self.decisions = decisions
        self.items: list[Item] = []

    def flag(self, item: Item, check: Callable[[str], str | None]) -> str | None:
        """The accepted decision for ``item`` (recorded as closed), or None (left open)."""
        decision = self.decisions.get(item.item, "")
        item.decision = decision
        accepted = check(decision) if decision else None
        if accepted is not None:
            item.open = False
        elif decision:
            item.problem += f" [decision {decision!r} not understood]"
        self.items.append(item)
        return accepted


def _page_item(result: PageResult, suffix: str, question: str, problem: str, **extra: str) -> Item:
    return Item(
        item=f"{result.ref.path.name}#{result.ref.index + 1}/{suffix}",
        file=result.ref.path.name,
        page=str(result.ref.index + 1),
        sheet=result.sheet,
        student=extra.get("student", ""),
        question=question,
        problem=problem,
        seen=extra.get("seen", ""),
        crop=extra.get("crop", result.picture),
    )


def _ignore(decision: str) -> str | None:
    return decision if decision.lower() == IGNORE else None


def _duplicate(review: _Review, results: list[PageResult], student: str, what: str) -> None:
    """Flag every page of a duplicate student; 'ignore' on the wrong ones settles it."""
    for result in results:
        item = _page_item(
            result, "page", "", f"duplicate student: {student} {what}", student=student
        )
        review.flag(item, _ignore)


def assemble(
    results: list[PageResult], layouts: Layouts, question_count: int, decisions: dict[str, str]
) -> Outcome:
    review = _Review(decisions)
    # student -> sheet page -> (result, answers); answers None when a cell is still open
    students: dict[str, dict[tuple[str, int], list[tuple[PageResult, dict[int, str | None]]]]] = {}
    notes: list[str] = []
    held: set[str] = set()
    pages_of: dict[str, set[int]] = {}
    for sheet, page in layouts.pages:
        pages_of.setdefault(sheet, set()).add(page)
    for result in results:
        page_key = f"{result.ref.path.name}#{result.ref.index + 1}/page"
        if result.status != "ok":
            review.flag(_page_item(result, "page", "", result.message), _ignore)
            continue
        if decisions.get(page_key, "").lower() == IGNORE:
            review.flag(_page_item(result, "page", "", "page set aside by the reviewer"), _ignore)
            continue
        types = layouts.types.get(result.sheet, {})
        student: str | None = result.sheet
        id_reading = result.readings.get("id")
        if id_reading is not None:
            student = id_reading.value
            if student is None:
                student = review.flag(
                    _page_item(
                        result,
                        "id",
                        "id",
                        f"student id unreadable: {id_reading.problem}",
                        seen=id_reading.seen,
                        crop=result.crops.get("id", result.picture),
                    ),
                    lambda d: d if d.replace("-", "").isalnum() else None,
                )
        answers: dict[int, str | None] = {}
        for name, reading in result.readings.items():
            if name == "id":
                continue
            number = int(name[1:])
            value = reading.value
            if value is None:
                kind = types.get(number, "mcq")
                choices = sum(1 for c in result.cells if c.field == name)
                value = review.flag(
                    _page_item(
                        result,
                        name,
                        str(number),
                        f"{kind}: {reading.problem}",
                        student=student or "",
                        seen=reading.seen,
                        crop=result.crops.get(name, result.picture),
                    ),
                    _answer_check(kind, choices),
                )
            answers[number] = value
        if student is None:
            continue  # its id item is open; its cells are listed for the same review pass
        students.setdefault(student, {}).setdefault((result.sheet, result.page), []).append(
            (result, answers)
        )
    rows: list[list[str]] = []
    for student in sorted(students):
        sheets = students[student]
        versions = sorted({s for s, _ in sheets})
        ok = True
        if len(versions) > 1:
            every = [result for copies in sheets.values() for result, _ in copies]
            _duplicate(review, every, student, f"has sheets {', '.join(versions)}")
            held.add(student)
            continue
        version = versions[0]
        merged: dict[int, str | None] = {}
        for (_, page), copies in sorted(sheets.items()):
            distinct = {json.dumps(a, sort_keys=True) for _, a in copies}
            if len(distinct) > 1:
                names = ", ".join(r.ref.name for r, _ in copies)
                _duplicate(
                    review,
                    [r for r, _ in copies],
                    student,
                    f"sheet {version} page {page} read differently on {names}",
                )
                ok = False
                continue
            if len(copies) > 1:
                notes.append(
                    f"{student} sheet {version} page {page} scanned {len(copies)} times "
                    f"({', '.join(r.ref.name for r, _ in copies)}), read the same: kept once"
                )
            merged.update(copies[0][1])
        for missing in sorted(pages_of.get(version, set()) - {p for _, p in sheets}):
            item = Item(
                item=f"missing/{version}/{student}/p{missing}",
                file="",
                page="",
                sheet=version,
                student=student,
                question="",
                problem=f"page {missing} of sheet {version} is missing for {student} "
                "(decision 'blank': its answers count as not given)",
            )
            if review.flag(item, lambda d: d if d.lower() == BLANK else None) is None:
                ok = False
        if not ok or any(v is None for v in merged.values()):
            held.add(student)
            continue
        rows.append(
            [student, version, *(merged.get(n) or "" for n in range(1, question_count + 1))]
        )
    for student in sorted(held):
        notes.append(f"{student}: held back from responses.csv until review.csv is decided")
    return Outcome(results, review.items, rows, sorted(held), notes)


def responses_csv(rows: list[list[str]], question_count: int) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["student_id", "version", *range(1, question_count + 1)])
    writer.writerows(rows)
    return out.getvalue()


def review_csv(items: list[Item]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(REVIEW_COLUMNS)
    # Open items first: they are what the reviewer has to do.
    writer.writerows(i.row() for i in sorted(items, key=lambda i: (not i.open, i.item)))
    return out.getvalue()


def default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def unread_questions(layouts: Layouts) -> list[str]:
    """Questions with no bubbles on the sheet (short, code, numeric without a grid)."""
    on_sheet = {
        (sheet, int(b["field"][1:].split(".")[0]))
        for (sheet, _), page in layouts.pages.items()
        for b in page["bubbles"]
        if b["field"].startswith("q")
    }
    missing: dict[int, str] = {}
    for sheet, types in layouts.types.items():
        for number, kind in types.items():
            if (sheet, number) not in on_sheet:
                missing.setdefault(number, kind)
    return [f"{n} ({k})" for n, k in sorted(missing.items())]


def run(
    scans: list[Path],
    paper: Path,
    out: Path,
    *,
    jobs: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> Outcome:
    """Read every page, join them into students and write the four outputs."""
    from questionbank.scan_report import write_report

    out.mkdir(parents=True, exist_ok=True)
    layouts = load_layouts(paper, out)
    key = load_key(paper / "answer-key.csv")
    pages = collect_pages(scans)
    if not pages:
        raise InputError.single(", ".join(map(str, scans)) or ".", "no pages to read")
    decisions = load_decisions(out / "review.csv")
    results = read_pages(pages, layouts, jobs=jobs or default_jobs(), on_progress=on_progress)
    outcome = assemble(results, layouts, key.question_count, decisions)
    unread = unread_questions(layouts)
    if unread:
        outcome.notes.insert(
            0,
            f"questions {', '.join(unread)} have no bubbles on the sheet: their columns in "
            "responses.csv are left empty, to be filled in by hand",
        )
    (out / "responses.csv").write_text(
        responses_csv(outcome.rows, key.question_count), encoding="utf-8", newline="\n"
    )
    (out / "review.csv").write_text(review_csv(outcome.items), encoding="utf-8", newline="\n")
    write_report(outcome, out)
    return outcome


def summary(outcome: Outcome) -> tuple[str, list[Any]]:
    read = sum(1 for r in outcome.results if r.status == "ok")
    text = (
        f"{len(outcome.results)} page(s), {read} read; {len(outcome.rows)} student(s) in "
        f"responses.csv; {len(outcome.open_items)} item(s) in review.csv need a decision"
    )
    return text, outcome.notes
