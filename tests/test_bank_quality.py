"""The course bank's own quality rules (issue 4), checked on every question of bank/."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from questionbank import models
from questionbank.bank import load_bank
from questionbank.instance import instantiate
from questionbank.params import ParamEngine

ROOT = Path(__file__).parent.parent
BANK = load_bank(ROOT / "bank")
QUESTIONS = BANK.questions
IDS = [q.id for q in QUESTIONS]
LANGS = {"en", "zh-TW"}
COURSE_TOPICS = {
    "python",
    "numpy",
    "pandas",
    "sklearn",
    "ml",
    "nn",
    "optim",
    "regularization",
    "metrics",
    "activation",
    "encoding",
    "frameworks",
    "cnn",
    "cnn-arch",
    "rnn",
    "gan",
    "detection",
    "nlp",
    "transformer",
    "aoi",
    "ipo",
}


def _bilingual(text: models.LocalizedText | None) -> bool:
    return (
        isinstance(text, dict) and set(text) >= LANGS and all(text[lang].strip() for lang in LANGS)
    )


@pytest.mark.parametrize("q", QUESTIONS, ids=IDS)
def test_question_is_bilingual_explained_and_cited(q: models.AnyQuestion) -> None:
    assert _bilingual(q.prompt), "prompt needs both en and zh-TW"
    assert _bilingual(q.explanation), "explanation needs both en and zh-TW"
    assert q.topic in COURSE_TOPICS
    assert q.week is not None and q.tags and q.source


@pytest.mark.parametrize(
    "q",
    [q for q in QUESTIONS if isinstance(q, models.ChoiceQuestion)],
    ids=[q.id for q in QUESTIONS if isinstance(q, models.ChoiceQuestion)],
)
def test_choices_are_distinct_in_every_language(q: models.ChoiceQuestion) -> None:
    for lang in LANGS:
        texts = [
            " ".join(
                (c.text if isinstance(c.text, str) else c.text.get(lang, "")).split()
            ).casefold()
            for c in q.choices
        ]
        assert len(set(texts)) == len(texts), f"{lang}: {texts}"


PARAMETRIC = [q for q in QUESTIONS if q.parametric]


@pytest.mark.parametrize("q", PARAMETRIC, ids=[q.id for q in PARAMETRIC])
def test_parametric_question_is_well_defined_for_200_seeds(q: models.AnyQuestion) -> None:
    engine = ParamEngine()
    for seed in range(200):
        inst = instantiate(q, seed, engine=engine)
        if isinstance(q, models.NumericQuestion):
            assert math.isfinite(inst.answer)
        if inst.choices:
            correct = [c for c in inst.choices if c.correct]
            for lang in LANGS:
                right = {str(c.text if isinstance(c.text, str) else c.text[lang]) for c in correct}
                wrong = [
                    str(c.text if isinstance(c.text, str) else c.text[lang])
                    for c in inst.choices
                    if not c.correct
                ]
                assert not right & set(wrong), f"seed {seed}: a distractor equals the answer"


CODE = [q for q in QUESTIONS if isinstance(q, models.CodeQuestion)]


@pytest.mark.parametrize("q", CODE, ids=[q.id for q in CODE])
def test_code_task_has_public_and_hidden_cases(q: models.CodeQuestion) -> None:
    hidden = [c.hidden for c in q.cases]
    assert any(hidden) and not all(hidden)
    assert q.function in q.signature and f"def {q.function}(" in q.starter


def test_every_topic_in_the_bank_is_a_course_topic() -> None:
    assert {q.topic for q in QUESTIONS} <= COURSE_TOPICS
