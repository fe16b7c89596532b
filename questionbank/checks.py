"""Validate stage: rules that span fields, questions or files.

pydantic has already checked each question's structure; here we check what a schema
cannot say: one correct choice, unique ids, references that exist, and parametric
answers that are defined for every parameter value a student could be given.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from questionbank import models
from questionbank.bank import Bank, Entry
from questionbank.errors import Problem
from questionbank.instance import instantiate
from questionbank.params import ExpressionError, ParamEngine

# Parametric questions are checked on every combination of parameter values when
# there are at most this many, else on this many seeds.
EXHAUSTIVE_LIMIT = 500
SEEDS_CHECKED = 200


def check_bank(bank: Bank) -> list[Problem]:
    engine = ParamEngine()
    problems = list(_duplicate_ids(bank))
    modules: dict[Path, set[str] | None] = {}
    for entry in bank.entries:
        q = entry.question
        if isinstance(q, models.ChoiceQuestion):
            problems.extend(_choice_rules(entry, q))
        elif isinstance(q, models.ShortQuestion) and not (q.answers or q.patterns):
            problems.append(_at(entry, f"short '{q.id}' has neither 'answers' nor 'patterns'"))
        elif isinstance(q, models.CodeQuestion):
            problems.extend(_code_rules(entry, q, bank.project_root, modules))
        if q.params or isinstance(q, models.NumericQuestion):
            problems.extend(_instances_defined(entry, q, engine))
    return problems


def _at(entry: Entry, message: str, *path: str | int, key: bool = False) -> Problem:
    return Problem(entry.location(*path, key=key), message)


def _duplicate_ids(bank: Bank) -> Iterator[Problem]:
    seen: dict[str, Entry] = {}
    for entry in bank.entries:
        first = seen.setdefault(entry.question.id, entry)
        if first is not entry:
            yield _at(
                entry,
                f"duplicate id '{entry.question.id}': already used at {first.location('id')}",
                "id",
            )


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
        from questionbank.diagnostics import suggest

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


def _param_sets(q: models.AnyQuestion, engine: ParamEngine) -> Iterator[tuple[str, dict[str, Any]]]:
    combos = engine.combinations(q, EXHAUSTIVE_LIMIT)
    if combos is not None:
        for combo in combos:
            yield f"params {combo}", combo
    else:
        for seed in range(SEEDS_CHECKED):
            yield f"seed {seed}", engine.draw(q, seed)


def _instances_defined(
    entry: Entry, q: models.AnyQuestion, engine: ParamEngine
) -> Iterator[Problem]:
    """Every parameter value must give a finite answer, renderable texts and distinct choices."""
    field = "answer" if isinstance(q, models.NumericQuestion) else "params"
    if not q.params:
        try:
            instantiate(q, 0, engine=engine)
        except ExpressionError as exc:
            yield _at(entry, f"{q.type} '{q.id}': answer: {exc}", field)
        return
    for n, (where, params) in enumerate(_param_sets(q, engine)):
        try:
            if isinstance(q, models.NumericQuestion):
                engine.numeric_answer(q, params)
            # Templates fail on names rather than values, so a few renderings find
            # those; choices are rendered every time to catch colliding distractors.
            if n < 20 or isinstance(q, models.ChoiceQuestion):
                for text in (q.prompt, q.explanation, q.hint):
                    engine.render_localized(text, params)
            if isinstance(q, models.ChoiceQuestion):
                rendered = [engine.render_localized(c.text, params) or "" for c in q.choices]
                duplicate = next(_distinct_choices(entry, q, rendered), None)
                if duplicate is not None:
                    text = duplicate.message.split(" (expected")[0]
                    yield Problem(
                        duplicate.location,
                        f"{text} for {where} (a distractor equals another choice)",
                    )
                    return
        except ExpressionError as exc:
            yield _at(entry, f"{q.type} '{q.id}': undefined for {where}: {exc}", field)
            return
