"""Render stage helper: the bank's LaTeX math as Typst math, for PDFs Typst typesets.

Typst lays out math natively (limits, scripts, fractions, accents, stretchy fences),
with the glyphs kept as text in the PDF. Bank math is untrusted, so nothing of the
source reaches Typst unescaped: letters become single-letter variables, digits
numbers, known macros fixed Typst names, and every other character is escaped. A
macro we do not know raises :class:`UnsupportedMath`; the caller then prints the
formula's source instead of guessing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(r"\\[A-Za-z]+\*?|\\.|\d+(?:\.\d+)?|\s+|.", re.DOTALL)

GREEK = {
    name: name
    for name in [
        "alpha",
        "beta",
        "gamma",
        "delta",
        "zeta",
        "eta",
        "theta",
        "iota",
        "kappa",
        "lambda",
        "mu",
        "nu",
        "xi",
        "pi",
        "rho",
        "sigma",
        "tau",
        "upsilon",
        "chi",
        "psi",
        "omega",
        "Gamma",
        "Delta",
        "Theta",
        "Lambda",
        "Xi",
        "Pi",
        "Sigma",
        "Upsilon",
        "Phi",
        "Psi",
        "Omega",
    ]
}
# LaTeX's \epsilon and \phi are the lunate / loop forms; its \var… forms are Typst's plain ones.
GREEK |= {
    "epsilon": "epsilon.alt",
    "varepsilon": "epsilon",
    "phi": "phi.alt",
    "varphi": "phi",
    "vartheta": "theta.alt",
    "varrho": "rho.alt",
    "varsigma": "sigma.alt",
}

# Symbols as Unicode characters: Typst classifies them (relation, binary, large
# operator) by their Unicode math class, as TeX does by its own tables.
SYMBOLS = {
    "times": "×",
    "cdot": "·",
    "ast": "∗",
    "star": "⋆",
    "approx": "≈",
    "simeq": "≃",
    "cong": "≅",
    "le": "≤",
    "leq": "≤",
    "ge": "≥",
    "geq": "≥",
    "ne": "≠",
    "neq": "≠",
    "ll": "≪",
    "gg": "≫",
    "pm": "±",
    "mp": "∓",
    "div": "÷",
    "in": "∈",
    "notin": "∉",
    "ni": "∋",
    "sim": "∼",
    "propto": "∝",
    "equiv": "≡",
    "to": "→",
    "rightarrow": "→",
    "leftarrow": "←",
    "gets": "←",
    "Rightarrow": "⇒",
    "Leftarrow": "⇐",
    "leftrightarrow": "↔",
    "Leftrightarrow": "⇔",
    "implies": "⟹",
    "iff": "⟺",
    "mapsto": "↦",
    "uparrow": "↑",
    "downarrow": "↓",
    "infty": "∞",
    "partial": "∂",
    "nabla": "∇",
    "forall": "∀",
    "exists": "∃",
    "emptyset": "∅",
    "varnothing": "∅",
    "cup": "∪",
    "cap": "∩",
    "subset": "⊂",
    "subseteq": "⊆",
    "supset": "⊃",
    "supseteq": "⊇",
    "setminus": "∖",
    "odot": "⊙",
    "otimes": "⊗",
    "oplus": "⊕",
    "circ": "∘",
    "bullet": "∙",
    "top": "⊤",
    "bot": "⊥",
    "perp": "⊥",
    "parallel": "∥",
    "mid": "∣",
    "neg": "¬",
    "land": "∧",
    "wedge": "∧",
    "lor": "∨",
    "vee": "∨",
    "prime": "′",
    "ell": "ℓ",
    "hbar": "ℏ",
    "Re": "ℜ",
    "Im": "ℑ",
    "angle": "∠",
    "triangle": "△",
    "degree": "°",
    "ldots": "…",
    "dots": "…",
    "cdots": "⋯",
    "vdots": "⋮",
    "ddots": "⋱",
    "lVert": "‖",
    "rVert": "‖",
    "Vert": "‖",
    "|": "‖",
    "lvert": "|",
    "rvert": "|",
    "vert": "|",
    "lceil": "⌈",
    "rceil": "⌉",
    "lfloor": "⌊",
    "rfloor": "⌋",
    "langle": "⟨",
    "rangle": "⟩",
    "{": "{",
    "}": "}",
}
# Large operators keep Typst's names so that they take limits in display math.
LARGE = {
    "sum": "sum",
    "prod": "product",
    "coprod": "product.co",
    "int": "integral",
    "iint": "integral.double",
    "oint": "integral.cont",
    "bigcup": "union.big",
    "bigcap": "sect.big",
}
FUNCTIONS = {
    name: name
    for name in [
        "log",
        "ln",
        "lg",
        "exp",
        "sin",
        "cos",
        "tan",
        "cot",
        "sec",
        "csc",
        "sinh",
        "cosh",
        "tanh",
        "coth",
        "arcsin",
        "arccos",
        "arctan",
        "max",
        "min",
        "sup",
        "inf",
        "lim",
        "liminf",
        "limsup",
        "det",
        "arg",
        "deg",
        "dim",
        "gcd",
        "hom",
        "ker",
        "mod",
        "Pr",
    ]
}
ACCENTS = {
    "hat": "hat",
    "widehat": "hat",
    "tilde": "tilde",
    "widetilde": "tilde",
    "bar": "macron",
    "overline": "overline",
    "underline": "underline",
    "vec": "arrow",
    "dot": "dot",
    "ddot": "dot.double",
    "check": "caron",
    "breve": "breve",
    "acute": "acute",
    "grave": "grave",
}
STYLES = {
    "mathbb": "bb",
    "mathbf": "bold",
    "boldsymbol": "bold",
    "bm": "bold",
    "mathcal": "cal",
    "mathfrak": "frak",
    "mathsf": "sans",
    "mathtt": "mono",
    "mathit": "italic",
    "mathrm": "upright",
}
TEXTS = {"text", "textrm", "textnormal", "mbox", "textit", "textbf"}
EMPTY = '""'  # an empty Typst string: a placeholder where LaTeX allows an empty group
SPACES = {
    ",": "thin",
    ":": "med",
    ">": "med",
    ";": "thick",
    " ": "space",
    "quad": "quad",
    "qquad": "wide",
    "!": "",
    "enspace": "space.en",
    "thinspace": "thin",
}
ESCAPED = {  # LaTeX escapes for literal characters
    "%": "%",
    "$": "$",
    "#": "#",
    "&": "&",
    "_": "_",
}
FENCES = {
    "(": "(",
    ")": ")",
    "[": "[",
    "]": "]",
    "|": "|",
    "\\{": "{",
    "\\}": "}",
    "\\lbrace": "{",
    "\\rbrace": "}",
    "\\|": "‖",
    "\\lVert": "‖",
    "\\rVert": "‖",
    "\\Vert": "‖",
    "\\lvert": "|",
    "\\rvert": "|",
    "\\vert": "|",
    "\\langle": "⟨",
    "\\rangle": "⟩",
    "\\lceil": "⌈",
    "\\rceil": "⌉",
    "\\lfloor": "⌊",
    "\\rfloor": "⌋",
    ".": "",
}


_SIZES = ("big", "Big", "bigg", "Bigg")
OPENERS = {"left": frozenset({"\\right"})} | {
    f"{size}l": frozenset(f"\\{s}r" for s in _SIZES) for size in _SIZES
}
CLOSERS = {"right"} | {f"{size}r" for size in _SIZES}


class UnsupportedMath(ValueError):
    """A formula this converter cannot express faithfully (unknown macro, unbalanced group)."""


def typst_string(text: str) -> str:
    """``text`` as a Typst string literal (used in code, math and markup alike)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = escaped.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return f'"{escaped}"'


def _char(ch: str) -> str:
    """One source character as Typst math: letters and digits plain, the rest escaped."""
    if (ch.isascii() and ch.isalnum()) or ch in "+-=|":
        # Unescaped, - is a minus sign and | pairs into fences; escaped, a hyphen and a bar.
        return ch
    if ch == "'":
        return "'"
    if ch.isspace():
        return " "
    if ch.isascii():
        # Every ASCII symbol has a meaning somewhere in Typst math (/ fractions, , and ;
        # arguments, # code, " strings, ( ) grouping): escaped, each is just itself.
        return "\\" + ch
    return ch  # Typst's syntax is ASCII: any other character is only itself


@dataclass
class _Parser:
    tokens: list[str]
    pos: int = 0

    def peek(self) -> str | None:
        while self.pos < len(self.tokens) and self.tokens[self.pos].isspace():
            self.pos += 1
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise UnsupportedMath("the formula ends where an argument was expected")
        self.pos += 1
        return token

    def raw_group(self) -> str:
        """A braced argument's source, unparsed (for \\text)."""
        if self.peek() != "{":
            return self.take()
        self.pos += 1
        depth, parts = 1, list[str]()
        while self.pos < len(self.tokens):
            token = self.tokens[self.pos]
            self.pos += 1
            if token == "{":
                depth += 1
            elif token == "}":
                depth -= 1
                if depth == 0:
                    return "".join(parts)
            parts.append(token)
        raise UnsupportedMath("a { is never closed")

    def argument(self) -> str:
        """One argument: a braced group, or a single token."""
        token = self.peek()
        if token == "{":
            self.pos += 1
            body = self.sequence(closing="}")
            self.pos += 1
            return body
        if token is None or token in "}^_":
            raise UnsupportedMath("an argument is missing")
        if len(token) > 1 and token[0].isdigit():
            # TeX reads one digit as an argument: \tfrac12 is 1/2.
            self.tokens[self.pos] = token[1:]
            return token[0]
        return self.atom()

    def optional(self) -> str | None:
        if self.peek() != "[":
            return None
        self.pos += 1
        parts: list[str] = []
        while self.peek() not in ("]", None):
            parts.append(self.atom())
        if self.peek() is None:
            raise UnsupportedMath("a [ is never closed")
        self.pos += 1
        return " ".join(p for p in parts if p)

    def sequence(self, *, closing: str | frozenset[str] | None = None) -> str:
        parts: list[str] = []
        while True:
            token = self.peek()
            if token is None:
                if closing is not None:
                    raise UnsupportedMath(f"a group is not closed with {closing}")
                break
            if token == closing or (isinstance(closing, frozenset) and token in closing):
                break
            if token == "}":
                raise UnsupportedMath("a } closes nothing")
            if token in "^_":
                base = parts.pop() if parts else EMPTY
                parts.append(self.scripts(base))
                continue
            if token == "'" and parts:
                self.pos += 1
                parts[-1] += "'"
                continue
            parts.append(self.atom())
        return " ".join(p for p in parts if p)

    def scripts(self, base: str) -> str:
        below: str | None = None
        above: str | None = None
        while self.peek() in ("^", "_"):
            kind = self.take()
            body = self.argument()
            if kind == "_":
                if below is not None:
                    raise UnsupportedMath("double subscript")
                below = body
            else:
                if above is not None:
                    raise UnsupportedMath("double superscript")
                above = body
        # attach() names its base explicitly, so a compound base (a group, a fence)
        # is never split by Typst's own binding rules.
        args = [base]
        if below is not None:
            args.append(f"b: {below or EMPTY}")
        if above is not None:
            args.append(f"t: {above or EMPTY}")
        return f"attach({', '.join(args)})"

    def atom(self) -> str:
        token = self.take()
        if token == "{":
            body = self.sequence(closing="}")
            self.pos += 1
            # scripts() names its base in attach(), so a group needs no wrapper of its own.
            return body
        if token.startswith("\\"):
            return self.macro(token[1:])
        if token == "~":
            return "space"
        return _char(token) if len(token) == 1 else token

    def macro(self, name: str) -> str:
        if name in GREEK:
            return GREEK[name]
        if name in SYMBOLS:
            return _char(SYMBOLS[name]) if SYMBOLS[name] in "{}|" else SYMBOLS[name]
        if name in LARGE:
            return LARGE[name]
        if name in FUNCTIONS:
            return FUNCTIONS[name]
        if name in SPACES:
            return SPACES[name]
        if name in ESCAPED:
            return "\\" + ESCAPED[name]
        if name in {"frac", "dfrac", "tfrac", "cfrac"}:
            num, den = self.argument(), self.argument()
            fraction = f"frac({num or EMPTY}, {den or EMPTY})"
            return {"dfrac": f"display({fraction})", "tfrac": f"inline({fraction})"}.get(
                name, fraction
            )
        if name == "binom":
            return f"binom({self.argument()}, {self.argument()})"
        if name == "sqrt":
            index = self.optional()
            body = self.argument()
            return f"root({index}, {body})" if index else f"sqrt({body})"
        if name in ACCENTS:
            return f"{ACCENTS[name]}({self.argument()})"
        if name in STYLES:
            return f"{STYLES[name]}({self.argument()})"
        if name in {"operatorname", "operatorname*"}:
            limits = "true" if name.endswith("*") else "false"
            return f"op({typst_string(self.raw_group())}, limits: #{limits})"
        if name in TEXTS:
            return typst_string(self.raw_group())
        if name in OPENERS:
            return self.fenced(OPENERS[name])
        if name in CLOSERS or name == "middle":
            raise UnsupportedMath(f"\\{name} without \\left")
        if name in {"big", "Big", "bigg", "Bigg", "bigm", "Bigm"}:
            return self.fence()
        if name in {"displaystyle", "textstyle", "limits", "nolimits"}:
            return ""
        raise UnsupportedMath(f"unknown macro \\{name}")

    def fence(self) -> str:
        token = self.take()
        if token not in FENCES:
            raise UnsupportedMath(f"\\left/\\right need a delimiter, not {token}")
        return _char(FENCES[token]) if FENCES[token] else ""

    def fenced(self, closers: frozenset[str]) -> str:
        # \left…\right and \bigl…\bigr alike: Typst's lr() sizes the fences to the body.
        opening = self.fence()
        body = self.sequence(closing=closers)
        if self.peek() not in closers:
            raise UnsupportedMath("\\left without \\right")
        self.pos += 1
        closing = self.fence()
        return f"lr({' '.join(p for p in (opening, body, closing) if p)})"


def latex_to_typst(latex: str) -> str:
    """The body of one formula (no dollars) as Typst math source (no dollars either)."""
    parser = _Parser([t for t in _TOKEN.findall(latex)])
    return parser.sequence()
