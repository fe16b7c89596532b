"""What every LMS export shares: which questions, which variants, bilingual HTML.

A parametric question becomes N fixed variants (seeds 1..N), since no LMS format
can run our templates; a fixed question is exported once. Choices keep the author's
order with "All of the above" last, because Moodle and Canvas have one shuffle flag
per question or quiz and cannot pin a choice.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from questionbank import models
from questionbank.diagnostics import suggest
from questionbank.errors import UsageError
from questionbank.instance import Instance, instantiate, languages
from questionbank.localized import Localized, pick
from questionbank.params import ParamEngine
from questionbank.richtext import RichText

FORMATS = ("moodle", "gift", "qti", "markdown")
FORMAT_NAMES = {"moodle": "Moodle XML", "gift": "GIFT", "qti": "Canvas QTI"}


@dataclass(frozen=True)
class ExportItem:
    """One exported question: a fixed question, or one variant of a parametric one."""

    instance: Instance
    name: str  # unique in the export: the id, or "<id>-v<k>" for variant k
    # Category path under the export's root: topic, week, and for a parametric
    # question a subcategory of its variants (Moodle draws a random one from it).
    category: tuple[str, ...]

    @property
    def question(self) -> models.AnyQuestion:
        return self.instance.question

    @property
    def pinned(self) -> bool:
        return any(c.pinned for c in self.instance.choices)


def category_of(question: models.AnyQuestion, variants: int) -> tuple[str, ...]:
    week = f"Week {question.week}" if question.week else "No week"
    if question.parametric:
        return (question.topic, week, f"{question.id} ({variants} variants)")
    return (question.topic, week)


def category_path(category: Sequence[str]) -> str:
    """A Moodle category path; a slash inside a name is written twice, as Moodle does."""
    return "/".join(part.replace("/", "//") for part in category)


def select_questions(
    questions: Sequence[models.AnyQuestion],
    *,
    topics: Sequence[str] = (),
    types: Sequence[str] = (),
) -> list[models.AnyQuestion]:
    known_topics = sorted({q.topic for q in questions})
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
        q for q in questions if (not topics or q.topic in topics) and (not types or q.type in types)
    ]


def export_items(
    questions: Sequence[models.AnyQuestion], *, variants: int, engine: ParamEngine | None = None
) -> list[ExportItem]:
    """Every question (or variant), grouped by topic and week in bank order within them;
    in each group the fixed questions come first, so every category opens once."""
    engine = engine or ParamEngine()
    items: list[ExportItem] = []
    for q in sorted(questions, key=lambda q: (q.topic, q.week or 0, q.parametric)):
        category = category_of(q, variants)
        if q.parametric:
            for k in range(1, variants + 1):
                inst = instantiate(q, k, engine=engine)
                items.append(ExportItem(inst, f"{q.id}-v{k}", category))
        else:
            items.append(ExportItem(instantiate(q, 0, engine=engine), q.id, category))
    return items


@dataclass(frozen=True)
class ExportReport:
    """What an LMS export wrote and what it could not carry, for the user to hear about."""

    exported: list[ExportItem]
    skipped_count: int  # items (variants count one each), not question ids
    skipped: list[tuple[str, list[str]]]  # (reason, question ids)
    notes: list[str]

    def summary(self, out: str) -> str:
        line = f"{len(self.exported)} question(s) exported to {out}"
        if self.skipped_count:
            reasons = "; ".join(reason for reason, _ in self.skipped)
            line += f"; {self.skipped_count} skipped ({reasons})"
        return line


def lms_exportable(question: models.AnyQuestion) -> bool:
    """Whether an LMS question type can carry the question (and grade it)."""
    if isinstance(question, models.CodeQuestion):
        return False
    return not (isinstance(question, models.ShortQuestion) and not question.answers)


def lms_report(items: Sequence[ExportItem], fmt: str) -> ExportReport:
    name = FORMAT_NAMES.get(fmt, fmt)

    def ids(matching: Callable[[models.AnyQuestion], bool]) -> list[str]:
        return sorted({i.question.id for i in items if matching(i.question)})

    code = ids(lambda q: isinstance(q, models.CodeQuestion))
    patterns_only = ids(lambda q: isinstance(q, models.ShortQuestion) and not q.answers)
    skipped = []
    if code:
        skipped.append((f"code questions: {name} has no question type that runs code", code))
    if patterns_only:
        skipped.append(
            (f"short questions with regex patterns only: {name} takes plain answers", patterns_only)
        )
    notes = []
    patterns = ids(lambda q: isinstance(q, models.ShortQuestion) and bool(q.patterns))
    kept = [p for p in patterns if p not in patterns_only]
    if kept:
        notes.append(
            f"regex patterns of {', '.join(kept)} are not exported (only the listed answers are)"
        )
    exported = [i for i in items if lms_exportable(i.question)]
    return ExportReport(exported, len(items) - len(exported), skipped, notes)


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


_ONE_PARAGRAPH = re.compile(r"<p>((?:(?!</?p>).)*)</p>", re.DOTALL)


class LmsText:
    """Bank Markdown as LMS HTML: math left as \\( \\) for the LMS's MathJax, and
    several languages wrapped in Moodle multilang spans (shown one at a time).

    Moodle's filter ends a language block at its first ``</span>``, so nothing inside
    one is a span; a one-paragraph text puts the spans inside its ``<p>`` (a span
    holding a paragraph is not valid HTML, which Moodle's HTML cleaner may rewrite).
    """

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
        rendered = [(lang, self.rich.html(source, inline=inline)) for lang, source in parts]
        if not self.multilang:
            # No multilang filter (Canvas): every language, one after the other.
            return (" / " if inline else "\n").join(h for _, h in rendered)
        inner = [(lang, _ONE_PARAGRAPH.fullmatch(h)) for lang, h in rendered]
        if not inline and all(m for _, m in inner):
            return f"<p>{multilang_spans([(lang, m.group(1)) for lang, m in inner if m])}</p>"
        return multilang_spans(rendered)

    def plain(self, text: Localized | None) -> str:
        """One line for names and titles: the languages joined by ' / '."""
        return " / ".join(re.sub(r"\s+", " ", s).strip() for _, s in self.variants(text))


def multilang_spans(parts: Sequence[tuple[str, str]]) -> str:
    """Adjacent language blocks as Moodle's multilang filter reads them."""
    return "".join(
        f'<span lang="{moodle_lang(lang)}" class="multilang">{html}</span>' for lang, html in parts
    )


def decimal_text(value: float) -> str:
    """A number as a plain decimal, never e-notation (GIFT parsers reject ``6.25e-05``)."""
    text = format(Decimal(f"{float(value):.10g}"), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text
