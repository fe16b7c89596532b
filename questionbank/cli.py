"""The `qbank` command line: click decorators and lazy imports only.

Each command resolves its inputs, calls the core with validated objects, and lets
:class:`~questionbank.errors.QbankError` reach :class:`QbankGroup`, the one place
where user errors become messages and exit codes.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, NoReturn

import click

if TYPE_CHECKING:
    from pathlib import Path

    from questionbank.bank import Bank


class _UserError(click.ClickException):
    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code

    def show(self, file: Any = None) -> None:
        click.echo(self.message, err=True)


class QbankGroup(click.Group):
    """Maps every QbankError to its message and exit code, without a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        from questionbank.errors import QbankError

        try:
            return super().invoke(ctx)
        except QbankError as exc:
            raise _UserError(str(exc), exc.exit_code) from exc


def _fail(message: str, code: int = 1) -> NoReturn:
    raise _UserError(message, code)


def _bank_path(ctx: click.Context) -> Path:
    from questionbank.paths import resolve_bank

    return resolve_bank(ctx.obj.get("bank"))


def _load(ctx: click.Context) -> Bank:
    from questionbank.bank import load_bank

    return load_bank(_bank_path(ctx))


def _console() -> Any:
    from rich.console import Console

    return Console(soft_wrap=False)


@click.group(cls=QbankGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--bank",
    type=click.Path(path_type=str),
    envvar="QBANK_BANK",
    help="The bank folder (default: bank/ of this checkout, else the bundled course bank).",
)
@click.version_option(package_name="qbank")
@click.pass_context
def cli(ctx: click.Context, bank: str | None) -> None:
    """qbank: a bilingual question bank, exam generator and sandboxed autograder."""
    ctx.ensure_object(dict)
    ctx.obj["bank"] = bank


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=str))
@click.pass_context
def validate(ctx: click.Context, paths: tuple[str, ...]) -> None:
    """Check bank files; print a summary, or every error with file:line:col."""
    from pathlib import Path

    from questionbank.bank import load_bank
    from questionbank.terminal import bank_summary

    bank = load_bank(_bank_path(ctx), [Path(p) for p in paths] or None)
    click.echo(bank_summary(bank.questions))


@cli.command(name="list")
@click.option("--topic", multiple=True, help="Only these topics (repeatable).")
@click.option("--type", "types", multiple=True, help="Only these question types (repeatable).")
@click.option("--tag", multiple=True, help="Only questions with this tag (repeatable).")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.pass_context
def list_(
    ctx: click.Context,
    topic: tuple[str, ...],
    types: tuple[str, ...],
    tag: tuple[str, ...],
    fmt: str,
) -> None:
    """List the bank's questions."""
    from questionbank.describe import summary

    questions = [
        q
        for q in _load(ctx).questions
        if (not topic or q.topic in topic)
        and (not types or q.type in types)
        and (not tag or set(tag) & set(q.tags))
    ]
    if fmt == "json":
        click.echo(json.dumps([summary(q) for q in questions], ensure_ascii=False, indent=2))
        return
    from questionbank.terminal import list_table

    list_table(_console(), questions)


@cli.command()
@click.argument("question_id")
@click.option("--lang", type=click.Choice(["en", "zh-TW", "all"]), default="all", show_default=True)
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Which instance of a parametric question.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.pass_context
def show(ctx: click.Context, question_id: str, lang: str, seed: int, fmt: str) -> None:
    """Show one question instance: texts, choices, answer and explanation."""
    from questionbank.instance import instantiate

    inst = instantiate(_load(ctx).get(question_id), seed)
    if fmt == "json":
        from questionbank.describe import instance_data, question_langs

        langs = None if lang == "all" else [lang]
        data = instance_data(inst, langs or question_langs(inst.question) or ["en"])
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    from questionbank.terminal import show_instance

    show_instance(_console(), inst, lang=lang)


@cli.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "markdown"]),
    default="json",
    show_default=True,
    help="json: the JSON Schema; markdown: the field reference of docs/format.md.",
)
def schema(fmt: str) -> None:
    """Print the JSON Schema of bank files (for editors), generated from the models."""
    from questionbank.schema import field_reference, schema_json

    click.echo(schema_json() if fmt == "json" else field_reference(), nl=False)


@cli.command()
@click.argument("spec", type=click.Path(exists=True, dir_okay=False, path_type=str))
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=str),
              help="Folder for the papers, keys, answer-key.csv and manifest.json.")
@click.option("--pdf", is_flag=True, help="Also write paper-V.pdf and key-V.pdf (WeasyPrint).")
@click.option("--templates", type=click.Path(exists=True, file_okay=False, path_type=str),
              help="A folder of templates overriding the bundled ones, file by file.")
@click.pass_context
def paper(ctx: click.Context, spec: str, out: str, pdf: bool, templates: str | None) -> None:
    """Assemble an exam from SPEC.yaml and write its versions, keys and manifest."""
    from pathlib import Path

    from questionbank.assemble import assemble
    from questionbank.exam_spec import load_spec
    from questionbank.render_paper import write_paper

    loaded = load_spec(Path(spec))
    exam = assemble(loaded, _load(ctx))
    written = write_paper(
        exam, Path(out), templates=Path(templates) if templates else None, pdf=pdf
    )
    click.echo(f"{len(exam.versions)} version(s), {len(written)} files written to {out}")


@cli.command(name="export")
@click.argument("fmt", metavar="FORMAT", type=click.Choice(["moodle", "gift", "qti", "markdown"]))
@click.option("--topic", multiple=True, help="Only these topics (repeatable).")
@click.option("--type", "types", multiple=True, help="Only these question types (repeatable).")
@click.option("--lang", default=None, help="One language only (default: every language).")
@click.option("--variants", type=click.IntRange(1, 100), default=5, show_default=True,
              help="Fixed variants written for each parametric question.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=str),
              help="The file to write (.xml, .txt, .zip, .md).")
@click.pass_context
def export_(
    ctx: click.Context,
    fmt: str,
    topic: tuple[str, ...],
    types: tuple[str, ...],
    lang: str | None,
    variants: int,
    out: str,
) -> None:
    """Export questions for an LMS: moodle (XML), gift, qti (Canvas zip) or markdown."""
    from pathlib import Path

    from questionbank.export_common import export_items, export_langs, select_questions

    questions = select_questions(_load(ctx), topics=topic, types=types)
    if not questions:
        _fail("no question matches the --topic/--type filters")
    items = export_items(questions, variants=variants)
    langs = export_langs(questions, lang)
    target = Path(out)
    if fmt == "qti":
        from questionbank.export_qti import qti_zip

        target.write_bytes(qti_zip(items, langs))
    else:
        if fmt == "moodle":
            from questionbank.export_moodle import moodle_xml as write
        elif fmt == "gift":
            from questionbank.export_gift import gift as write
        else:
            from questionbank.export_markdown import markdown as write
        target.write_text(write(items, langs), encoding="utf-8", newline="\n")
    if fmt != "markdown":
        from questionbank.export_moodle import skipped_note

        for note in skipped_note(items, fmt):
            click.echo(f"note: {note}", err=True)
    click.echo(f"{len(items)} question(s) exported to {out}")


@cli.command(name="grade-sheet")
@click.argument("key", type=click.Path(exists=True, dir_okay=False, path_type=str))
@click.argument("responses", type=click.Path(exists=True, dir_okay=False, path_type=str))
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=str),
              help="Folder for scores.csv and report.html.")
@click.option("--manifest", type=click.Path(exists=True, dir_okay=False, path_type=str),
              help="The paper's manifest.json (default: the one beside the key, if any); "
              "maps each version's letters to the bank's choices.")
@click.option("--templates", type=click.Path(exists=True, file_okay=False, path_type=str),
              help="A folder of templates overriding the bundled report.html.j2.")
def grade_sheet(
    key: str, responses: str, out: str, manifest: str | None, templates: str | None
) -> None:
    """Score RESPONSES against KEY; write scores.csv and an item-analysis report.html."""
    from pathlib import Path

    from questionbank.grade_report import write_grades
    from questionbank.item_analysis import analyse
    from questionbank.sheets import grade, load_key

    beside = Path(key).parent / "manifest.json"
    manifest_path = Path(manifest) if manifest else (beside if beside.is_file() else None)
    answer_key = load_key(Path(key), manifest_path)
    graded = grade(Path(responses), answer_key)
    analysis = analyse(graded, answer_key)
    write_grades(
        answer_key, graded, analysis, Path(out), templates=Path(templates) if templates else None
    )
    click.echo(f"{len(graded.sheets)} answer sheet(s) graded; scores.csv and report.html in {out}")
    if graded.problems:
        for problem in graded.problems:
            click.echo(str(problem), err=True)
        _fail(f"{len(graded.problems)} malformed row(s) skipped (listed above and in the report)")


def main() -> None:
    cli(prog_name="qbank")


if __name__ == "__main__":  # pragma: no cover
    main()
