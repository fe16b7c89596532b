"""Assemble stage: one concrete instance of a question, for a seed.

An instance has its parameters drawn, its texts rendered and its answer computed;
papers, quizzes, exports and `qbank show` all work from instances, never from the raw
question, so parametric and fixed questions look the same to them.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any

from questionbank import models
from questionbank.localized import Localized
from questionbank.params import ParamEngine

# Choices that only make sense at the end of the list; pinned there automatically.
AUTO_LAST = frozenset(
    t.casefold() for t in ("All of the above", "None of the above", "以上皆是", "以上皆非")
)


def texts(text: Localized | None) -> list[str]:
    if text is None:
        return []
    return [text] if isinstance(text, str) else list(text.values())


# A decimal number standing alone: not part of a word, an identifier or a version number.
_DECIMAL = re.compile(r"(?<![\w.])(\d+)\.(\d+)(?![\w.])")


def even_decimals(choices: list[Localized]) -> list[Localized]:
    """Pad the decimal numbers of a parametric question's choices with zeros to the same
    number of decimals, per language: the key "0.235" among "0.3775" and "1.0099" (a
    rounded 0.2350) must not stand out by its length. Whole numbers are left alone."""
    widths: dict[str, int] = {}
    for text in choices:
        for lang, value in _by_lang(text):
            for match in _DECIMAL.finditer(value):
                widths[lang] = max(widths.get(lang, 0), len(match.group(2)))

    def pad(value: str, width: int) -> str:
        return _DECIMAL.sub(lambda m: f"{m.group(1)}.{m.group(2).ljust(width, '0')}", value)

    out: list[Localized] = []
    for text in choices:
        if isinstance(text, str):
            out.append(pad(text, widths.get("", 0)))
        else:
            out.append({lang: pad(value, widths.get(lang, 0)) for lang, value in text.items()})
    return out


def _by_lang(text: Localized) -> list[tuple[str, str]]:
    return [("", text)] if isinstance(text, str) else list(text.items())


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
        rendered = [render(c.text) or "" for c in question.choices]
        if params:
            rendered = even_decimals(rendered)
        choices = [
            ChoiceInstance(
                text=text,
                correct=c.correct,
                feedback=render(c.feedback),
                pinned=c.pinned or is_auto_last(c.text),
                index=i,
            )
            for i, (c, text) in enumerate(zip(question.choices, rendered, strict=True))
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
