"""The course bank's own quality rules (issue 4), checked on every question of bank/."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from questionbank import models
from questionbank.answers import short_matches
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


def _texts(q: models.AnyQuestion) -> Iterator[tuple[str, models.LocalizedText]]:
    """Every text a student reads, with where it sits in the question."""
    yield "prompt", q.prompt
    for where, text in (("explanation", q.explanation), ("hint", q.hint)):
        if text is not None:
            yield where, text
    if isinstance(q, models.ChoiceQuestion):
        for i, choice in enumerate(q.choices):
            yield f"choice {i + 1}", choice.text
            if choice.feedback is not None:
                yield f"choice {i + 1} feedback", choice.feedback


def _flat(text: str) -> str:
    return " ".join(text.split()).casefold()


@pytest.mark.parametrize("q", QUESTIONS, ids=IDS)
def test_zh_tw_text_does_not_repeat_its_english(q: models.AnyQuestion) -> None:
    # Both-language papers print "zh / en": a zh-TW text that already holds the English
    # prints it twice ("偽陽性 False Positive (FP) / False Positive (FP)").
    repeats = [
        f"{where}: zh-TW {text['zh-TW']!r} contains en {text['en']!r}"
        for where, text in _texts(q)
        if isinstance(text, dict)
        and {"en", "zh-TW"} <= set(text)
        and _flat(text["en"]) != _flat(text["zh-TW"])
        and _flat(text["en"]) in _flat(text["zh-TW"])
    ]
    assert not repeats, "\n".join(repeats)


# Taiwan usage and the course's own terms; the simplified or mainland forms crept in
# from slides and translations.
ZH_TW_TERMS = [
    (r"過擬合", "過度擬合"),
    (r"(?<!演)算法", "演算法"),
    (r"神经网络|神經網絡|網絡", "神經網路 / 網路"),
    (r"判別器|辨別器|判别器", "鑑別器"),
]


def _zh_texts(q: models.AnyQuestion) -> Iterator[tuple[str, str]]:
    for where, text in _texts(q):
        if isinstance(text, str):
            yield where, text
        elif "zh-TW" in text:
            yield where, text["zh-TW"]


@pytest.mark.parametrize("q", QUESTIONS, ids=IDS)
def test_zh_tw_text_uses_taiwan_terms(q: models.AnyQuestion) -> None:
    wrong = [
        f"{where}: {match.group()!r}, expected {right}"
        for where, text in _zh_texts(q)
        for pattern, right in ZH_TW_TERMS
        for match in re.finditer(pattern, text)
    ]
    assert not wrong, "\n".join(wrong)


# A paper or a quiz draws questions one by one, in any order: a prompt that leans on
# another question ("The same tumour classifier: …") cannot be answered alone.
LEANS_ON_ANOTHER = re.compile(
    r"^\s*(the same|same as|as above|as before|as in the previous|承上|同上|同一個|上一題|前一題)",
    re.IGNORECASE,
)


@pytest.mark.parametrize("q", QUESTIONS, ids=IDS)
def test_prompt_stands_alone(q: models.AnyQuestion) -> None:
    prompts = [q.prompt] if isinstance(q.prompt, str) else list(q.prompt.values())
    assert not [p for p in prompts if LEANS_ON_ANOTHER.match(p)], prompts


SHORT = {q.id: q for q in QUESTIONS if isinstance(q, models.ShortQuestion)}

# Forms a student would rightly type (issue 11), and near misses that must stay wrong.
SHORT_ANSWERS = [
    ("nn-backprop-name", "倒傳遞", True),
    ("nn-backprop-name", "倒傳遞法", True),
    ("nn-backprop-name", "倒傳遞演算法", True),
    ("nn-backprop-name", "反向傳播(Backpropagation)", True),
    ("nn-backprop-name", "Backpropagation (反向傳播)", True),
    ("nn-backprop-name", "前向傳播", False),
    ("cnn-flatten-layer-name", "Flatten()", True),
    ("cnn-flatten-layer-name", "keras.layers.Flatten()", True),
    ("cnn-flatten-layer-name", "tf.keras.layers.Flatten()", True),
    ("cnn-flatten-layer-name", "Reshape()", False),
    ("enc-keras-embedding-name", "Embedding()", True),
    ("enc-keras-embedding-name", "layers.Embedding()", True),
    ("enc-keras-embedding-name", "Embedding(2000, 64)", True),
    ("enc-keras-embedding-name", "Embedding(input_dim=2000, output_dim=64)", True),
    ("enc-keras-embedding-name", "Dense()", False),
    ("reg-dropout-layer-name", "Dropout()", True),
    ("reg-dropout-layer-name", "Dropout(rate=0.2)", True),
    ("reg-dropout-layer-name", "keras.layers.Dropout(rate = 0.2)", True),
    ("reg-dropout-layer-name", "Dropout(0.2)", True),
    ("reg-dropout-layer-name", "Dropout(0.5)", False),
    ("det-nms-name", "Non-Maximal Suppression", True),
    ("det-nms-name", "non maximal suppression", True),
    ("det-nms-name", "Non-Maximum Suppression", True),
    ("det-nms-name", "maximum suppression", False),
    ("arch-skip-connection-name", "skip-connection", True),
    ("arch-skip-connection-name", "skip-connections", True),
    ("arch-skip-connection-name", "shortcut-connection", True),
    ("arch-skip-connection-name", "skip", False),
]


@pytest.mark.parametrize(
    ("qid", "typed", "accepted"),
    SHORT_ANSWERS,
    ids=[f"{qid}:{typed}" for qid, typed, _ in SHORT_ANSWERS],
)
def test_short_answer_accepts_common_correct_forms(qid: str, typed: str, accepted: bool) -> None:
    assert short_matches(SHORT[qid], typed) is accepted
