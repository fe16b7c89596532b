"""Render stage helper: bank Markdown with $…$ math turned into safe HTML.

Bank texts are untrusted, so raw HTML in them is escaped, never passed through.
Math is converted to MathML ahead of time (latex2mathml): a printed paper must not
depend on a script or the network, and Chromium, Firefox and Safari lay out MathML
natively. WeasyPrint does not, so :data:`PRINT_MATHML_CSS` gives it a fallback.
"""

from __future__ import annotations

import html
from typing import Any

from latex2mathml.converter import convert as latex_to_mathml
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin

# WeasyPrint has no MathML layout: these rules give fractions, scripts and roots a
# readable printed form. Browsers ignore nothing here that they do natively well.
PRINT_MATHML_CSS = """
math { font-family: "Noto Serif", "Noto Serif CJK TC", serif; font-style: normal; }
math mi { font-style: italic; }
math mfrac { display: inline-block; vertical-align: middle; text-align: center; }
math mfrac > * { display: block; padding: 0 0.15em; }
math mfrac > :first-child { border-bottom: 0.06em solid currentColor; }
math msup > :last-child, math msubsup > :last-child { vertical-align: super; font-size: 70%; }
math msub > :last-child { vertical-align: sub; font-size: 70%; }
math msubsup > :nth-child(2) { vertical-align: sub; font-size: 70%; }
math msqrt::before { content: "√"; }
math msqrt { border-top: 0.06em solid currentColor; }
math[display="block"] { display: block; text-align: center; margin: 0.4em 0; }
"""


def _math(content: str, options: dict[str, Any]) -> str:
    display = "block" if options.get("display_mode") else "inline"
    try:
        return str(latex_to_mathml(content, display=display))
    except Exception:  # noqa: BLE001 - any converter failure falls back to the source
        # latex2mathml raises assorted exception types on malformed LaTeX; the paper
        # still prints the formula's source rather than failing the whole run.
        return f'<code class="math-source">{html.escape(content)}</code>'


def _tex(content: str, options: dict[str, Any]) -> str:
    # LMS pages typeset with MathJax, whose default delimiters are \( \) and \[ \].
    body = html.escape(content, quote=False)
    return f"\\[{body}\\]" if options.get("display_mode") else f"\\({body}\\)"


def _bare_tex(renderer: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    return _tex(str(token.content).strip(), {"display_mode": token.type != "math_inline"})


class RichText:
    """Markdown+math to HTML, cached: most texts repeat across versions of a paper.

    ``math="mathml"`` pre-renders formulas (papers); ``math="tex"`` keeps their LaTeX
    between MathJax delimiters (LMS exports, where the LMS typesets them).
    """

    def __init__(self, *, math: str = "mathml") -> None:
        renderer = _math if math == "mathml" else _tex
        self._md = MarkdownIt("commonmark", {"html": False}).use(
            dollarmath_plugin, allow_digits=False, double_inline=True, renderer=renderer
        )
        if math == "tex":
            # Bare \( \) text: Moodle's multilang filter ends a language block at the
            # first </span>, so the plugin's <span class="math inline"> would cut it short.
            for rule in ("math_inline", "math_inline_double", "math_block"):
                self._md.add_render_rule(rule, _bare_tex)
        self._cache: dict[tuple[str, bool], str] = {}

    def html(self, text: str, *, inline: bool = False) -> str:
        """``text`` as HTML; ``inline`` drops the paragraph wrapper of a one-line text."""
        key = (text, inline)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        if inline and "\n\n" not in text:
            rendered = str(self._md.renderInline(text))
        else:
            rendered = str(self._md.render(text)).strip()
        self._cache[key] = rendered
        return rendered
