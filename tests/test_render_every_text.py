"""Every text of every shipped question through every renderer: terminal, HTML, Markdown.

Issue 11: ``\\tfrac`` crashed the terminal renderer after "✓ Correct", in six shipped
items. Here each question is instantiated on every seed `qbank validate` samples, in
both languages, and each text goes through the terminal renderer (quiz, show, list,
practice), the HTML renderer (papers: MathML; LMS exports: TeX) and the Markdown
export. Texts that differ only in their digits are rendered once: no renderer treats
one digit differently from another, and rendering 50 000 texts would take minutes.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from rich.cells import cell_len
from rich.console import Console

from questionbank.bank import Bank, load_bank
from questionbank.checks import SEEDS_CHECKED
from questionbank.export_common import ExportItem
from questionbank.export_markdown import markdown
from questionbank.history import AnswerRecord
from questionbank.instance import Instance, instantiate
from questionbank.localized import pick
from questionbank.params import ParamEngine
from questionbank.quiz import Quiz, quiz_types
from questionbank.richtext import RichText
from questionbank.terminal import list_table, show_instance
from questionbank.terminput import LineReader
from questionbank.termtext import terminal_text
from tests.practice_helpers import wrong_answer

pytestmark = pytest.mark.slow

BANK = Path(__file__).parent.parent / "bank"
LANGS = ("en", "zh-TW")
MATH = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$", re.DOTALL)
MACRO = re.compile(r"\\[A-Za-z]{2,}")


@dataclass
class Corpus:
    bank: Bank
    texts: dict[str, tuple[str, str]] = field(default_factory=dict)  # shape -> (where, text)
    instances: list[Instance] = field(default_factory=list)  # those that brought a new shape


def _fields(inst: Instance) -> list[tuple[str, object]]:
    fields: list[tuple[str, object]] = [
        ("prompt", inst.prompt),
        ("explanation", inst.explanation),
        ("hint", inst.hint),
    ]
    for i, choice in enumerate(inst.choices):
        fields += [(f"choices[{i}].text", choice.text), (f"choices[{i}].feedback", choice.feedback)]
    return fields


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    found = Corpus(load_bank(BANK))
    engine = ParamEngine()
    for q in found.bank.questions:
        for seed in range(SEEDS_CHECKED) if q.parametric else [0]:
            inst = instantiate(q, seed, engine=engine)
            new = False
            for name, value in _fields(inst):
                for lang in LANGS:
                    text = pick(value, lang)  # type: ignore[arg-type]
                    shape = re.sub(r"\d+", "0", text)
                    if text and shape not in found.texts:
                        found.texts[shape] = (f"{q.id} seed {seed} {name} [{lang}]", text)
                        new = True
            if new:
                found.instances.append(inst)
    return found


def test_the_corpus_covers_the_bank(corpus: Corpus) -> None:
    ids = {inst.id for inst in corpus.instances}
    assert ids == {q.id for q in corpus.bank.questions}
    assert any("tfrac" in text for _, text in corpus.texts.values())  # the crash


def test_terminal_renders_every_text(corpus: Corpus) -> None:
    console = Console(file=io.StringIO(), width=80)
    for where, text in corpus.texts.values():
        rendered = terminal_text(text)
        console.print(rendered)
        outside_math = MATH.sub("", text)
        if not MACRO.search(outside_math):  # code may hold \n; math must not leave \frac
            assert not MACRO.search(rendered.plain), f"{where}: {rendered.plain!r}"


@pytest.mark.parametrize("math", ["mathml", "tex"])
def test_html_renders_every_text(corpus: Corpus, math: str) -> None:
    renderer = RichText(math=math)
    for where, text in corpus.texts.values():
        html = renderer.html(text)
        # The MathML renderer falls back to the formula's source when it cannot convert it.
        assert 'class="math-source"' not in html, f"{where}: {html}"


def test_markdown_export_renders_every_instance(corpus: Corpus) -> None:
    items = [
        ExportItem(inst, f"{inst.id}-s{inst.seed}", inst.question.topic)
        for inst in corpus.instances
    ]
    document = markdown(items, list(LANGS))
    html = MarkdownIt("commonmark").render(document)
    for item in items:
        assert f"### {item.name}\n" in document
        assert item.name in html


def _first_instances(corpus: Corpus) -> list[Instance]:
    """One instance per question: the texts are covered above, these cover the screens."""
    seen: dict[str, Instance] = {}
    for inst in corpus.instances:
        seen.setdefault(inst.id, inst)
    return list(seen.values())


def test_quiz_shows_every_question_and_saves_every_answer(corpus: Corpus) -> None:
    quizzable = [i for i in _first_instances(corpus) if i.type in quiz_types()]
    out = io.StringIO()
    console = Console(file=out, width=80)
    saved: list[AnswerRecord] = []
    typed = "".join(wrong_answer(inst) + "\n" for inst in quizzable)
    summary = Quiz(
        quizzable,
        console=console,
        reader=LineReader(io.StringIO(typed), console),
        lang="both",
        on_answer=saved.append,
    ).run()
    assert summary.ended_by == "done"
    assert [a.question_id for a in saved] == [i.id for i in quizzable]


def test_show_and_list_every_question(corpus: Corpus) -> None:
    out = io.StringIO()
    console = Console(file=out, width=80)
    for inst in _first_instances(corpus):
        show_instance(console, inst, lang="both")
    # Chinese prompts, two cells a character, are the harder ones to cut to the width.
    listing = io.StringIO()
    list_table(Console(file=listing, width=80), corpus.bank.questions, lang="zh-TW")
    lines = listing.getvalue().splitlines()
    assert max(cell_len(line.rstrip()) for line in lines) <= 80
    for q in corpus.bank.questions:
        assert any(line.startswith(q.id + " ") for line in lines), q.id  # never broken
    assert "{{" not in listing.getvalue()  # parametric prompts are shown drawn, not raw
