"""Parametric questions: drawing parameters and evaluating texts and answers safely.

Texts are jinja2 templates and answers jinja2 expressions, both compiled in a
SandboxedEnvironment with StrictUndefined: bank files are untrusted, so nothing here
can reach Python attributes, import modules or call anything but the math helpers
listed in :data:`MATH`. An instance is fully determined by (question id, seed).
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterator, Mapping
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from questionbank import models

MATH: dict[str, Any] = {
    "sqrt": math.sqrt,
    "exp": math.exp,
    "log": math.log,
    "log2": math.log2,
    "log10": math.log10,
    "floor": math.floor,
    "ceil": math.ceil,
    "min": min,
    "max": max,
    "abs": abs,
    "round": round,
    "sum": sum,
    "pi": math.pi,
    "e": math.e,
}

Localized = str | dict[str, str]


class ExpressionError(ValueError):
    """An expression or template that cannot be evaluated for some parameters."""


def _plain(value: Any) -> Any:
    """Strip the YAML marks from a parameter value (they are dict/list subclasses)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class ParamEngine:
    """Compiles and caches templates and expressions; one per command run."""

    def __init__(self) -> None:
        self.env = SandboxedEnvironment(
            undefined=jinja2.StrictUndefined, autoescape=False, optimized=False
        )
        # Only the math helpers: jinja's default globals (lipsum, cycler, …) are not needed.
        self.env.globals.clear()
        self.env.globals.update(MATH)
        self._templates: dict[str, jinja2.Template] = {}
        self._expressions: dict[str, Any] = {}

    def draw(self, question: models.QuestionBase, seed: int) -> dict[str, Any]:
        """The parameter values of instance ``seed`` of ``question``."""
        rng = random.Random(f"{question.id}:{seed}")
        values: dict[str, Any] = {}
        for name, spec in question.params.items():
            if isinstance(spec, models.IntParam):
                lo, hi = spec.bounds
                values[name] = rng.randint(min(lo, hi), max(lo, hi))
            elif isinstance(spec, models.FloatParam):
                lo_f, hi_f, decimals = spec.bounds
                # Adding 0.0 turns a rounded -0.0 into 0.0, which would print as "-0.0".
                values[name] = round(rng.uniform(lo_f, hi_f), decimals) + 0.0
            else:
                values[name] = _plain(rng.choice(spec.values))
        return values

    def combinations(
        self, question: models.QuestionBase, limit: int
    ) -> Iterator[dict[str, Any]] | None:
        """Every combination of parameter values, or None if there are more than ``limit``."""
        domains: list[list[Any]] = []
        size = 1
        for spec in question.params.values():
            if isinstance(spec, models.IntParam):
                lo, hi = sorted(spec.bounds)
                if hi - lo + 1 > limit:
                    return None
                domain: list[Any] = list(range(lo, hi + 1))
            elif isinstance(spec, models.ChoiceParam):
                domain = [_plain(v) for v in spec.values]
            else:
                return None  # a float range has no finite list of values
            size *= len(domain)
            if size > limit:
                return None
            domains.append(domain)
        names = list(question.params)
        return (dict(zip(names, combo, strict=True)) for combo in itertools.product(*domains))

    def corners(self, question: models.QuestionBase, limit: int) -> Iterator[dict[str, Any]]:
        """Parameter sets at the ends of every range: all combinations of endpoints (and of
        every listed choice) when there are at most ``limit``, else each endpoint once with
        the other parameters drawn at random. Deterministic, like :meth:`draw`."""
        ends: dict[str, list[Any]] = {}
        for name, spec in question.params.items():
            if isinstance(spec, models.IntParam):
                ends[name] = sorted(set(spec.bounds))
            elif isinstance(spec, models.FloatParam):
                lo, hi, decimals = spec.bounds
                ends[name] = sorted({round(lo, decimals) + 0.0, round(hi, decimals) + 0.0})
            else:
                ends[name] = [_plain(v) for v in spec.values]
        size = math.prod(len(values) for values in ends.values())
        names = list(ends)
        if size <= limit:
            for combo in itertools.product(*ends.values()):
                yield dict(zip(names, combo, strict=True))
            return
        seed = 0
        for name, values in ends.items():
            for value in values:
                seed += 1
                yield {**self.draw(question, -seed), name: value}

    def _context(self, template: jinja2.Template, params: Mapping[str, Any]) -> Any:
        # Template.render would copy the globals ChainMap into every context, which cost
        # more than the rendering itself when validate renders thousands of instances.
        return self.env.context_class(self.env, {**MATH, **params}, template.name, template.blocks)

    def render(self, text: str, params: Mapping[str, Any]) -> str:
        if "{" not in text and "\r" not in text and not text.endswith("\n"):
            return text  # nothing to substitute (jinja would return it unchanged)
        template = self._templates.get(text)
        if template is None:
            try:
                template = self.env.from_string(text)
            except jinja2.TemplateSyntaxError as exc:
                raise ExpressionError(f"template syntax error: {exc.message}") from exc
            self._templates[text] = template
        try:
            context = self._context(template, params)
            return str(self.env.concat(template.root_render_func(context)))
        except jinja2.UndefinedError as exc:
            raise ExpressionError(f"{exc.message} (expected one of the params)") from exc
        except (ArithmeticError, ValueError, TypeError, jinja2.exceptions.SecurityError) as exc:
            raise ExpressionError(f"{type(exc).__name__}: {exc}") from exc

    def render_localized(
        self, text: Localized | None, params: Mapping[str, Any]
    ) -> Localized | None:
        if text is None or not params:
            return text
        if isinstance(text, str):
            return self.render(text, params)
        return {lang: self.render(value, params) for lang, value in text.items()}

    def evaluate(self, expression: str, params: Mapping[str, Any]) -> Any:
        compiled = self._expressions.get(expression)
        if compiled is None:
            try:
                compiled = self.env.compile_expression(
                    expression, undefined_to_none=False
                )._template
            except jinja2.TemplateSyntaxError as exc:
                raise ExpressionError(f"expression syntax error: {exc.message}") from exc
            self._expressions[expression] = compiled
        try:
            context = self._context(compiled, params)
            for _ in compiled.root_render_func(context):
                pass
            value = context.vars["result"]
        except jinja2.UndefinedError as exc:
            raise ExpressionError(f"{exc.message} (expected one of the params)") from exc
        except (ArithmeticError, ValueError, TypeError, jinja2.exceptions.SecurityError) as exc:
            raise ExpressionError(f"{type(exc).__name__}: {exc}") from exc
        if isinstance(value, jinja2.Undefined):
            # A sandboxed or missing attribute evaluates to an undefined value.
            raise ExpressionError(f"'{expression}' is undefined (unknown or unsafe attribute)")
        return value

    def numeric_answer(self, question: models.NumericQuestion, params: Mapping[str, Any]) -> float:
        """The answer of a numeric question for these params; finite or ExpressionError."""
        raw = question.answer
        value = self.evaluate(raw, params) if isinstance(raw, str) else raw
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ExpressionError(f"answer evaluates to {value!r}, expected a number")
        if not math.isfinite(value):
            raise ExpressionError(f"answer evaluates to {value}, expected a finite number")
        return float(value)
