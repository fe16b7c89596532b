"""Validate stage: rules that span fields, questions or files.

pydantic has already checked each question's structure; here we check what a schema
cannot say: one correct choice, unique ids, references that exist, and parametric
answers that are defined for every parameter value a student could be given.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from questionbank import models
from questionbank.bank import Bank, Entry
from questionbank.diagnostics import suggest
from questionbank.errors import Location, Problem
from questionbank.forkshare import map_shared
from questionbank.instance import even_decimals
from questionbank.lint import label as _label
from questionbank.lint import text_at as _text_at
from questionbank.lint import text_fields as _text_fields
from questionbank.params import ExpressionError, ParamEngine

# Parametric questions are checked on every combination of parameter values when
# there are at most EXHAUSTIVE_LIMIT; else on the corners of their ranges (all of them
# when there are at most CORNER_LIMIT, else each endpoint with random other values) and
# then on SEEDS_CHECKED random seeds. Texts are rendered for the first TEXT_RENDERINGS
# of those (templates fail on names, not values); answers and choices for all.
EXHAUSTIVE_LIMIT = 100
CORNER_LIMIT = 64
SEEDS_CHECKED = 40
TEXT_RENDERINGS = 12
# Files are shared between this process and up to MAX_WORKERS - 1 forked ones when they
# hold at least PARALLEL_FROM parametric questions between them. A fork costs about 15 ms
# here (copy-on-write: reference counts write to every page the child reads). Measured cold
# on two cores: the course bank's 109 take 0.18 s shared against 0.23 s alone; 28 take
# 38 ms against 45 ms; 15 take 41 ms against 23 ms.
PARALLEL_FROM = 30
MAX_WORKERS = 4


def check_bank(bank: Bank) -> list[Problem]:
    """Every bank-wide rule: the per-question ones of :func:`check_entries`, unique ids."""
    return [
        *duplicate_id_problems(bank.entries),
        *check_entries(bank.entries, root=bank.project_root, config=bank.config),
    ]


def check_entries(
    entries: Iterable[Entry], *, root: Path, config: models.BankConfig
) -> list[Problem]:
    """The rules that concern one question at a time (with the graders and settings it
    refers to), so that a question checked once need not be checked again until its
    file, the graders or the settings change (:mod:`questionbank.bankcache`)."""
    engine = ParamEngine()
    problems: list[Problem] = []
    modules: dict[Path, set[str] | None] = {}
    for entry in entries:
        q = entry.question
        if config.languages is not None:
            problems.extend(_language_problems(entry, q, config.languages))
        if isinstance(q, models.ChoiceQuestion):
            problems.extend(_choice_rules(entry, q))
        elif isinstance(q, models.ShortQuestion) and not (q.answers or q.patterns):
            problems.append(_at(entry, f"short '{q.id}' has neither 'answers' nor 'patterns'"))
        elif isinstance(q, models.CodeQuestion):
            problems.extend(_code_rules(entry, q, root, modules))
        if q.params or isinstance(q, models.NumericQuestion):
            problems.extend(_instances_defined(entry, q, engine))
    return problems


def check_files(
    files: list[list[Entry]], *, root: Path, config: models.BankConfig
) -> list[list[Problem]]:
    """:func:`check_entries` for each file's entries; shared with forked processes when
    there are enough parametric questions to repay starting them (a large bank, a cold
    cache)."""
    parametric = [sum(bool(e.question.params) for e in entries) for entries in files]
    workers = min(os.cpu_count() or 1, MAX_WORKERS, len(files))
    return map_shared(
        lambda index: check_entries(files[index], root=root, config=config),
        parametric,
        workers=workers if sum(parametric) >= PARALLEL_FROM else 1,
        encode=_problems_data,
        decode=_problems_from_data,
    )


def _problems_data(problems: list[Problem]) -> list[list[str | int]]:
    return [[p.location.file, p.location.line, p.location.column, p.message] for p in problems]


def _problems_from_data(data: list[list[Any]]) -> list[Problem]:
    return [
        Problem(Location(str(f), int(line), int(column)), str(m)) for f, line, column, m in data
    ]


def _language_problems(
    entry: Entry, q: models.AnyQuestion, declared: list[str]
) -> Iterator[Problem]:
    """A localized mapping must have every declared language and no other tag."""
    seen: set[tuple[str | int, ...]] = set()
    for path, _ in _text_fields(q):
        if len(path) < 2 or not isinstance(path[-1], str) or path[:-1] in seen:
            continue
        field, text = path[:-1], _text_at(q, path[:-1])
        seen.add(field)
        if not isinstance(text, dict):
            continue
        for tag in text:
            if tag not in declared:
                yield _at(
                    entry,
                    f"{q.type} '{q.id}': {_label(field)} has language '{tag}'"
                    f"{suggest(tag, declared)}; this bank's languages are "
                    f"{', '.join(declared)} (declared in _bank.yaml)",
                    *field,
                    tag,
                    key=True,
                )
        missing = [tag for tag in declared if tag not in text]
        if missing:
            yield _at(
                entry,
                f"{q.type} '{q.id}': {_label(field)} lacks {', '.join(missing)} "
                f"(this bank's languages are {', '.join(declared)}, declared in _bank.yaml; "
                "a plain string is used for every language)",
                *field,
            )


def duplicate_id_problems(entries: list[Entry]) -> Iterator[Problem]:
    seen: dict[str, Entry] = {}
    for entry in entries:
        first = seen.setdefault(entry.question.id, entry)
        if first is not entry:
            yield _at(
                entry,
                f"duplicate id '{entry.question.id}': already used at {first.location('id')}",
                "id",
            )


def _at(entry: Entry, message: str, *path: str | int, key: bool = False) -> Problem:
    return Problem(entry.location(*path, key=key), message)


def _choice_rules(entry: Entry, q: models.ChoiceQuestion) -> Iterator[Problem]:
    correct = sum(c.correct for c in q.choices)
    if isinstance(q, models.McqQuestion) and correct != 1:
        if correct == 0:
            yield _at(entry, f"mcq '{q.id}' has no choice marked correct: true", "choices")
        else:
            yield _at(
                entry,
                f"mcq '{q.id}' has {correct} choices marked correct: true "
                "(expected exactly one; use type: multi for several)",
                "choices",
            )
    if isinstance(q, models.MultiQuestion) and correct == 0:
        yield _at(entry, f"multi '{q.id}' has no choice marked correct: true", "choices")
    if not q.params:
        yield from _distinct_choices(entry, q, [c.text for c in q.choices])


def _distinct_choices(
    entry: Entry, q: models.ChoiceQuestion, choice_texts: list[models.LocalizedText]
) -> Iterator[Problem]:
    kind = "mcq" if isinstance(q, models.McqQuestion) else "multi"
    seen: dict[tuple[str, str], int] = {}
    for i, text in enumerate(choice_texts):
        pairs = [("", text)] if isinstance(text, str) else list(text.items())
        for lang, value in pairs:
            key = (lang, " ".join(value.split()).casefold())
            if key in seen:
                where = f" {lang}" if lang else ""
                yield _at(
                    entry,
                    f"{kind} '{q.id}': choices {seen[key] + 1} and {i + 1} have the same{where} "
                    f"text {value!r} (expected distinct choices)",
                    "choices",
                    i,
                )
            seen.setdefault(key, i)


def _defined_functions(path: Path) -> set[str] | None:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return None
    return {
        node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    }


def _reference_problem(
    ref: str, root: Path, modules: dict[Path, set[str] | None], what: str
) -> str | None:
    file, sep, function = ref.partition(":")
    if not sep or not file.endswith(".py") or not function.isidentifier():
        return f"{what} '{ref}' is not of the form 'graders/<file>.py:<function>'"
    path = (root / file).resolve()
    if path not in modules:
        modules[path] = _defined_functions(path) if path.is_file() else None
    defined = modules[path]
    if defined is None:
        return f"{what} '{ref}': cannot read {file} below {root} (expected a Python file)"
    if function not in defined:
        return (
            f"{what} '{ref}': {file} defines no function '{function}'{suggest(function, defined)}"
        )
    return None


def _code_rules(
    entry: Entry, q: models.CodeQuestion, root: Path, modules: dict[Path, set[str] | None]
) -> Iterator[Problem]:
    if q.reference is None:
        if any(case.expected is None for case in q.cases):
            yield _at(
                entry, f"code '{q.id}' has no 'reference' and a case without 'expected'", "id"
            )
    else:
        problem = _reference_problem(q.reference, root, modules, "reference")
        if problem:
            yield _at(entry, f"code '{q.id}': {problem}", "reference")
    names: set[str] = set()
    for i, case in enumerate(q.cases):
        if case.name in names:
            yield _at(
                entry, f"code '{q.id}': two cases are named {case.name!r}", "cases", i, "name"
            )
        names.add(case.name)
        if (case.args is None) == (case.generate is None):
            yield _at(
                entry,
                f"code '{q.id}': case {case.name!r} needs exactly one of 'args' or 'generate'",
                "cases",
                i,
            )
        if case.generate is not None:
            if case.seed is None:
                yield _at(
                    entry,
                    f"code '{q.id}': case {case.name!r} has 'generate' but no 'seed'",
                    "cases",
                    i,
                )
            problem = _reference_problem(case.generate, root, modules, "generate")
            if problem:
                yield _at(
                    entry, f"code '{q.id}': case {case.name!r}: {problem}", "cases", i, "generate"
                )


def _choice_texts(
    q: models.ChoiceQuestion, rendered: dict[tuple[str | int, ...], str]
) -> list[models.LocalizedText]:
    """The choices' texts as rendered by :func:`_instances_defined`, shaped as written."""
    out: list[models.LocalizedText] = []
    for i, choice in enumerate(q.choices):
        if isinstance(choice.text, str):
            out.append(rendered[("choices", i, "text")])
        else:
            out.append({lang: rendered[("choices", i, "text", lang)] for lang in choice.text})
    return out


def _param_sets(q: models.AnyQuestion, engine: ParamEngine) -> Iterator[tuple[str, dict[str, Any]]]:
    """Where a parametric question is checked: every combination when there are few;
    else the corners of the ranges first (where a division by ``n - 2`` breaks), then
    random seeds for the interior."""
    combos = engine.combinations(q, EXHAUSTIVE_LIMIT)
    if combos is not None:
        for combo in combos:
            yield f"params {combo}", combo
        return
    for corner in engine.corners(q, CORNER_LIMIT):
        yield f"params {corner}", corner
    for seed in range(SEEDS_CHECKED):
        yield f"seed {seed}", engine.draw(q, seed)


def _instances_defined(
    entry: Entry, q: models.AnyQuestion, engine: ParamEngine
) -> Iterator[Problem]:
    """Every parameter value must give a finite answer, renderable texts and distinct choices.

    A broken text is reported at its own line and named (``prompt.zh-TW``,
    ``choices[2].text.en``); a broken answer at the ``answer:`` line."""
    numeric = q if isinstance(q, models.NumericQuestion) else None
    if not q.params:
        if numeric is not None:
            try:
                engine.numeric_answer(numeric, {})
            except ExpressionError as exc:
                yield _at(entry, f"{q.type} '{q.id}': answer: {exc}", "answer")
        return
    texts = list(_text_fields(q))
    broken: set[tuple[str | int, ...]] = set()
    answer_broken = False
    for n, (where, params) in enumerate(_param_sets(q, engine)):
        if numeric is not None and not answer_broken:
            try:
                engine.numeric_answer(numeric, params)
            except ExpressionError as exc:
                answer_broken = True
                yield _at(entry, f"{q.type} '{q.id}': undefined for {where}: {exc}", "answer")
        # Templates fail on names rather than values, so the corners and a few seeds
        # find those; choices are rendered every time to catch colliding distractors.
        choices_only = n >= TEXT_RENDERINGS
        rendered: dict[tuple[str | int, ...], str] = {}
        for path, template in texts:
            if path in broken or (choices_only and path[::2][:2] != ("choices", "text")):
                continue
            try:
                rendered[path] = engine.render(template, params)
            except ExpressionError as exc:
                broken.add(path)
                yield _at(
                    entry,
                    f"{q.type} '{q.id}': {_label(path)}: cannot render for {where}: {exc}",
                    *path,
                )
        if isinstance(q, models.ChoiceQuestion) and not broken:
            shown = even_decimals(_choice_texts(q, rendered))
            duplicate = next(_distinct_choices(entry, q, shown), None)
            if duplicate is not None:
                text = duplicate.message.split(" (expected")[0]
                yield Problem(
                    duplicate.location, f"{text} for {where} (a distractor equals another choice)"
                )
                return
        if answer_broken and len(broken) == len(texts):
            return
