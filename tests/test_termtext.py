"""Bank Markdown in the terminal: rendered, not printed raw, and wrapped to the width."""

from __future__ import annotations

import io

from rich.console import Console

from questionbank.termtext import CODE_STYLE, TerminalBlock, terminal_text


def _printed(renderable: object, width: int = 40) -> str:
    out = io.StringIO()
    Console(file=out, width=width).print(renderable)
    return out.getvalue()


def test_inline_markup_is_styled_not_printed() -> None:
    text = terminal_text("Use `np.mean`, *not* **np.sum**, for $\\frac{1}{n}\\sum_i x_i$.")
    assert text.plain == "Use np.mean, not np.sum, for 1/n ∑ᵢ xᵢ."
    styles = {text.plain[span.start : span.end]: str(span.style) for span in text.spans}
    assert styles == {"np.mean": CODE_STYLE, "not": "italic", "np.sum": "bold"}


def test_code_blocks_keep_their_lines() -> None:
    source = "Output?\n\n```python\nfor i in range(2):\n    print(i)\n```\n\nPick one."
    assert terminal_text(source).plain == (
        "Output?\n\n    for i in range(2):\n        print(i)\n\nPick one."
    )


def test_lists_wrap_with_a_hanging_indent() -> None:
    source = (
        "Rules:\n\n- the mean runs over all elements, with no factor one half and no root\n"
        "- return a float\n\n1. first\n2. second"
    )
    printed = _printed(TerminalBlock(source), width=30)
    assert printed == (
        "Rules:\n"
        "\n"
        "• the mean runs over all\n"
        "  elements, with no factor one\n"
        "  half and no root\n"
        "• return a float\n"
        "\n"
        "1. first\n"
        "2. second\n"
    )
    assert TerminalBlock(source).plain.startswith("Rules:\n• the mean runs over all elements")


def test_paragraphs_wrap_to_the_width() -> None:
    printed = _printed(TerminalBlock("word " * 30), width=40)
    assert all(len(line) <= 40 for line in printed.splitlines())
    assert len(printed.splitlines()) == 4


def test_chinese_wraps_between_characters_not_only_at_spaces() -> None:
    text = "D(G(z)) ≈ 0 時，log(1 − D) 的導數很小，而 −log D(G(z)) 在該處梯度很大。兩種目標的固定點相同。"
    lines = _printed(TerminalBlock(text), width=40).splitlines()
    assert lines == [
        "D(G(z)) ≈ 0 時，log(1 − D) 的導數很小，",
        "而 −log D(G(z)) 在該處梯度很大。兩種目標",
        "的固定點相同。",
    ]
    # Closing punctuation never starts a line: the character before it moves down too.
    assert [
        line[:1] for line in _printed(TerminalBlock("一二三四五六七八九，十"), 18).splitlines()
    ] == [
        "一",
        "九",
    ]
