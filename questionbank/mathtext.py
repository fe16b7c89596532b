"""LaTeX math made readable in a terminal: ``\\sigma(x)(1-\\sigma(x))`` → ``σ(x)(1−σ(x))``.

pylatexenc does the symbol work; we add what it leaves raw: fractions as ``(a)/(b)``,
sub- and superscripts as Unicode where every character has one (``w₁₁¹``, ``x²``),
and a true minus sign.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from pylatexenc import latexwalker
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

_SUP = dict(zip("0123456789+-=()nitTk", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱᵗᵀᵏ", strict=True))
_SUB = dict(zip("0123456789+-=()aeijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ", strict=True))
_SCRIPT = re.compile(r"([_^])(?:\{([^{}]*)\}|([A-Za-z0-9]))")
_PRIME = re.compile(r"\^\{?\\prime\}?|\\prime")
_MATH = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$", re.DOTALL)


def _script(match: re.Match[str]) -> str:
    kind, braced, single = match.groups()
    body = braced if braced is not None else single
    table = _SUP if kind == "^" else _SUB
    # The empty group stops pylatexenc from reading the result as part of a macro name.
    if body and all(ch in table for ch in body):
        return "{}" + "".join(table[ch] for ch in body)
    if braced is None or len(body) == 1:
        return f"{{}}{kind}{body}"
    return f"{{}}{kind}({body})"


def _fraction(node: Any, l2tobj: LatexNodes2Text) -> str:
    parts = [l2tobj.nodelist_to_text([arg]).strip() for arg in node.nodeargd.argnlist[-2:]]

    def group(text: str) -> str:
        return text if re.fullmatch(r"\d+(\.\d+)?|\w", text) else f"({text})"

    return f"{group(parts[0])}/{group(parts[1])}"


@cache
def _converter() -> LatexNodes2Text:
    # Built once per process: the context database is immutable after construction.
    db = get_default_latex_context_db()
    db.add_context_category(
        "qbank",
        prepend=True,
        macros=[
            MacroTextSpec("frac", simplify_repl=_fraction),
            MacroTextSpec("dfrac", simplify_repl=_fraction),
            MacroTextSpec("tfrac", simplify_repl=_fraction),
            MacroTextSpec("|", simplify_repl="‖"),
            MacroTextSpec("leftarrow", simplify_repl=" ← "),
            MacroTextSpec("rightarrow", simplify_repl=" → "),
            MacroTextSpec("times", simplify_repl=" × "),
            MacroTextSpec("cdot", simplify_repl="·"),
            MacroTextSpec("approx", simplify_repl=" ≈ "),
            MacroTextSpec("left", simplify_repl=""),
            MacroTextSpec("right", simplify_repl=""),
        ],
    )
    return LatexNodes2Text(latex_context=db, math_mode="text", strict_latex_spaces=False)


def math_to_text(latex: str) -> str:
    """One formula (without the dollars) as plain Unicode text."""
    try:
        # Primes and scripts first: pylatexenc drops the braces that delimit them.
        latex = _PRIME.sub("′", latex)
        text = _converter().latex_to_text(_SCRIPT.sub(_script, latex))
    except latexwalker.LatexWalkerError:
        return latex
    text = re.sub(
        r"(?<=[\w)\]}²³¹⁰-⁹ ])-(?=[\w(σ ])|^-| - ", lambda m: m.group(0).replace("-", "−"), text
    )
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def readable(text: str) -> str:
    """Markdown text with its $…$ and $$…$$ math converted for the terminal."""
    if "$" not in text:
        return text
    return _MATH.sub(lambda m: math_to_text(m.group(1) or m.group(2)), text)
