"""Plain-data views of questions and instances, for JSON output and exports."""

from __future__ import annotations

import string
from typing import Any

from pydantic import BaseModel

from questionbank import models
from questionbank.instance import Instance, languages
from questionbank.localized import Localized, pick

LETTERS = string.ascii_uppercase


def question_langs(question: models.QuestionBase) -> list[str]:
    """The language tags the prompt is written in (empty: one text for every language)."""
    return languages(question.prompt)


def summary(question: models.AnyQuestion) -> dict[str, Any]:
    """The row `qbank list --format json` prints for a question."""
    return {
        "id": question.id,
        "type": question.type,
        "topic": question.topic,
        "week": question.week,
        "points": question.points,
        "difficulty": question.difficulty,
        "tags": list(question.tags),
        "languages": question_langs(question),
        "parametric": question.parametric,
        "exam_only": question.exam_only,
        "source": question.source,
    }


def number_text(value: float) -> str:
    """A number as people write it: 2 not 2.0, 0.875 not 0.87500000001."""
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.10g}"


def tolerance_text(question: models.NumericQuestion) -> str:
    """'±0.005' or '±1%' (answer-key notation); '' for an exact answer."""
    tol = question.tolerance
    if isinstance(tol, models.AbsTolerance):
        return f"±{number_text(tol.abs)}"
    if isinstance(tol, models.RelTolerance):
        return f"±{number_text(tol.rel * 100)}%"
    return ""


def key_notation(inst: Instance) -> str:
    """The answer in answer-key.csv notation, which grade-sheet reads back: 'B', 'A,C',
    'T', '0.875±0.005', 'Output | /out ?put/'; '' for code (the autograder grades it)."""
    q = inst.question
    if isinstance(q, models.ChoiceQuestion):
        return ",".join(LETTERS[i] for i in inst.correct_indexes)
    if isinstance(q, models.TrueFalseQuestion):
        return "T" if inst.answer else "F"
    if isinstance(q, models.NumericQuestion):
        return number_text(float(inst.answer)) + tolerance_text(q)
    if isinstance(q, models.ShortQuestion):
        return " | ".join([*q.answers, *(f"/{p}/" for p in q.patterns)])
    return ""


def answer_line(inst: Instance) -> str:
    """The right answer for people reading a terminal: 'B', 'A,C', 'true', '0.91 ± 0.005 s'."""
    q = inst.question
    if isinstance(q, models.ChoiceQuestion):
        return ",".join(LETTERS[i] for i in inst.correct_indexes)
    if isinstance(q, models.TrueFalseQuestion):
        return "true" if inst.answer else "false"
    if isinstance(q, models.NumericQuestion):
        tol = q.tolerance
        spread = ""
        if isinstance(tol, models.AbsTolerance) and tol.abs:
            spread = f" ± {tol.abs:g}"
        elif isinstance(tol, models.RelTolerance) and tol.rel:
            spread = f" (± {tol.rel:.2%})"
        return f"{inst.answer:.6g}{spread}" + (f" {q.unit}" if q.unit else "")
    if isinstance(q, models.ShortQuestion):
        return " | ".join([*q.answers, *(f"/{p}/" for p in q.patterns)])
    return ""


def per_language(text: Localized | None, langs: list[str]) -> dict[str, str] | None:
    """A text as {lang: string} for each of ``langs`` (a plain string fills them all)."""
    if text is None:
        return None
    return {lang: pick(text, lang) for lang in langs}


def answer_data(inst: Instance) -> Any:
    q = inst.question
    if isinstance(q, models.ChoiceQuestion):
        return [LETTERS[i] for i in inst.correct_indexes]
    if isinstance(q, models.ShortQuestion):
        return {"answers": list(q.answers), "patterns": list(q.patterns)}
    return inst.answer


def tolerance_data(question: models.AnyQuestion) -> dict[str, float] | None:
    tol = getattr(question, "tolerance", None)
    return tol.model_dump() if isinstance(tol, BaseModel) else None


def instance_data(inst: Instance, langs: list[str] | None = None) -> dict[str, Any]:
    """Everything `qbank show --format json` prints for an instance."""
    q = inst.question
    langs = langs or question_langs(q) or ["en"]
    data: dict[str, Any] = {
        "id": q.id,
        "type": q.type,
        "topic": q.topic,
        "week": q.week,
        "points": q.points,
        "seed": inst.seed,
        "params": inst.params,
        "prompt": per_language(inst.prompt, langs),
    }
    if inst.choices:
        data["choices"] = [
            {
                "letter": LETTERS[i],
                "text": per_language(c.text, langs),
                "correct": c.correct,
                "pinned": c.pinned,
                "feedback": per_language(c.feedback, langs),
            }
            for i, c in enumerate(inst.choices)
        ]
    data["answer"] = answer_data(inst)
    if isinstance(q, models.NumericQuestion):
        data["tolerance"] = tolerance_data(q)
        data["unit"] = q.unit
    if isinstance(q, models.CodeQuestion):
        data.update(function=q.function, signature=q.signature, starter=q.starter)
    data["explanation"] = per_language(inst.explanation, langs)
    data["hint"] = per_language(inst.hint, langs)
    return data


def count(number: Any, word: str, plural: str | None = None) -> str:
    """``1 point``, ``2 points``, ``0.5 points``: English agreement for printed counts."""
    text = str(number)
    return f"{text} {word if text == '1' else plural or word + 's'}"
