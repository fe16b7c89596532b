"""Render stage helper: bank Markdown with $…$ math as Typst markup, for the PDF papers.

The same parser as the HTML (markdown-it, CommonMark, raw HTML off, dollarmath) reads
the text; its syntax tree is written out as Typst. Bank texts are untrusted: every
character of their text that means something in Typst markup is escaped, code goes
into string literals, and math through :mod:`questionbank.typst_math`. So a bank text
can change what is printed, never what Typst runs.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode
from mdit_py_plugins.dollarmath import dollarmath_plugin

from questionbank.typst_math import UnsupportedMath, latex_to_typst, typst_string

# Everything in ASCII that is markup somewhere in Typst (headings, lists, emphasis,
# labels, references, comments, smart quotes, shorthands such as -- and ...).
_SPECIAL = set("\\#$*_`<>@[]()=-+/~'\".:")


class TypstMarkup(str):
    """Text already written as Typst markup: templates print it as it is."""

    __slots__ = ()


def escape(text: str) -> str:
    """Plain text as Typst markup that prints exactly that text."""
    out = []
    for ch in text:
        if ch in _SPECIAL:
            out.append("\\" + ch)
        elif ch == "\n":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def math(latex: str, *, display: bool) -> str:
    """One formula as Typst math; a formula we cannot convert prints as its source."""
    try:
        body = latex_to_typst(latex)
    except UnsupportedMath:
        return f"#raw({typst_string(latex)})"
    if not body.strip():
        return ""
    return f"$ {body} $" if display else f"${body}$"


class TypstText:
    """Markdown+math to Typst markup, cached like :class:`questionbank.richtext.RichText`."""

    def __init__(self) -> None:
        self._md = MarkdownIt("commonmark", {"html": False}).use(
            dollarmath_plugin, allow_digits=False, double_inline=True
        )
        self._cache: dict[tuple[str, bool], TypstMarkup] = {}

    def markup(self, text: str, *, inline: bool = False) -> TypstMarkup:
        key = (text, inline)
        cached = self._cache.get(key)
        if cached is None:
            tree = SyntaxTreeNode(self._md.parse(text))
            blocks = [self._block(child) for child in tree.children]
            cached = TypstMarkup(
                " ".join(blocks) if inline and len(blocks) == 1 else "\n\n".join(blocks)
            )
            self._cache[key] = cached
        return cached

    def _blocks(self, node: SyntaxTreeNode) -> str:
        return "\n\n".join(self._block(child) for child in node.children)

    def _block(self, node: SyntaxTreeNode) -> str:
        kind = node.type
        if kind == "paragraph":
            return self._inlines(node)
        if kind == "inline":
            return self._inline_children(node)
        if kind in {"fence", "code_block"}:
            lang = (node.info or "").split()[0] if kind == "fence" and node.info else ""
            code = node.content.rstrip("\n")
            lang_arg = f", lang: {typst_string(lang)}" if lang else ""
            return f"#raw(block: true{lang_arg}, {typst_string(code)})"
        if kind == "math_block" or kind == "math_block_label":
            return math(node.content, display=True)
        if kind == "bullet_list":
            items = ", ".join(f"[{self._blocks(item)}]" for item in node.children)
            return f"#list({items})"
        if kind == "ordered_list":
            start = int(str(node.attrs.get("start", 1)))
            items = ", ".join(f"[{self._blocks(item)}]" for item in node.children)
            return f"#enum(start: {start}, {items})"
        if kind == "heading":
            return f"#strong[{self._inlines(node)}]"
        if kind == "blockquote":
            return f"#quote(block: true)[{self._blocks(node)}]"
        if kind == "hr":
            return "#line(length: 100%)"
        return escape(node.content)  # html_block and the like: shown as text

    def _inlines(self, node: SyntaxTreeNode) -> str:
        return "".join(self._inline_children(child) for child in node.children)

    def _inline_children(self, node: SyntaxTreeNode) -> str:
        return "".join(self._inline(child) for child in node.children)

    def _inline(self, node: SyntaxTreeNode) -> str:
        kind = node.type
        if kind == "text" or kind == "html_inline":
            return escape(node.content)
        if kind == "softbreak":
            return " "
        if kind == "hardbreak":
            return "\\ "
        if kind == "code_inline":
            return f"#raw({typst_string(node.content)})"
        if kind == "math_inline":
            return math(node.content, display=False)
        if kind == "math_inline_double":
            return math(node.content, display=True)
        if kind == "strong":
            return f"#strong[{self._inline_children(node)}]"
        if kind == "em":
            return f"#emph[{self._inline_children(node)}]"
        if kind == "link":
            return self._inline_children(node)
        if kind == "image":
            return escape(node.content or str(node.attrs.get("alt", "")))
        return escape(node.content)
