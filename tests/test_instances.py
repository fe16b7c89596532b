"""Parametric determinism, pinned choices, and the safety of expressions."""

from __future__ import annotations

import random
from typing import Any

import pytest

from questionbank import models
from questionbank.bank import load_bank
from questionbank.instance import arrange_choices, instantiate
from questionbank.localized import pick
from questionbank.params import ExpressionError, ParamEngine
from tests.conftest import FIXTURES

BANK = load_bank(FIXTURES / "tiny_bank")


def test_same_seed_gives_the_same_instance() -> None:
    q = BANK.get("acc-param")
    first, again = instantiate(q, 7), instantiate(q, 7, engine=ParamEngine())
    assert first.params == again.params
    assert first.prompt == again.prompt
    assert first.answer == again.answer


def test_other_seeds_give_other_values() -> None:
    q = BANK.get("acc-param")
    params = {tuple(instantiate(q, seed).params.values()) for seed in range(30)}
    assert len(params) > 20


def test_parametric_answer_and_texts_follow_the_params() -> None:
    inst = instantiate(BANK.get("acc-param"), 3)
    p = inst.params
    assert inst.answer == pytest.approx(
        (p["tp"] + p["tn"]) / (p["tp"] + p["tn"] + p["fp"] + p["fn"])
    )
    assert f"TP = {p['tp']}," in pick(inst.prompt, "en")
    assert f"TN = {p['tn']}、" in pick(inst.prompt, "zh-TW")


def test_all_of_the_above_is_moved_last_and_pinned_choices_stay_put() -> None:
    q = BANK.get("overfit-all")
    for seed in range(100):
        inst = instantiate(q, seed, shuffle_rng=random.Random(seed))
        texts = [pick(c.text, "en") for c in inst.choices]
        assert texts[-1] == "All of the above."
        assert inst.choices[-1].correct
        assert texts[2] == "To dropout."  # pinned at its position among the others


def test_shuffling_really_moves_unpinned_choices() -> None:
    q = BANK.get("ml-not-supervised")
    orders = {
        tuple(c.index for c in instantiate(q, 0, shuffle_rng=random.Random(s)).choices)
        for s in range(50)
    }
    assert len(orders) > 10


def test_arrange_without_rng_keeps_author_order_except_auto_last() -> None:
    q = BANK.get("overfit-all")
    assert isinstance(q, models.McqQuestion)
    inst = instantiate(q, 0)
    assert [c.index for c in arrange_choices(list(inst.choices), None)] == [1, 2, 3, 0]


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("().__class__.__base__.__subclasses__()", "SecurityError"),
        ("n.__class__", "unknown or unsafe attribute"),
        ("lipsum.__globals__", "is undefined"),
        ("open('/etc/passwd')", "is undefined"),
        ("1 / (n - n)", "ZeroDivisionError"),
    ],
    ids=["subclasses-walk", "dunder-attribute", "jinja-globals", "open-file", "division-by-zero"],
)
def test_expressions_cannot_escape_the_sandbox(expression: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=message):
        ParamEngine().evaluate(expression, {"n": 1})


def test_float_params_never_show_negative_zero() -> None:
    q = models.NumericQuestion.model_validate(
        {
            "id": "z",
            "type": "numeric",
            "topic": "t",
            "prompt": "{{ x }}",
            "answer": "x",
            "params": {"x": {"float": [-0.004, 0.004, 2]}},
        }
    )
    drawn = {str(ParamEngine().draw(q, seed)["x"]) for seed in range(50)}
    assert drawn == {"0.0"}


def test_math_helpers_are_available() -> None:
    engine = ParamEngine()
    assert engine.evaluate("log2(8) + sqrt(16) + max(1, 2)", {}) == 9


def test_exhaustive_check_covers_every_combination() -> None:
    q = BANK.get("acc-param")
    combos = list(ParamEngine().combinations(q, 10_000) or [])
    assert len(combos) == 5 * 11 * 4 * 4


@pytest.mark.parametrize(
    ("choices", "expected"),
    [
        (["0.235", "0.3775", "1.0099"], ["0.2350", "0.3775", "1.0099"]),
        (["$0.5$", "$0.25$", "1"], ["$0.50$", "$0.25$", "1"]),
        (
            [{"en": "0.5 s", "zh-TW": "0.5 秒"}, "0.125"],
            [{"en": "0.5 s", "zh-TW": "0.5 秒"}, "0.125"],
        ),
        (["v1.2.3", "x0.5", "0.5"], ["v1.2.3", "x0.5", "0.5"]),
    ],
    ids=["key-shorter-than-the-rest", "whole-numbers-untouched", "per-language", "not-numbers"],
)
def test_choices_get_even_decimals(choices: list[Any], expected: list[Any]) -> None:
    from questionbank.instance import even_decimals

    assert even_decimals(choices) == expected


def test_no_parametric_key_stands_out_by_its_decimals() -> None:
    """Issue 11: "0.235" among "0.3775 / 1.0099 / 0.6225" gave the key away."""
    import re
    from pathlib import Path

    from questionbank.bank import load_bank

    bank = load_bank(Path(__file__).resolve().parent.parent / "bank", check=False)
    decimals = re.compile(r"(?<![\w.])\d+\.(\d+)(?![\w.])")
    checked = 0
    for q in bank:
        if not (q.params and isinstance(q, models.ChoiceQuestion)):
            continue
        for seed in range(20):
            inst = instantiate(q, seed)
            for lang in ("en", "zh-TW"):
                widths = {
                    len(m.group(1))
                    for c in inst.choices
                    for m in decimals.finditer(pick(c.text, lang))
                }
                assert len(widths) <= 1, (
                    q.id,
                    seed,
                    lang,
                    [pick(c.text, lang) for c in inst.choices],
                )
                checked += 1
    assert checked > 100


def test_compiled_templates_are_kept_on_disk_and_damage_is_ignored(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The subset's shortcut would bypass jinja2 and its cache for these texts.
    first = ParamEngine(code_cache=tmp_path, subset=False)
    assert first.render("x = {{ n * 2 }}", {"n": 3}) == "x = 6"
    assert first.evaluate("n / 4", {"n": 2}) == 0.5
    files = sorted(tmp_path.rglob("*.code"))
    assert len(files) == 2

    second = ParamEngine(code_cache=tmp_path, subset=False)

    def refuse(*args: object, **kwargs: object) -> object:
        raise AssertionError("compiled again although the code was cached")

    monkeypatch.setattr(second.env, "compile", refuse)
    assert second.render("x = {{ n * 2 }}", {"n": 5}) == "x = 10"
    assert second.evaluate("n / 4", {"n": 1}) == 0.25
    # The sandbox's checks are in the cached code too.
    with pytest.raises(ExpressionError, match="unsafe"):
        first.evaluate("n.__class__", {"n": 1})
    with pytest.raises(ExpressionError, match="unsafe"):
        second.evaluate("n.__class__", {"n": 1})  # from the disk: compile is refused
    files = sorted(tmp_path.rglob("*.code"))

    for path in files:
        path.write_bytes(b"not marshal data")
    third = ParamEngine(code_cache=tmp_path, subset=False)
    assert third.render("x = {{ n * 2 }}", {"n": 1}) == "x = 2"
    assert third.evaluate("n / 4", {"n": 4}) == 1.0


def test_a_syntax_error_is_never_cached(tmp_path: Any) -> None:
    for _ in range(2):
        with pytest.raises(ExpressionError, match="template syntax error"):
            ParamEngine(code_cache=tmp_path).render("{{ n }", {"n": 1})
    assert not list(tmp_path.rglob("*.code"))
