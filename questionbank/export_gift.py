"""Render stage: questions in Moodle's GIFT text format.

Moodle's importer reads an answer block from the first ``{`` to the first ``}``, and
``~ = # { } :`` are syntax, so every text is escaped with a backslash (a literal
backslash as ``\\\\``), which keeps LaTeX such as ``\\frac{a}{b}`` intact. A blank line
ends a question, so texts carry their line breaks as ``&#10;``. Texts are HTML
(``[html]``) so that bilingual questions can use Moodle's multilang spans.
"""

from __future__ import annotations

from collections.abc import Sequence

from questionbank import models
from questionbank.export_common import ExportItem, LmsText, category_path, decimal_text
from questionbank.export_moodle import CATEGORY_ROOT, absolute_tolerance, multi_fractions

_SPECIAL = "~=#{}:"


def escape(text: str) -> str:
    """GIFT-escape a text: backslash first, then the syntax characters; no raw newlines."""
    out = text.replace("\\", "\\\\")
    for ch in _SPECIAL:
        out = out.replace(ch, "\\" + ch)
    return out.replace("\r", "").replace("\n", "&\\#10;")


def _feedback(text: str) -> str:
    return f"#{escape(text)}" if text else ""


def question_gift(item: ExportItem, text: LmsText) -> str | None:
    q = item.question
    inst = item.instance
    prompt = text.html(inst.prompt)
    if isinstance(q, models.NumericQuestion) and q.unit:
        prompt += f"<p>({q.unit})</p>"
    head = f"::{escape(item.name)}::[html]{escape(prompt)}"
    general = text.html(inst.explanation)
    tail = f"\n####{escape(general)}" if general else ""
    if isinstance(q, models.ChoiceQuestion):
        lines = []
        single = isinstance(q, models.McqQuestion)
        if not single:
            right, wrong = multi_fractions(len(inst.correct_indexes))
        for choice in inst.choices:
            body = escape(text.html(choice.text, inline=True))
            fb = _feedback(text.html(choice.feedback, inline=True))
            if single:
                lines.append(f"{'=' if choice.correct else '~'}{body}{fb}")
            else:
                lines.append(f"~%{right if choice.correct else wrong}%{body}{fb}")
        return head + "{\n" + "\n".join(lines) + tail + "\n}"
    if isinstance(q, models.TrueFalseQuestion):
        return head + "{" + ("TRUE" if inst.answer else "FALSE") + tail + "}"
    if isinstance(q, models.NumericQuestion):
        value = decimal_text(float(inst.answer))
        tol = decimal_text(absolute_tolerance(q, float(inst.answer)))
        return head + "{#" + f"{value}:{tol}" + tail + "}"
    if isinstance(q, models.ShortQuestion) and q.answers:
        answers = " ".join(f"={escape(a)}" for a in q.answers)
        return head + "{" + answers + tail + "}"
    return None


def gift(items: Sequence[ExportItem], langs: list[str]) -> str:
    text = LmsText(langs)
    blocks: list[str] = []
    category = None
    for item in items:
        block = question_gift(item, text)
        if block is None:
            continue
        if item.category != category:
            category = item.category
            blocks.append(f"$CATEGORY: {CATEGORY_ROOT}/{category_path(category)}")
        blocks.append(f"// {item.question.type} {item.name}\n{block}")
    return "\n\n".join(blocks) + "\n"
