"""Spaced repetition: FSRS memory states replayed from the answer history.

Cards are not stored: each question's card is rebuilt by replaying its answers in
order, so two sessions writing at once can never leave a stale card behind, and a
change of rating rules applies to the whole past. A wrong or skipped answer rates
Again, a partly right one (or one helped by the hint) Hard, a right one Good.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from questionbank import models
from questionbank.history import AnswerRecord


def _fsrs() -> Any:
    import fsrs

    return fsrs


def rating_for(answer: AnswerRecord) -> Any:
    rating = _fsrs().Rating
    if answer.skipped or answer.fraction <= 0:
        return rating.Again
    if answer.fraction < 1 or answer.hint_used:
        return rating.Hard
    return rating.Good


@dataclass
class Memory:
    """What the history says about one question."""

    question_id: str
    topic: str
    card: Any  # fsrs.Card
    reviews: int = 0
    seeds: set[int] = field(default_factory=set)
    last_fraction: float = 0.0
    last_skipped: bool = False
    last_answered: datetime | None = None


class Planner:
    """FSRS with fuzzing off, so that the same history always gives the same plan."""

    def __init__(self, *, desired_retention: float = 0.9) -> None:
        self.scheduler = _fsrs().Scheduler(
            desired_retention=desired_retention, enable_fuzzing=False
        )

    def memories(self, answers: Iterable[AnswerRecord]) -> dict[str, Memory]:
        fsrs = _fsrs()
        found: dict[str, Memory] = {}
        for answer in sorted(answers, key=lambda a: a.answered_at):
            memory = found.get(answer.question_id)
            if memory is None:
                memory = found[answer.question_id] = Memory(
                    answer.question_id, answer.topic, fsrs.Card(card_id=len(found) + 1)
                )
            memory.card, _ = self.scheduler.review_card(
                memory.card, rating_for(answer), review_datetime=answer.answered_at
            )
            memory.reviews += 1
            memory.seeds.add(answer.seed)
            memory.last_fraction = answer.fraction
            memory.last_skipped = answer.skipped
            memory.last_answered = answer.answered_at
        return found

    def recall(self, memory: Memory, at: datetime) -> float:
        """The probability, by FSRS, of recalling the question at ``at``."""
        return float(self.scheduler.get_card_retrievability(memory.card, current_datetime=at))

    def due(
        self,
        questions: Sequence[models.AnyQuestion],
        memories: dict[str, Memory],
        *,
        at: datetime,
        limit: int,
    ) -> list[models.AnyQuestion]:
        """Due questions, weakest (lowest recall) first; then never-seen ones in course
        order (:func:`new_order`), up to ``limit``."""
        seen = [(q, memories[q.id]) for q in questions if q.id in memories]
        due = [(q, m) for q, m in seen if m.card.due <= at]
        due.sort(key=lambda qm: (self.recall(qm[1], at), qm[1].card.due, qm[0].id))
        chosen = [q for q, _ in due]
        chosen += new_order([q for q in questions if q.id not in memories])
        return chosen[:limit]

    def next_due(self, memories: Iterable[Memory]) -> datetime | None:
        return min((m.card.due for m in memories), default=None)

    def outlook(
        self, questions: Sequence[models.AnyQuestion], memories: dict[str, Memory], *, at: datetime
    ) -> Outlook:
        """How many of ``questions`` are due at ``at``, how many are new, and when the
        next one not yet due falls due."""
        seen = [memories[q.id] for q in questions if q.id in memories]
        later = [m for m in seen if m.card.due > at]
        return Outlook(
            due=len(seen) - len(later),
            new=len(questions) - len(seen),
            next_due=self.next_due(later),
        )


@dataclass(frozen=True)
class Outlook:
    """The spaced-repetition state a student sees, as Anki shows it: due, new, next."""

    due: int
    new: int
    next_due: datetime | None  # the first review after now; None: nothing scheduled

    def line(self, *, lang: str, at: datetime) -> str:
        when = when_text(self.next_due, at=at, lang=lang) if self.next_due else "-"
        if lang == "zh-TW":
            return f"到期 {self.due} 題 · 新題 {self.new} 題 · 下次複習：{when}"
        text = f"Due now: {self.due} · new: {self.new} · next review: {when}"
        if lang == "both":
            return f"{text} / {self.line(lang='zh-TW', at=at)}"
        return text


def when_text(due: datetime, *, at: datetime, lang: str) -> str:
    """'in 10 min (14:32)', 'in 3 days (2026-12-02)'; 'now' when due already."""
    if lang == "both":
        return f"{when_text(due, at=at, lang='en')} / {when_text(due, at=at, lang='zh-TW')}"
    zh = lang == "zh-TW"
    seconds = (due - at).total_seconds()
    local = due.astimezone()
    if seconds <= 30:
        return "現在" if zh else "now"
    minutes = round(seconds / 60)
    if minutes < 60:
        amount = f"{minutes} 分鐘後" if zh else f"in {minutes} min"
    elif minutes < 36 * 60:
        hours = round(minutes / 60)
        amount = f"{hours} 小時後" if zh else f"in {hours} h"
    else:
        days = round(minutes / (24 * 60))
        amount = f"{days} 天後" if zh else f"in {days} day{'s' * (days != 1)}"
    clock = local.strftime("%H:%M") if seconds < 24 * 3600 else local.strftime("%Y-%m-%d")
    return f"{amount}({clock})" if zh else f"{amount} ({clock})"


def new_order(questions: Sequence[models.AnyQuestion]) -> list[models.AnyQuestion]:
    """Never-seen questions in course order: by syllabus week (no week last), and in a
    week the topics interleaved (one of each in turn), easiest first within a topic,
    so that a session of new questions is neither alphabetical nor one topic long."""
    by_week: dict[int, dict[str, list[models.AnyQuestion]]] = defaultdict(dict)
    for q in questions:
        by_week[q.week if q.week is not None else 10**6].setdefault(q.topic, []).append(q)
    ordered: list[models.AnyQuestion] = []
    for week in sorted(by_week):
        queues = [
            sorted(qs, key=lambda q: (q.difficulty, q.id))
            for _, qs in sorted(by_week[week].items())
        ]
        for turn in range(max(len(queue) for queue in queues)):
            ordered += [queue[turn] for queue in queues if turn < len(queue)]
    return ordered


def missed(memories: dict[str, Memory]) -> list[str]:
    """Questions whose latest answer was wrong, partial or skipped, most recent first."""
    wrong = [m for m in memories.values() if m.last_skipped or m.last_fraction < 1]
    wrong.sort(key=lambda m: m.last_answered or datetime.min, reverse=True)
    return [m.question_id for m in wrong]


def fresh_seed(question: models.AnyQuestion, used: set[int], rng: random.Random) -> int:
    """Seed 0 for a fixed question; for a parametric one a seed not used before,
    so that it comes back with new numbers."""
    if not question.parametric:
        return 0
    while True:
        seed = rng.randrange(1, 2**31)
        if seed not in used:
            return seed


def topic_recall(planner: Planner, memories: dict[str, Memory], at: datetime) -> dict[str, float]:
    """Average recall probability per topic: the weakest topics have the lowest."""
    per_topic: dict[str, list[float]] = defaultdict(list)
    for memory in memories.values():
        per_topic[memory.topic].append(planner.recall(memory, at))
    return {topic: sum(v) / len(v) for topic, v in per_topic.items()}
