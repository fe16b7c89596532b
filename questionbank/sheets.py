"""Load and grade stage for answer sheets: answer-key.csv + responses.csv -> scores.

The key is trusted output of ``qbank paper`` but still checked (a hand-edited key
with a bad row stops everything, with its line). Responses are typed by people, so a
malformed row is reported with its line number and skipped, never half-scored.
Answers use the key's notation: letters (``A``; multi ``A,C``), ``T``/``F``, a number,
a text, and for code questions the points the autograder gave.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from questionbank.describe import LETTERS, number_text
from questionbank.errors import InputError, Location, Problem
from questionbank.paths import display
from questionbank.render_paper import KEY_COLUMNS

CHOICE_TYPES = ("mcq", "multi")
_NUMERIC = re.compile(r"^(?P<value>[-+]?[^±]+?)(?:±(?P<tol>[^%]+)(?P<pct>%)?)?$")


@dataclass(frozen=True)
class KeyEntry:
    version: str
    number: int
    question_id: str
    type: str
    answer: str
    points: float
    line: int
    letters: frozenset[str] = frozenset()
    value: float = 0.0
    tol_abs: float = 0.0
    tol_rel: float = 0.0
    accepted: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    choice_count: int | None = None  # from manifest.json, when there is one
    bank_order: tuple[int, ...] = ()  # bank index of each printed choice (manifest)


@dataclass
class AnswerKey:
    file: str
    versions: dict[str, dict[int, KeyEntry]]
    # Per question id, bank letter -> choice text (first language), from manifest.json.
    choice_texts: dict[str, dict[str, str]] = field(default_factory=dict)
    # Per question id, version -> the parameters its instance drew (manifest.json).
    params: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)

    @property
    def question_count(self) -> int:
        return max((len(v) for v in self.versions.values()), default=0)

    def max_score(self, version: str) -> float:
        return sum(e.points for e in self.versions[version].values())


def _normalize(text: str) -> str:
    return " ".join(text.split()).casefold()


def _parse_entry(row: dict[str, str], line: int, file: str) -> tuple[KeyEntry | None, str | None]:
    kind = row["type"].strip()
    answer = row["answer"].strip()
    try:
        number = int(row["number"])
        points = float(row["points"])
    except ValueError:
        return None, "number must be a whole number and points a number"
    base: dict[str, Any] = dict(
        version=row["version"].strip(),
        number=number,
        question_id=row["question_id"].strip(),
        type=kind,
        answer=answer,
        points=points,
        line=line,
    )
    if kind in CHOICE_TYPES or kind == "tf":
        letters = [p.strip() for p in answer.split(",") if p.strip()]
        allowed = ("T", "F") if kind == "tf" else LETTERS
        if (
            not letters
            or any(x not in allowed for x in letters)
            or (kind != "multi" and len(letters) != 1)
        ):
            expected = "T or F" if kind == "tf" else "letters such as A or A,C"
            return None, f"answer {answer!r} of a {kind} question (expected {expected})"
        return KeyEntry(**base, letters=frozenset(letters)), None
    if kind == "numeric":
        match = _NUMERIC.match(answer)
        bad = f"answer {answer!r} of a numeric question (expected 0.5, 0.5±0.01 or 0.5±2%)"
        if match is None:
            return None, bad
        try:
            value = float(match["value"])
            tol = float(match["tol"]) if match["tol"] else 0.0
        except ValueError:
            return None, bad
        rel = tol / 100 if match["pct"] else 0.0
        return KeyEntry(
            **base, value=value, tol_abs=0.0 if match["pct"] else tol, tol_rel=rel
        ), None
    if kind == "short":
        parts = [p.strip() for p in answer.split(" | ") if p.strip()]
        patterns = tuple(
            p[1:-1] for p in parts if len(p) > 1 and p.startswith("/") and p.endswith("/")
        )
        accepted = tuple(_normalize(p) for p in parts if not (len(p) > 1 and p[0] == p[-1] == "/"))
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                return None, f"pattern /{pattern}/ does not compile: {exc}"
        return KeyEntry(**base, accepted=accepted, patterns=patterns), None
    if kind == "code":
        return KeyEntry(**base), None
    return None, f"unknown question type {kind!r} (expected mcq, multi, tf, numeric, short, code)"


def load_key(path: Path, manifest: Path | None = None) -> AnswerKey:
    file = display(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError.single(file, f"cannot read the answer key: {exc}") from None
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != KEY_COLUMNS:
        raise InputError.single(
            file,
            f"header must be {','.join(KEY_COLUMNS)}, got {','.join(reader.fieldnames or [])}",
            1,
            1,
        )
    problems: list[Problem] = []
    versions: dict[str, dict[int, KeyEntry]] = {}
    for row in reader:
        line = reader.line_num
        if None in row or any(v is None for v in row.values()):
            problems.append(
                Problem(Location(file, line, 1), f"expected {len(KEY_COLUMNS)} columns")
            )
            continue
        entry, error = _parse_entry(row, line, file)
        if entry is None:
            problems.append(Problem(Location(file, line, 1), f"answer key: {error}"))
            continue
        numbers = versions.setdefault(entry.version, {})
        if entry.number in numbers:
            problems.append(
                Problem(
                    Location(file, line, 1),
                    f"version {entry.version} question {entry.number} is listed twice "
                    f"(first on line {numbers[entry.number].line})",
                )
            )
            continue
        numbers[entry.number] = entry
    for version, numbers in versions.items():
        if sorted(numbers) != list(range(1, len(numbers) + 1)):
            problems.append(
                Problem(Location(file), f"version {version}: question numbers must run 1..N")
            )
    if problems:
        raise InputError(problems)
    if not versions:
        raise InputError.single(file, "the answer key has no questions", 1, 1)
    key = AnswerKey(file=file, versions=versions)
    if manifest is not None:
        _apply_manifest(key, manifest)
    return key


def _apply_manifest(key: AnswerKey, path: Path) -> None:
    """Add choice counts and the bank order of choices (for distractor analysis)."""
    file = display(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        by_version = {v["version"]: v["questions"] for v in data["versions"]}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError.single(file, f"not a qbank manifest.json: {exc}") from None
    for version, entries in key.versions.items():
        for q in by_version.get(version, []):
            entry = entries.get(q.get("number"))
            if entry is None or entry.question_id != q.get("question_id"):
                raise InputError.single(
                    file, f"version {version} question {q.get('number')} does not match {key.file}"
                )
            if isinstance(q.get("params"), dict) and q["params"]:
                key.params.setdefault(entry.question_id, {})[version] = q["params"]
            order = q.get("bank_order")
            if isinstance(order, list):
                entries[entry.number] = _with(
                    entry, choice_count=len(order), bank_order=tuple(order)
                )
                texts: list[Any] = next(iter((q.get("choices") or {}).values()), [])
                key.choice_texts.setdefault(entry.question_id, {}).update(
                    (LETTERS[b], str(t)) for b, t in zip(order, texts, strict=False)
                )


def _with(entry: KeyEntry, **changes: Any) -> KeyEntry:
    return replace(entry, **changes)


@dataclass(frozen=True)
class Sheet:
    student_id: str
    version: str
    answers: dict[int, str]  # normalized answer per question number ("" = omitted)
    points: dict[int, float]
    line: int

    @property
    def score(self) -> float:
        return sum(self.points.values())


@dataclass
class Graded:
    sheets: list[Sheet]
    problems: list[Problem] = field(default_factory=list)


def _check_answer(entry: KeyEntry, raw: str) -> tuple[str | None, str]:
    """(normalized answer, '') or (None, what is wrong)."""
    text = raw.strip()
    if not text:
        return "", ""
    kind = entry.type
    if kind in CHOICE_TYPES:
        letters = [p.strip().upper() for p in text.split(",") if p.strip()]
        limit = LETTERS[: entry.choice_count] if entry.choice_count else LETTERS
        if (
            any(x not in limit for x in letters)
            or len(set(letters)) != len(letters)
            or (kind == "mcq" and len(letters) != 1)
        ):
            span = f"A-{limit[-1]}"
            want = f"one letter {span}" if kind == "mcq" else f"letters {span} joined by commas"
            return None, f"{raw!r} (expected {want})"
        return ",".join(sorted(letters)), ""
    if kind == "tf":
        value = text.upper()
        value = {"TRUE": "T", "FALSE": "F"}.get(value, value)
        if value not in ("T", "F"):
            return None, f"{raw!r} (expected T or F)"
        return value, ""
    if kind in ("numeric", "code"):
        try:
            number = float(text)
        except ValueError:
            return None, f"{raw!r} (expected a number)"
        if not math.isfinite(number):
            return None, f"{raw!r} (expected a finite number)"
        if kind == "code" and not 0 <= number <= entry.points:
            return None, f"{raw!r} (expected the points earned, 0 to {number_text(entry.points)})"
        return text, ""
    return text, ""


def score_answer(entry: KeyEntry, answer: str) -> float:
    """Points earned for a normalized answer (see :func:`_check_answer`)."""
    if answer == "":
        return 0.0
    kind = entry.type
    if kind == "mcq" or kind == "tf":
        return entry.points if answer in entry.letters else 0.0
    if kind == "multi":
        picked = set(answer.split(","))
        right = len(picked & entry.letters)
        wrong = len(picked - entry.letters)
        return entry.points * max(0.0, (right - wrong) / len(entry.letters))
    if kind == "numeric":
        given = float(answer)
        # The bound itself counts as right; 1e-9 absorbs float noise (0.88 - 0.875 > 0.005).
        allowed = max(entry.tol_abs, entry.tol_rel * abs(entry.value))
        allowed += 1e-9 * max(1.0, abs(entry.value))
        return entry.points if abs(given - entry.value) <= allowed else 0.0
    if kind == "short":
        if _normalize(answer) in entry.accepted:
            return entry.points
        if any(re.fullmatch(p, answer.strip(), re.IGNORECASE) for p in entry.patterns):
            return entry.points
        return 0.0
    return float(answer)  # code: the autograder's points, range-checked on reading


def grade(path: Path, key: AnswerKey) -> Graded:
    """Score every well-formed row of responses.csv; report the others by line."""
    file = display(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError.single(file, f"cannot read responses: {exc}") from None
    rows = list(csv.reader(io.StringIO(text)))
    count = key.question_count
    expected = ["student_id", "version", *(str(n) for n in range(1, count + 1))]
    if not rows or [c.strip() for c in rows[0]] != expected:
        got = ",".join(rows[0]) if rows else "an empty file"
        raise InputError.single(
            file, f"header must be {','.join(expected)} (one column per question), got {got}", 1, 1
        )
    graded = Graded(sheets=[])
    seen: dict[str, int] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue

        def skip(message: str, line: int = line) -> None:
            graded.problems.append(Problem(Location(file, line, 1), f"row skipped: {message}"))

        if len(row) != len(expected):
            skip(f"{len(row)} columns, expected {len(expected)}")
            continue
        student, version = row[0].strip(), row[1].strip()
        if not student:
            skip("empty student_id")
            continue
        if version not in key.versions:
            skip(f"unknown version {version!r} (the key has {', '.join(sorted(key.versions))})")
            continue
        if student in seen:
            skip(f"student {student} already has a row (line {seen[student]})")
            continue
        entries = key.versions[version]
        answers: dict[int, str] = {}
        errors: list[str] = []
        for number in range(1, count + 1):
            raw = row[number + 1]
            entry = entries.get(number)
            if entry is None:
                if raw.strip():
                    errors.append(f"Q{number}: version {version} has no question {number}")
                continue
            normalized, error = _check_answer(entry, raw)
            if normalized is None:
                errors.append(f"Q{number} ({entry.type}): {error}")
            else:
                answers[number] = normalized
        if errors:
            skip("; ".join(errors))
            continue
        seen[student] = line
        points = {n: score_answer(entries[n], a) for n, a in answers.items()}
        graded.sheets.append(Sheet(student, version, answers, points, line))
    return graded


def scores_csv(graded: Graded, key: AnswerKey) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    count = key.question_count
    writer.writerow(["student_id", "version", "score", "max_score", *range(1, count + 1)])
    for sheet in graded.sheets:
        writer.writerow(
            [
                sheet.student_id,
                sheet.version,
                number_text(round(sheet.score, 6)),
                number_text(key.max_score(sheet.version)),
                *(
                    number_text(round(sheet.points[n], 6)) if n in sheet.points else ""
                    for n in range(1, count + 1)
                ),
            ]
        )
    return out.getvalue()
