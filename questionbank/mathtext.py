"""LaTeX math made readable in a terminal, as a person writes it by hand:
``\\frac{1}{n}\\sum_{i=1}^n`` → ``1/n ∑ᵢ₌₁ⁿ``, ``-p\\log_2 p`` → ``−p log₂ p``.

pylatexenc does the symbol work; we add what it leaves raw or cramped: fractions as
``a/b`` (brackets only around what needs them), roots as ``√x`` or ``√(n + ε)``,
sub- and superscripts as Unicode where every character has one (``w₁₁¹``, ``x²``),
a true minus sign, and spaces around binary operators and after function names.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import Any

from pylatexenc import latexwalker
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db
from pylatexenc.macrospec import MacroSpec

_SUP = dict(zip("0123456789+-=()nitTk", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱᵗᵀᵏ", strict=True))
_SUB = dict(zip("0123456789+-=()aeijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ", strict=True))
_SCRIPTS = "".join(_SUP.values()) + "".join(_SUB.values()) + "′"
# A braced script may hold scripts already converted (``{}ᵢ``): e^{z_i}, p_{x \sim p_{data}}.
_SCRIPT = re.compile(r"([_^])(?:\{((?:[^{}]|\{\})*)\}|([A-Za-z0-9*]))")
_PRIME = re.compile(r"\^\{?\\prime\}?|\\prime")
_TRANSPOSE = re.compile(r"\^\{?\\top\}?")
_MARKS = {"_": "\ue002", "^": "\ue003"}

# Written upright with a space on each side, as in print: ``log D(x)``, ``max_G``.
_FUNCTIONS = ("log", "ln", "exp", "max", "min", "sin", "cos", "tanh", "arg", "det")
# One symbol a formula reads as a unit: 2.5, x, ŷᵢ, ∂L, dₖ′, (a + b), √x.
_ATOM = re.compile(
    rf"[−-]?(\d+(\.\d+)?|∂|[∂d]?([^\W\d_][\u0300-\u036f]?)+[{_SCRIPTS}]*([_^\ue002\ue003](\w+|\([^()]*\)))?"
    rf"|√(\([^()]*\)|\S+)|\([^()]*\)|\w+\([^()]*\))"
)
# Norm bars are brackets, but ‖ alone does not say which side it is on: stand-ins
# until the spacing is done.
_LVERT, _RVERT = "\ue000", "\ue001"
_OPEN, _CLOSE = "([{⌊⌈" + _LVERT, ")]}⌋⌉" + _RVERT
_OPEN_RE, _CLOSE_RE = re.escape(_OPEN), re.escape(_CLOSE)
_BINARY = "=≈←→×·≤≥≠∼∈"
_BIG = "∑∏∫"


def _script(match: re.Match[str]) -> str:
    kind, braced, single = match.groups()
    body = braced if braced is not None else single
    table = _SUP if kind == "^" else _SUB
    # The empty group stops pylatexenc from reading the result as part of a macro name.
    if body and all(ch in table for ch in body):
        return "{}" + "".join(table[ch] for ch in body)
    # A stand-in for the mark, so that the next pass does not take it up again.
    mark = _MARKS[kind]
    if braced is None or re.fullmatch(r"[A-Za-z]+|\[.*\]|\(.*\)", body):
        return f"{{}}{mark}{body}"
    return f"{{}}{mark}({body})"


def _args(node: Any, l2tobj: LatexNodes2Text, count: int) -> list[str]:
    """The last ``count`` arguments as text; a missing one (``\\frac1`` at the end of a
    formula) is empty rather than an error, so a typo never crashes a quiz."""
    argd = getattr(node, "nodeargd", None)
    args = list(getattr(argd, "argnlist", None) or [])[-count:]
    args = [None] * (count - len(args)) + args
    return [_tidy(l2tobj.nodelist_to_text([a])) if a is not None else "" for a in args]


def _group(text: str) -> str:
    return text if _ATOM.fullmatch(text) else f"({text})"


def _fraction(node: Any, l2tobj: LatexNodes2Text) -> str:
    top, bottom = _args(node, l2tobj, 2)
    # The spaces keep it apart from its neighbours: η ∂L/∂W, 1/n ∑, not η∂L/∂W.
    return f" {_group(top)}/{_group(bottom)} "


def _sqrt(node: Any, l2tobj: LatexNodes2Text) -> str:
    (body,) = _args(node, l2tobj, 1)
    return f"√{_group(body)}"


@cache
def _contexts() -> tuple[Any, LatexNodes2Text]:
    # Built once per process: the context databases are immutable after construction.
    parsing = latexwalker.get_default_latex_context_db()
    parsing.add_context_category(
        "qbank",
        prepend=True,
        macros=[MacroSpec("dfrac", "{{"), MacroSpec("tfrac", "{{"), MacroSpec("sqrt", "[{")],
    )
    db = get_default_latex_context_db()
    db.add_context_category(
        "qbank",
        prepend=True,
        macros=[
            *(MacroTextSpec(name, simplify_repl=_fraction) for name in ("frac", "dfrac", "tfrac")),
            MacroTextSpec("sqrt", simplify_repl=_sqrt),
            *(MacroTextSpec(name, simplify_repl=f" {name} ") for name in _FUNCTIONS),
            MacroTextSpec("|", simplify_repl="‖"),
            MacroTextSpec("lVert", simplify_repl=_LVERT),
            MacroTextSpec("rVert", simplify_repl=_RVERT),
            MacroTextSpec("epsilon", simplify_repl="ε"),
            MacroTextSpec("varepsilon", simplify_repl="ε"),
            MacroTextSpec("leftarrow", simplify_repl=" ← "),
            MacroTextSpec("rightarrow", simplify_repl=" → "),
            MacroTextSpec("times", simplify_repl=" × "),
            MacroTextSpec("cdot", simplify_repl=" · "),
            MacroTextSpec("approx", simplify_repl=" ≈ "),
            MacroTextSpec("sim", simplify_repl=" ∼ "),
            MacroTextSpec("left", simplify_repl=""),
            MacroTextSpec("right", simplify_repl=""),
        ],
    )
    converter = LatexNodes2Text(latex_context=db, math_mode="text", strict_latex_spaces=False)
    return parsing, converter


def _minus(match: re.Match[str]) -> str:
    before, spaces_before, spaces_after = match.group(1), match.group(2), match.group(4)
    sign = "+" if match.group(3) == "+" else "−"
    operand = before and (before.isalnum() or before in _CLOSE + _SCRIPTS + "‖|!%′'…*")
    # Binary between operands; unary at the start, after an operator or an opening
    # bracket, or where the source says so (`\sum_i -p_i`: space before, none after).
    if operand and not (spaces_before and not spaces_after):
        return f"{before} {sign} "
    return f"{before}{spaces_before and ' '}{sign}"


def _tidy(text: str) -> str:
    """Spacing as in print: ``a − b``, ``−p``, ``(x)``, ``log₂ p``, ``x = 1``."""
    text = re.sub(r"\s+", " ", text)
    text = re.sub(rf" *([{_BINARY}]) *", r" \1 ", text)
    text = re.sub(r"(^|.)( ?)([-+−])( ?)", _minus, text)
    text = re.sub(rf"(?<=[\w{_CLOSE_RE}{_SCRIPTS}])(?=[{_BIG}])", " ", text)
    text = re.sub(rf"([{_OPEN_RE}]) +", r"\1", text)
    text = re.sub(rf" +([{_CLOSE_RE},;])", r"\1", text)
    # A function name keeps its sub- or superscript and brackets: log₂ p, log(1 − x).
    names = "|".join(_FUNCTIONS)
    text = re.sub(rf"\b({names}) +(?=[{_SCRIPTS}(_^])", r"\1", text)
    text = text.replace(_LVERT, "‖").replace(_RVERT, "‖")
    return re.sub(r" {2,}", " ", text).strip()


@lru_cache(maxsize=4096)  # a quiz shows a formula in its prompt, answer and explanation
def math_to_text(latex: str) -> str:
    """One formula (without the dollars) as plain Unicode text; LaTeX that cannot be
    read is shown as written rather than raising."""
    parsing, converter = _contexts()
    # Primes, transposes and scripts first: pylatexenc drops the braces around them.
    source = _TRANSPOSE.sub("^T", _PRIME.sub("′", latex))
    # A slash written before a root spaces out, as one would write η / √(n + ε) by hand.
    source = re.sub(r"(?<=[^\s/])/(?=\\sqrt)", "{} / ", source)
    try:
        for _ in range(3):  # innermost scripts first, then the scripts holding them
            source = _SCRIPT.sub(_script, source)
        text = converter.latex_to_text(source, latex_context=parsing)
    except (latexwalker.LatexWalkerError, IndexError, ValueError, TypeError):
        return latex
    for kind, mark in _MARKS.items():
        text = text.replace(mark, kind)
    return _tidy(text)
