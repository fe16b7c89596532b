"""Load stage: the bank's own settings, read from ``_bank.yaml`` in the bank folder.

The file is optional; a bank without it accepts any language tags, as before it existed.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from questionbank.errors import Problem
from questionbank.models import BankConfig

CONFIG_NAME = "_bank.yaml"


def config_path(folder: Path) -> Path:
    return folder / CONFIG_NAME


def load_config(folder: Path) -> tuple[BankConfig, list[Problem]]:
    """The settings of the bank in ``folder`` (defaults when it has no _bank.yaml)."""
    from questionbank.diagnostics import question_problems
    from questionbank.paths import display
    from questionbank.yamlsource import load_yaml

    path = config_path(folder)
    if not path.is_file():
        return BankConfig(), []
    name = display(path)
    data, problems = load_yaml(path, name)
    if problems or data is None:
        return BankConfig(), problems
    try:
        return BankConfig.model_validate(data), []
    except ValidationError as exc:
        return BankConfig(), question_problems(exc, data, name, what="bank settings")
