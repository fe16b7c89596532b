"""The template subset against jinja2: the same value or the same error, always.

``ParamEngine(subset=False)`` compiles everything with jinja2 and is the reference; the
default engine evaluates the subset itself. Every text and answer of the bank is compared
at the corners of its parameters and at random seeds, then a table of jinja2's corners
(precedence, whitespace control, what the sandbox refuses), then generated expressions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from questionbank import models
from questionbank.bank import load_bank
from questionbank.lint import text_fields
from questionbank.params import ExpressionError, ParamEngine
from questionbank.template_subset import parse_expression, parse_template

BANK = Path(__file__).resolve().parent.parent / "bank"


def _rendered(engine: ParamEngine, text: str, params: dict[str, Any]) -> str:
    try:
        return "ok: " + engine.render(text, params)
    except ExpressionError as exc:
        return f"error: {exc}"


def _evaluated(engine: ParamEngine, expression: str, params: dict[str, Any]) -> str:
    try:
        value = engine.evaluate(expression, params)
    except ExpressionError as exc:
        return f"error: {exc}"
    return f"ok: {type(value).__name__} {value!r}"


@pytest.fixture(scope="module")
def engines() -> tuple[ParamEngine, ParamEngine]:
    return ParamEngine(persist=False), ParamEngine(persist=False, subset=False)


def test_every_text_and_answer_of_the_bank_is_what_jinja2_makes_of_it(
    engines: tuple[ParamEngine, ParamEngine],
) -> None:
    fast, reference = engines
    bank = load_bank(BANK, check=False)
    compared = in_subset = outside = 0
    for q in bank:
        if not q.params:
            continue
        texts = [text for _, text in text_fields(q) if "{" in text]
        answer = q.answer if isinstance(q, models.NumericQuestion) else None
        expressions = [answer] if isinstance(answer, str) else []
        for text in texts:
            in_subset += parse_template(text) is not None
            outside += parse_template(text) is None
        for expression in expressions:
            in_subset += parse_expression(expression) is not None
            outside += parse_expression(expression) is None
        sets = [*fast.corners(q, 16), *(fast.draw(q, seed) for seed in range(4))]
        for params in sets:
            for text in texts:
                assert _rendered(fast, text, params) == _rendered(reference, text, params), (
                    q.id,
                    text,
                    params,
                )
                compared += 1
            for expression in expressions:
                assert _evaluated(fast, expression, params) == _evaluated(
                    reference, expression, params
                ), (q.id, expression, params)
                compared += 1
    assert compared > 3000
    # The speed of a cold check rests on this: nearly all of the bank is in the subset.
    assert in_subset > 300
    assert outside <= in_subset // 50, outside


PARAMS = {
    "n": 2,
    "zero": 0,
    "x": 0.1,
    "neg": -3,
    "flag": True,
    "word": "ab",
    "ys": [4, 5, 6],
    "layer": {"cin": 3, "cout": 0, "items": 1},
    "exp": 7,
    "empty": [],
}

# (case id, template or expression, whether the subset evaluates it itself)
TEMPLATES = [
    ("name", "{{ n }}", True),
    ("brace-before", "${{{ n }}}$", False),
    ("stray-closing", "a {{n}} b {{ x }} {{ pi }} }} c", True),
    ("constants", "{{ true }} {{ None }} {{ false }}", True),
    ("keyword-as-value", "{{ else }}", False),
    ("strip-left", "{{- n }}", False),
    ("strip-right", "a {{ n -}} b", False),
    ("dict-key", "{{ layer.cin }}", True),
    ("dict-method", "{{ layer.items }}", False),
    ("bool", "{{ flag }}", True),
    ("trailing-newline", "line {{ n }}\n", False),
    ("block", "{% if n %}{{ n }}{% endif %}", False),
    ("comment", "{# note #}{{ n }}", False),
    ("unclosed", "{{ n }", False),
    ("undefined", "{{ m }}", True),
    ("string", "{{ 'a' }}{{ \"b\" }}", True),
    ("string-with-brace", "{{ '}}' }}", False),
    ("float-output", "{{ 0.1 + 0.2 }} {{ 1 / 3 }} {{ 10 / 2 }}", True),
    ("list-output", "{{ [n, x] }}", True),
    ("newline-inside", "{{ n\n + 1 }}", True),
    ("param-hides-helper", "{{ exp }}", True),
]
EXPRESSIONS = [
    ("neg-pow", "-n ** 2", True),
    ("pow-left-assoc", "2 ** 3 ** 2", True),
    ("filter-before-pow", "n ** 2 | abs", True),
    ("filter-on-neg", "-x | abs", True),
    ("filter-before-product", "2 * neg | abs", True),
    ("round-ceil", "(n / 3) | round(0, 'ceil') | int", True),
    ("min-filter", "[n, x] | min", True),
    ("helper-call", "sqrt(n) + max(1, n) + log2(8)", True),
    ("trailing-comma", "max(1, n,) + [1, 2,][1]", True),
    ("conditional", "1 if n > 1 else 0", True),
    ("nested-conditional", "1 if zero else 2 if n else 3", True),
    ("no-else", "1 if zero", False),
    ("chained", "1 < n < 3", True),
    ("chained-false", "3 < n < 1", True),
    ("and-or", "zero or n and x", True),
    ("not", "not zero", True),
    ("in", "n in ys", False),
    ("test", "n is odd", False),
    ("index", "ys[n] + ys[-1]", True),
    ("index-out-of-range", "ys[5]", True),
    ("dict-item", "layer['cout']", True),
    ("missing-key", "layer.cout + layer.h", True),
    ("string-index", "word[1]", True),
    ("divide-by-zero", "n / zero", True),
    ("floor-divide-by-zero", "n // zero", True),
    ("modulo", "7 % n + neg % n", True),
    ("domain-error", "sqrt(neg)", True),
    ("log-of-zero", "log(zero)", True),
    ("overflow", "exp(1000) + 1", True),
    ("complex-power", "neg ** 0.5", True),
    ("calling-a-param", "exp(1)", True),
    ("calling-a-result", "sqrt(4)(1)", False),
    ("dunder", "n.__class__", False),
    ("dict-method-call", "layer.keys()", False),
    ("keyword-argument", "round(x, ndigits=1)", False),
    ("unknown-filter", "n | string", False),
    ("tuple", "(1, 2)", False),
    ("slice", "ys[1:]", False),
    ("scientific", "2e3 + n + 1e-8", True),
    ("scientific-upper", "1.5E+3 - n", True),
    ("exponent-without-digits", "1e + n", False),
    ("exponent-then-dot", "1e3.real", False),
    ("hex", "0x10 + n", False),
    ("underscore-digits", "1_000 + n", False),
    ("leading-zero", "007", False),
    ("number-dot-name", "1.5.real", False),
    ("dot-number", "ys.1", False),
    ("concat", "n ~ x", False),
    ("unicode-name", "nè", False),
    ("bool-arithmetic", "flag + true * 2 - -flag", True),
    ("string-times", "word * n", True),
    ("list-plus", "ys + [n]", True),
    ("string-plus-number", "word + n", True),
    ("none-compare", "none == none", True),
    ("large-int", "n ** 100 // 3", True),
    ("unary-plus", "+x - -x", True),
    ("chunk-after", "n n", False),
    # Found by review: jinja2 fails on each of these, so the subset must not answer.
    ("float-literal-overflow", "1e999 + n", False),
    ("non-ascii-digits", "\u0661.5 + n", False),
    ("filter-gives-undefined", "empty | max", True),
    ("deeply-nested", "not " * 199 + "n", False),
    ("long-chain", " + ".join(["n"] * 200), False),
    ("huge-int-literal", "1" * 5000, False),
    ("empty", "", False),
]


@pytest.mark.parametrize(
    ("text", "in_subset"), [case[1:] for case in TEMPLATES], ids=[case[0] for case in TEMPLATES]
)
def test_templates_at_jinja2s_corners(
    text: str, in_subset: bool, engines: tuple[ParamEngine, ParamEngine]
) -> None:
    fast, reference = engines
    assert (parse_template(text) is not None) == in_subset
    assert _rendered(fast, text, PARAMS) == _rendered(reference, text, PARAMS)


@pytest.mark.parametrize(
    ("expression", "in_subset"),
    [case[1:] for case in EXPRESSIONS],
    ids=[case[0] for case in EXPRESSIONS],
)
def test_expressions_at_jinja2s_corners(
    expression: str, in_subset: bool, engines: tuple[ParamEngine, ParamEngine]
) -> None:
    fast, reference = engines
    assert (parse_expression(expression) is not None) == in_subset
    assert _evaluated(fast, expression, PARAMS) == _evaluated(reference, expression, PARAMS)
    text = "[{{ " + expression + " }}]"
    assert _rendered(fast, text, PARAMS) == _rendered(reference, text, PARAMS)


def test_errors_come_from_jinja2() -> None:
    engine = ParamEngine(persist=False)
    with pytest.raises(ExpressionError, match="'m' is undefined"):
        engine.render("{{ m }}", PARAMS)
    with pytest.raises(ExpressionError, match="ZeroDivisionError: division by zero"):
        engine.evaluate("n / zero", PARAMS)
    with pytest.raises(ExpressionError, match="unsafe attribute"):
        engine.evaluate("n.__class__", PARAMS)


# Generated expressions: leaves and operators written without parentheses, so that the
# text itself exercises jinja2's precedence; exponents stay small so values stay bounded.
NUMBERS = ["n", "zero", "x", "neg", "flag", "a", "b", "ys[1]", "layer.cin", "0", "1", "2", "0.5"]
ODD = ["2.25", "true", "none", "m", "word", "ys", "pi", "layer.h", "ys[a]", "layer", "exp", "empty"]
LEAVES = st.sampled_from(NUMBERS * 3 + ODD)


def _compose(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    binary = st.sampled_from(
        [" + ", " - ", " * ", " / ", " // ", " % ", " and ", " or ", " < ", " >= ", " == "]
    )
    return st.one_of(
        st.tuples(children, binary, children).map("".join),
        st.tuples(children, st.sampled_from(["0", "1", "2", "3", "0.5", "-1", "2 ** 3"])).map(
            lambda parts: f"{parts[0]} ** {parts[1]}"
        ),
        children.map(lambda child: f"({child})"),
        children.map(lambda child: f"-{child}"),
        children.map(lambda child: f"not {child}"),
        st.tuples(children, children, children).map(lambda p: f"{p[0]} if {p[1]} else {p[2]}"),
        st.tuples(children, children).map(lambda p: f"[{p[0]}, {p[1]}][{p[1]}]"),
        st.tuples(children, children).map(lambda p: f"{p[0]} < {p[1]} <= {p[0]}"),
        st.tuples(st.sampled_from(["sqrt", "exp", "log", "abs", "floor", "round"]), children).map(
            lambda p: f"{p[0]}({p[1]})"
        ),
        st.tuples(children, children).map(lambda p: f"max({p[0]}, {p[1]})"),
        st.tuples(
            children,
            st.sampled_from(
                ["abs", "int", "float", "round", "round(2)", "round(0, 'ceil')", "min", "max"]
            ),
        ).map(lambda p: f"{p[0]} | {p[1]}"),
    )


EXPRESSION_TEXTS = st.recursive(LEAVES, _compose, max_leaves=8)
VALUES = st.one_of(
    st.integers(-4, 12),
    st.floats(-5, 5, allow_nan=False).map(lambda v: round(v, 2)),
    st.sampled_from([0, 0.0, True, False, -0.0]),
)


@settings(
    max_examples=1000,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(expression=EXPRESSION_TEXTS, a=VALUES, b=VALUES)
def test_generated_expressions_are_what_jinja2_makes_of_them(
    expression: str, a: Any, b: Any
) -> None:
    fast = ParamEngine(persist=False)
    reference = ParamEngine(persist=False, subset=False)
    params = {**PARAMS, "a": a, "b": b}
    assert _evaluated(fast, expression, params) == _evaluated(reference, expression, params)
    text = "v={{ " + expression + " }}."
    assert _rendered(fast, text, params) == _rendered(reference, text, params)
