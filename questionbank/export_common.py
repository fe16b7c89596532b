"""What every LMS export shares: which questions, which variants, bilingual HTML.

A parametric question becomes N fixed variants (seeds 1..N), since no LMS format
can run our templates; a fixed question is exported once. Choices keep the author's
order with "All of the above" last, because Moodle and Canvas have one shuffle flag
per question or quiz and cannot pin a choice.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from questionbank import models
from questionbank.bank import Bank
from questionbank.diagnostics import suggest
from questionbank.errors import UsageError
from questionbank.instance import Instance, instantiate, languages, pick
from questionbank.params import Localized, ParamEngine
from questionbank.richtext import RichText

FORMATS = ("moodle", "gift", "qti", "markdown")


@dataclass(frozen=True)
class ExportItem:
    """One exported question: a fixed question, or one variant of a parametric one."""

    instance: Instance
    name: str  # unique in the export: the id, or "<id>-v<k>" for variant k
    category: str  # topic, or "<topic>/<id>" grouping a parametric question's variants

    @property
    def question(self) -> models.AnyQuestion:
        return self.instance.question

    @property
    def pinned(self) -> bool:
        return any(c.pinned for c in self.instance.choices)


def select_questions(
    bank: Bank, *, topics: Sequence[str] = (), types: Sequence[str] = ()
) -> list[models.AnyQuestion]:
    known_topics = sorted({q.topic for q in bank.questions})
    for topic in topics:
        if topic not in known_topics:
            raise UsageError(
                f"--topic '{topic}': no question has this topic{suggest(topic, known_topics)} "
                f"(topics in the bank: {', '.join(known_topics)})"
            )
    for kind in types:
        if kind not in models.QUESTION_TYPES:
            raise UsageError(
                f"--type '{kind}': unknown question type{suggest(kind, models.QUESTION_TYPES)} "
                f"(expected one of: {', '.join(models.QUESTION_TYPES)})"
            )
    return [
        q
        for q in bank.questions
        if (not topics or q.topic in topics) and (not types or q.type in types)
    ]


def export_items(
    questions: Sequence[models.AnyQuestion], *, variants: int, engine: ParamEngine | None = None
) -> list[ExportItem]:
    engine = engine or ParamEngine()
    items: list[ExportItem] = []
    for q in questions:
        if q.parametric:
            for k in range(1, variants + 1):
                inst = instantiate(q, k, engine=engine)
                items.append(ExportItem(inst, f"{q.id}-v{k}", f"{q.topic}/{q.id}"))
        else:
            items.append(ExportItem(instantiate(q, 0, engine=engine), q.id, q.topic))
    return items


def export_langs(questions: Sequence[models.AnyQuestion], lang: str | None) -> list[str]:
    """The languages to write: the one asked for, else every language the bank uses."""
    if lang:
        return [lang]
    seen: list[str] = []
    for q in questions:
        for tag in languages(q.prompt):
            if tag not in seen:
                seen.append(tag)
    return seen or ["en"]


def moodle_lang(tag: str) -> str:
    """Moodle's language pack code for a BCP 47 tag (zh-TW -> zh_tw)."""
    return tag.lower().replace("-", "_")


class LmsText:
    """Bank Markdown as LMS HTML: math left as \\( \\) for the LMS's MathJax, and
    several languages wrapped in Moodle multilang spans (shown one at a time)."""

    def __init__(self, langs: list[str], *, multilang: bool = True) -> None:
        self.langs = langs
        self.multilang = multilang and len(langs) > 1
        self.rich = RichText(math="tex")

    def variants(self, text: Localized | None) -> list[tuple[str, str]]:
        if text is None:
            return []
        out: list[tuple[str, str]] = []
        for lang in self.langs:
            source = pick(text, lang)
            if source and all(source != s for _, s in out):
                out.append((lang, source))
        return out

    def html(self, text: Localized | None, *, inline: bool = False) -> str:
        parts = self.variants(text)
        if not parts:
            return ""
        if len(parts) == 1:
            return self.rich.html(parts[0][1], inline=inline)
        if self.multilang:
            return "".join(
                f'<span lang="{moodle_lang(lang)}" class="multilang">'
                f"{self.rich.html(source, inline=inline)}</span>"
                for lang, source in parts
            )
        # No multilang filter (Canvas): every language, one after the other.
        joiner = " / " if inline else "\n"
        return joiner.join(self.rich.html(s, inline=inline) for _, s in parts)

    def plain(self, text: Localized | None) -> str:
        """One line for names and titles: the languages joined by ' / '."""
        return " / ".join(re.sub(r"\s+", " ", s).strip() for _, s in self.variants(text))
