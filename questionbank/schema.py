"""The JSON Schema of bank files, and the field reference of docs/format.md.

Both are generated from the models in :mod:`questionbank.models`, so the schema an
editor checks against and the documentation can never drift from the loader.
"""

from __future__ import annotations

import json
from typing import Any, get_args

from pydantic import BaseModel, TypeAdapter
from pydantic.fields import FieldInfo

from questionbank import models

SCHEMA_ID = "https://qbank.invalid/schema/bank-file.json"


def bank_file_schema() -> dict[str, Any]:
    adapter: TypeAdapter[Any] = TypeAdapter(list[models.Question] | models.BankFile)
    schema = adapter.json_schema(by_alias=True)
    # A question may take its topic from the file's defaults, which a per-question
    # schema cannot see; the loader still insists on a topic.
    for definition in schema.get("$defs", {}).values():
        if "topic" in definition.get("required", []) and "type" in definition.get("properties", {}):
            definition["required"].remove("topic")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID
    schema["title"] = "qbank bank file"
    schema["description"] = (
        "A list of questions, or file-level defaults (topic, week, tags, difficulty, points, "
        "exam_only) plus `questions:`."
    )
    return schema


def schema_json() -> str:
    return json.dumps(bank_file_schema(), indent=2, ensure_ascii=False) + "\n"


_SECTIONS: list[tuple[str, type[BaseModel]]] = [
    ("Every question", models.QuestionBase),
    ("A choice (mcq, multi)", models.Choice),
    ("mcq and multi", models.ChoiceQuestion),
    ("tf", models.TrueFalseQuestion),
    ("numeric", models.NumericQuestion),
    ("short", models.ShortQuestion),
    ("code", models.CodeQuestion),
    ("A code case", models.CodeCase),
    ("A file (mapping form)", models.BankFile),
    ("The bank's settings (_bank.yaml)", models.BankConfig),
]


def _type_name(info: FieldInfo) -> str:
    text = str(info.annotation).replace("typing.", "").replace("questionbank.models.", "")
    text = text.replace("typing_extensions.", "").replace("NoneType", "null")
    if "Annotated[" in text or len(text) > 40:
        args = get_args(info.annotation)
        return "see description" if args else text
    return text


def field_reference() -> str:
    """Markdown tables of every field, from the models' own descriptions."""
    lines: list[str] = []
    for title, model in _SECTIONS:
        base_fields = models.QuestionBase.model_fields if model is not models.QuestionBase else {}
        lines += [f"### {title}", "", "| key | required | default | meaning |", "|---|---|---|---|"]
        for name, info in model.model_fields.items():
            if name in base_fields or (model is models.ChoiceQuestion and name == "type"):
                continue
            key = info.alias or name
            required = "yes" if info.is_required() and key != "topic" else ""
            if info.is_required():
                default = ""
            elif info.default_factory is not None:
                default = "empty"
            else:
                default = json.dumps(info.default, ensure_ascii=False)
            description = (info.description or "").replace("|", "\\|")
            lines.append(f"| `{key}` | {required} | {default} | {description} |")
        lines.append("")
    return "\n".join(lines)
