"""The `qbank` command line: click decorators and lazy imports only.

Each command resolves its inputs, calls the core with validated objects, and lets
:class:`~questionbank.errors.QbankError` reach :class:`QbankGroup`, the one place
where user errors become messages and exit codes.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any, NoReturn

import click

if TYPE_CHECKING:
    from pathlib import Path

    from questionbank.bank import Bank
    from questionbank.quiz import Summary


class _UserError(click.ClickException):
    """A QbankError on its way out through click; exit_code is set per instance."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        # click >= 8.2 declares exit_code a ClassVar; an instance attribute still wins.
        vars(self)["exit_code"] = exit_code

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
    """The bank, checked: from the per-user cache, where only files changed since their
    last successful check are parsed and checked again."""
    from questionbank.bankcache import load_bank_cached

    return load_bank_cached(_bank_path(ctx), check=True)


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
    """Check bank files; print a summary, or every error with file:line:col.

    Files and folders named are checked in the context of their bank (an id that
    another bank file also uses is an error). Warnings do not change the exit code.

    \b
    Examples:
      qbank validate                   # the whole bank
      qbank validate bank/ml.yaml      # one file, with the rest of its bank"""
    from pathlib import Path

    from questionbank.validate import validate as run_validate

    report = run_validate(_bank_path(ctx), [Path(p) for p in paths])
    for warning in report.warnings:
        click.echo(str(warning), err=True)
    click.echo(report.summary)


@cli.command(name="list")
@click.option("--topic", multiple=True, help="Only these topics (repeatable).")
@click.option("--type", "types", multiple=True, help="Only these question types (repeatable).")
@click.option("--tag", multiple=True, help="Only questions with this tag (repeatable).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "matrix"]),
    default="table",
    show_default=True,
    help="matrix: a Markdown table of topics x types with counts (for bank/README.md).",
)
@click.pass_context
def list_(
    ctx: click.Context,
    topic: tuple[str, ...],
    types: tuple[str, ...],
    tag: tuple[str, ...],
    fmt: str,
) -> None:
    """List the bank's questions, grouped by topic, one line each.

    \b
    Examples:
      qbank list --topic cnn --type numeric
      qbank list --format json > questions.json
    """
    from questionbank.describe import summary
    from questionbank.selection import check_names

    bank = _load(ctx)
    check_names(bank.questions, topics=topic, types=types)
    questions = [
        q
        for q in bank.questions
        if (not topic or q.topic in topic)
        and (not types or q.type in types)
        and (not tag or set(tag) & set(q.tags))
    ]
    if fmt == "json":
        click.echo(json.dumps([summary(q) for q in questions], ensure_ascii=False, indent=2))
        return
    if fmt == "matrix":
        from questionbank.terminal import count_matrix

        click.echo(count_matrix(questions), nl=False)
        return
    from questionbank.selection import default_lang
    from questionbank.terminal import list_table

    list_table(_console(), questions, lang=default_lang())


@cli.command()
@click.argument("question_id")
@click.option(
    "--lang",
    type=click.Choice(["en", "zh-TW", "both"]),
    default="both",
    show_default=True,
    help="Language of the texts.",
)
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
    """Show one question instance: texts, choices, answer and explanation.

    \b
    Examples:
      qbank show activation-sigmoid-value
      qbank show activation-sigmoid-value --seed 7 --lang zh-TW
    """
    from questionbank.instance import instantiate

    inst = instantiate(_load(ctx).get(question_id), seed)
    if fmt == "json":
        from questionbank.describe import instance_data, question_langs

        langs = None if lang == "both" else [lang]
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
    """Print the JSON Schema of bank files (for editors), generated from the models.

    \b
    Examples:
      qbank schema > qbank.schema.json
    """
    from questionbank.schema import field_reference, schema_json

    click.echo(schema_json() if fmt == "json" else field_reference(), nl=False)


@cli.command()
@click.argument("spec", type=click.Path(exists=True, dir_okay=False, path_type=str))
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False, path_type=str),
    help="Folder for the papers, keys, answer-key.csv and manifest.json.",
)
@click.option("--pdf", is_flag=True, help="Also write paper-V.pdf and key-V.pdf (Typst).")
@click.option(
    "--class-pdf",
    "class_pdf",
    type=click.Choice(["id", "roster"]),
    help="Also write class-papers.pdf: every paper in one print-ready file, sorted by "
    "student id or in roster order (e.g. a roster listed by seat).",
)
@click.option(
    "--templates",
    type=click.Path(exists=True, file_okay=False, path_type=str),
    help="A folder of templates overriding the bundled ones, file by file.",
)
@click.pass_context
def paper(
    ctx: click.Context,
    spec: str,
    out: str,
    pdf: bool,
    class_pdf: str | None,
    templates: str | None,
) -> None:
    """Assemble an exam from SPEC.yaml and write its versions, keys and manifest.

    \b
    Examples:
      qbank paper bank/exams/midterm.yaml --out out/
      qbank paper midterm.yaml --out out/ --pdf --class-pdf roster
    """
    from pathlib import Path

    from questionbank.assemble import assemble
    from questionbank.exam_spec import load_spec
    from questionbank.render_paper import write_paper

    loaded = load_spec(Path(spec))
    exam = assemble(loaded, _load(ctx))
    written = write_paper(
        exam,
        Path(out),
        templates=Path(templates) if templates else None,
        pdf=pdf,
        class_pdf=class_pdf,
        pdf_workers=None,
    )
    written += _sheets(exam, out, templates)
    click.echo(f"{len(exam.versions)} version(s), {len(written)} files written to {out}")


def _sheets(exam: Any, out: str, templates: str | None) -> list[Any]:
    """Answer sheets for qbank scan: sheet-V.html/.pdf and sheet-layout.json."""
    from pathlib import Path

    from questionbank.sheet_render import write_sheets

    return write_sheets(exam, Path(out), templates=Path(templates) if templates else None)


@cli.command(name="export")
@click.argument(
    "fmt", metavar="FORMAT", type=click.Choice(["moodle", "gift", "qti", "markdown", "gradescope"])
)
@click.argument("task", required=False)
@click.option("--topic", multiple=True, help="Only these topics (repeatable).")
@click.option("--type", "types", multiple=True, help="Only these question types (repeatable).")
@click.option("--lang", default=None, help="One language only (default: every language).")
@click.option(
    "--variants",
    type=click.IntRange(1, 100),
    default=5,
    show_default=True,
    help="Fixed variants written for each parametric question.",
)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=str),
    help="The file to write (.xml, .txt, .zip, .md).",
)
@click.option("--title", default=None, help="Quiz title (default: the spec's title or the topics).")
@click.option(
    "--spec",
    type=click.Path(exists=True, dir_okay=False, path_type=str),
    help="Export the questions this exam spec picks (and take its title).",
)
@click.pass_context
def export_(
    ctx: click.Context,
    fmt: str,
    task: str | None,
    topic: tuple[str, ...],
    types: tuple[str, ...],
    lang: str | None,
    variants: int,
    out: str,
    title: str | None,
    spec: str | None,
) -> None:
    """Export questions for an LMS: moodle (XML), gift, qti (Canvas zip) or markdown;
    or `export gradescope TASK`: an autograder bundle for a code task (or assignment file).

    \b
    Examples:
      qbank export moodle --out bank.xml
      qbank export qti --spec bank/exams/midterm.yaml --out midterm-canvas.zip
      qbank export gradescope conv2d --out autograder.zip
    """
    from pathlib import Path

    if fmt == "gradescope" or task is not None:
        _export_gradescope(ctx, fmt, task, Path(out))
        return

    from questionbank.export_command import ExportRequest, run_export

    request = ExportRequest(
        fmt=fmt,
        out=Path(out),
        topics=topic,
        types=types,
        lang=lang,
        variants=variants,
        title=title,
        spec=Path(spec) if spec else None,
    )
    report = run_export(_load(ctx), request)
    for reason, ids in report.skipped:
        click.echo(f"note: {fmt}: skipped {reason}: {', '.join(ids)}", err=True)
    for note in report.notes:
        click.echo(f"note: {fmt}: {note}", err=True)
    click.echo(report.summary(out))


@cli.command(name="grade-sheet")
@click.argument("key", type=click.Path(exists=True, dir_okay=False, path_type=str))
@click.argument("responses", type=click.Path(exists=True, dir_okay=False, path_type=str))
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False, path_type=str),
    help="Folder for scores.csv and report.html.",
)
@click.option(
    "--manifest",
    type=click.Path(exists=True, dir_okay=False, path_type=str),
    help="The paper's manifest.json (default: the one beside the key, if any); "
    "maps each version's letters to the bank's choices.",
)
@click.option(
    "--templates",
    type=click.Path(exists=True, file_okay=False, path_type=str),
    help="A folder of templates overriding the bundled report.html.j2.",
)
def grade_sheet(
    key: str, responses: str, out: str, manifest: str | None, templates: str | None
) -> None:
    """Score RESPONSES against KEY; write scores.csv and an item-analysis report.html.

    \b
    Examples:
      qbank grade-sheet out/answer-key.csv responses.csv --out graded/
    """
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


@cli.command()
@click.argument("scans", nargs=-1, required=True, type=click.Path(exists=True, path_type=str))
@click.option(
    "--paper",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=str),
    help="The folder `qbank paper` wrote (sheet-layout.json, answer-key.csv).",
)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False, path_type=str),
    help="Folder for responses.csv, review.csv, scan-report.html and the page pictures.",
)
@click.option("--jobs", type=click.IntRange(1, 64), help="Worker processes (default: the cores).")
def scan(scans: tuple[str, ...], paper: str, out: str, jobs: int | None) -> None:
    """Read scanned answer sheets (PDF, PNG, JPEG, TIFF; files or folders) into responses.csv.

    Every uncertain cell goes to review.csv; write decisions there and run again.

    \b
    Examples:
      qbank scan scans/*.pdf --paper out/ --out scanned/
      qbank scan scanned-again.pdf --paper out/ --out scanned/   # after editing review.csv
    """
    from pathlib import Path

    from rich.console import Console
    from rich.progress import Progress

    from questionbank.scan import run, summary

    with Progress(console=Console(stderr=True), transient=True) as progress:
        bar = progress.add_task("reading pages", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(bar, completed=done, total=total)

        outcome = run(
            [Path(s) for s in scans], Path(paper), Path(out), jobs=jobs, on_progress=advance
        )
    text, notes = summary(outcome)
    for note in notes:
        click.echo(f"note: {note}", err=True)
    click.echo(f"{text}; see {out}/scan-report.html")
    if outcome.open_items:
        _fail(f"{len(outcome.open_items)} item(s) in {out}/review.csv need a decision")


_LANG = click.Choice(["en", "zh-TW", "both"])
# quiz and review ask questions the same way, so they share this option.
_question_lang = click.option(
    "--lang", type=_LANG, help="Language of the questions (default: from $LANG)."
)


@cli.command()
@click.option("--topic", multiple=True, help="Only these topics (repeatable).")
@click.option("--week", help="Only these syllabus weeks: a week (4) or a range (3-6).")
@click.option(
    "-n",
    "count",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="How many questions.",
)
@_question_lang
@click.option("--seed", type=int, help="Make the choice, order and numbers reproducible.")
@click.option("--due", is_flag=True, help="Questions due for review (FSRS), weakest first.")
@click.pass_context
def quiz(
    ctx: click.Context,
    topic: tuple[str, ...],
    week: str | None,
    count: int,
    lang: str | None,
    seed: int | None,
    due: bool,
) -> None:
    """Practise: one question at a time, feedback at once, answers saved to the history.

    \b
    Examples:
      qbank quiz -n 5 --topic cnn
      qbank quiz --week 3-6 --lang zh-TW
      qbank quiz --due        (spaced repetition: what is due, then new questions)
    """
    from questionbank import session

    filters = session.Filters(topics=topic, weeks=session.parse_weeks(week) if week else None)

    def run() -> Summary | None:
        bank = _load_quick(ctx)
        with session.open_history() as history:
            setup = session.make_setup(
                bank, console=_console(), lang=lang, seed=seed, history=history
            )
            return session.quiz(bank, setup, filters, count=count, due=due)

    ctx.exit(session.guarded(run))


@cli.command()
@click.option(
    "-n",
    "count",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="At most this many questions.",
)
@_question_lang
@click.option("--seed", type=int, help="Make the order and numbers reproducible.")
@click.pass_context
def review(ctx: click.Context, count: int, lang: str | None, seed: int | None) -> None:
    """Ask again the questions whose latest answer was wrong, partial or skipped.

    \b
    Examples:
      qbank review
      qbank review -n 5 --lang both
    """
    from questionbank import session

    def run() -> Summary | None:
        bank = _load_quick(ctx)
        with session.open_history() as history:
            setup = session.make_setup(
                bank, console=_console(), lang=lang, seed=seed, history=history
            )
            return session.review(bank, setup, count=count)

    ctx.exit(session.guarded(run))


@cli.command()
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.option("--lang", type=_LANG, help="Language of the table (default: from $LANG).")
@click.pass_context
def stats(ctx: click.Context, fmt: str, lang: str | None) -> None:
    """Accuracy and FSRS recall per topic, what is due, from the practice history.

    \b
    Examples:
      qbank stats
      qbank stats --format json
    """
    from questionbank.errors import QbankError
    from questionbank.history import now
    from questionbank.quiz import quiz_types
    from questionbank.session import open_history
    from questionbank.stats import stats_data, stats_table

    console = _console()
    try:  # the bank only adds the count of new questions: stats work without it
        questions = [q for q in _load_quick(ctx).questions if q.type in quiz_types()]
    except QbankError:
        questions = None
    at = now()
    with open_history() as history:
        data = stats_data(history.answers(), at=at, questions=questions)
        if fmt == "json":
            click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            from questionbank.selection import default_lang

            stats_table(
                console, data, history_path=str(history.path), at=at, lang=lang or default_lang()
            )


@cli.command()
@click.option("--student", is_flag=True, help="A bank for students (the only kind so far).")
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=str),
    help="The folder to write; its bank/ must not exist or be empty.",
)
@click.option(
    "--notebooks", is_flag=True, help="Also write notebooks/<task>.ipynb per coding task (Colab)."
)
@click.pass_context
def bundle(ctx: click.Context, student: bool, out: str, notebooks: bool) -> None:
    """Write a practice bank with no exam-only questions, references or hidden cases.

    \b
    Examples:
      qbank bundle --student --out for-students/
      qbank bundle --student --notebooks --out for-students/
    """
    from pathlib import Path

    from questionbank.bundle import write_student_bundle

    if not student:
        _fail("qbank bundle: say --student (the only kind of bundle there is)", 2)
    report = write_student_bundle(_load(ctx), Path(out), notebooks=notebooks)
    for line in report.lines():
        click.echo(line)


@cli.command()
@click.argument("task_id", metavar="TASK")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=str),
    help="Where to write the starter (default: TASK.py here).",
)
@click.option("--force", is_flag=True, help="Write over an existing file.")
@click.option("--edit", is_flag=True, help="Open the file in $EDITOR afterwards.")
@click.option("--lang", type=_LANG, help="Language of the statement (default: from $LANG).")
@click.option(
    "--notebook",
    is_flag=True,
    help="Write TASK.ipynb for Colab: statement, starter and a cell checking the public cases.",
)
@click.pass_context
def practice(
    ctx: click.Context,
    task_id: str,
    out: str | None,
    force: bool,
    edit: bool,
    lang: str | None,
    notebook: bool,
) -> None:
    """Show a coding task and write its starter file, to solve and then `qbank check`.

    Run it again to see the statement again: an existing file is kept.

    \b
    Examples:
      qbank practice mse
      qbank practice mse --out hw/mse.py --edit
      qbank practice conv2d --notebook      # conv2d.ipynb, to open in Colab
    """
    from pathlib import Path

    from questionbank.practice import code_task, open_editor, show_task, write_starter
    from questionbank.selection import default_lang

    bank = _load_quick(ctx)
    task = code_task(bank, task_id)
    path = Path(out or f"{task.id}.{'ipynb' if notebook else 'py'}")
    content = None
    if notebook and (force or not path.exists()):
        from questionbank.bundle import notebook_data
        from questionbank.notebook import starter_notebook

        content = starter_notebook(notebook_data(task, bank.project_root))
    written = write_starter(task, path, force=force, content=content)
    show_task(_console(), task, path, lang=lang or default_lang(), written=written)
    if edit:
        message = open_editor(path)
        if message:
            click.echo(message, err=True)


def _export_gradescope(ctx: click.Context, fmt: str, task: str | None, out: Path) -> None:
    from pathlib import Path

    from questionbank.grading.gradescope import bundle
    from questionbank.grading.tasks import prepare_tasks, task_ids

    if fmt != "gradescope" or task is None:
        _fail("TASK is given only with `export gradescope TASK` (a task id or assignment file)", 2)
    bank = _load(ctx)
    prepare_tasks(bank, task)  # refuse to ship a task whose cases or reference are broken
    ids = task_ids(bank, task)
    assignment = Path(task) if ids != [task] else None
    out.write_bytes(bundle(bank.project_root, ids, assignment))
    click.echo(f"Gradescope autograder for {', '.join(ids)} written to {out}")


_ISOLATION = click.Choice(["full", "partial", "minimal"])


def _sandbox_config() -> Any:
    """QBANK_SANDBOX_DISABLE=net,pid,... turns layers off: to rehearse a host that lacks them
    (Docker's default profile blocks unshare), or where a layer misbehaves."""
    import os

    from questionbank.sandbox import SandboxConfig

    disabled = os.environ.get("QBANK_SANDBOX_DISABLE", "")
    return SandboxConfig(disabled_layers=frozenset(filter(None, disabled.split(","))))


def _check_isolation(server_isolation: dict[str, Any], required: str | None) -> None:
    from questionbank.sandbox import describe_isolation

    order = ["minimal", "partial", "full"]
    level = server_isolation.get("level", "minimal")
    if required and order.index(level) < order.index(required):
        _fail(
            f"sandbox isolation here is {describe_isolation(server_isolation)}; "
            f"--require-isolation {required} refuses to grade"
        )
    if level != "full":
        click.echo(
            f"warning: sandbox isolation {describe_isolation(server_isolation)}; "
            "see docs/sandbox.md",
            err=True,
        )


@cli.command()
@click.argument("task")
@click.argument("submission", type=click.Path(exists=True, dir_okay=False, path_type=str))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "gradescope"]),
    default="text",
    show_default=True,
    help="json: Gradescope-style results with max_score; gradescope: its fields only.",
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=str), help="Write here.")
@click.option("--require-isolation", type=_ISOLATION, help="Refuse to grade below this level.")
@click.pass_context
def grade(
    ctx: click.Context,
    task: str,
    submission: str,
    fmt: str,
    out: str | None,
    require_isolation: str | None,
) -> None:
    """Grade one submission file against a code task (or an assignment file of tasks).

    \b
    Examples:
      qbank grade conv2d alice.py
      qbank grade hw1.yaml alice.ipynb --format gradescope --out results.json
    """
    import dataclasses
    from pathlib import Path

    from questionbank.grading.batch import read_submission, write_atomic
    from questionbank.grading.grade import grade_submission
    from questionbank.grading.report import print_text, to_gradescope
    from questionbank.grading.tasks import prepare_tasks
    from questionbank.notebook import NotebookError
    from questionbank.sandbox import SandboxServer

    tasks = prepare_tasks(_load_quick(ctx), task)
    try:  # never through a link, nor from a FIFO: a student may have uploaded either
        _, source, notes = read_submission(Path(submission), [t.spec.function for t in tasks])
    except (OSError, NotebookError) as exc:
        _fail(f"{submission}: {exc}")
    with SandboxServer(config=_sandbox_config()) as server:
        _check_isolation(server.isolation, require_isolation)
        result = grade_submission(tasks, source, server, name=Path(submission).name)
    result = dataclasses.replace(result, notes=notes)
    if fmt == "text":
        if out:
            from rich.console import Console

            with Path(out).open("w", encoding="utf-8") as handle:
                print_text(result, Console(file=handle, width=120))
        else:
            print_text(result, _console())
        return
    text = json.dumps(
        to_gradescope(result, strict=fmt == "gradescope"), ensure_ascii=False, indent=1
    )
    if out:
        write_atomic(Path(out), text.encode())
    else:
        click.echo(text)


@cli.command(name="grade-batch")
@click.argument("task")
@click.argument("submissions", type=click.Path(exists=True, file_okay=False, path_type=str))
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=str),
    help="Folder for <student>.json and grades.csv.",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Submissions graded in parallel.",
)
@click.option("--require-isolation", type=_ISOLATION, help="Refuse to grade below this level.")
@click.pass_context
def grade_batch(
    ctx: click.Context,
    task: str,
    submissions: str,
    out: str,
    jobs: int,
    require_isolation: str | None,
) -> None:
    """Grade a folder (one .py/.ipynb or one subfolder per student); resumable; writes grades.csv.

    \b
    Examples:
      qbank grade-batch conv2d submissions/ --out results/ -j 2
      qbank grade-batch hw1.yaml submissions/ --out results/ --require-isolation full
    """
    from pathlib import Path

    from rich.progress import Progress

    from questionbank.grading.batch import grade_batch as run_batch
    from questionbank.grading.tasks import prepare_tasks
    from questionbank.sandbox import SandboxServer

    tasks = prepare_tasks(_load_quick(ctx), task)
    config = _sandbox_config()
    with SandboxServer(slot=0, config=config) as probe:
        _check_isolation(probe.isolation, require_isolation)
    from rich.console import Console

    with Progress(console=Console(stderr=True), transient=True) as progress:
        bar = progress.add_task("grading", total=None)

        def advance(student: str, done: int, total: int) -> None:
            progress.update(bar, completed=done, total=total, description=student or "grading")

        summary = run_batch(
            tasks, Path(submissions), Path(out), jobs=jobs, config=config, on_progress=advance
        )
    click.echo(
        f"{summary.graded} graded, {summary.skipped} unchanged (skipped), "
        f"{summary.students} students; grades in {summary.csv_path}"
    )


@cli.command()
@click.argument("task_id", metavar="TASK")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=str))
@click.option("--lang", type=_LANG, help="Language of the report (default: from $LANG).")
@click.pass_context
def check(ctx: click.Context, task_id: str, file: str, lang: str | None) -> None:
    """Run FILE against TASK's public cases in the sandbox; show what differed per case.

    FILE is a .py file or a notebook (.ipynb). Exit code 1 when a case fails, so that
    scripts can tell.

    \b
    Examples:
      qbank check conv2d conv2d.py
      qbank check conv2d conv2d.ipynb --lang zh-TW
    """
    from pathlib import Path

    from questionbank.check import print_check, public_task, run_check
    from questionbank.practice import code_task

    bank = _load_quick(ctx)
    task = public_task(code_task(bank, task_id), bank.project_root)
    try:
        result = run_check(task, Path(file))
    except KeyboardInterrupt:  # Ctrl-C: stop quietly, as quiz does
        ctx.exit(130)
    from questionbank.selection import default_lang

    print_check(_console(), result, task, lang=lang or default_lang())
    ctx.exit(0 if all(c.passed for t in result.tasks for c in t.cases) else 1)


def _load_quick(ctx: click.Context) -> Bank:
    """The bank without the bank-wide checks, from the per-user cache when unchanged:
    `qbank validate` is where authors see those checks, and a student waiting for the
    first question should not pay for them."""
    from questionbank.bankcache import load_bank_cached

    return load_bank_cached(_bank_path(ctx))


def main() -> None:
    # pydantic looks for plugins in every installed package's entry points the first time a
    # model is built: ~20 ms of each command's start-up, for plugins qbank does not use. A
    # user who wants them sets PYDANTIC_DISABLE_PLUGINS to an empty value.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    cli(prog_name="qbank")


if __name__ == "__main__":  # pragma: no cover
    main()
