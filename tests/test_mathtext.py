from __future__ import annotations

import pytest

from questionbank.mathtext import math_to_text, readable

FORMULAS = [
    (r"\sigma(x)(1-\sigma(x))", "σ(x)(1−σ(x))"),
    (r"\sum_{i=1}^n (y_i - \hat{y}_i)^2", "∑ᵢ₌₁ⁿ (yᵢ − ŷᵢ)²"),
    (r"\frac{TP+TN}{TP+TN+FP+FN}", "(TP+TN)/(TP+TN+FP+FN)"),
    (r"W \leftarrow W - \eta \frac{\partial L}{\partial W}", "W ← W − η(∂L)/(∂W)"),
    (r"m_t = \beta_1 m_{t-1} + (1 - \beta_1) g", "mₜ = β₁ mₜ₋₁ + (1 − β₁) g"),
    (r"L = \frac{1}{2n} \sum_{i=1}^n (\hat{y}_i - y_i)^2", "L = 1/(2n) ∑ᵢ₌₁ⁿ (ŷᵢ − yᵢ)²"),
    (r"\|w\|_2^2", "‖w‖₂²"),
    (r"\sigma^\prime(z) = \sigma(z)(1-\sigma(z))", "σ′(z) = σ(z)(1−σ(z))"),
]


@pytest.mark.parametrize(("latex", "text"), FORMULAS, ids=[f[1] for f in FORMULAS])
def test_formula_reads_as_unicode(latex: str, text: str) -> None:
    assert math_to_text(latex) == text


def test_readable_converts_only_math_segments() -> None:
    assert readable(r"導數為 $\sigma(x)(1-\sigma(x))$。") == "導數為 σ(x)(1−σ(x))。"
    assert readable("no math - here") == "no math - here"
