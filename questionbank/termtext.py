"""Render stage for the terminal: bank Markdown as styled rich Text.

Code spans, fences, emphasis and lists are rendered, not printed raw, and $…$ math is
made readable (:mod:`questionbank.mathtext`). Paragraphs are joined into one line
each so that rich wraps them to the terminal's width; code keeps its lines. The
parser is the one the HTML renderer uses (markdown-it with dollarmath), so the
terminal, the papers and the exports agree on what is math and what is code.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin
from rich.text import Text

from questionbank.mathtext import math_to_text

CODE_STYLE = "bold cyan"
_INLINE_STYLES = {"em": "italic", "strong": "bold", "s": "strike", "link": "underline"}
_INDENT = "    "


@cache
def _parser() -> MarkdownIt:
    # Built once per process: the parser holds no state between calls.
    return MarkdownIt("commonmark", {"html": False}).use(
        dollarmath_plugin, allow_digits=False, double_inline=True
    )


def _inline(children: list[Any], out: Text) -> None:
    styles: list[str] = []
    for token in children:
        kind = token.type
        if kind.endswith("_open") and kind[:-5] in _INLINE_STYLES:
            styles.append(_INLINE_STYLES[kind[:-5]])
        elif kind.endswith("_close") and kind[:-6] in _INLINE_STYLES:
            if styles:
                styles.pop()
        elif kind == "text":
            out.append(token.content, style=" ".join(styles) or None)
        elif kind == "code_inline":
            out.append(token.content, style=CODE_STYLE)
        elif kind.startswith("math_inline"):
            out.append(math_to_text(token.content), style=" ".join(styles) or None)
        elif kind == "softbreak":
            out.append(" ")
        elif kind == "hardbreak":
            out.append("\n")
        elif kind == "image":
            out.append(token.content or str(token.attrs.get("src", "")))
        else:  # html_inline and anything new: its source, as typed
            out.append(token.content)


def _code(text: str) -> Text:
    lines = text.rstrip("\n").split("\n")
    return Text("\n").join(Text(_INDENT + line, style=CODE_STYLE) for line in lines)


def terminal_text(source: str) -> Text:
    """``source`` (bank Markdown) as rich Text for a terminal."""
    if not source:
        return Text()
    blocks: list[Text] = []
    prefixes: list[str] = []  # the list markers and quote bars around the current block
    counters: list[int | None] = []  # per open list: the next item's number, None: bullets
    tokens = _parser().parse(source)
    item_start = heading = False
    for token in tokens:
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            start = token.attrs.get("start", 1) if kind == "ordered_list_open" else None
            counters.append(int(start) if start is not None else None)
        elif kind in ("bullet_list_close", "ordered_list_close"):
            counters.pop()
        elif kind == "list_item_open":
            number = counters[-1] if counters else None
            prefixes.append("• " if number is None else f"{number}. ")
            if number is not None:
                counters[-1] = number + 1
            item_start = True
        elif kind in ("list_item_close", "blockquote_close"):
            prefixes.pop()
        elif kind == "blockquote_open":
            prefixes.append("│ ")
        elif kind in ("heading_open", "heading_close"):
            heading = kind == "heading_open"
        elif kind in ("inline", "fence", "code_block", "math_block", "math_block_label"):
            if kind == "inline":
                block = Text(style="bold" if heading else "")
                _inline(token.children or [], block)
            elif kind.startswith("math_block"):
                block = Text(_INDENT + math_to_text(token.content.strip()))
            else:
                block = _code(token.content)
            if prefixes:
                block = _prefixed(block, prefixes, first=item_start)
                item_start = False
            if blocks:
                # Items of a list follow each other; other blocks have a line between.
                blocks.append(Text("\n" if prefixes else "\n\n"))
            blocks.append(block)
    return Text("").join(blocks) if blocks else Text(source)


def _prefixed(block: Text, prefixes: list[str], *, first: bool) -> Text:
    """``block`` behind its list markers and quote bars; a marker shows on the item's
    first line only, and every other line lines up with the text after it."""
    lead = "".join(p if p == "│ " else " " * len(p) for p in prefixes[:-1])
    rest = lead + (prefixes[-1] if prefixes[-1] == "│ " else " " * len(prefixes[-1]))
    lines = block.split("\n", allow_blank=True)
    head = Text(lead + (prefixes[-1] if first else rest[len(lead) :]))
    out = [head + lines[0], *(Text(rest) + line for line in lines[1:])]
    return Text("\n").join(out)
