"""The bank's file format, as pydantic models.

These classes are the contract with instructors: each field's description is what
``qbank schema`` and docs/format.md show. Structure and types are checked here;
rules that span fields or files (exactly one correct choice, unique ids, references
that exist, parametric answers that are defined) live in :mod:`questionbank.checks`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    field_validator,
)

ID_PATTERN = r"^[a-z0-9][a-z0-9_.-]*$"
QUESTION_TYPES = ("mcq", "multi", "tf", "numeric", "short", "code")

LangTag = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$"),
    Field(description="A BCP 47 language tag such as en or zh-TW."),
]
LocalizedText = Annotated[
    str | dict[LangTag, str],
    Field(
        description=(
            "Markdown text with LaTeX math in $…$ and $$…$$: either one string used for "
            "every language, or a mapping from language tag (en, zh-TW, …) to string."
        )
    ),
]


class Strict(BaseModel):
    """Unknown keys are errors: a typo such as `anwser:` must not pass silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class IntParam(Strict):
    bounds: tuple[int, int] = Field(
        alias="int", description="[lo, hi]: a whole number drawn uniformly from lo to hi inclusive."
    )


class FloatParam(Strict):
    bounds: tuple[float, float, Annotated[int, Field(ge=0, le=12)]] = Field(
        alias="float",
        description="[lo, hi, decimals]: a number drawn uniformly from lo to hi, rounded.",
    )


class ChoiceParam(Strict):
    values: list[Any] = Field(
        alias="choice",
        min_length=1,
        description=(
            "[v1, v2, …]: one of the listed values (numbers, strings or mappings; "
            "a mapping's keys are read in expressions as `name.key`)."
        ),
    )


def _kind_of(keys: tuple[str, ...]) -> Any:
    """A discriminator that picks a union member by the one key the input has."""

    def pick(value: Any) -> str | None:
        if isinstance(value, dict):
            present = [k for k in keys if k in value]
            return present[0] if len(present) == 1 else None
        if isinstance(value, BaseModel):
            # A built model: its fields carry the keys as aliases (`int` is `bounds`).
            names = {f.alias or n for n, f in type(value).model_fields.items()}
            return next((k for k in keys if k in names), None)
        return None

    return pick


ParamSpec = Annotated[
    Annotated[IntParam, Tag("int")]
    | Annotated[FloatParam, Tag("float")]
    | Annotated[ChoiceParam, Tag("choice")],
    Discriminator(
        _kind_of(("int", "float", "choice")),
        custom_error_type="param_kind",
        custom_error_message="expected a mapping with exactly one of the keys int, float, choice",
    ),
    Field(description="A generator for one parameter: {int: …}, {float: …} or {choice: …}."),
]


class Choice(Strict):
    text: LocalizedText = Field(description="What the choice says.")
    correct: bool = Field(default=False, description="Whether choosing it is right.")
    feedback: LocalizedText | None = Field(
        default=None, description="Shown to a student who picks this choice."
    )
    pinned: bool = Field(
        default=False,
        description=(
            "Keep this choice at its position when choices are shuffled. Choices reading "
            "'All of the above', 'None of the above', '以上皆是' or '以上皆非' are pinned "
            "automatically and always placed last."
        ),
    )


class QuestionBase(Strict):
    id: Annotated[str, StringConstraints(pattern=ID_PATTERN)] = Field(
        description="Unique in the whole bank: lower-case letters, digits, '_', '.', '-'."
    )
    topic: Annotated[str, StringConstraints(min_length=1)] = Field(
        description="The course topic, e.g. ml, cnn, optim (may be set once per file)."
    )
    week: Annotated[int, Field(ge=1, le=53)] | None = Field(
        default=None, description="The syllabus week the question belongs to."
    )
    points: Annotated[float, Field(gt=0)] = Field(default=1, description="Marks for a full answer.")
    difficulty: Annotated[int, Field(ge=1, le=5)] = Field(
        default=3, description="1 (easy) to 5 (hard), the author's estimate."
    )
    tags: list[str] = Field(default_factory=list, description="Free keywords for filtering.")
    source: str | None = Field(
        default=None, description="Where the question comes from (slide, exam, book)."
    )
    prompt: LocalizedText = Field(description="The question itself.")
    explanation: LocalizedText | None = Field(
        default=None, description="Shown after answering: why the answer is right."
    )
    hint: LocalizedText | None = Field(default=None, description="Shown on request in practice.")
    exam_only: bool = Field(
        default=False, description="Keep this question out of student practice bundles."
    )
    group: Annotated[str, StringConstraints(pattern=ID_PATTERN)] | None = Field(
        default=None,
        description=(
            "Questions sharing a group are never on the same paper: near-duplicates, or "
            "items that give each other away. A paper draws at most one question per group."
        ),
    )
    params: dict[
        Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")], ParamSpec
    ] = Field(
        default_factory=dict,
        description=(
            "Parameters drawn per instance; when present, every text of the question is "
            "a jinja2 template over them and `answer` may be an expression."
        ),
    )

    @property
    def parametric(self) -> bool:
        return bool(self.params)


class ChoiceQuestion(QuestionBase):
    choices: list[Choice] = Field(min_length=2, description="The options, in the author's order.")
    shuffle: bool = Field(
        default=True, description="Whether papers and quizzes may reorder the choices."
    )


class McqQuestion(ChoiceQuestion):
    """Multiple choice with exactly one correct choice."""

    type: Literal["mcq"] = Field(description="Multiple choice, one correct answer.")


class MultiQuestion(ChoiceQuestion):
    """Multiple response: one or more correct choices, partial credit."""

    type: Literal["multi"] = Field(
        description=(
            "Multiple response. Score = points × max(0, (correct picks − wrong picks) / "
            "number of correct choices)."
        )
    )


class TrueFalseQuestion(QuestionBase):
    type: Literal["tf"] = Field(description="True or false.")
    answer: bool = Field(description="Whether the statement is true.")


class AbsTolerance(Strict):
    abs: Annotated[float, Field(ge=0)] = Field(description="Accept |given − answer| ≤ abs.")


class RelTolerance(Strict):
    rel: Annotated[float, Field(ge=0)] = Field(
        description="Accept |given − answer| ≤ rel × |answer|."
    )


class NumericQuestion(QuestionBase):
    type: Literal["numeric"] = Field(description="A number, within a tolerance.")
    answer: float | str = Field(
        description=(
            "The number, or an expression over the params (+ - * / // % **, sqrt, exp, log, "
            "log2, log10, floor, ceil, min, max, abs, round, sum, pi, e)."
        )
    )
    tolerance: (
        Annotated[
            Annotated[AbsTolerance, Tag("abs")] | Annotated[RelTolerance, Tag("rel")],
            Discriminator(
                _kind_of(("abs", "rel")),
                custom_error_type="tolerance_kind",
                custom_error_message="expected a mapping with exactly one of the keys abs, rel",
            ),
        ]
        | None
    ) = Field(default=None, description="How far a given answer may be off; omitted means exact.")
    unit: str | None = Field(default=None, description="Printed after the answer box.")

    @field_validator("answer", mode="before")
    @classmethod
    def _no_bool(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("expected a number or an expression, not a boolean")
        return value


class ShortQuestion(QuestionBase):
    type: Literal["short"] = Field(description="A short typed answer.")
    answers: list[str] = Field(
        default_factory=list,
        description="Accepted answers, compared ignoring case and extra spaces.",
    )
    patterns: list[str] = Field(
        default_factory=list,
        description="Accepted regular expressions (full match, case-insensitive).",
    )

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(
                    f"pattern {pattern!r} is not a valid regular expression: {exc}"
                ) from exc
        return patterns


ArgType = Literal["float64", "int64", "bool", "raw"]


class CodeTolerance(Strict):
    rtol: Annotated[float, Field(ge=0)] = Field(default=1e-6, description="Relative tolerance.")
    atol: Annotated[float, Field(ge=0)] = Field(default=1e-9, description="Absolute tolerance.")


class CodeCase(Strict):
    name: Annotated[str, StringConstraints(min_length=1)] = Field(
        description="Shown to the student (for hidden cases, only this and the verdict)."
    )
    args: dict[str, Any] | None = Field(
        default=None,
        description="Keyword arguments as literal YAML; numeric lists become float64 arrays.",
    )
    generate: str | None = Field(
        default=None,
        description="'graders/<file>.py:<function>': a trusted (numpy Generator) -> kwargs maker.",
    )
    seed: int | None = Field(default=None, description="The generator's seed.")
    points: Annotated[float, Field(ge=0)] = Field(default=1, description="Marks for this case.")
    hidden: bool = Field(default=False, description="Hide inputs and expected values.")
    expected: Any = Field(
        default=None,
        description=(
            "Precomputed expected value (only in student bundles; banks use `reference`); "
            "a tuple result is written as {__tuple__: [...]}."
        ),
    )
    tolerance: CodeTolerance | None = Field(
        default=None, description="Overrides the task's tolerance for this case."
    )


ReturnKind = Literal[
    "int",
    "float",
    "bool",
    "tuple",
    "ndarray",
    "ndarray[float64]",
    "ndarray[int64]",
    "ndarray[bool]",
    "ndarray[float]",
    "ndarray[int]",
]


class CodeQuestion(QuestionBase):
    type: Literal["code"] = Field(description="A NumPy function graded in a sandbox.")
    function: Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")] = Field(
        description="The name the student must define."
    )
    signature: str = Field(description="The function's signature, as shown to students.")
    starter: str = Field(description="The code students start from.")
    reference: str | None = Field(
        default=None,
        description=(
            "'graders/<file>.py:<function>': the trusted reference that computes expected "
            "values, relative to the folder holding bank/."
        ),
    )
    tolerance: CodeTolerance = Field(
        default_factory=CodeTolerance, description="How close outputs must be."
    )
    timeout: Annotated[float, Field(gt=0, le=600)] = Field(
        default=2.0, description="Wall-clock seconds allowed per case."
    )
    arg_types: dict[str, ArgType] = Field(
        default_factory=dict,
        description=(
            "How to convert literal arguments: float64 (the default for numbers), int64, "
            "bool, or raw (passed as written)."
        ),
    )
    returns: ReturnKind | None = Field(
        default=None,
        description=(
            "What the function must return, checked on every case after its values: int, "
            "float, bool, tuple, ndarray, or ndarray[DTYPE] (float64, int64, bool, or float / "
            "int for any width). A wrong kind fails the case with a message saying what was "
            "returned and what the task asks for."
        ),
    )
    inputs_readonly: bool = Field(
        default=False,
        description=(
            "The task says the function must not modify its inputs: after each call the "
            "inputs are compared with what was passed, and a change fails the case."
        ),
    )
    cases: list[CodeCase] = Field(min_length=1, description="The test cases.")


Question = Annotated[
    McqQuestion
    | MultiQuestion
    | TrueFalseQuestion
    | NumericQuestion
    | ShortQuestion
    | CodeQuestion,
    Field(discriminator="type"),
]
AnyQuestion = (
    McqQuestion | MultiQuestion | TrueFalseQuestion | NumericQuestion | ShortQuestion | CodeQuestion
)

# Keys a file may set once for all its questions.
FILE_DEFAULT_KEYS = ("topic", "week", "tags", "difficulty", "points", "exam_only")


class BankFile(Strict):
    """A bank file: either a list of questions, or these defaults plus `questions`."""

    topic: str | None = Field(default=None, description="Default topic of the file's questions.")
    week: Annotated[int, Field(ge=1, le=53)] | None = Field(
        default=None, description="Default week."
    )
    tags: list[str] = Field(default_factory=list, description="Tags added to every question.")
    difficulty: Annotated[int, Field(ge=1, le=5)] | None = Field(
        default=None, description="Default difficulty."
    )
    points: Annotated[float, Field(gt=0)] | None = Field(
        default=None, description="Default points."
    )
    exam_only: bool | None = Field(default=None, description="Default exam_only.")
    questions: list[Question] = Field(description="The questions.")


class BankConfig(Strict):
    """The bank's own settings: the optional file `_bank.yaml` in the bank folder."""

    languages: list[LangTag] | None = Field(
        default=None,
        min_length=1,
        description=(
            "The languages every localized text must have, e.g. [zh-TW, en]. A mapping "
            "missing one, or with any other tag, is an error; a plain string (for "
            "language-neutral text such as code or `Adam`) is always allowed. Omitted: "
            "any tags are accepted."
        ),
    )
