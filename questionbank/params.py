"""Parametric questions: drawing parameters and evaluating texts and answers safely.

Texts are jinja2 templates and answers jinja2 expressions. Those in the common subset of
:mod:`questionbank.template_subset` are evaluated by it, everything else (and every error)
by jinja2's SandboxedEnvironment with StrictUndefined: bank files are untrusted, so nothing
here can reach Python attributes, import modules or call anything but the math helpers
listed in :data:`MATH`. An instance is fully determined by (question id, seed).
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import marshal
import math
import os
import random
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from types import CodeType
from typing import TYPE_CHECKING, Any

# jinja2 is loaded when the first template needs compiling: a command that shows texts
# with no template syntax (or only `{{ name }}`) does not pay its ~15 ms import.
if TYPE_CHECKING:
    import jinja2
    from jinja2 import nodes
    from jinja2.sandbox import SandboxedEnvironment

from questionbank import models
from questionbank.localized import Localized
from questionbank.template_subset import (
    Node,
    Scope,
    Unsupported,
    parse_expression,
    parse_template,
)

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


class ExpressionError(ValueError):
    """An expression or template that cannot be evaluated for some parameters."""


# What jinja2 lets through from a text it cannot compile: the Python it generated is nested
# too deeply (`not not … n`), or a literal is out of range (an integer of 5,000 digits).
_UNCOMPILABLE = (SyntaxError, RecursionError, ValueError, OverflowError)
# What evaluating can raise: a value out of a function's domain, a wrong type, and the
# `inf` jinja2 writes into its code for a float literal too large (a NameError).
_FAILURES = (ArithmeticError, ValueError, TypeError, NameError)


# What ParamEngine._by_subset gives when the subset has no value for a text.
_NO_VALUE = object()


def _described(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _plain(value: Any) -> Any:
    """Strip the YAML marks from a parameter value (they are dict/list subclasses)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class CodeCache:
    """Compiled template code kept on disk between runs, as jinja2's own bytecode caches
    do for file templates: compiling a template costs far more than rendering it, and a
    paper or export renders hundreds. The code is what this environment compiled from
    the text (the sandbox's checks are in it); keyed by the text's SHA-256 and by
    everything that shapes the code (jinja2 and Python versions, the options). A file
    that cannot be read back as code is ignored and written again."""

    def __init__(self, folder: Path, options: str) -> None:
        import jinja2

        shape = f"{jinja2.__version__}|{sys.version}|{options}".encode()
        self.folder = folder / "templates" / hashlib.sha256(shape).hexdigest()[:16]
        self._ready = False

    def _path(self, kind: str, source: str) -> Path:
        digest = hashlib.sha256(f"{kind}\0{source}".encode()).hexdigest()
        return self.folder / f"{digest}.code"

    def get(self, kind: str, source: str) -> CodeType | None:
        try:
            code = marshal.loads(self._path(kind, source).read_bytes())
        except (OSError, ValueError, EOFError, TypeError):
            return None
        return code if isinstance(code, CodeType) else None

    def put(self, kind: str, source: str, code: CodeType) -> None:
        target = self._path(kind, source)
        # A name private to this process and thread: plain open and rename are much
        # cheaper than mkstemp, and a cold check writes hundreds of these.
        temporary = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}")
        try:
            if not self._ready:
                self.folder.mkdir(parents=True, exist_ok=True)
                self._ready = True
            temporary.write_bytes(marshal.dumps(code))
            temporary.replace(target)  # concurrent writers: whole files only
        except OSError:
            with contextlib.suppress(OSError):
                temporary.unlink()


class ParamEngine:
    """Compiles and caches templates and expressions; one per command run.

    Texts and answers in the subset of :mod:`questionbank.template_subset` are evaluated
    without compiling (unless ``subset`` is false: the tests' reference); jinja2 has the
    last word on everything else, and on every error. Compiled code is also kept on disk
    (:class:`CodeCache`, in the user cache folder or ``code_cache``) unless ``persist`` is
    false."""

    def __init__(
        self, *, code_cache: Path | None = None, persist: bool = True, subset: bool = True
    ) -> None:
        self._env: SandboxedEnvironment | None = None
        self._templates: dict[str, jinja2.Template] = {}
        self._expressions: dict[str, Any] = {}
        self._subset = subset
        self._programs: dict[tuple[Callable[[str], Node | None], str], Node | None] = {}
        self._code: CodeCache | None = None
        self._code_folder: Path | None = None
        if persist:
            from questionbank.paths import cache_dir

            self._code_folder = code_cache or cache_dir()

    @property
    def env(self) -> SandboxedEnvironment:
        if self._env is None:
            import jinja2
            from jinja2.sandbox import SandboxedEnvironment

            self._env = SandboxedEnvironment(
                undefined=jinja2.StrictUndefined, autoescape=False, optimized=False
            )
            # Only the math helpers: jinja's default globals (lipsum, cycler, …) are not
            # needed.
            self._env.globals.clear()
            self._env.globals.update(MATH)
            if self._code_folder is not None:
                options = f"{type(self._env).__name__}|strict|no-autoescape|not-optimized"
                self._code = CodeCache(self._code_folder, options)
        return self._env

    def _compiled(self, kind: str, source: str, build: Callable[[], Any]) -> jinja2.Template:
        """The template for ``source``: from the disk cache, else ``build()`` compiled."""
        env = self.env
        code = self._code.get(kind, source) if self._code else None
        if code is None:
            code = env.compile(build())
            if self._code:
                self._code.put(kind, source, code)
        return env.template_class.from_code(env, code, env.make_globals(None))

    def _expression_node(self, expression: str) -> nodes.Template:
        """What jinja2's compile_expression compiles: ``result = <expression>``."""
        import jinja2
        from jinja2 import nodes
        from jinja2.parser import Parser

        parser = Parser(self.env, expression, state="variable")
        expr = parser.parse_expression()
        if not parser.stream.eos:
            raise jinja2.TemplateSyntaxError(
                "chunk after expression", parser.stream.current.lineno, None, None
            )
        expr.set_environment(self.env)
        body: list[nodes.Node] = [nodes.Assign(nodes.Name("result", "store"), expr, lineno=1)]
        return nodes.Template(body, lineno=1)

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

    def _by_subset(
        self, parse: Callable[[str], Node | None], source: str, params: Mapping[str, Any]
    ) -> Any:
        """The value of ``source`` from the template subset, or _NO_VALUE when jinja2 must
        give it (outside the subset, or any error: jinja2 has the last word on those)."""
        if not self._subset:
            return _NO_VALUE
        key = (parse, source)
        if key not in self._programs:
            self._programs[key] = parse(source)
        program = self._programs[key]
        if program is None:
            return _NO_VALUE
        try:
            return program(self._scope(params))
        except Exception:  # noqa: BLE001 - any surprise goes to jinja2, never to the user
            return _NO_VALUE

    def _scope(self, params: Mapping[str, Any]) -> Scope:
        return Scope(params, MATH, self._apply_filter)

    def _apply_filter(self, name: str, value: Any, args: Sequence[Any]) -> Any:
        import jinja2

        result = self.env.call_filter(name, value, args)
        if isinstance(result, jinja2.Undefined):  # `[] | max`: jinja2 says what is wrong
            raise Unsupported(f"the filter '{name}' gave an undefined value")
        return result

    def _context(self, template: jinja2.Template, params: Mapping[str, Any]) -> Any:
        # Template.render would copy the globals ChainMap into every context, which cost
        # more than the rendering itself when validate renders thousands of instances.
        return self.env.context_class(self.env, {**MATH, **params}, template.name, template.blocks)

    def render(self, text: str, params: Mapping[str, Any]) -> str:
        if "{" not in text and "\r" not in text and not text.endswith("\n"):
            return text  # nothing to substitute (jinja would return it unchanged)
        value = self._by_subset(parse_template, text, params)
        if value is not _NO_VALUE:
            return str(value)
        import jinja2

        template = self._templates.get(text)
        if template is None:
            try:
                template = self._compiled("text", text, lambda: text)
            except jinja2.TemplateSyntaxError as exc:
                raise ExpressionError(f"template syntax error: {exc.message}") from exc
            except _UNCOMPILABLE as exc:
                raise ExpressionError(f"template cannot be compiled: {_described(exc)}") from exc
            self._templates[text] = template
        try:
            context = self._context(template, params)
            return str(self.env.concat(template.root_render_func(context)))
        except jinja2.UndefinedError as exc:
            raise ExpressionError(f"{exc.message} (expected one of the params)") from exc
        except (*_FAILURES, jinja2.exceptions.SecurityError) as exc:
            raise ExpressionError(_described(exc)) from exc

    def render_localized(
        self, text: Localized | None, params: Mapping[str, Any]
    ) -> Localized | None:
        if text is None or not params:
            return text
        if isinstance(text, str):
            return self.render(text, params)
        return {lang: self.render(value, params) for lang, value in text.items()}

    def evaluate(self, expression: str, params: Mapping[str, Any]) -> Any:
        value = self._by_subset(parse_expression, expression, params)
        if value is not _NO_VALUE:
            return value
        import jinja2

        compiled = self._expressions.get(expression)
        if compiled is None:
            try:
                compiled = self._compiled(
                    "expression", expression, lambda: self._expression_node(expression)
                )
            except jinja2.TemplateSyntaxError as exc:
                raise ExpressionError(f"expression syntax error: {exc.message}") from exc
            except _UNCOMPILABLE as exc:
                raise ExpressionError(f"expression cannot be compiled: {_described(exc)}") from exc
            self._expressions[expression] = compiled
        try:
            context = self._context(compiled, params)
            for _ in compiled.root_render_func(context):
                pass
            value = context.vars["result"]
        except jinja2.UndefinedError as exc:
            raise ExpressionError(f"{exc.message} (expected one of the params)") from exc
        except (*_FAILURES, jinja2.exceptions.SecurityError) as exc:
            raise ExpressionError(_described(exc)) from exc
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
