"""Render stage: questions as Moodle XML (multichoice, truefalse, numerical, shortanswer).

Grades follow our own scoring: a multi question's right choices are each worth
1/k of the marks and wrong ones -1/k (Moodle floors the sum at 0, as we do), with k
from 1 to 10 so every fraction is one Moodle accepts. Code questions have no core
Moodle type and are left out (export_common.lms_report says so); short-answer regex
patterns cannot be expressed in Moodle and are reported too. Categories form a tree
``qbank/<topic>/Week <n>``, with one subcategory per parametric question holding its
variants.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from questionbank import models
from questionbank.describe import number_text
from questionbank.errors import QbankError
from questionbank.export_common import ExportItem, LmsText, category_path, decimal_text

CATEGORY_ROOT = "$course$/top/qbank"
# The grade fractions Moodle's importer accepts (positive half; negatives mirror them).
MOODLE_FRACTIONS = (
    100,
    90,
    83.33333,
    80,
    75,
    70,
    66.66667,
    60,
    50,
    40,
    33.33333,
    30,
    25,
    20,
    16.66667,
    14.28571,
    12.5,
    11.11111,
    10,
    5,
    0,
)


def fraction_text(value: float) -> str:
    """A grade fraction as Moodle writes it (33.33333, 12.5, -50), checked against its list."""
    text = f"{value:.5f}".rstrip("0").rstrip(".")
    if text == "-0":
        text = "0"
    if float(text.lstrip("-")) not in MOODLE_FRACTIONS:
        raise QbankError(f"grade fraction {text}% is not one Moodle accepts")
    return text


def multi_fractions(correct: int) -> tuple[str, str]:
    """(right, wrong) fractions of a multi question with ``correct`` right choices."""
    if not 1 <= correct <= 10:
        raise QbankError(
            f"a multi question with {correct} right choices cannot be graded in Moodle "
            "(its fractions allow 1 to 10)"
        )
    return fraction_text(100 / correct), fraction_text(-100 / correct)


def _text(parent: ET.Element, tag: str, content: str, *, html: bool = True) -> ET.Element:
    node = ET.SubElement(parent, tag, {"format": "html"} if html else {})
    ET.SubElement(node, "text").text = content
    return node


def _answer(parent: ET.Element, fraction: str, text: str, feedback: str = "") -> ET.Element:
    answer = ET.SubElement(parent, "answer", {"fraction": fraction, "format": "html"})
    ET.SubElement(answer, "text").text = text
    _text(answer, "feedback", feedback)
    return answer


def _question(item: ExportItem, text: LmsText, kind: str) -> ET.Element:
    q = item.question
    inst = item.instance
    node = ET.Element("question", {"type": kind})
    name = ET.SubElement(node, "name")
    ET.SubElement(name, "text").text = item.name
    prompt = text.html(inst.prompt)
    if isinstance(q, models.NumericQuestion) and q.unit:
        prompt += f"<p>({q.unit})</p>"
    _text(node, "questiontext", prompt)
    _text(node, "generalfeedback", text.html(inst.explanation))
    ET.SubElement(node, "defaultgrade").text = number_text(q.points)
    ET.SubElement(node, "penalty").text = "0"
    ET.SubElement(node, "hidden").text = "0"
    ET.SubElement(node, "idnumber").text = item.name
    if q.tags:
        tags = ET.SubElement(node, "tags")
        for tag in q.tags:
            ET.SubElement(ET.SubElement(tags, "tag"), "text").text = tag
    return node


def question_element(item: ExportItem, text: LmsText) -> ET.Element | None:
    q = item.question
    inst = item.instance
    if isinstance(q, models.ChoiceQuestion):
        node = _question(item, text, "multichoice")
        single = isinstance(q, models.McqQuestion)
        right, wrong = ("100", "0") if single else multi_fractions(len(inst.correct_indexes))
        ET.SubElement(node, "single").text = "true" if single else "false"
        # One shuffle flag per question: a question with a pinned choice is not shuffled.
        shuffle = q.shuffle and not item.pinned
        ET.SubElement(node, "shuffleanswers").text = "true" if shuffle else "false"
        ET.SubElement(node, "answernumbering").text = "ABCD"
        for choice in inst.choices:
            _answer(
                node,
                right if choice.correct else wrong,
                text.html(choice.text, inline=True),
                text.html(choice.feedback, inline=True),
            )
        return node
    if isinstance(q, models.TrueFalseQuestion):
        node = _question(item, text, "truefalse")
        for value in (True, False):
            _answer(node, "100" if inst.answer is value else "0", str(value).lower())
        return node
    if isinstance(q, models.NumericQuestion):
        node = _question(item, text, "numerical")
        answer = _answer(node, "100", decimal_text(float(inst.answer)))
        ET.SubElement(answer, "tolerance").text = decimal_text(absolute_tolerance(q, inst.answer))
        return node
    if isinstance(q, models.ShortQuestion):
        if not q.answers:
            return None
        node = _question(item, text, "shortanswer")
        ET.SubElement(node, "usecase").text = "0"
        for accepted in q.answers:
            _answer(node, "100", accepted)
        return node
    return None


def absolute_tolerance(question: models.NumericQuestion, answer: float) -> float:
    tol = question.tolerance
    if isinstance(tol, models.AbsTolerance):
        return tol.abs
    if isinstance(tol, models.RelTolerance):
        return tol.rel * abs(answer)
    return 0.0


def moodle_xml(items: Sequence[ExportItem], langs: list[str]) -> str:
    text = LmsText(langs)
    quiz = ET.Element("quiz")
    category = None
    for item in items:
        element = question_element(item, text)
        if element is None:
            continue
        if item.category != category:
            category = item.category
            cat = ET.SubElement(quiz, "question", {"type": "category"})
            _text(cat, "category", f"{CATEGORY_ROOT}/{category_path(category)}", html=False)
        quiz.append(element)
    ET.indent(quiz)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, encoding="unicode") + "\n"
