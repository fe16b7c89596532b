"""Render stage, PDF: papers and keys typeset by Typst (math laid out natively, CJK fonts
embedded as subsets), one file per version and, on request, one file for the whole class.

The Typst source comes from templates (paper.typ for the styles, paper.typ.j2 and
key.typ.j2 for one paper's and one key's body), overridable like the HTML ones. They
run in the same jinja2 sandbox; every value they print is escaped for Typst unless it
is Typst markup made here from the bank's Markdown (see questionbank/typst_markup.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import jinja2

from questionbank.describe import count
from questionbank.errors import QbankError
from questionbank.templating import render_template, sandbox
from questionbank.typst_markup import TypstMarkup, escape
from questionbank.typst_math import typst_string

CLASS_FILE = "class-papers.pdf"


def _finalize(value: Any) -> Any:
    # Applied to every {{ }}: only markup made by qbank passes unescaped.
    if isinstance(value, TypstMarkup):
        return value
    return escape(str(value))


def _lang(tag: str) -> str:
    lang, _, region = tag.partition("-")
    return f"{typst_string(lang.lower())}, {typst_string(region.lower()) if region else 'none'}"


def lit(value: Any) -> TypstMarkup:
    """A value as a Typst string literal (for the qb-* functions' arguments)."""
    return TypstMarkup(typst_string(str(value)))


def block(entries: Sequence[dict[str, Any]]) -> TypstMarkup:
    """A bank text, one block per language; the languages after the first in grey."""
    return TypstMarkup(
        "\n".join(
            f"#qb-text({'true' if n else 'false'}, {_lang(e['lang'])})[{e['typ']}]"
            for n, e in enumerate(entries)
        )
    )


def inline(entries: Sequence[dict[str, Any]]) -> TypstMarkup:
    """A short bank text on one line: the languages joined by a grey " / "."""
    return TypstMarkup(
        "#qb-sep".join(
            f"#qb-inline({'true' if n else 'false'}, {_lang(e['lang'])})[{e['typ']}]"
            for n, e in enumerate(entries)
        )
    )


def title_block(entries: Sequence[dict[str, Any]]) -> TypstMarkup:
    """The paper's title: the first language large and bold, the others below it."""
    lines = []
    for n, e in enumerate(entries):
        size, weight = ("15pt", '"bold"') if n == 0 else ("12pt", '"regular"')
        lines.append(
            f"#text(size: {size}, weight: {weight})"
            f"[#qb-inline({'true' if n else 'false'}, {_lang(e['lang'])})[{e['typ']}]]"
        )
    return TypstMarkup(" \\\n".join(lines))


def _natural(label: str) -> list[Any]:
    # s2 before s10: student ids sort as people read them.
    return [(0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", label)]


def class_order(labels: Sequence[str], order: str) -> list[int]:
    """Indexes of the versions in the class file's order: by student id, or as listed."""
    if order == "roster":
        return list(range(len(labels)))
    return sorted(range(len(labels)), key=lambda i: _natural(labels[i]))


class TypstPapers:
    """Typst sources from the templates, and PDFs from those sources."""

    def __init__(self, loader: jinja2.BaseLoader) -> None:
        self.env = sandbox(loader, autoescape=False, finalize=_finalize)
        self.env.globals.update(
            lit=lit, block=block, inline=inline, title_block=title_block, count=count
        )
        try:
            self.preamble, _, _ = loader.get_source(self.env, "paper.typ")
        except jinja2.TemplateNotFound:
            raise QbankError("template 'paper.typ' not found in the templates folders") from None
        self._compiler: Any = None

    def body(self, name: str, view: dict[str, Any], index: int) -> str:
        return render_template(self.env, name, {**view, "index": index})

    def document(self, bodies: Iterable[str], *, duplex: bool = False) -> str:
        """One Typst document: the styles, then each body from a new page (an odd one
        when ``duplex``, so that every paper starts on its own sheet)."""
        brk = '\n#pagebreak(to: "odd")\n' if duplex else "\n#pagebreak()\n"
        return self.preamble + "\n" + brk.join(bodies)

    def compile(self, source: str, name: str = "PDF") -> bytes:
        if self._compiler is None:
            self._compiler = _new_compiler()
        try:
            # Untagged: tags double the export time, and these files are for printing
            # (the HTML paper is the accessible one).
            pdf = self._compiler.compile(input=source.encode("utf-8"), format="pdf", pdf_tags=False)
        except Exception as exc:  # noqa: BLE001 - typst raises its own TypstError
            message = getattr(exc, "message", None) or str(exc)
            raise QbankError(f"{name}: typesetting failed (Typst): {message}") from None
        assert isinstance(pdf, bytes)
        return pdf


def _new_compiler() -> Any:
    try:
        import typst
    except ImportError as exc:  # pragma: no cover - typst is a runtime dependency
        raise QbankError(f"PDF output needs Typst ({exc}); pip install typst") from None
    # Fonts are found once per compiler (system fonts, Noto CJK among them, plus the
    # math and mono fonts Typst ships); every PDF compiled with it reuses them.
    return typst.Compiler()


def default_workers(versions: int) -> int:
    """Worker processes for ``versions`` papers with keys: starting one costs about a
    second (imports, fonts, a first cold compile), so a few papers stay in this process."""
    if versions < 10:
        return 1
    import os

    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS and Windows have no affinity call
        cores = os.cpu_count() or 1
    return max(1, min(cores, 4))


_WORKER: dict[str, TypstPapers] = {}


def _worker_init(templates: list[str]) -> None:
    _WORKER["papers"] = TypstPapers(jinja2.FileSystemLoader(templates))


def _worker_write(source: str, target: str) -> None:
    Path(target).write_bytes(_WORKER["papers"].compile(source, Path(target).name))


class PdfJobs:
    """Typesets (source, target) jobs as they come: here, or in worker processes that
    start on the first job while the caller goes on rendering the next version."""

    def __init__(self, papers: TypstPapers, *, workers: int, templates: list[str]) -> None:
        self.papers = papers
        self.workers = workers
        self.templates = templates
        self._pool: Any = None
        self._pending: list[Any] = []

    def submit(self, source: str, target: Path) -> None:
        if self.workers <= 1:
            target.write_bytes(self.papers.compile(source, target.name))
            return
        if self._pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            # spawn, not fork: Typst runs threads of its own, which a fork would not carry.
            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_worker_init,
                initargs=(self.templates,),
            )
        self._pending.append(self._pool.submit(_worker_write, source, str(target)))

    def wait(self) -> None:
        """Wait for every job; the first failure is raised (a QbankError stays one)."""
        if self._pool is None:
            return
        try:
            for job in self._pending:
                job.result()
        finally:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
