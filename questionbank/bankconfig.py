"""Load stage: the bank's own settings, read from ``_bank.yaml`` in the bank folder.

The file is optional; a bank without it accepts any language tags, as before it existed.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from questionbank.errors import Location, Problem
from questionbank.models import BankConfig

CONFIG_NAME = "_bank.yaml"


def config_path(folder: Path) -> Path:
    return folder / CONFIG_NAME


def load_config(folder: Path) -> tuple[BankConfig, list[Problem]]:
    """The settings of the bank in ``folder`` (defaults when it has no _bank.yaml)."""
    from questionbank.diagnostics import question_problems, suggest
    from questionbank.paths import display
    from questionbank.yamlsource import MarkedMap, load_yaml

    path = config_path(folder)
    if not path.is_file():
        return BankConfig(), []
    name = display(path)
    data, problems = load_yaml(path, name)
    if problems or data is None:
        return BankConfig(), problems
    if not isinstance(data, MarkedMap):
        return BankConfig(), [Problem(Location(name, 1, 1), "bank settings must be a mapping")]
    allowed = [f.alias or n for n, f in BankConfig.model_fields.items()]
    unknown = [
        Problem(
            Location(name, *data.key_marks[key]),
            f"bank settings: unknown key '{key}'"
            f"{suggest(str(key), allowed) or '; expected one of: ' + ', '.join(allowed)}",
        )
        for key in data
        if key not in allowed
    ]
    known = {k: v for k, v in data.items() if k in allowed}
    try:
        return BankConfig.model_validate(known), unknown
    except ValidationError as exc:
        return BankConfig(), unknown + question_problems(exc, data, name, what="bank settings")
