"""`qbank practice TASK`: the task's statement on screen and its starter file on disk.

A student's file is their work: it is never written over unless they say --force.
"""

from __future__ import annotations

import os
from pathlib import Path

from rich.console import Console
from rich.syntax import Syntax
from rich.text import Text

from questionbank import models
from questionbank.bank import Bank
from questionbank.diagnostics import suggest
from questionbank.errors import QbankError
from questionbank.paths import display
from questionbank.quiz import localized


def code_task(bank: Bank, task_id: str) -> models.CodeQuestion:
    """The code task with this id; a clear error for another type or an unknown id."""
    tasks = [q.id for q in bank.questions if isinstance(q, models.CodeQuestion)]
    found = next((q for q in bank.questions if q.id == task_id), None)
    if isinstance(found, models.CodeQuestion):
        return found
    if found is not None:
        raise QbankError(
            f"'{task_id}' is a {found.type} question, not a code task; practise it with qbank quiz"
        )
    listing = ", ".join(tasks[:12]) + (", …" if len(tasks) > 12 else "")
    raise QbankError(
        f"no code task '{task_id}' in {display(bank.root)}{suggest(task_id, tasks)}; "
        f"code tasks: {listing or '(none)'}"
    )


def write_starter(task: models.CodeQuestion, path: Path, *, force: bool) -> Path:
    if path.exists() and not force:
        raise QbankError(
            f"{display(path)} already exists; qbank practice never writes over your work "
            "(choose another --out, or --force to start again)"
        )
    if path.parent != Path() and not path.parent.is_dir():
        raise QbankError(f"{display(path.parent)}: no such folder for --out")
    path.write_text(
        task.starter if task.starter.endswith("\n") else task.starter + "\n", encoding="utf-8"
    )
    return path


def show_task(console: Console, task: models.CodeQuestion, path: Path, *, lang: str) -> None:
    console.print(Text(f"{task.id} · {task.topic} · {task.points:g} pt", style="bold"))
    console.print(localized(task.prompt, lang))
    console.print(Text(f"def {task.signature}", style="bold"))
    public = [c for c in task.cases if not c.hidden]
    hidden = len(task.cases) - len(public)
    names = ", ".join(c.name for c in public) or "-"
    line = f"public cases ({len(public)}): {names}"
    if hidden:
        line += f"; {hidden} hidden case{'s' * (hidden != 1)} when graded"
    console.print(Text(line, style="dim"))
    # soft_wrap: a path split over two lines cannot be copied.
    console.print(Text(f"starter written to {display(path)}:", style="green"), soft_wrap=True)
    console.print(Syntax(task.starter, "python", theme="ansi_dark"))
    console.print(
        Text(f"next: edit it, then run  qbank check {task.id} {display(path)}"), soft_wrap=True
    )


def open_editor(path: Path, environ: dict[str, str] | None = None) -> str | None:
    """Open ``path`` in $VISUAL or $EDITOR; a message instead when neither is set."""
    import click

    env = os.environ if environ is None else environ
    editor = env.get("VISUAL") or env.get("EDITOR")
    if not editor:
        return f"set $EDITOR (or $VISUAL) to open {display(path)} from qbank practice --edit"
    click.edit(filename=str(path), editor=editor)
    return None
