"""What a command picks from the bank: --topic and --type names checked against it, and the
language a terminal speaks. Kept apart from the quiz session, so that `list`, `show` and
`practice` do not load the quiz machinery (and rich's console) to use them."""

from __future__ import annotations

import os
from collections.abc import Sequence

from questionbank import models
from questionbank.diagnostics import suggest
from questionbank.errors import QbankError


def default_lang(environ: dict[str, str] | None = None) -> str:
    """zh-TW when the locale is Chinese (LC_ALL, LC_MESSAGES, LANG), else en."""
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name)
        if value:
            return "zh-TW" if value.lower().startswith("zh") else "en"
    return "en"


def check_names(
    questions: Sequence[models.AnyQuestion], *, topics: Sequence[str], types: Sequence[str] = ()
) -> None:
    """An unknown --topic or --type is an error naming the close match, not an empty list."""
    known = sorted({q.topic for q in questions})
    for topic in topics:
        if topic not in known:
            raise QbankError(
                f"--topic '{topic}': no question has this topic{suggest(topic, known)}; "
                f"topics in the bank: {', '.join(known)}"
            )
    for kind in types:
        if kind not in models.QUESTION_TYPES:
            raise QbankError(
                f"--type '{kind}': no such question type{suggest(kind, models.QUESTION_TYPES)}; "
                f"types: {', '.join(models.QUESTION_TYPES)}"
            )
