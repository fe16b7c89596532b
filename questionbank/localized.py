"""A text in one language or several (``{"en": ..., "zh-TW": ...}``), and picking one: a leaf
module, so that terminal text can use it without loading the template engine."""

from __future__ import annotations

Localized = str | dict[str, str]


def pick(text: Localized | None, lang: str, *, fallback: str = "en") -> str:
    """The text in ``lang``, else in ``fallback``, else in whichever language it has."""
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    for candidate in (lang, fallback):
        if candidate in text:
            return text[candidate]
    return next(iter(text.values()), "")
