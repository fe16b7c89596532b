"""`qbank stats`: accuracy per topic and in total, from the answer history.

Works from the history alone (each answer keeps its topic), so it needs no bank and
still counts questions since removed from it. ``recall`` is FSRS's average recall
probability of the topic's questions now: the weakest topics have the lowest.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from questionbank.history import AnswerRecord


def stats_data(answers: Sequence[AnswerRecord], *, at: datetime) -> dict[str, Any]:
    from questionbank.scheduler import Planner, topic_recall

    planner = Planner()
    recall = topic_recall(planner, planner.memories(answers), at)
    rows: dict[str, dict[str, Any]] = {}
    for answer in answers:
        row = rows.setdefault(
            answer.topic,
            {
                "topic": answer.topic,
                "answered": 0,
                "skipped": 0,
                "correct": 0,
                "points": 0.0,
                "max_points": 0.0,
                "questions": set(),
            },
        )
        row["questions"].add(answer.question_id)
        if answer.skipped:
            row["skipped"] += 1
            continue
        row["answered"] += 1
        row["correct"] += answer.correct
        row["points"] += answer.fraction * answer.points
        row["max_points"] += answer.points
    topics = []
    for topic in sorted(rows):
        row = rows[topic]
        row["questions"] = len(row["questions"])
        row["accuracy"] = round(row["correct"] / row["answered"], 4) if row["answered"] else None
        row["points"] = round(row["points"], 4)
        row["recall"] = round(recall[topic], 4) if topic in recall else None
        topics.append(row)
    answered = sum(r["answered"] for r in topics)
    correct = sum(r["correct"] for r in topics)
    totals = {
        "answered": answered,
        "skipped": sum(r["skipped"] for r in topics),
        "correct": correct,
        "accuracy": round(correct / answered, 4) if answered else None,
        "points": round(sum(r["points"] for r in topics), 4),
        "max_points": sum(r["max_points"] for r in topics),
        "questions": len({a.question_id for a in answers}),
    }
    return {"totals": totals, "topics": topics}


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _points(got: float, total: float) -> str:
    return f"{round(got, 2):g}/{round(total, 2):g}"


def stats_table(console: Console, data: dict[str, Any], *, history_path: str) -> None:
    totals = data["totals"]
    if not totals["answered"] and not totals["skipped"]:
        console.print(f"No answers yet in {history_path}. Start with: qbank quiz")
        return
    table = Table(header_style="bold", show_footer=True)
    columns = (
        "topic",
        "questions",
        "answered",
        "correct",
        "accuracy",
        "points",
        "skipped",
        "recall",
    )
    headers = dict(
        zip(
            columns,
            ("topic", "qs", "answered", "right", "acc.", "points", "skipped", "recall"),
            strict=True,
        )
    )
    footer = {
        "topic": "total",
        "questions": str(totals["questions"]),
        "answered": str(totals["answered"]),
        "correct": str(totals["correct"]),
        "accuracy": _pct(totals["accuracy"]),
        "points": _points(totals["points"], totals["max_points"]),
        "skipped": str(totals["skipped"]),
        "recall": "",
    }
    for name in columns:
        table.add_column(
            headers[name],
            footer=footer[name],
            justify="left" if name == "topic" else "right",
            overflow="fold",
            no_wrap=name != "topic",
        )
    for row in data["topics"]:
        table.add_row(
            row["topic"],
            str(row["questions"]),
            str(row["answered"]),
            str(row["correct"]),
            _pct(row["accuracy"]),
            _points(row["points"], row["max_points"]),
            str(row["skipped"]),
            _pct(row["recall"]),
        )
    console.print(table)
    console.print(f"history: {history_path}")
