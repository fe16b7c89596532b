from __future__ import annotations

import pytest

from questionbank.mathtext import math_to_text
from questionbank.termtext import terminal_text

FORMULAS = [
    # As issue 11 asks: the terminal reads math as a person writes it.
    (r"\frac{1}{n}\sum_{i=1}^{n}", "1/n ∑ᵢ₌₁ⁿ"),
    (r"\eta/\sqrt{n+\epsilon}", "η / √(n + ε)"),
    (r"\mathbb{E}[\log D(x)]", "𝔼[log D(x)]"),
    (r"-p\log_2 p", "−p log₂ p"),
    (r"\left\lfloor \frac{n+2p-k}{s} \right\rfloor + 1", "⌊(n + 2p − k)/s⌋ + 1"),
    # \tfrac and \dfrac raised IndexError in pylatexenc's default parser.
    (
        r"\log \tfrac12 + \log \tfrac12 = -\log 4 \approx -1.386",
        "log 1/2 + log 1/2 = −log 4 ≈ −1.386",
    ),
    (r"\dfrac{TP}{TP+FN}", "TP/(TP + FN)"),
    (r"\sigma(x)(1-\sigma(x))", "σ(x)(1 − σ(x))"),
    (r"\sum_{i=1}^n (y_i - \hat{y}_i)^2", "∑ᵢ₌₁ⁿ (yᵢ − ŷᵢ)²"),
    (r"\frac{TP+TN}{TP+TN+FP+FN}", "(TP + TN)/(TP + TN + FP + FN)"),
    (r"W \leftarrow W - \eta \frac{\partial L}{\partial W}", "W ← W − η ∂L/∂W"),
    (r"m_t = \beta_1 m_{t-1} + (1 - \beta_1) g", "mₜ = β₁ mₜ₋₁ + (1 − β₁) g"),
    (r"L = \frac{1}{2n} \sum_{i=1}^n (\hat{y}_i - y_i)^2", "L = 1/(2n) ∑ᵢ₌₁ⁿ (ŷᵢ − yᵢ)²"),
    (r"\|w\|_2^2", "‖w‖₂²"),
    (r"\sigma^\prime(z) = \sigma(z)(1-\sigma(z))", "σ′(z) = σ(z)(1 − σ(z))"),
    (r"H(X) = \sum_i -p_i \log_2(p_i)", "H(X) = ∑ᵢ −pᵢ log₂(pᵢ)"),
    (r"\text{softmax}(z)_i = \frac{e^{z_i}}{\sum_j e^{z_j}}", "softmax(z)ᵢ = e^(zᵢ)/(∑ⱼ e^(zⱼ))"),
    (r"\tanh(z) = \frac{e^{2z}-1}{e^{2z}+1}", "tanh(z) = (e^(2z) − 1)/(e^(2z) + 1)"),
    (r"d_k = d_{model} / h", "dₖ = d_model / h"),
    (r"\min_G \; \mathbb{E}_{x}[\lVert x - G(x) \rVert^2]", "min_G 𝔼ₓ[‖x − G(x)‖²]"),
    (r"\mathrm{softmax}\left(QK^\top\right)V", "softmax(QKᵀ)V"),
]


@pytest.mark.parametrize(("latex", "text"), FORMULAS, ids=[f[1] for f in FORMULAS])
def test_formula_reads_as_unicode(latex: str, text: str) -> None:
    assert math_to_text(latex) == text


@pytest.mark.parametrize(
    "latex",
    [r"\frac{1", r"\tfrac", r"\dfrac{a}", r"\sqrt", r"x^{", r"\left(", r"\begin{x}"],
    ids=["frac-unclosed", "tfrac-bare", "dfrac-one-arg", "sqrt-bare", "script-open", "left", "env"],
)
def test_malformed_latex_never_raises(latex: str) -> None:
    assert isinstance(math_to_text(latex), str)


def test_terminal_text_converts_only_math_segments() -> None:
    assert terminal_text(r"導數為 $\sigma(x)(1-\sigma(x))$。").plain == "導數為 σ(x)(1 − σ(x))。"
    assert terminal_text("no math - here").plain == "no math - here"
    assert terminal_text(r"`$x$` is code, $x$ is math").plain == "$x$ is code, x is math"
