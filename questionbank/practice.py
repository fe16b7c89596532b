"""`qbank practice TASK`: the task's statement on screen and its starter file on disk.

A student's file is their work: it is never written over unless they say --force.
"""

from __future__ import annotations

import os
from pathlib import Path

from rich.console import Console
from rich.text import Text

from questionbank import models
from questionbank.bank import Bank
from questionbank.diagnostics import suggest
from questionbank.errors import QbankError
from questionbank.paths import display
from questionbank.termtext import localized_block, python_code


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


_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "pt": "pt",
        "public": "public cases ({n}): {names}",
        "hidden": "; {n} hidden case{s} when graded",
        "written": "starter written to {path}:",
        "kept": "{path} already exists: your work is kept (--force starts again from the starter)",
        "next": "next: edit it, then run  qbank check {task} {path}",
    },
    "zh-TW": {
        "pt": "分",
        "public": "公開測資({n}):{names}",
        "hidden": "；評分時另有 {n} 筆隱藏測資",
        "written": "起始程式已寫入 {path}：",
        "kept": "{path} 已存在：保留你的程式(加上 --force 會以起始程式重新開始)",
        "next": "下一步：編輯它，然後執行  qbank check {task} {path}",
    },
}


def _words(lang: str) -> dict[str, str]:
    return _WORDS["zh-TW" if lang == "zh-TW" else "en"]


def write_starter(
    task: models.CodeQuestion, path: Path, *, force: bool, content: bytes | None = None
) -> bool:
    """Write the starter (or content: a starter notebook) to ``path``; False (nothing
    written) when a file is there already and ``force`` is not given: a student's file is
    their work."""
    if path.exists() and not force:
        if path.is_dir():
            raise QbankError(f"{display(path)} is a folder; choose a file name with --out")
        return False
    if path.parent != Path() and not path.parent.is_dir():
        raise QbankError(f"{display(path.parent)}: no such folder for --out")
    if content is not None:
        path.write_bytes(content)
        return True
    path.write_text(
        task.starter if task.starter.endswith("\n") else task.starter + "\n", encoding="utf-8"
    )
    return True


def show_task(
    console: Console, task: models.CodeQuestion, path: Path, *, lang: str, written: bool = True
) -> None:
    """The statement, the public cases and what to do next; the starter when written now."""
    words = _words(lang)
    console.print(Text(f"{task.id} · {task.topic} · {task.points:g} {words['pt']}", style="bold"))
    console.print(localized_block(task.prompt, lang))
    console.print(Text(f"def {task.signature}", style="bold"))
    public = [c for c in task.cases if not c.hidden]
    hidden = len(task.cases) - len(public)
    line = words["public"].format(n=len(public), names=", ".join(c.name for c in public) or "-")
    if hidden:
        line += words["hidden"].format(n=hidden, s="s" * (hidden != 1))
    console.print(Text(line, style="dim"))
    shown = display(path)
    # soft_wrap: a path split over two lines cannot be copied.
    if written:
        console.print(Text(words["written"].format(path=shown), style="green"), soft_wrap=True)
        console.print(python_code(console, task.starter))
    else:
        console.print(Text(words["kept"].format(path=shown), style="yellow"), soft_wrap=True)
    console.print(Text(words["next"].format(task=task.id, path=shown)), soft_wrap=True)


def open_editor(path: Path, environ: dict[str, str] | None = None) -> str | None:
    """Open ``path`` in $VISUAL or $EDITOR; a message instead when neither is set."""
    import click

    env = os.environ if environ is None else environ
    editor = env.get("VISUAL") or env.get("EDITOR")
    if not editor:
        return f"set $EDITOR (or $VISUAL) to open {display(path)} from qbank practice --edit"
    click.edit(filename=str(path), editor=editor)
    return None
