"""Grade stage, second half: classical item analysis of graded answer sheets.

Items are keyed by question_id, so a question's statistics pool every version it
appeared in. Definitions (item score s = points earned / points possible, 0..1;
total T = a student's score):

- difficulty index p: the mean of s;
- discrimination D (upper–lower 27%): students ranked by T (ties keep file order);
  g = round(0.27 n) students at each end; D = mean s of the upper g − of the lower g;
- point-biserial r: the Pearson correlation of s with T (T includes the item);
- reliability: Cronbach's α on the points actually awarded (so items weigh what they
  weigh in T) for the items every student sat, with population variances. When every
  item scores 0 or 1 point this is exactly KR-20, and only then is it named so.

A parametric question pools its versions' statistics; where the versions drew
different numbers, each version's parameters, key and difficulty are listed too.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from questionbank.describe import LETTERS, number_text
from questionbank.sheets import CHOICE_TYPES, AnswerKey, Graded, KeyEntry

GROUP_FRACTION = 0.27
HARD, EASY, LOW_D = 0.2, 0.9, 0.2


@dataclass(frozen=True)
class OptionCount:
    label: str  # a bank letter (with the manifest) or the printed letter
    text: str
    correct: bool
    count: int
    upper: int
    lower: int


@dataclass(frozen=True)
class VersionParams:
    """One version of a parametric question: the numbers it drew that differ."""

    version: str
    params: dict[str, str]
    answer: str
    n: int
    p: float | None


@dataclass(frozen=True)
class ItemStats:
    question_id: str
    type: str
    points: float
    numbers: dict[str, int]
    n: int
    p: float
    discrimination: float | None
    point_biserial: float | None
    options: list[OptionCount]
    omitted: int
    flags: list[str]
    versions: list[VersionParams] = field(default_factory=list)

    @property
    def where(self) -> str:
        numbers = sorted(set(self.numbers.values()))
        if len(numbers) == 1:
            return f"Q{numbers[0]}"
        return ", ".join(f"{v}:Q{n}" for v, n in sorted(self.numbers.items()))


@dataclass(frozen=True)
class Analysis:
    students: int
    max_score: float
    mean: float
    sd: float
    median: float
    reliability: float | None
    reliability_name: str
    reliability_items: int  # items every student sat, which the reliability is computed on
    group_size: int
    items: list[ItemStats]
    histogram: list[tuple[str, int]]
    flags: list[str] = field(default_factory=list)


def _round_half_up(x: float) -> int:
    return math.floor(x + 0.5)


def _pearson(x: np.ndarray, y: np.ndarray) -> float | None:
    if len(x) < 2 or float(np.std(x)) == 0.0 or float(np.std(y)) == 0.0:
        return None
    return float(np.corrcoef(x, y)[0, 1])


def _histogram(scores: list[float], max_score: float) -> list[tuple[str, int]]:
    if max_score <= 20 and all(float(s).is_integer() for s in scores) and max_score.is_integer():
        return [(str(v), sum(1 for s in scores if s == v)) for v in range(int(max_score) + 1)]
    bins = 10
    width = max_score / bins
    counts = [0] * bins
    for s in scores:
        counts[min(bins - 1, max(0, int(s / width)))] += 1
    return [
        (f"{number_text(round(i * width, 2))}–{number_text(round((i + 1) * width, 2))}", c)
        for i, c in enumerate(counts)
    ]


def _options(
    entries: list[tuple[int, KeyEntry, str]],
    upper: set[int],
    lower: set[int],
    texts: dict[str, str],
) -> tuple[list[OptionCount], int]:
    """Counts per choice; ``entries`` = (student index, key entry, normalized answer)."""
    merged = all(e.bank_order for _, e, _ in entries)
    versions = {e.version for _, e, _ in entries}
    counts: dict[str, list[int]] = {}
    correct: dict[str, bool] = {}
    omitted = 0
    for student, entry, answer in entries:
        labels: list[str] = []
        for i, letter in enumerate(LETTERS[: entry.choice_count or 0] if merged else ()):
            label = LETTERS[entry.bank_order[i]]
            correct[label] = letter in entry.letters
            counts.setdefault(label, [0, 0, 0])
        if not answer:
            omitted += 1
            continue
        for letter in answer.split(","):
            if entry.type == "tf":
                label = letter
                correct[label] = letter in entry.letters
            elif merged:
                label = LETTERS[entry.bank_order[LETTERS.index(letter)]]
            else:
                label = letter if len(versions) == 1 else f"{entry.version}:{letter}"
                correct[label] = letter in entry.letters
            labels.append(label)
        for label in labels:
            row = counts.setdefault(label, [0, 0, 0])
            row[0] += 1
            row[1] += student in upper
            row[2] += student in lower
    options = [
        OptionCount(label, texts.get(label, ""), correct.get(label, False), *counts[label])
        for label in sorted(counts)
    ]
    return options, omitted


def analyse(graded: Graded, key: AnswerKey) -> Analysis:
    """Statistics of every item and of the whole test."""
    sheets = graded.sheets
    n = len(sheets)
    totals = np.array([s.score for s in sheets], dtype=float)
    max_score = max((key.max_score(s.version) for s in sheets), default=0.0)
    order = sorted(range(n), key=lambda i: (-totals[i], i))
    group = max(1, _round_half_up(GROUP_FRACTION * n)) if n else 0
    first_version = sorted(key.versions)[0]
    ids: list[str] = [e.question_id for _, e in sorted(key.versions[first_version].items())]
    for version in sorted(key.versions):
        ids += [
            e.question_id
            for _, e in sorted(key.versions[version].items())
            if e.question_id not in ids
        ]
    items: list[ItemStats] = []
    columns: list[np.ndarray] = []
    for qid in ids:
        rows = []
        for i, sheet in enumerate(sheets):
            for number, entry in key.versions[sheet.version].items():
                if entry.question_id == qid:
                    rows.append(
                        (i, entry, sheet.answers.get(number, ""), sheet.points.get(number, 0.0))
                    )
        if not rows:
            continue
        entry0 = rows[0][1]
        students = [r[0] for r in rows]
        s = np.array([r[3] / r[1].points for r in rows], dtype=float)
        ranked = [i for i in order if i in set(students)]
        g = max(1, _round_half_up(GROUP_FRACTION * len(ranked)))
        upper, lower = set(ranked[:g]), set(ranked[-g:])
        index = {student: k for k, student in enumerate(students)}
        d = (
            float(np.mean([s[index[i]] for i in upper]) - np.mean([s[index[i]] for i in lower]))
            if len(ranked) >= 2
            else None
        )
        r = _pearson(s, totals[students])
        options: list[OptionCount] = []
        omitted = sum(1 for row in rows if not row[2])
        if entry0.type in CHOICE_TYPES or entry0.type == "tf":
            options, omitted = _options(
                [(row[0], row[1], row[2]) for row in rows],
                upper,
                lower,
                key.choice_texts.get(qid, {}),
            )
        if len(students) == n:
            columns.append(np.array([row[3] for row in rows], dtype=float))
        stats = ItemStats(
            question_id=qid,
            type=entry0.type,
            points=entry0.points,
            numbers={row[1].version: row[1].number for row in rows},
            n=len(rows),
            p=float(np.mean(s)),
            discrimination=d,
            point_biserial=r,
            options=options,
            omitted=omitted,
            flags=[],
            versions=_version_params(key.params.get(qid, {}), rows),
        )
        items.append(_flagged(stats))
    reliability, name = _reliability(columns)
    flags = [f"{it.where} ({it.question_id}): {flag}" for it in items for flag in it.flags]
    return Analysis(
        students=n,
        max_score=max_score,
        mean=float(np.mean(totals)) if n else 0.0,
        sd=float(np.std(totals)) if n else 0.0,
        median=float(np.median(totals)) if n else 0.0,
        reliability=reliability,
        reliability_name=name,
        reliability_items=len(columns),
        group_size=group,
        items=items,
        histogram=_histogram([float(t) for t in totals], max_score),
        flags=flags,
    )


def _reliability(columns: list[np.ndarray]) -> tuple[float | None, str]:
    """Cronbach's α of the points awarded per item (columns); KR-20 when all are 0/1."""
    if not columns:
        return None, "Cronbach's α"
    matrix = np.column_stack(columns)
    dichotomous = bool(np.all((matrix == 0) | (matrix == 1)))
    name = "KR-20" if dichotomous else "Cronbach's α"
    total_var = float(np.var(matrix.sum(axis=1)))
    k = matrix.shape[1]
    if k < 2 or total_var == 0.0:
        return None, name
    return k / (k - 1) * (1 - float(np.var(matrix, axis=0).sum()) / total_var), name


def _param_text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return number_text(value)


def _version_params(
    params: dict[str, dict[str, Any]], rows: list[tuple[int, KeyEntry, str, float]]
) -> list[VersionParams]:
    """Each version's parameters that differ between versions (none: nothing to show)."""
    if len(params) < 2:
        return []
    names = sorted({name for drawn in params.values() for name in drawn})
    differ = [
        name for name in names if len({_param_text(d.get(name)) for d in params.values()}) > 1
    ]
    if not differ:
        return []
    out = []
    for version in sorted(params):
        mine = [row for row in rows if row[1].version == version]
        shown = {name: _param_text(params[version].get(name)) for name in differ}
        answer = mine[0][1].answer if mine else ""
        p = float(np.mean([r[3] / r[1].points for r in mine])) if mine else None
        out.append(VersionParams(version, shown, answer, len(mine), p))
    return out


def _flagged(item: ItemStats) -> ItemStats:
    flags: list[str] = []
    d, r = item.discrimination, item.point_biserial
    if (d is not None and d < 0) or (r is not None and r < 0):
        shown = f"D = {d:.2f}" if d is not None else f"r = {r:.2f}"
        flags.append(f"negative discrimination ({shown}) — check the key")
    elif d is not None and d < LOW_D:
        flags.append(f"low discrimination (D = {d:.2f})")
    if item.p < HARD:
        flags.append(f"very hard (p = {item.p:.2f})")
    elif item.p > EASY:
        flags.append(f"very easy (p = {item.p:.2f})")
    if item.type in CHOICE_TYPES:
        key_upper = max((o.upper for o in item.options if o.correct), default=0)
        for option in item.options:
            if option.correct:
                continue
            if option.count == 0:
                flags.append(f"distractor {option.label} chosen by nobody")
            elif option.upper > key_upper:
                flags.append(
                    f"distractor {option.label} draws more of the top group than the key "
                    "— check the key"
                )
    return ItemStats(**{**item.__dict__, "flags": flags})
