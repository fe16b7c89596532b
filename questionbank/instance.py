"""Assemble stage: one concrete instance of a question, for a seed.

An instance has its parameters drawn, its texts rendered and its answer computed;
papers, quizzes, exports and `qbank show` all work from instances, never from the raw
question, so parametric and fixed questions look the same to them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from questionbank import models
from questionbank.params import Localized, ParamEngine

# Choices that only make sense at the end of the list; pinned there automatically.
AUTO_LAST = frozenset(
    t.casefold() for t in ("All of the above", "None of the above", "以上皆是", "以上皆非")
)


def texts(text: Localized | None) -> list[str]:
    if text is None:
        return []
    return [text] if isinstance(text, str) else list(text.values())


def pick(text: Localized | None, lang: str, *, fallback: str = "en") -> str:
    """The text in ``lang``, else in ``fallback``, else in whichever language it has."""
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    for candidate in (lang, fallback):
        if candidate in text:
            return text[candidate]
    return next(iter(text.values()), "")


def languages(text: Localized | None) -> list[str]:
    return [] if text is None or isinstance(text, str) else list(text)


def is_auto_last(text: Localized) -> bool:
    return any(t.strip().rstrip(".").casefold() in AUTO_LAST for t in texts(text))


@dataclass(frozen=True)
class ChoiceInstance:
    text: Localized
    correct: bool
    feedback: Localized | None
    pinned: bool
    index: int  # position in the author's list, before any shuffle


@dataclass(frozen=True)
class Instance:
    question: models.AnyQuestion
    seed: int
    params: dict[str, Any]
    prompt: Localized
    explanation: Localized | None
    hint: Localized | None
    choices: list[ChoiceInstance] = field(default_factory=list)
    answer: Any = None  # bool (tf), float (numeric), list[str] (short); None otherwise

    @property
    def id(self) -> str:
        return self.question.id

    @property
    def type(self) -> str:
        return self.question.type

    @property
    def correct_indexes(self) -> list[int]:
        """Positions (in display order) of the correct choices."""
        return [i for i, c in enumerate(self.choices) if c.correct]


def arrange_choices(
    choices: list[ChoiceInstance], rng: random.Random | None
) -> list[ChoiceInstance]:
    """Shuffle the unpinned choices (if ``rng``), keep pinned ones in place,
    and put 'All/None of the above' last."""
    last = [c for c in choices if is_auto_last(c.text)]
    rest = [c for c in choices if not is_auto_last(c.text)]
    if rng is not None:
        movable = [c for c in rest if not c.pinned]
        rng.shuffle(movable)
        shuffled = iter(movable)
        rest = [c if c.pinned else next(shuffled) for c in rest]
    return rest + last


def instantiate(
    question: models.AnyQuestion,
    seed: int = 0,
    *,
    engine: ParamEngine | None = None,
    shuffle_rng: random.Random | None = None,
) -> Instance:
    """The instance of ``question`` for ``seed``; choices shuffled with ``shuffle_rng`` if given."""
    engine = engine or ParamEngine()
    params = engine.draw(question, seed) if question.params else {}

    def render(text: Localized | None) -> Localized | None:
        return engine.render_localized(text, params)

    choices: list[ChoiceInstance] = []
    answer: Any = None
    if isinstance(question, models.ChoiceQuestion):
        choices = [
            ChoiceInstance(
                text=render(c.text) or "",
                correct=c.correct,
                feedback=render(c.feedback),
                pinned=c.pinned or is_auto_last(c.text),
                index=i,
            )
            for i, c in enumerate(question.choices)
        ]
        choices = arrange_choices(choices, shuffle_rng if question.shuffle else None)
    elif isinstance(question, models.TrueFalseQuestion):
        answer = question.answer
    elif isinstance(question, models.NumericQuestion):
        answer = engine.numeric_answer(question, params)
    elif isinstance(question, models.ShortQuestion):
        answer = list(question.answers)
    return Instance(
        question=question,
        seed=seed,
        params=params,
        prompt=render(question.prompt) or "",
        explanation=render(question.explanation),
        hint=render(question.hint),
        choices=choices,
        answer=answer,
    )
