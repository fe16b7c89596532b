"""qbank scan, end to end on synthetic scans made from the real sheets and their layout.

spec -> qbank paper -> sheet PDFs -> filled and degraded scans -> qbank scan ->
responses.csv -> qbank grade-sheet -> the scores the synthetic answers should get.
A few dozen pages only; the 2,000-page accuracy run is bench/bench_scan.py.
"""

from __future__ import annotations

import csv
import json
import random
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from questionbank.cli import cli
from tests.papers_support import BANK, PER_STUDENT, SPEC
from tests.scan_synth import (
    MARKED,
    Style,
    blank_page,
    encode,
    fill_page,
    key_types,
    style_for,
    write_pdf,
)


def _paper(folder: Path, spec_text: str, name: str = "exam.yaml") -> Path:
    spec = folder / name
    spec.write_text(spec_text, encoding="utf-8")
    out = folder / f"paper-{spec.stem}"
    result = CliRunner().invoke(cli, ["--bank", str(BANK), "paper", str(spec), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def paper(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("scan")
    return _paper(folder, SPEC.read_text(encoding="utf-8") + "sheet: {numeric_grid: 5}\n")


def _layout(paper: Path) -> dict:
    return json.loads((paper / "sheet-layout.json").read_text(encoding="utf-8"))


def _scan(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["scan", *args])
    return result.exit_code, result.output


def _rescan_with_decisions(
    items: list[dict[str, str]], scans: Path, paper: Path, out: Path
) -> None:
    """Write the reviewer's decisions into review.csv and scan again: it must then succeed."""
    with (out / "review.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(items[0]))
        writer.writeheader()
        writer.writerows(items)
    code, output = _scan(str(scans), "--paper", str(paper), "--out", str(out))
    assert code == 0, output


def _grade(paper: Path, responses: Path, out: Path) -> list[list[str]]:
    result = CliRunner().invoke(
        cli, ["grade-sheet", str(paper / "answer-key.csv"), str(responses), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    with (out / "scores.csv").open(encoding="utf-8") as handle:
        return list(csv.reader(handle))


def _responses(path: Path, rows: list[list[str]], count: int) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["student_id", "version", *range(1, count + 1)])
        writer.writerows(sorted(rows))
    return path


def _make_pages(
    paper: Path, count: int, levels: list[str], seed: int, **tweaks: object
) -> list[tuple[np.ndarray, Style, dict]]:
    layout = _layout(paper)
    types = key_types(paper)
    rng, nrng = random.Random(seed), np.random.default_rng(seed)
    pages = []
    for n in range(count):
        page = layout["sheets"][n % len(layout["sheets"])]
        style = replace(style_for(levels[n % len(levels)], rng), **tweaks)
        student = f"{41100000 + seed * 100 + n:09d}"
        image, answers, truth = fill_page(
            paper, page, types[page["sheet"]], style, rng, nrng, student
        )
        pages.append(
            (
                image,
                style,
                {"sheet": page["sheet"], "student": student, "answers": answers, "cells": truth},
            )
        )
    return pages


def test_clean_scans_grade_to_the_scores_the_answers_deserve(paper: Path, tmp_path: Path) -> None:
    # Full fills only: a partial fill is flagged for review (tested below).
    pages = _make_pages(paper, 8, ["clean"], seed=1, partial=0.0)
    scans = tmp_path / "scans"
    scans.mkdir()
    for n, (image, style, _) in enumerate(pages[:4]):
        (scans / f"page{n}.{'png' if style.jpeg is None else 'jpg'}").write_bytes(
            encode(image, style)
        )
    cv2.imwrite(str(scans / "page4.tif"), pages[4][0])
    write_pdf([image for image, _, _ in pages[5:]], scans / "feeder.pdf")
    code, output = _scan(
        str(scans), "--paper", str(paper), "--out", str(tmp_path / "out"), "--jobs", "2"
    )
    assert code == 0, output
    assert "8 page(s), 8 read; 8 student(s) in responses.csv; 0 item(s)" in output
    count = max(int(n) for types in key_types(paper).values() for n in types)
    # short and code questions are not on the sheet: graded by hand, so left empty on both sides
    unread = {
        n for types in key_types(paper).values() for n, k in types.items() if k in ("short", "code")
    }
    expected = [
        [
            t["student"],
            t["sheet"],
            *(("" if q in unread else t["answers"].get(q, "")) for q in range(1, count + 1)),
        ]
        for _, _, t in pages
    ]
    want = _grade(paper, _responses(tmp_path / "expected.csv", expected, count), tmp_path / "g1")
    got = _grade(paper, tmp_path / "out" / "responses.csv", tmp_path / "g2")
    assert got == want
    assert len(got) == 9 and any(float(r[2]) > 0 for r in got[1:])
    report = (tmp_path / "out" / "scan-report.html").read_text(encoding="utf-8")
    assert report.count('class="sheet"') == 8
    assert len(list((tmp_path / "out" / "pages").glob("*.png"))) == 8


def _truth_decision(item: dict, truths: dict[str, dict]) -> str:
    """What a careful reviewer would write in review.csv for this item."""
    truth = truths.get(item["file"])
    if truth is None:  # the blank page
        return "ignore"
    if item["question"] == "id":
        return truth["student"]
    if item["question"]:
        value = truth["answers"][int(item["question"])]
        return value if value else "blank"
    return "ignore"


def test_degraded_scans_flag_instead_of_guessing_and_review_decisions_apply(
    paper: Path, tmp_path: Path
) -> None:
    pages = _make_pages(paper, 10, ["moderate", "hard"], seed=2)
    # Turned, shuffled, duplicated: page 0 upside down, page 3 scanned twice.
    pages[0][1].upside_down = True
    scans = tmp_path / "scans"
    scans.mkdir()
    truths: dict[str, dict] = {}
    order = list(range(len(pages)))
    random.Random(3).shuffle(order)
    for n in order:
        image, style, truth = pages[n]
        if n == 0:
            image = cv2.rotate(image, cv2.ROTATE_180)
        name = f"s{n:02d}.jpg"
        (scans / name).write_bytes(encode(image, replace(style, jpeg=style.jpeg or 80)))
        truths[name] = truth
    # A clean page scanned twice: identical readings, kept once.
    twice, style, truth = _make_pages(paper, 1, ["clean"], seed=6, partial=0.0)[0]
    pages.append((twice, style, truth))
    for name in ("twice.png", "twice-again.png"):
        (scans / name).write_bytes(encode(twice, replace(style, jpeg=None)))
        truths[name] = truth
    cv2.imwrite(str(scans / "blank.png"), blank_page(150, np.random.default_rng(0)))
    out = tmp_path / "out"
    code, output = _scan(str(scans), "--paper", str(paper), "--out", str(out))
    assert "scanned 2 times" in output  # the identical duplicate is kept once, and said so

    with (out / "review.csv").open(encoding="utf-8") as handle:
        items = list(csv.DictReader(handle))
    flagged = {(i["file"], i["question"]) for i in items}
    assert ("blank.png", "") in flagged
    # 0 silent errors: every answer and id written to responses.csv is the intended one.
    with (out / "responses.csv").open(encoding="utf-8") as handle:
        rows = {r["student_id"]: r for r in csv.DictReader(handle)}
    by_student = {t["student"]: t for t in truths.values()}
    for student, row in rows.items():
        truth = by_student[student]  # a wrong id read silently would fail here
        for number, answer in truth["answers"].items():
            assert row[str(number)] == answer, (student, number, truth["cells"])
    # Every deviation from a clean fill is flagged or read as intended, never misread.
    for name, truth in truths.items():
        for (field, value), kind in truth["cells"].items():
            if kind in ("tick", "cross") and field.startswith("q"):
                number = int(field[1:].split(".")[0])
                student = truth["student"]
                assert (name, str(number)) in flagged or row_has(rows, student, number, truth), (
                    name,
                    field,
                    value,
                )
    assert code == (1 if any(i["decision"] == "" for i in items) else 0)

    # The reviewer decides every open item; the next run applies the decisions.
    for item in items:
        item["decision"] = _truth_decision(item, truths)
    _rescan_with_decisions(items, scans, paper, out)
    with (out / "responses.csv").open(encoding="utf-8") as handle:
        rows = {r["student_id"]: r for r in csv.DictReader(handle)}
    assert sorted(rows) == sorted(t["student"] for _, _, t in pages)
    for student, row in rows.items():
        for number, answer in by_student[student]["answers"].items():
            assert row[str(number)] == answer


def row_has(rows: dict, student: str, number: int, truth: dict) -> bool:
    """A tick or cross read as the intended answer (allowed: it is what the student meant)."""
    row = rows.get(student)
    return row is not None and row[str(number)] == truth["answers"][number]


def test_a_sheet_of_another_exam_and_a_per_student_sheet(paper: Path, tmp_path: Path) -> None:
    other = _paper(
        tmp_path,
        PER_STUDENT.read_text(encoding="utf-8").replace(
            "roster.csv", str(PER_STUDENT.parent / "roster.csv")
        ),
        "other.yaml",
    )
    theirs = _make_pages(other, 2, ["clean"], seed=4, partial=0.0)
    ours = _make_pages(paper, 1, ["clean"], seed=5, partial=0.0)
    scans = tmp_path / "scans"
    scans.mkdir()
    for n, (image, style, _) in enumerate([*theirs, *ours]):
        (scans / f"p{n}.png").write_bytes(encode(image, replace(style, jpeg=None)))
    code, output = _scan(str(scans), "--paper", str(paper), "--out", str(tmp_path / "out"))
    assert code == 1
    with (tmp_path / "out" / "review.csv").open(encoding="utf-8") as handle:
        problems = {r["file"]: r["problem"] for r in csv.DictReader(handle)}
    assert problems.keys() == {"p0.png", "p1.png"}
    assert all(p.startswith("a sheet of another exam") for p in problems.values())
    # The same pages read against their own paper: per-student sheets carry the student id.
    code, output = _scan(
        *(str(scans / f"p{n}.png") for n in (0, 1)),
        "--paper",
        str(other),
        "--out",
        str(tmp_path / "own"),
    )
    assert code == 0, output
    with (tmp_path / "own" / "responses.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["student_id"], r["version"]) for r in rows] == [
        ("s1101", "s1101"),
        ("s1102", "s1102"),
    ]
    assert all(t["cells"] for _, _, t in theirs) and MARKED


def test_a_file_that_is_not_an_image_is_listed_for_review(paper: Path, tmp_path: Path) -> None:
    (tmp_path / "torn.jpg").write_bytes(b"not a jpeg")
    code, output = _scan(
        str(tmp_path / "torn.jpg"), "--paper", str(paper), "--out", str(tmp_path / "out")
    )
    assert code == 1 and "Traceback" not in output
    with (tmp_path / "out" / "review.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["item"], r["problem"]) for r in rows] == [
        ("torn.jpg#1/page", "the file cannot be decoded as an image")
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ["notes.txt"],
            "notes.txt: not a scan: expected .pdf, .png, .jpg, .jpeg, .tif or .tiff, got '.txt'",
            id="not-a-scan",
        ),
        pytest.param(
            ["empty-paper"],
            "no sheet-layout.json here (expected the folder `qbank paper` wrote)",
            id="no-layout",
        ),
    ],
)
def test_bad_input_is_one_clear_message(
    tmp_path: Path, paper: Path, args: list[str], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    (tmp_path / "empty-paper").mkdir()
    (tmp_path / "page.png").write_bytes(b"")
    target = str(paper) if args != ["empty-paper"] else "empty-paper"
    scans = args if args != ["empty-paper"] else ["page.png"]
    code, output = _scan(*scans, "--paper", target, "--out", "out")
    assert code == 1
    assert message in output
    assert "Traceback" not in output


def test_a_duplicate_student_is_flagged_and_settled_by_ignoring_one_page(
    paper: Path, tmp_path: Path
) -> None:
    layout, types = _layout(paper), key_types(paper)
    rng, nrng = random.Random(7), np.random.default_rng(7)
    scans = tmp_path / "scans"
    scans.mkdir()
    answers = []
    for n in range(2):  # two different papers, the same student id filled in
        style = replace(style_for("clean", rng), partial=0.0)
        page = layout["sheets"][0]
        image, meant, _ = fill_page(paper, page, types["A"], style, rng, nrng, "411000777")
        (scans / f"d{n}.png").write_bytes(encode(image, replace(style, jpeg=None)))
        answers.append(meant)
    assert answers[0] != answers[1]
    out = tmp_path / "out"
    code, _ = _scan(str(scans), "--paper", str(paper), "--out", str(out))
    assert code == 1
    with (out / "review.csv").open(encoding="utf-8") as handle:
        items = list(csv.DictReader(handle))
    assert [(i["item"], i["problem"]) for i in items] == [
        (
            f"d{n}.png#1/page",
            "duplicate student: 411000777 sheet A page 1 read differently on d0.png p1, d1.png p1",
        )
        for n in range(2)
    ]
    assert (out / "responses.csv").read_text(encoding="utf-8").count("\n") == 1  # header only
    items[0]["decision"] = "ignore"
    _rescan_with_decisions(items, scans, paper, out)
    with (out / "responses.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 1 and rows[0]["student_id"] == "411000777"
    assert all(rows[0][str(q)] == a for q, a in answers[1].items())
