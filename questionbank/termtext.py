"""Render stage for the terminal: bank Markdown as styled rich Text.

Code spans, fences, emphasis and lists are rendered, not printed raw, and $…$ math is
made readable (:mod:`questionbank.mathtext`). Paragraphs are joined into one line
each so that rich wraps them to the terminal's width; code keeps its lines. The
parser is the one the HTML renderer uses (markdown-it with dollarmath), so the
terminal, the papers and the exports agree on what is math and what is code.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.measure import Measurement
from rich.text import Text

from questionbank.localized import Localized, pick

if TYPE_CHECKING:
    from rich.syntax import Syntax
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


@dataclass(frozen=True)
class Block:
    """One paragraph, code block or list item: its first line starts with ``first``
    (a list marker), the lines after it with ``rest`` (as wide), as in a hanging indent."""

    body: Text
    first: str = ""
    rest: str = ""
    gap: bool = False  # a blank line before it


def blocks(source: str) -> list[Block]:
    """``source`` (bank Markdown) as blocks of styled text."""
    found: list[Block] = []
    prefixes: list[str] = []  # the list markers and quote bars around the current block
    counters: list[int | None] = []  # per open list: the next item's number, None: bullets
    item_start = heading = list_start = False
    for token in _parser().parse(source):
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            list_start = list_start or not counters  # a list of its own, not a nested one
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
                body = Text(style="bold" if heading else "")
                _inline(token.children or [], body)
            elif kind.startswith("math_block"):
                body = Text(_INDENT + math_to_text(token.content.strip()))
            else:
                body = _code(token.content)
            lead = "".join(p if p == "│ " else " " * len(p) for p in prefixes[:-1])
            last = prefixes[-1] if prefixes else ""
            rest = lead + (last if last == "│ " else " " * len(last))
            first = lead + last if item_start or last == "│ " else rest
            item_start = False
            # Items of a list follow each other; other blocks have a line between.
            gap = bool(found) and (not prefixes or list_start)
            list_start = False
            found.append(Block(body, first, rest, gap=gap))
    return found


def terminal_text(source: str) -> Text:
    """``source`` (bank Markdown) as one rich Text: for a line in a table, or ``.plain``."""
    if not source:
        return Text()
    parts: list[Text] = []
    for block in blocks(source):
        if parts:
            parts.append(Text("\n\n" if block.gap else "\n"))
        lines = block.body.split("\n", allow_blank=True)
        parts.append(
            Text("\n").join(
                Text(block.first if i == 0 else block.rest) + line for i, line in enumerate(lines)
            )
        )
    return Text("").join(parts) if parts else Text(source)


class TerminalBlock:
    """Bank Markdown rendered for a terminal, wrapped to its width when printed, with
    list items in a hanging indent (wrapped lines start under the item's text)."""

    def __init__(self, source: str) -> None:
        self.blocks = blocks(source) if source else []

    @property
    def plain(self) -> str:
        return "\n".join(b.first + b.body.plain for b in self.blocks)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        # Widest: the longest line unwrapped; narrowest: what a line of one word needs.
        widths = [
            cell_len(b.first) + cell_len(line)
            for b in self.blocks
            for line in b.body.plain.split("\n")
        ]
        widest = min(max(widths, default=0), options.max_width)
        return Measurement(min(widest, 12), widest)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        for i, block in enumerate(self.blocks):
            if i and block.gap:
                yield Text()
            room = max(8, width - cell_len(block.rest))
            first = True
            for line in block.body.split("\n", allow_blank=True):
                for piece in wrap(line, room):
                    yield Text(block.first if first else block.rest) + piece
                    first = False


# Not at the start of a line (CJK line breaking rules, kinsoku): closing punctuation.
_NO_LINE_START = frozenset("，。、；：？！）」』】〕,.;:?!)]}%")


def wrap(line: Text, width: int) -> list[Text]:
    """``line`` cut into lines of at most ``width`` cells, at spaces, and also between
    two CJK characters (Chinese has no spaces between words), never before closing
    punctuation; a word longer than the width is cut where it must be."""
    plain = line.plain
    if cell_len(plain) <= width:
        return [line]
    cuts: list[int] = []
    start, used, last_break = 0, 0, -1
    for i, ch in enumerate(plain):
        wide = cell_len(ch) > 1
        if (
            i > start
            and ch not in _NO_LINE_START
            and ch != " "
            and (plain[i - 1] == " " or wide or cell_len(plain[i - 1]) > 1)
        ):
            last_break = i
        used += cell_len(ch)
        if used > width and ch != " ":
            cut = last_break if last_break > start else i
            cuts.append(cut)
            start, last_break = cut, -1
            used = cell_len(plain[cut : i + 1])
    pieces = line.divide(cuts)
    for piece in pieces:
        piece.rstrip()  # a line ends at a space, and starts after it
    return list(pieces)


def python_code(console: Console, source: str) -> Syntax:
    """Python source as rich lays it out; highlighted only where colours are shown (the
    lexer's regular expressions take ~60 ms to compile, for nothing in a pipe or a log)."""
    from rich.syntax import Syntax  # pygments: only for the commands that show code

    return Syntax(source, "python" if console.color_system else "text", theme="ansi_dark")


def _langs(text: Localized | None, lang: str) -> list[str]:
    if lang != "both" or text is None or isinstance(text, str):
        return [lang if lang != "both" else "en"]
    return [tag for tag in ("en", "zh-TW") if tag in text] or ["en"]


def localized(text: Localized | None, lang: str) -> Text:
    """A text in the quiz language, Markdown and math rendered; 'both' gives one per language."""
    return Text("\n").join(terminal_text(pick(text, tag)) for tag in _langs(text, lang))


def localized_block(text: Localized | None, lang: str) -> Group:
    """As :func:`localized`, for a text on lines of its own (a prompt, an explanation):
    wrapped to the terminal with list items in a hanging indent."""
    return Group(*(TerminalBlock(pick(text, tag)) for tag in _langs(text, lang)))
