"""Render stage: an assembled exam to HTML, Markdown, keys, CSV, manifest and PDF.

Templates live in templates/ (paper.html.j2, key.html.j2, paper.md.j2, paper.css) and
can be copied and overridden one by one with ``--templates DIR``. They are rendered in
a SandboxedEnvironment with StrictUndefined (templates are untrusted, and a typo in
one must fail loudly) from plain view dicts, never from the models themselves.
Nothing written depends on the clock or the machine: same spec and seed, same bytes.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from markupsafe import Markup

from questionbank import models
from questionbank.assemble import Exam, PaperItem, Version
from questionbank.describe import LETTERS, count, key_notation, number_text, tolerance_text
from questionbank.errors import QbankError
from questionbank.localized import Localized, pick
from questionbank.paths import display, templates_dir
from questionbank.richtext import RichText
from questionbank.templating import render_template, sandbox

if TYPE_CHECKING:  # imported when PDFs are made: Typst's side is a tenth of `qbank paper`
    from questionbank.typst_markup import TypstText

KEY_COLUMNS = ("version", "number", "question_id", "type", "answer", "points")
TEMPLATE_NAMES = (
    "paper.html.j2",
    "key.html.j2",
    "paper.md.j2",
    "paper.css",
    "paper.typ",
    "paper.typ.j2",
    "key.typ.j2",
)


def answer_text(item: PaperItem) -> str:
    """The answer in answer-key.csv notation (grade-sheet reads the same notation)."""
    return key_notation(item.instance)


def key_rows(exam: Exam) -> list[list[str]]:
    return [
        [
            v.label,
            str(it.number),
            it.question.id,
            it.question.type,
            answer_text(it),
            number_text(it.points),
        ]
        for v in exam.versions
        for it in v.items
    ]


def answer_key_csv(exam: Exam) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(KEY_COLUMNS)
    writer.writerows(key_rows(exam))
    return out.getvalue()


def manifest(exam: Exam) -> dict[str, Any]:
    spec = exam.loaded.spec
    langs = list(spec.lang)

    def per_lang(text: Localized | None) -> dict[str, str] | None:
        return None if text is None else {lang: pick(text, lang) for lang in langs}

    versions = []
    for v in exam.versions:
        questions = []
        for it in v.items:
            inst = it.instance
            entry: dict[str, Any] = {
                "number": it.number,
                "question_id": it.question.id,
                "type": it.question.type,
                "points": it.points,
                "params": inst.params,
                "answer": answer_text(it),
            }
            if inst.choices:
                entry["choices"] = {
                    lang: [pick(c.text, lang) for c in inst.choices] for lang in langs
                }
                entry["correct"] = [LETTERS[i] for i in inst.correct_indexes]
                entry["bank_order"] = [c.index for c in inst.choices]
            questions.append(entry)
        row: dict[str, Any] = {"version": v.label}
        if v.student is not None:
            row["student_name"] = v.student.name
        row["total_points"] = v.total_points
        row["questions"] = questions
        versions.append(row)
    return {
        "title": per_lang(spec.title),
        "course": spec.course,
        "seed": spec.seed,
        "languages": langs,
        "versions": versions,
    }


@dataclass
class Texts:
    """Bank texts as the entries a template loops over: one per distinct language."""

    rich: RichText
    langs: list[str]
    typst: TypstText | None = None  # set when PDFs are made: entries get a "typ" too

    def __call__(self, text: Localized | None, *, inline: bool = False) -> list[dict[str, Any]]:
        if text is None:
            return []
        entries: list[dict[str, Any]] = []
        seen: set[str] = set()
        for lang in self.langs:
            source = pick(text, lang)
            if not source or source in seen:
                continue  # a language-neutral text ("Sequential API") is printed once
            seen.add(source)
            entry = {
                "lang": lang,
                "md": source,
                "html": Markup(self.rich.html(source, inline=inline)),
            }
            if self.typst is not None:
                entry["typ"] = self.typst.markup(source, inline=inline)
            entries.append(entry)
        return entries


def _item_view(item: PaperItem, texts: Texts) -> dict[str, Any]:
    inst = item.instance
    q = inst.question
    view: dict[str, Any] = {
        "number": item.number,
        "id": q.id,
        "type": q.type,
        "points": number_text(item.points),
        "prompt": texts(inst.prompt),
        "explanation": texts(inst.explanation),
        "answer": answer_text(item),
        "choices": [
            {
                "letter": LETTERS[i],
                "text": texts(c.text, inline=True),
                "correct": c.correct,
                "feedback": texts(c.feedback, inline=True),
            }
            for i, c in enumerate(inst.choices)
        ],
        "unit": getattr(q, "unit", None) or "",
        "code": None,
        "accepted": [],
    }
    if isinstance(q, models.CodeQuestion):
        view["code"] = {"function": q.function, "signature": q.signature, "starter": q.starter}
        view["points_by_case"] = [
            {"name": c.name, "points": number_text(c.points), "hidden": c.hidden} for c in q.cases
        ]
    if isinstance(q, models.ShortQuestion):
        view["accepted"] = [*q.answers, *(f"/{p}/" for p in q.patterns)]
    if isinstance(q, models.NumericQuestion):
        view["value"] = number_text(float(inst.answer))
        view["tolerance"] = tolerance_text(q)
    return view


def paper_view(exam: Exam, version: Version, texts: Texts) -> dict[str, Any]:
    spec = exam.loaded.spec
    return {
        "title": texts(spec.title, inline=True),
        "title_text": " / ".join(e["md"] for e in texts(spec.title, inline=True)),
        "course": spec.course or "",
        "date": spec.date or "",
        "instructions": texts(spec.instructions),
        "langs": texts.langs,
        "lang": texts.langs[0],
        "version": version.label,
        "student": (
            {"id": version.student.student_id, "name": version.student.name}
            if version.student
            else None
        ),
        "total_points": number_text(version.total_points),
        "question_count": len(version.items),
        "sections": [
            {
                "number": n,
                "title": texts(s.section.title, inline=True),
                "instructions": texts(s.section.instructions),
                "questions": [_item_view(it, texts) for it in s.items],
                "points": number_text(sum(it.points for it in s.items)),
            }
            for n, s in enumerate(version.sections, start=1)
        ],
    }


class PaperRenderer:
    """The jinja2 templates (an override folder first, then the bundled ones)."""

    def __init__(self, override: Path | None = None) -> None:
        folders = [str(templates_dir())]
        if override is not None:
            if not override.is_dir():
                raise QbankError(f"{display(override)}: no such templates folder")
            folders.insert(0, str(override))
        loader = jinja2.FileSystemLoader(folders)
        self.html_env = sandbox(loader, autoescape=True)
        self.text_env = sandbox(loader, autoescape=False)
        for env in (self.html_env, self.text_env):
            env.globals["count"] = count
        self.css = self._load("paper.css")

    def _load(self, name: str) -> str:
        try:
            source, _, _ = self.html_env.loader.get_source(self.html_env, name)  # type: ignore[union-attr]
        except jinja2.TemplateNotFound:
            raise QbankError(f"template '{name}' not found in the templates folders") from None
        return source

    def render(self, name: str, view: dict[str, Any]) -> str:
        env = self.html_env if name.endswith(".html.j2") else self.text_env
        return render_template(env, name, {**view, "css": Markup(self.css)})


def write_paper(
    exam: Exam,
    out: Path,
    *,
    templates: Path | None = None,
    pdf: bool = False,
    class_pdf: str | None = None,
    pdf_workers: int | None = 1,
    progress: Callable[[str], None] | None = None,
) -> list[Path]:
    """Write every version's files plus answer-key.csv and manifest.json; return the paths.

    ``pdf`` adds paper-V.pdf and key-V.pdf; ``class_pdf`` ("id" or "roster") adds
    class-papers.pdf, every version's paper in one file in that order; ``pdf_workers``
    processes typeset them (None: one per core, up to 4, from 10 versions on; worker
    processes are spawned, so a calling script needs the ``if __name__ == "__main__"`` guard).
    """
    renderer = PaperRenderer(templates)
    typeset = class_pdf is not None or pdf
    if typeset:
        from questionbank.pdf import (
            CLASS_FILE,
            PdfJobs,
            TypstPapers,
            class_order,
            default_workers,
        )
        from questionbank.typst_markup import TypstText
    texts = Texts(RichText(), list(exam.loaded.spec.lang), TypstText() if typeset else None)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def save(name: str, content: str) -> Path:
        path = out / name
        path.write_text(content, encoding="utf-8", newline="\n")
        written.append(path)
        return path

    loader = renderer.html_env.loader
    assert isinstance(loader, jinja2.FileSystemLoader)  # workers rebuild it from its folders
    typst, jobs = None, None
    if typeset:
        if pdf_workers is None:
            pdf_workers = default_workers(len(exam.versions) if pdf else 0)
        typst = TypstPapers(loader)
        jobs = PdfJobs(typst, workers=pdf_workers, templates=loader.searchpath)
    views = [paper_view(exam, version, texts) for version in exam.versions]
    try:
        if typst is not None and jobs is not None:
            paper_bodies = [typst.body("paper.typ.j2", v, i) for i, v in enumerate(views)]
            if class_pdf is not None:
                # The class file is the longest job: it goes first, so that the other
                # workers are not left idle while it finishes.
                order = class_order([v.label for v in exam.versions], class_pdf)
                source = typst.document([paper_bodies[i] for i in order], duplex=True)
                jobs.submit(source, out / CLASS_FILE)
                written.append(out / CLASS_FILE)
        for index, (version, view) in enumerate(zip(exam.versions, views, strict=True)):
            if typst is not None and jobs is not None and pdf:
                key_body = typst.body("key.typ.j2", view, index)
                for stem, body in (("paper", paper_bodies[index]), ("key", key_body)):
                    target = out / f"{stem}-{version.label}.pdf"
                    jobs.submit(typst.document([body]), target)
                    written.append(target)
            save(f"paper-{version.label}.html", renderer.render("paper.html.j2", view))
            save(f"paper-{version.label}.md", renderer.render("paper.md.j2", view))
            save(f"key-{version.label}.html", renderer.render("key.html.j2", view))
            if progress is not None:
                progress(version.label)
    finally:
        if jobs is not None:
            jobs.wait()
    save("answer-key.csv", answer_key_csv(exam))
    save("manifest.json", json.dumps(manifest(exam), ensure_ascii=False, indent=2) + "\n")
    return written
