"""The JSON Schema and docs/format.md are generated from the models and stay current."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest
import yaml

from questionbank.bank import bank_files
from questionbank.schema import bank_file_schema, field_reference
from tests.conftest import FIXTURES

ROOT = Path(__file__).parent.parent
VALIDATOR = jsonschema.Draft202012Validator(bank_file_schema())
BANK_FILES = bank_files([ROOT / "bank"]) + bank_files([FIXTURES / "tiny_bank"])


def test_schema_itself_is_valid() -> None:
    jsonschema.Draft202012Validator.check_schema(bank_file_schema())


@pytest.mark.parametrize("path", BANK_FILES, ids=[p.name for p in BANK_FILES])
def test_bank_files_validate_against_the_schema(path: Path) -> None:
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(data)]
    assert errors == []


def test_schema_refuses_a_misspelt_key() -> None:
    data = [{"id": "q1", "type": "tf", "topic": "ml", "prompt": "P", "anwser": True}]
    assert not VALIDATOR.is_valid(data)


def test_docs_field_reference_is_current() -> None:
    text = (ROOT / "docs" / "format.md").read_text(encoding="utf-8")
    section = text.split("<!-- generated: start -->\n", 1)[1].split("<!-- generated: end -->", 1)[0]
    assert section == field_reference(), "regenerate: see docs/format.md, 'Field reference'"
