"""`qbank stats`: accuracy per topic and in total, from the answer history.

Works from the history alone (each answer keeps its topic), so it still counts
questions since removed from the bank; the bank, when it loads, adds how many
questions are new. Two measures are kept apart and labelled: ``accuracy`` is the
share of answers that were right; ``recall`` is FSRS's estimate of remembering the
topic's questions *now* (its retrievability), which is high just after any answer,
right or wrong, and falls with time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from questionbank import models
from questionbank.history import AnswerRecord


def stats_data(
    answers: Sequence[AnswerRecord],
    *,
    at: datetime,
    questions: Sequence[models.AnyQuestion] | None = None,
) -> dict[str, Any]:
    """Per topic and in total; ``questions`` (the bank's quizzable ones, if it loaded)
    adds the count of questions never answered."""
    from questionbank.scheduler import Planner, topic_recall

    planner = Planner()
    memories = planner.memories(answers)
    recall = topic_recall(planner, memories, at)
    due = Counter(m.topic for m in memories.values() if m.card.due <= at)
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
        row["due"] = due[topic]
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
    later = [m.card.due for m in memories.values() if m.card.due > at]
    review = {
        "due": sum(due.values()),
        "new": None if questions is None else sum(q.id not in memories for q in questions),
        "next_review": min(later).isoformat() if later else None,
    }
    return {"totals": totals, "topics": topics, "review": review}


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _points(got: float, total: float) -> str:
    return f"{round(got, 2):g}/{round(total, 2):g}"


_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "empty": "No answers yet in {path}. Start with: qbank quiz",
        "topic": "topic",
        "questions": "qs",
        "answered": "answered",
        "correct": "right",
        "accuracy": "accuracy",
        "points": "points",
        "skipped": "skips",
        "due": "due",
        "recall": "recall now",
        "total": "total",
        "explain": "accuracy: the share of your answers that were right. recall now: FSRS's "
        "estimate that you would remember the topic's questions today; high just after any "
        "answer, it falls with time, and a question is due when it drops to 90%.",
        "history": "history: {path}",
    },
    "zh-TW": {
        "empty": "{path} 還沒有作答紀錄。從這裡開始：qbank quiz",
        "topic": "主題",
        "questions": "題數",
        "answered": "作答",
        "correct": "答對",
        "accuracy": "正確率",
        "points": "得分",
        "skipped": "略過",
        "due": "到期",
        "recall": "目前記憶",
        "total": "合計",
        "explain": "正確率：你答對的比例。目前記憶：FSRS 估計你今天仍記得此主題題目的機率；"
        "剛作答後很高，隨時間下降，降到 90% 時該題到期、需要複習。",
        "history": "作答紀錄：{path}",
    },
}


def stats_table(
    console: Console,
    data: dict[str, Any],
    *,
    history_path: str,
    at: datetime,
    lang: str = "en",
) -> None:
    words = _WORDS["zh-TW" if lang == "zh-TW" else "en"]
    totals = data["totals"]
    if not totals["answered"] and not totals["skipped"]:
        console.print(words["empty"].format(path=history_path), soft_wrap=True)
        return
    # Light borders and no edge padding: nine columns fit in 80 terminal columns.
    table = Table(
        header_style="bold",
        show_footer=True,
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        show_edge=False,
        collapse_padding=True,
    )
    columns = {
        name: words[name]
        for name in (
            "topic",
            "questions",
            "answered",
            "correct",
            "accuracy",
            "points",
            "skipped",
            "due",
            "recall",
        )
    }
    footer = {
        "topic": words["total"],
        "questions": str(totals["questions"]),
        "answered": str(totals["answered"]),
        "correct": str(totals["correct"]),
        "accuracy": _pct(totals["accuracy"]),
        "points": _points(totals["points"], totals["max_points"]),
        "skipped": str(totals["skipped"]),
        "due": str(data["review"]["due"]),
        "recall": "",
    }
    for name, header in columns.items():
        table.add_column(
            header,
            footer=footer[name],
            justify="left" if name == "topic" else "right",
            no_wrap=True,
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
            str(row["due"]),
            _pct(row["recall"]),
        )
    console.print(table)
    console.print(words["explain"], style="dim")
    console.print(_outlook(data["review"], at=at, lang=lang), highlight=False)
    console.print(words["history"].format(path=history_path), soft_wrap=True)


def _outlook(review: dict[str, Any], *, at: datetime, lang: str = "en") -> str:
    from questionbank.scheduler import Outlook

    nxt = review["next_review"]
    outlook = Outlook(
        due=review["due"],
        new=review["new"] if review["new"] is not None else 0,
        next_due=datetime.fromisoformat(nxt) if nxt else None,
    )
    text = outlook.line(lang="zh-TW" if lang == "zh-TW" else "en", at=at)
    if review["new"] is not None:
        return text
    return text.replace(" · new: 0", "").replace(" · 新題 0 題", "")
