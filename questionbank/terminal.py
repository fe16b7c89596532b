"""Terminal views of the bank: `qbank list` tables and `qbank show`.

Functions take the rich Console to print on, so tests can give one that records.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from rich.cells import cell_len
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from questionbank import models
from questionbank.describe import LETTERS, answer_line, question_langs
from questionbank.instance import Instance, instantiate
from questionbank.localized import Localized, pick
from questionbank.termtext import python_code, terminal_text


def count_matrix(questions: Sequence[models.AnyQuestion]) -> str:
    """A Markdown table of topics x question types, with totals; parametric counted apart."""
    types = list(models.QUESTION_TYPES)
    topics = sorted({q.topic for q in questions})
    cells: Counter[tuple[str, str]] = Counter((q.topic, str(q.type)) for q in questions)
    parametric = Counter(q.topic for q in questions if q.parametric)
    header = ["topic", *types, "parametric", "total"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for topic in topics:
        row = [str(cells[(topic, t)]) for t in types]
        total = sum(cells[(topic, t)] for t in types)
        lines.append(f"| {topic} | " + " | ".join(row) + f" | {parametric[topic]} | {total} |")
    totals = [str(sum(cells[(tp, t)] for tp in topics)) for t in types]
    lines.append(
        "| **all** | " + " | ".join(totals) + f" | {sum(parametric.values())} | {len(questions)} |"
    )
    return "\n".join(lines) + "\n"


def list_table(
    console: Console, questions: Sequence[models.AnyQuestion], *, lang: str = "en"
) -> None:
    """One line per question, grouped by topic, readable at 80 columns: ids whole,
    prompts rendered (numbers drawn, math readable) and cut to the width with …."""
    wide = console.width >= 120  # points, difficulty and languages only where they fit
    names = ["id", "type", "wk", *(["pts", "diff", "lang"] if wide else [])]
    rows: list[list[str]] = []
    for q in questions:
        row = [q.id, q.type + ("*" if q.parametric else ""), str(q.week or "")]
        if wide:
            row += [f"{q.points:g}", str(q.difficulty), ",".join(question_langs(q)) or "-"]
        rows.append(row)
    widths = [max(cell_len(text) for text in column) for column in zip(names, *rows, strict=True)]
    # Every column but the prompt keeps its full width (an id is never broken); the
    # prompt gets what is left, two cells between columns.
    room = max(12, console.width - sum(widths) - 2 * len(widths) - 1)

    def line(cells: list[str], prompt: str, style: str = "") -> Text:
        padded = [
            " " * (w - cell_len(c)) + c if name == "wk" else c + " " * (w - cell_len(c))
            for name, c, w in zip(names, cells, widths, strict=True)
        ]
        out = Text("  ".join([*padded, ""]), style=style)
        tail = Text(prompt)
        tail.truncate(room, overflow="ellipsis")
        return out + tail

    console.print(line(names, "prompt", "bold"), highlight=False)
    console.print("─" * min(console.width - 1, sum(widths) + 2 * len(widths) + room))
    topic = None
    for q, row in zip(questions, rows, strict=True):
        if q.topic != topic:
            topic = q.topic
            count = sum(other.topic == topic for other in questions)
            console.print(Text(f"{topic} ({count})", style="bold"))
        console.print(line(row, _one_line(q, lang)), highlight=False, overflow="ignore", crop=False)
    plural = "s" * (len(questions) != 1)
    console.print(f"{len(questions)} question{plural} (* parametric: the prompt shown is seed 0)")


def _one_line(question: models.AnyQuestion, lang: str) -> str:
    """The prompt as a student first sees it, on one line."""
    try:
        prompt = instantiate(question, 0).prompt if question.parametric else question.prompt
    except Exception:  # noqa: BLE001 - a listing shows a broken question's source instead
        prompt = question.prompt
    return " ".join(terminal_text(pick(prompt, lang)).plain.split())


def _langs(inst: Instance, lang: str) -> list[str]:
    have = question_langs(inst.question) or ["en"]
    return have if lang == "both" else [lang]


def _text(text: Localized | None, langs: list[str]) -> Text:
    out = Text()
    for i, lang in enumerate(langs):
        if i:
            out.append("\n")
        if len(langs) > 1:
            out.append(f"[{lang}] ", style="dim")
        out.append(terminal_text(pick(text, lang)))
    return out


def show_instance(console: Console, inst: Instance, *, lang: str = "both") -> None:
    q = inst.question
    langs = _langs(inst, lang)
    parts: list[Any] = [_text(inst.prompt, langs)]
    if inst.params:
        parts.append(
            Text("params: " + ", ".join(f"{k}={v}" for k, v in inst.params.items()), style="dim")
        )
    if inst.choices:
        table = Table.grid(padding=(0, 1))
        table.add_column(no_wrap=True)
        table.add_column(overflow="fold")
        for i, choice in enumerate(inst.choices):
            mark = "✓" if choice.correct else " "
            table.add_row(f"{mark} {LETTERS[i]}.", _text(choice.text, langs))
        parts.append(table)
    if isinstance(q, models.CodeQuestion):
        parts.append(Text(f"def {q.signature}", style="bold"))
        parts.append(python_code(console, q.starter))
    answer = answer_line(inst)
    if answer:
        parts.append(Text("answer: ", style="bold green") + Text(answer))
    if inst.explanation:
        parts.append(Text("explanation:", style="bold"))
        parts.append(_text(inst.explanation, langs))
    title = f"{q.id} · {q.type} · {q.topic}" + (f" · week {q.week}" if q.week else "")
    subtitle = f"{q.points:g} pt · difficulty {q.difficulty}" + (
        f" · seed {inst.seed}" if q.parametric else ""
    )
    console.print(Panel(Group(*parts), title=title, subtitle=subtitle, title_align="left"))
