"""Render stage: the bank (or part of it) as one readable Markdown document.

For reviewing and sharing: each question with its choices ticked, its answer on a
line of its own (``**Answer:** …``, in answer-key.csv notation) and its explanation.
Math stays as $…$, so any Markdown viewer with KaTeX/MathJax shows it.
"""

from __future__ import annotations

from collections.abc import Sequence

from questionbank import models
from questionbank.describe import LETTERS, key_notation, number_text
from questionbank.export_common import ExportItem
from questionbank.localized import Localized, pick


def _texts(text: Localized | None, langs: list[str]) -> list[str]:
    out: list[str] = []
    for lang in langs:
        value = pick(text, lang)
        if value and value not in out:
            out.append(value)
    return out


def answer_notation(item: ExportItem) -> str:
    return key_notation(item.instance) or "(autograded)"


def markdown(items: Sequence[ExportItem], langs: list[str], title: str = "qbank questions") -> str:
    lines = [f"# {title}", ""]
    category = None
    for item in items:
        q = item.question
        inst = item.instance
        if item.category != category:
            category = item.category
            lines += [f"## {' / '.join(category)}", ""]
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
