"""Validate stage, the light part: a question's texts by path, and the warnings
`qbank validate` gives about texts that are valid but print badly.

Nothing here renders templates, so it costs no jinja2 import.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from questionbank import models
from questionbank.bank import Entry
from questionbank.errors import Problem


def text_fields(q: models.AnyQuestion) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Every text of a question as (path in the file, template), one per language."""
    fields: list[tuple[tuple[str | int, ...], models.LocalizedText | None]] = [
        (("prompt",), q.prompt),
        (("explanation",), q.explanation),
        (("hint",), q.hint),
    ]
    if isinstance(q, models.ChoiceQuestion):
        for i, choice in enumerate(q.choices):
            fields.append((("choices", i, "text"), choice.text))
            fields.append((("choices", i, "feedback"), choice.feedback))
    for path, text in fields:
        if isinstance(text, str):
            yield path, text
        elif text is not None:
            for lang, value in text.items():
                yield (*path, lang), value


def label(path: tuple[str | int, ...]) -> str:
    """('choices', 2, 'text', 'en') -> 'choices[2].text.en', as the other messages name keys."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def text_at(q: models.AnyQuestion, path: tuple[str | int, ...]) -> Any:
    node: Any = q
    for part in path:
        node = node[part] if isinstance(part, int) else getattr(node, str(part))
    return node


def bilingual_warnings(entries: Iterable[Entry]) -> Iterator[Problem]:
    """Texts whose translation already contains the English text: a bilingual paper
    prints 'False Positive (FP)' twice ("偽陽性 False Positive (FP) / False Positive (FP)").
    Warnings, not errors: the text is still usable."""
    for entry in entries:
        q = entry.question
        fields = {path[:-1] for path, _ in text_fields(q) if len(path) > 1}
        for field in sorted(fields, key=label):
            text = text_at(q, field)
            english = text.get("en", "").strip() if isinstance(text, dict) else ""
            if not english:
                continue
            for lang, other in text.items():
                if lang != "en" and english in other and other.strip() != english:
                    yield Problem(
                        entry.location(*field, lang),
                        f"warning: {q.type} '{q.id}': {label(field)}: the {lang} text "
                        f"{other.strip()!r} already contains the en text {english!r}, so a "
                        f"bilingual paper prints it twice (keep the English out of {lang}, "
                        "or write one plain string for both)",
                    )
