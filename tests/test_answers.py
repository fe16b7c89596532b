"""Parsing and scoring typed answers, apart from any display."""

from __future__ import annotations

import pytest

from questionbank import models
from questionbank.answers import AnswerError, parse, parse_flag, parse_letters, parse_number, score
from questionbank.instance import instantiate
from tests.practice_helpers import fixture_bank


@pytest.fixture(scope="module")
def bank():  # type: ignore[no-untyped-def]
    return fixture_bank()


@pytest.mark.parametrize(
    ("text", "count", "single", "expected"),
    [
        ("b", 4, True, (1,)),
        ("B", 4, True, (1,)),
        (" (c) ", 4, True, (2,)),
        ("ｄ", 4, True, (3,)),
        ("a,c", 4, False, (0, 2)),
        ("C A", 4, False, (0, 2)),
        ("ac", 4, False, (0, 2)),
        ("a，c", 4, False, (0, 2)),
        ("a,a", 4, False, (0,)),
    ],
    ids=[
        "lower",
        "upper",
        "bracketed",
        "full-width",
        "comma",
        "space-unordered",
        "joined",
        "full-width-comma",
        "repeated",
    ],
)
def test_letters_read(text: str, count: int, single: bool, expected: tuple[int, ...]) -> None:
    assert parse_letters(text, count, single=single) == expected


@pytest.mark.parametrize(
    ("text", "count", "single", "message"),
    [
        ("e", 4, True, "'e' is not one of the choices; expected a letter from A to D"),
        ("", 3, True, "expected a letter from A to C"),
        ("ab", 4, True, "'ab' picks 2 choices; expected one letter"),
        ("1", 4, True, "'1' is not one of the choices; expected a letter from A to D"),
        ("a,z", 5, False, "'z' is not one of the choices; expected letters from A to E, e.g. A,C"),
        ("對", 4, True, "'對' is not one of the choices; expected a letter from A to D"),
    ],
    ids=["beyond-last", "empty", "two-for-mcq", "digit", "multi-beyond", "cjk"],
)
def test_letters_refused(text: str, count: int, single: bool, message: str) -> None:
    with pytest.raises(AnswerError) as caught:
        parse_letters(text, count, single=single)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("t", True),
        ("True", True),
        ("對", True),
        ("是", True),
        ("f", False),
        ("FALSE", False),
        ("錯", False),
        ("否", False),
        (" f. ", False),
    ],
    ids=["t", "True", "dui", "shi", "f", "FALSE", "cuo", "fou", "padded"],
)
def test_flags_read(text: str, expected: bool) -> None:
    assert parse_flag(text) is expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("maybe", "'maybe' is not true or false; expected t or f (對 or 錯)"),
        ("", "'' is not true or false; expected t or f (對 or 錯)"),
        ("tf", "'tf' is not true or false; expected t or f (對 or 錯)"),
    ],
    ids=["word", "empty", "both"],
)
def test_flags_refused(text: str, message: str) -> None:
    with pytest.raises(AnswerError) as caught:
        parse_flag(text)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("text", "unit", "expected"),
    [
        ("0.91", None, 0.91),
        (".91", None, 0.91),
        ("91%", None, 0.91),
        ("91 %", None, 0.91),
        ("91%", "%", 91.0),
        ("-2", None, -2.0),
        ("−2", None, -2.0),
        ("1,024", None, 1024.0),
        ("101,770", None, 101770.0),
        ("1e-3", None, 0.001),
        ("3/4", None, 0.75),
        ("０.５", None, 0.5),
        ("12 ms", "ms", 12.0),
        ("784.", None, 784.0),
    ],
    ids=[
        "plain",
        "leading-dot",
        "percent",
        "percent-spaced",
        "percent-unit",
        "negative",
        "unicode-minus",
        "thousands",
        "thousands-6",
        "exponent",
        "fraction",
        "full-width",
        "unit-suffix",
        "trailing-dot",
    ],
)
def test_numbers_read(text: str, unit: str | None, expected: float) -> None:
    assert parse_number(text, unit=unit) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc", "'abc' is not a number; expected e.g. 0.91, .91, 91% or 3/4"),
        ("", "'(nothing)' is not a number; expected e.g. 0.91, .91, 91% or 3/4"),
        ("1/0", "'1/0' is not a number; expected e.g. 0.91, .91, 91% or 3/4"),
        (
            "1,2",
            "'1,2' is ambiguous: is the comma a decimal point or a thousands separator? "
            "Write 1.2 for a decimal; a comma only groups thousands, as in 1,024",
        ),
        (
            "0,971",
            "'0,971' is ambiguous: is the comma a decimal point or a thousands separator? "
            "Write 0.971 for a decimal; a comma only groups thousands, as in 1,024",
        ),
        ("1,2,3", "'1,2,3' is not a number; expected e.g. 0.91, .91, 91% or 3/4"),
        ("inf", "'inf' is not a number; expected e.g. 0.91, .91, 91% or 3/4"),
        ("nan", "'nan' is not a number; expected e.g. 0.91, .91, 91% or 3/4"),
        ("0.9.1", "'0.9.1' is not a number; expected e.g. 0.91, .91, 91% or 3/4"),
    ],
    ids=[
        "word",
        "empty",
        "division-by-zero",
        "decimal-comma",
        "comma-or-thousands",
        "two-commas",
        "inf",
        "nan",
        "two-dots",
    ],
)
def test_numbers_refused(text: str, message: str) -> None:
    with pytest.raises(AnswerError) as caught:
        parse_number(text)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("picks", "fraction"),
    [("a,c", 1.0), ("a", 0.5), ("a,b", 0.0), ("a,b,c", 0.5), ("b,d", 0.0), ("a,b,c,d", 0.0)],
    ids=["both-right", "one-right", "one-each", "two-right-one-wrong", "all-wrong", "everything"],
)
def test_multi_partial_credit(bank, picks: str, fraction: float) -> None:  # type: ignore[no-untyped-def]
    inst = instantiate(bank.get("fx-multi-supervised"))  # A and C are right, unshuffled
    assert score(inst, parse(inst, picks)).fraction == pytest.approx(fraction)


def test_numeric_tolerance_and_percent(bank) -> None:  # type: ignore[no-untyped-def]
    inst = instantiate(bank.get("fx-numeric-accuracy"), 5)
    answer = inst.answer
    assert score(inst, parse(inst, f"{answer + 0.004:.6f}")).correct
    assert not score(inst, parse(inst, f"{answer + 0.006:.6f}")).correct
    assert score(inst, parse(inst, f"{answer * 100:.3f}%")).correct


@pytest.mark.parametrize(
    ("text", "correct"),
    [
        ("softmax", True),
        ("  SoftMax ", True),
        ("soft-max", True),
        ("Soft max function", True),
        ("ｓｏｆｔｍａｘ", True),
        ("sigmoid", False),
        ("softmaxx", False),
    ],
    ids=["exact", "case-space", "hyphen-pattern", "pattern-suffix", "full-width", "other", "typo"],
)
def test_short_answers(bank, text: str, correct: bool) -> None:  # type: ignore[no-untyped-def]
    inst = instantiate(bank.get("fx-short-softmax"))
    assert score(inst, parse(inst, text)).correct is correct


def test_short_refuses_blank(bank) -> None:  # type: ignore[no-untyped-def]
    inst = instantiate(bank.get("fx-short-softmax"))
    with pytest.raises(AnswerError, match=r"^expected an answer \(or s to skip\)$"):
        parse(inst, "   ")


def test_code_questions_are_not_quizzed(bank) -> None:  # type: ignore[no-untyped-def]
    q = bank.get("fx-code-scale")
    assert isinstance(q, models.CodeQuestion)
    with pytest.raises(AnswerError, match="code questions cannot be answered in a quiz"):
        parse(instantiate(q), "x")


@pytest.mark.parametrize(
    ("parse_call", "en", "zh"),
    [
        (
            lambda: parse_letters("e", 4, single=True),
            "'e' is not one of the choices; expected a letter from A to D",
            "「e」不是選項之一；請輸入 A 到 D 之間的一個字母",
        ),
        (
            lambda: parse_letters("", 3, single=False),
            "expected letters from A to C, e.g. A,C",
            "請輸入 A 到 C 之間的字母，例如 A,C",
        ),
        (
            lambda: parse_letters("ab", 4, single=True),
            "'ab' picks 2 choices; expected one letter",
            "「ab」選了 2 個選項；這題只能選一個字母",
        ),
        (
            lambda: parse_flag("也許"),
            "'也許' is not true or false; expected t or f (對 or 錯)",
            "「也許」不是對或錯；請輸入 t 或 f(對或錯)",
        ),
        (
            lambda: parse_number("七"),
            "'七' is not a number; expected e.g. 0.91, .91, 91% or 3/4",
            "「七」不是數字；請輸入例如 0.91、.91、91% 或 3/4",
        ),
    ],
    ids=["not-a-choice", "no-letters", "too-many", "not-flag", "not-number"],
)
def test_messages_in_each_language(parse_call, en: str, zh: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(AnswerError) as caught:
        parse_call()
    assert caught.value.message("en") == str(caught.value) == en
    assert caught.value.message("zh-TW") == zh
    assert caught.value.message("both") == f"{en} / {zh}"
