"""Render stage: the bank (or part of it) as one readable Markdown document.

For reviewing and sharing: each question with its choices ticked, its answer on a
line of its own (``**Answer:** …``, in answer-key.csv notation) and its explanation.
Math stays as $…$, so any Markdown viewer with KaTeX/MathJax shows it.
"""

from __future__ import annotations

from collections.abc import Sequence

from questionbank import models
from questionbank.describe import LETTERS
from questionbank.export_common import ExportItem
from questionbank.instance import pick
from questionbank.params import Localized
from questionbank.render_paper import number_text, tolerance_text


def _texts(text: Localized | None, langs: list[str]) -> list[str]:
    out: list[str] = []
    for lang in langs:
        value = pick(text, lang)
        if value and value not in out:
            out.append(value)
    return out


def answer_notation(item: ExportItem) -> str:
    inst = item.instance
    q = inst.question
    if isinstance(q, models.ChoiceQuestion):
        return ",".join(LETTERS[i] for i in inst.correct_indexes)
    if isinstance(q, models.TrueFalseQuestion):
        return "T" if inst.answer else "F"
    if isinstance(q, models.NumericQuestion):
        return number_text(float(inst.answer)) + tolerance_text(q)
    if isinstance(q, models.ShortQuestion):
        return " | ".join([*q.answers, *(f"/{p}/" for p in q.patterns)])
    return "(autograded)"


def markdown(items: Sequence[ExportItem], langs: list[str]) -> str:
    lines = ["# qbank questions", ""]
    category = None
    for item in items:
        q = item.question
        inst = item.instance
        if item.category != category:
            category = item.category
            lines += [f"## {category}", ""]
        facts = (
            f"{q.type}, {number_text(q.points)} pt, week {q.week or '-'}, difficulty {q.difficulty}"
        )
        lines += [f"### {item.name}", "", f"*{facts}*", ""]
        for text in _texts(inst.prompt, langs):
            lines += [text, ""]
        for i, choice in enumerate(inst.choices):
            mark = "x" if choice.correct else " "
            lines.append(f"- [{mark}] **{LETTERS[i]}.** " + " / ".join(_texts(choice.text, langs)))
        if inst.choices:
            lines.append("")
        if isinstance(q, models.CodeQuestion):
            lines += [f"`{q.signature}`", "", "```python", q.starter.rstrip(), "```", ""]
        unit = f" {q.unit}" if isinstance(q, models.NumericQuestion) and q.unit else ""
        lines += [f"**Answer:** {answer_notation(item)}{unit}", ""]
        for text in _texts(inst.explanation, langs):
            lines += ["> " + text.replace("\n", "\n> "), ""]
    return "\n".join(lines).rstrip("\n") + "\n"
