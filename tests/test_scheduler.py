"""FSRS planning from the history: ratings, due order, weak first, new numbers."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import fsrs
import pytest

from questionbank.history import AnswerRecord
from questionbank.scheduler import (
    Planner,
    fresh_seed,
    missed,
    new_order,
    rating_for,
    topic_recall,
)
from tests.practice_helpers import fixture_bank

T0 = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)


def _answer(
    qid: str,
    fraction: float,
    at: datetime,
    *,
    topic: str = "ml",
    seed: int = 0,
    skipped: bool = False,
    hint: bool = False,
) -> AnswerRecord:
    return AnswerRecord(qid, topic, "mcq", seed, "A", fraction, 1.0, skipped, hint, 5.0, at)


@pytest.mark.parametrize(
    ("fraction", "skipped", "hint", "rating"),
    [
        (1.0, False, False, fsrs.Rating.Good),
        (1.0, False, True, fsrs.Rating.Hard),
        (0.5, False, False, fsrs.Rating.Hard),
        (0.0, False, False, fsrs.Rating.Again),
        (0.0, True, False, fsrs.Rating.Again),
    ],
    ids=["right", "right-with-hint", "partial", "wrong", "skipped"],
)
def test_ratings(fraction: float, skipped: bool, hint: bool, rating: fsrs.Rating) -> None:
    assert rating_for(_answer("q", fraction, T0, skipped=skipped, hint=hint)) == rating


def test_wrong_answers_come_back_sooner_than_right_ones() -> None:
    planner = Planner()
    history = []
    for day in (0, 1, 4):
        at = T0 + timedelta(days=day)
        history += [_answer("known", 1.0, at), _answer("weak", 1.0 if day < 4 else 0.0, at)]
    memories = planner.memories(history)
    assert memories["weak"].card.due < memories["known"].card.due
    assert memories["known"].reviews == 3


def test_due_order_weakest_first_then_new() -> None:
    bank = fixture_bank()
    questions = [q for q in bank.questions if q.type != "code"]
    ids = [q.id for q in questions]
    history = [
        _answer(ids[0], 1.0, T0),
        _answer(ids[1], 0.0, T0),
        _answer(ids[2], 1.0, T0 - timedelta(days=5)),
        _answer(ids[2], 1.0, T0),
    ]
    planner = Planner()
    memories = planner.memories(history)
    at = T0 + timedelta(days=40)  # everything seen is due by then
    plan = [q.id for q in planner.due(questions, memories, at=at, limit=len(questions))]
    recalls = {i: planner.recall(memories[i], at) for i in ids[:3]}
    assert plan[:3] == sorted(ids[:3], key=lambda i: recalls[i])
    assert plan[0] == ids[1]  # the wrong one is the weakest
    assert plan[3:] == [q.id for q in new_order(questions[3:])]  # never seen: course order
    soon = [q.id for q in planner.due(questions, memories, at=T0 + timedelta(minutes=1), limit=3)]
    assert ids[0] not in soon and ids[2] not in soon  # right answers are not due a minute later


def test_same_history_same_plan() -> None:
    history = [_answer("a", 0.0, T0), _answer("b", 1.0, T0 + timedelta(hours=1))]
    first = Planner().memories(history)
    second = Planner().memories(list(reversed(history)))  # replay sorts by time
    assert first["a"].card.due == second["a"].card.due
    assert first["b"].card.stability == second["b"].card.stability


def test_missed_most_recent_first_and_cleared_by_a_right_answer() -> None:
    history = [
        _answer("x", 0.0, T0),
        _answer("y", 0.5, T0 + timedelta(minutes=1)),
        _answer("z", 0.0, T0 + timedelta(minutes=2), skipped=True),
        _answer("x", 1.0, T0 + timedelta(minutes=3)),
    ]
    assert missed(Planner().memories(history)) == ["z", "y"]


def test_parametric_questions_return_with_a_new_seed() -> None:
    bank = fixture_bank()
    parametric = bank.get("fx-numeric-accuracy")
    fixed = bank.get("fx-tf-relu-negative")
    rng = random.Random(0)
    used = {rng.randrange(1, 2**31) for _ in range(3)}
    rng = random.Random(0)  # the same draws again: each must be refused
    assert fresh_seed(parametric, used, rng) not in used
    assert fresh_seed(fixed, {0}, rng) == 0


def test_topic_recall_is_lower_for_the_weak_topic() -> None:
    history = []
    for day in range(3):
        at = T0 + timedelta(days=day)
        history += [_answer("s1", 1.0, at, topic="strong"), _answer("w1", 0.0, at, topic="weak")]
    planner = Planner()
    recall = topic_recall(planner, planner.memories(history), T0 + timedelta(days=10))
    assert recall["weak"] < recall["strong"]


def test_new_questions_by_week_with_topics_interleaved() -> None:
    bank = fixture_bank()
    questions = [q for q in bank.questions if q.type != "code"]
    order = new_order(questions)
    assert sorted(q.id for q in order) == sorted(q.id for q in questions)
    weeks = [q.week if q.week is not None else 10**6 for q in order]
    assert weeks == sorted(weeks)
    for week in set(weeks):
        topics = [q.topic for q in order if (q.week if q.week is not None else 10**6) == week]
        # Round-robin: no topic comes twice before every topic of the week has come once.
        first_round = topics[: len(set(topics))]
        assert sorted(first_round) == sorted(set(topics))
