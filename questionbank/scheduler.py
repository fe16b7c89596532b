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
        """Due questions, weakest (lowest recall) first; then never-seen ones, up to ``limit``."""
        seen = [(q, memories[q.id]) for q in questions if q.id in memories]
        due = [(q, m) for q, m in seen if m.card.due <= at]
        due.sort(key=lambda qm: (self.recall(qm[1], at), qm[1].card.due, qm[0].id))
        chosen = [q for q, _ in due]
        chosen += [q for q in questions if q.id not in memories]
        return chosen[:limit]

    def next_due(self, memories: Iterable[Memory]) -> datetime | None:
        return min((m.card.due for m in memories), default=None)


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
