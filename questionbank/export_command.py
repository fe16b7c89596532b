"""The `qbank export` pipeline for LMS formats: select, instantiate, render, write, report.

Questions come from the bank (filtered by topic and type) or from an exam spec (the
questions its sections pick, so Canvas or Moodle gets the paper's questions). The
quiz title is --title, else the spec's title, else the topic(s) exported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from questionbank import models
from questionbank.bank import Bank
from questionbank.errors import QbankError
from questionbank.export_common import (
    ExportReport,
    LmsText,
    export_items,
    export_langs,
    lms_report,
    select_questions,
)


@dataclass(frozen=True, kw_only=True)
class ExportRequest:
    fmt: str
    out: Path
    topics: Sequence[str] = ()
    types: Sequence[str] = ()
    lang: str | None = None
    variants: int = 5
    title: str | None = None
    spec: Path | None = None


def _questions_and_title(
    bank: Bank, request: ExportRequest, langs: Sequence[str] | None
) -> tuple[list[models.AnyQuestion], str | None]:
    if request.spec is None:
        return list(bank.questions), None
    from questionbank.assemble import select
    from questionbank.exam_spec import load_spec

    loaded = load_spec(request.spec)
    picked = [q for section in select(loaded, bank) for q in section]
    spec_langs = list(langs) if langs else list(loaded.spec.lang)
    return picked, LmsText(spec_langs).plain(loaded.spec.title) or None


def quiz_title(
    explicit: str | None, spec_title: str | None, questions: Sequence[models.AnyQuestion]
) -> str:
    if explicit:
        return explicit
    if spec_title:
        return spec_title
    topics = sorted({q.topic for q in questions})
    return f"qbank: {', '.join(topics)}" if len(topics) <= 3 else f"qbank: {len(topics)} topics"


def run_export(bank: Bank, request: ExportRequest) -> ExportReport:
    """Write the export file; return what was exported and what was left out."""
    pool, spec_title = _questions_and_title(bank, request, [request.lang] if request.lang else None)
    questions = select_questions(pool, topics=request.topics, types=request.types)
    if not questions:
        raise QbankError("no question matches the --spec/--topic/--type filters")
    items = export_items(questions, variants=request.variants)
    langs = export_langs(questions, request.lang)
    title = quiz_title(request.title, spec_title, questions)
    if request.fmt == "markdown":
        from questionbank.export_markdown import markdown

        request.out.write_text(markdown(items, langs, title), encoding="utf-8", newline="\n")
        return ExportReport(items, 0, [], [])
    report = lms_report(items, request.fmt)
    if request.fmt == "qti":
        from questionbank.export_qti import qti_zip

        request.out.write_bytes(qti_zip(report.exported, langs, title))
        return report
    if request.fmt == "moodle":
        from questionbank.export_moodle import moodle_xml as write
    else:
        from questionbank.export_gift import gift as write
    request.out.write_text(write(report.exported, langs), encoding="utf-8", newline="\n")
    return report
