"""The trusted references in graders/ against independent computations: the slides' own
numbers, hand-computed values, finite differences and brute-force counts.  Also: the
generators are deterministic, and the tasks in bank/tasks agree with their references."""

from __future__ import annotations

import ast
import copy
import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from _taskcases import Task, case_kwargs, iter_cases, load_module, load_tasks, resolve

from graders import (
    activation,
    cnn,
    detection,
    encoding,
    losses,
    metrics,
    nn,
    optim,
    regularization,
    rnn,
    transformer,
)

TASKS = load_tasks()
TASK_IDS = [t.id for t in TASKS]
FIXED_TASKS = {
    "sigmoid_derivative": "sigmoid_derivative(x)",
    "softmax": "softmax(z, axis=-1)",
    "conv2d": "conv2d(x, w, b=None, stride=1, padding=0)",
    "maxpool2d": "maxpool2d(x, size=2, stride=None)",
    "adam_step": "adam_step(w, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8)",
    "roc_auc": "roc_auc(y_true, scores)",
}
REQUIRED_TASKS = set(FIXED_TASKS) | {
    "sigmoid",
    "relu",
    "tanh_derivative",
    "mse",
    "mae",
    "binary_cross_entropy",
    "sparse_categorical_cross_entropy",
    "entropy",
    "one_hot",
    "confusion_counts",
    "precision_recall_f1",
    "sgd_step",
    "momentum_step",
    "adagrad_step",
    "inverted_dropout",
    "l2_penalty",
    "dense_forward",
    "mlp_backward",
    "conv_output_size",
    "residual_block",
    "embedding_lookup",
    "rnn_cell_step",
    "lstm_cell_step",
    "scaled_dot_product_attention",
    "iou",
    "nms",
}


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


# ---- cnn: the slides' 6 x 6 example ----------------------------------------------------

SLIDE_F1_STRIDE1 = [[3, -1, -3, -1], [-3, 1, 0, -3], [-3, -3, 0, 1], [3, -2, -2, -1]]
SLIDE_F1_STRIDE2 = [[3, -3], [-3, 0]]
SLIDE_F2_STRIDE1 = [[-1, -1, -1, -1], [-1, -1, -2, 1], [-1, -1, -2, 1], [-1, 0, -4, 3]]


def test_conv2d_reproduces_the_slides_feature_maps() -> None:
    x = cnn.SLIDE_IMAGE[np.newaxis]
    f1 = cnn.SLIDE_FILTER_1[np.newaxis, np.newaxis]
    both = np.stack([cnn.SLIDE_FILTER_1, cnn.SLIDE_FILTER_2])[:, np.newaxis]
    np.testing.assert_array_equal(cnn.conv2d(x, f1)[0], SLIDE_F1_STRIDE1)
    np.testing.assert_array_equal(cnn.conv2d(x, f1, stride=2)[0], SLIDE_F1_STRIDE2)
    np.testing.assert_array_equal(cnn.conv2d(x, both), [SLIDE_F1_STRIDE1, SLIDE_F2_STRIDE1])


def test_maxpool2d_reproduces_the_slides_pooled_maps() -> None:
    fmap = np.array([SLIDE_F1_STRIDE1, SLIDE_F2_STRIDE1], dtype=float)
    np.testing.assert_array_equal(cnn.maxpool2d(fmap), [[[3, 0], [3, 1]], [[-1, 1], [0, 3]]])
    np.testing.assert_array_equal(cnn.maxpool2d(np.array([[[3.0, -1.0], [-3.0, 1.0]]])), [[[3]]])


def _conv2d_by_definition(x: np.ndarray, w: np.ndarray, b: Any, stride: int, padding: int) -> Any:
    """The formula of the task's prompt, one output element at a time, with explicit bounds
    checks instead of np.pad."""
    c_out, c_in, kh, kw = w.shape
    _, h, wd = x.shape
    h_out = (h + 2 * padding - kh) // stride + 1
    w_out = (wd + 2 * padding - kw) // stride + 1
    out = np.zeros((c_out, h_out, w_out))
    for o in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                total = 0.0 if b is None else float(b[o])
                for c in range(c_in):
                    for u in range(kh):
                        for v in range(kw):
                            r, q = i * stride + u - padding, j * stride + v - padding
                            if 0 <= r < h and 0 <= q < wd:
                                total += w[o, c, u, v] * x[c, r, q]
                out[o, i, j] = total
    return out


@pytest.mark.parametrize(
    "gen",
    [cnn.random_conv2d_rgb, cnn.random_conv2d_nonsquare, cnn.random_conv2d_floor],
    ids=lambda g: g.__name__,
)
def test_conv2d_matches_the_definition(gen: Callable[..., dict[str, Any]]) -> None:
    kw = gen(_rng(3))
    expected = _conv2d_by_definition(
        kw["x"], kw["w"], kw.get("b"), kw.get("stride", 1), kw.get("padding", 0)
    )
    np.testing.assert_allclose(cnn.conv2d(**kw), expected, rtol=1e-12, atol=1e-12)


def test_maxpool2d_matches_explicit_windows() -> None:
    kw = cnn.random_maxpool_overlap(_rng(4))
    x, size, stride = kw["x"], kw["size"], kw["stride"]
    out = cnn.maxpool2d(**kw)
    assert out.shape == (x.shape[0], (x.shape[1] - 3) // 2 + 1, (x.shape[2] - 3) // 2 + 1)
    for c, i, j in np.ndindex(out.shape):
        window = x[c, i * stride : i * stride + size, j * stride : j * stride + size]
        assert out[c, i, j] == window.max()


def test_conv_output_size_agrees_with_conv2d_shapes() -> None:
    rng = _rng(5)
    for _ in range(30):
        n, k = int(rng.integers(3, 12)), int(rng.integers(1, 4))
        stride, padding = int(rng.integers(1, 4)), int(rng.integers(0, 3))
        out = cnn.conv2d(np.ones((1, n, n)), np.ones((1, 1, k, k)), stride=stride, padding=padding)
        assert out.shape[1] == cnn.conv_output_size(n, k, stride, padding)
    assert cnn.conv_output_size(224, 3, 1, 1) == 224
    assert cnn.conv_output_size(227, 11, 4) == 55
    assert cnn.conv_output_size(8, 3, 2) == 3


# ---- activation ------------------------------------------------------------------------


def _central_difference(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray) -> np.ndarray:
    h = 1e-6
    return (f(x + h) - f(x - h)) / (2 * h)


def test_sigmoid_and_its_derivative() -> None:
    x = np.linspace(-8, 8, 33)
    np.testing.assert_allclose(activation.sigmoid(x), 1 / (1 + np.exp(-x)), rtol=1e-14)
    np.testing.assert_allclose(
        activation.sigmoid_derivative(x), _central_difference(activation.sigmoid, x), atol=1e-9
    )
    assert activation.sigmoid(0.0) == 0.5
    assert activation.sigmoid_derivative(0.0) == 0.25
    assert isinstance(activation.sigmoid_derivative(3.0), float)
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # no overflow
        big = np.array([-1000.0, 1000.0])
        np.testing.assert_array_equal(activation.sigmoid(big), [0.0, 1.0])
        np.testing.assert_array_equal(activation.sigmoid_derivative(big), [0.0, 0.0])
        # symmetric: sigma'(x) = sigma'(-x), also where 1 - sigma(x) would round to 0
        np.testing.assert_array_equal(
            activation.sigmoid_derivative(np.array([40.0])),
            activation.sigmoid_derivative(np.array([-40.0])),
        )


def test_tanh_derivative_and_relu() -> None:
    x = np.linspace(-4, 4, 17)
    np.testing.assert_allclose(
        activation.tanh_derivative(x), _central_difference(np.tanh, x), atol=1e-9
    )
    assert activation.tanh_derivative(0.0) == 1.0
    np.testing.assert_array_equal(activation.relu(np.array([-2.0, 0.0, 3.0])), [0.0, 0.0, 3.0])


def test_softmax_is_stable_and_normalised_along_the_axis() -> None:
    np.testing.assert_allclose(
        activation.softmax(np.array([1000.0, 1001.0, 1002.0])),
        np.exp([0, 1, 2]) / np.exp([0, 1, 2]).sum(),
        rtol=1e-14,
    )
    np.testing.assert_allclose(activation.softmax(np.array([-1000.0, -1000.0])), [0.5, 0.5])
    z = _rng(6).normal(size=(3, 4, 5))
    for axis in (0, 1, 2, -1):
        p = activation.softmax(z, axis=axis)
        np.testing.assert_allclose(p.sum(axis=axis), 1.0, rtol=1e-14)
        np.testing.assert_allclose(p, np.exp(z) / np.exp(z).sum(axis=axis, keepdims=True))


# ---- optim ------------------------------------------------------------------------------


def test_optimizer_steps_by_hand() -> None:
    w, g = np.array([1.0, -2.0]), np.array([0.5, -1.0])
    np.testing.assert_allclose(optim.sgd_step(w, g, lr=0.1), [0.95, -1.9])
    w2, v2 = optim.momentum_step(w, g, np.array([0.1, 0.0]), lr=0.1, momentum=0.5)
    np.testing.assert_allclose(v2, [0.05 - 0.05, 0.1])
    np.testing.assert_allclose(w2, [1.0, -1.9])
    w3, n3 = optim.adagrad_step(w, g, np.array([0.75, 0.0]), lr=0.1, eps=0.0)
    np.testing.assert_allclose(n3, [1.0, 1.0])
    np.testing.assert_allclose(w3, [0.95, -1.9])
    # eps inside the root, as the slides write it: 1e-5 / sqrt(1e-10 + 1e-8)
    w4, _ = optim.adagrad_step(np.zeros(1), np.array([1e-5]), np.zeros(1), lr=1.0)
    np.testing.assert_allclose(w4, [-1e-5 / np.sqrt(1e-10 + 1e-8)])
    w5, s5 = optim.rmsprop_step(w, g, np.zeros(2), lr=0.1, rho=0.75, eps=0.0)
    np.testing.assert_allclose(s5, [0.0625, 0.25])
    np.testing.assert_allclose(w5, [0.8, -1.8])


def test_adam_first_step_moves_by_lr_and_two_steps_chain() -> None:
    g = np.array([0.1, -0.2, 3.0])
    w1, m1, v1 = optim.adam_step(np.zeros(3), g, np.zeros(3), np.zeros(3), t=1, lr=0.01, eps=0.0)
    # bias correction gives m_hat = g, v_hat = g^2 at t = 1
    np.testing.assert_allclose(w1, -0.01 * np.sign(g), rtol=1e-12)
    np.testing.assert_allclose(m1, 0.1 * g)
    np.testing.assert_allclose(v1, 0.001 * g * g)
    g2 = np.array([0.3, 0.0, -1.0])
    w2, m2, v2 = optim.adam_step(w1, g2, m1, v1, t=2, lr=0.01, eps=0.0)
    m_hat = (0.9 * 0.1 * g + 0.1 * g2) / (1 - 0.81)
    v_hat = (0.999 * 0.001 * g * g + 0.001 * g2 * g2) / (1 - 0.999**2)
    np.testing.assert_allclose(w2, w1 - 0.01 * m_hat / np.sqrt(v_hat), rtol=1e-12)
    np.testing.assert_allclose(m2, 0.9 * m1 + 0.1 * g2)
    np.testing.assert_allclose(v2, 0.999 * v1 + 0.001 * g2 * g2)


# ---- metrics ----------------------------------------------------------------------------


def _slide_example() -> tuple[np.ndarray, np.ndarray]:
    pairs = [(1, 1)] * 1 + [(0, 1)] * 1 + [(1, 0)] * 8 + [(0, 0)] * 90
    y = np.array(pairs)[_rng(2023).permutation(100)]
    return y[:, 0], y[:, 1]


def test_slide_accuracy_example() -> None:
    y_true, y_pred = _slide_example()
    assert metrics.confusion_counts(y_true, y_pred) == (1, 1, 8, 90)
    assert metrics.accuracy(y_true, y_pred) == pytest.approx(0.91)
    assert metrics.precision_recall_f1(y_true, y_pred) == pytest.approx((0.5, 1 / 9, 2 / 11))
    assert metrics.precision_recall_f1(np.array([1, 0]), np.array([0, 0])) == (0.0, 0.0, 0.0)


def _auc_by_pair_count(y: np.ndarray, s: np.ndarray) -> float:
    """scikit-learn's roc_auc_score, as the probability over all (positive, negative) pairs."""
    pos, neg = s[y == 1], s[y == 0]
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


@pytest.mark.parametrize(
    "gen",
    [metrics.random_auc_continuous, metrics.random_auc_ties, metrics.random_auc_few_levels],
    ids=lambda g: g.__name__,
)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_roc_auc_equals_the_pair_count(gen: Callable[..., dict[str, Any]], seed: int) -> None:
    kw = gen(_rng(seed))
    expected = _auc_by_pair_count(kw["y_true"], kw["scores"])
    assert metrics.roc_auc(**kw) == pytest.approx(expected, rel=1e-12)
    perm = _rng(seed + 100).permutation(len(kw["scores"]))
    assert metrics.roc_auc(kw["y_true"][perm], kw["scores"][perm]) == pytest.approx(expected)


def test_roc_auc_known_values() -> None:
    # scikit-learn's documented example, and ties counting one half in either order
    assert metrics.roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == pytest.approx(0.75)
    assert metrics.roc_auc([0, 0, 1, 1], [0.5] * 4) == 0.5
    assert metrics.roc_auc([1, 1, 0, 0], [0.5] * 4) == 0.5
    assert metrics.roc_auc([1, 1, 0], [0.1, 0.2, 0.3]) == 0.0


# ---- losses -----------------------------------------------------------------------------


def test_losses_by_hand() -> None:
    assert losses.mse([3.0, -0.5, 2.0, 7.0], [2.5, 0.0, 2.0, 8.0]) == pytest.approx(0.375)
    assert losses.mae([3.0, -0.5, 2.0, 7.0], [2.5, 0.0, 2.0, 8.0]) == pytest.approx(0.5)
    bce = -(np.log(0.9) + np.log(0.9) + np.log(0.6) + np.log(0.7)) / 4
    assert losses.binary_cross_entropy([1, 0, 1, 0], [0.9, 0.1, 0.6, 0.3]) == pytest.approx(bce)
    # clipped: a wrong certain prediction costs -ln(1e-7), a right one -ln(1 - 1e-7)
    assert losses.binary_cross_entropy([1.0, 0.0], [0.0, 0.0]) == pytest.approx(
        (-np.log(1e-7) - np.log(1 - 1e-7)) / 2
    )
    probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.3, 0.4, 0.3]])
    expected = -(np.log(0.7) + np.log(0.8) + np.log(0.4)) / 3
    assert losses.sparse_categorical_cross_entropy(np.array([0, 2, 1]), probs) == pytest.approx(
        expected
    )


def test_entropy_in_bits_and_nats() -> None:
    assert losses.entropy([0.5, 0.5]) == pytest.approx(1.0)
    assert losses.entropy(np.full(8, 1 / 8)) == pytest.approx(3.0)
    assert losses.entropy([0.0, 1.0, 0.0]) == 0.0
    p = np.array([0.2, 0.3, 0.5])
    assert losses.entropy(p, base=np.e) == pytest.approx(-np.sum(p * np.log(p)))


# ---- nn ---------------------------------------------------------------------------------


def _mlp_loss(x: np.ndarray, y: float, w1: np.ndarray, w2: np.ndarray, w3: np.ndarray) -> float:
    def sig(z: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.exp(-z))

    y_hat = (w3 @ sig(w2 @ sig(w1 @ x)))[0]
    return float(0.5 * (y_hat - y) ** 2)


@pytest.mark.parametrize("gen", [nn.random_mlp_slide, nn.random_mlp_wide], ids=lambda g: g.__name__)
def test_mlp_backward_matches_finite_differences(gen: Callable[..., dict[str, Any]]) -> None:
    kw = gen(_rng(8))
    grads = nn.mlp_backward(**kw)
    weights = [kw["W1"], kw["W2"], kw["W3"]]
    h = 1e-6
    for layer, (weight, grad) in enumerate(zip(weights, grads, strict=True)):
        assert grad.shape == weight.shape
        for idx in np.ndindex(weight.shape):
            plus = [w.copy() for w in weights]
            minus = [w.copy() for w in weights]
            plus[layer][idx] += h
            minus[layer][idx] -= h
            numeric = (_mlp_loss(kw["x"], kw["y"], *plus) - _mlp_loss(kw["x"], kw["y"], *minus)) / (
                2 * h
            )
            assert grad[idx] == pytest.approx(numeric, abs=1e-8), (layer, idx)


def test_mlp_backward_matches_the_slides_formula_for_w11() -> None:
    kw = nn.random_mlp_slide(_rng(9))
    x, y, w1, w2, w3 = kw["x"], kw["y"], kw["W1"], kw["W2"], kw["W3"]
    z1 = w1 @ x
    a1 = 1 / (1 + np.exp(-z1))
    z2 = w2 @ a1
    a2 = 1 / (1 + np.exp(-z2))
    y_hat = (w3 @ a2)[0]

    def dsig(z: float) -> float:
        s = 1 / (1 + np.exp(-z))
        return float(s * (1 - s))

    inner = sum(w3[0, i] * dsig(z2[i]) * w2[i, 0] for i in range(2))
    slide = (y_hat - y) * inner * dsig(z1[0]) * x[0]
    assert nn.mlp_backward(**kw)[0][0, 0] == pytest.approx(slide, rel=1e-12)


def test_dense_and_residual_block() -> None:
    kw = nn.random_dense(_rng(10))
    expected = np.einsum("nd,de->ne", kw["x"], kw["W"]) + kw["b"]
    np.testing.assert_allclose(nn.dense_forward(**kw), expected)
    x = np.array([1.0, -2.0, 3.0])
    zeros = {"W1": np.zeros((2, 3)), "b1": np.zeros(2), "W2": np.zeros((3, 2)), "b2": np.zeros(3)}
    np.testing.assert_array_equal(nn.residual_block(x, **zeros), [1.0, 0.0, 3.0])
    # F(x) = W2 relu(W1 x) = [3, -3] * relu(1) ; x + F = [2, -1] -> relu -> [2, 0]
    out = nn.residual_block(
        np.array([-1.0, 2.0]),
        np.array([[1.0, 1.0]]),
        np.zeros(1),
        np.array([[3.0], [-3.0]]),
        np.zeros(2),
    )
    np.testing.assert_array_equal(out, [2.0, 0.0])


# ---- rnn, transformer -------------------------------------------------------------------


def test_rnn_and_lstm_by_sample() -> None:
    kw = rnn.random_rnn(_rng(11))
    for n in range(kw["x"].shape[0]):
        h = np.tanh(kw["Wx"].T @ kw["x"][n] + kw["Wh"].T @ kw["h_prev"][n] + kw["b"])
        np.testing.assert_allclose(rnn.rnn_cell_step(**kw)[n], h)
    # zero weights: every gate is 1/2 and the candidate 0
    c_prev = np.array([[2.0, -4.0]])
    h_new, c_new = rnn.lstm_cell_step(
        np.ones((1, 3)), np.zeros((1, 2)), c_prev, np.zeros((3, 8)), np.zeros((2, 8)), np.zeros(8)
    )
    np.testing.assert_allclose(c_new, 0.5 * c_prev)
    np.testing.assert_allclose(h_new, 0.5 * np.tanh(0.5 * c_prev))
    # gate order i, f, g, o: only the forget block gets a huge bias -> c = c_prev + 0.5 * 0
    b = np.zeros(8)
    b[2:4] = 50.0
    _, c_new = rnn.lstm_cell_step(
        np.zeros((1, 3)), np.zeros((1, 2)), c_prev, np.zeros((3, 8)), np.zeros((2, 8)), b
    )
    np.testing.assert_allclose(c_new, c_prev)


def test_attention_against_per_query_loops() -> None:
    kw = transformer.random_attention_causal(_rng(12))
    out, weights = transformer.scaled_dot_product_attention(**kw)
    q, k, v, mask = kw["Q"], kw["K"], kw["V"], kw["mask"]
    for i in range(q.shape[0]):
        allowed = np.flatnonzero(mask[i])
        scores = np.array([q[i] @ k[j] / np.sqrt(q.shape[1]) for j in allowed])
        w = np.exp(scores - scores.max())
        w /= w.sum()
        np.testing.assert_allclose(weights[i, allowed], w)
        assert np.all(weights[i, ~mask[i]] == 0.0)
        np.testing.assert_allclose(out[i], w @ v[allowed])
    batched = transformer.random_attention_batched(_rng(13))
    out_b, w_b = transformer.scaled_dot_product_attention(**batched)
    for head in range(2):
        o, w = transformer.scaled_dot_product_attention(
            batched["Q"][head], batched["K"][head], batched["V"][head]
        )
        np.testing.assert_allclose(out_b[head], o)
        np.testing.assert_allclose(w_b[head], w)


# ---- detection, encoding, regularization ------------------------------------------------


def test_iou_by_hand() -> None:
    assert detection.iou([0, 0, 2, 2], [1, 1, 3, 3]) == pytest.approx(1 / 7)
    assert detection.iou([0, 0, 1, 1], [2, 2, 3, 3]) == 0.0
    assert detection.iou([0, 0, 1, 1], [1, 0, 2, 1]) == 0.0
    assert detection.iou([0, 0, 4, 4], [1, 1, 2, 2]) == pytest.approx(1 / 16)
    assert detection.iou([1, 1, 1, 1], [1, 1, 1, 1]) == 0.0


def _nms_by_removal(boxes: np.ndarray, scores: np.ndarray, threshold: float) -> list[int]:
    """A second formulation: repeatedly take the best remaining box and drop its overlaps."""
    remaining = list(range(len(scores)))
    kept = []
    while remaining:
        best = min(remaining, key=lambda i: (-scores[i], i))
        kept.append(best)
        remaining = [
            i for i in remaining if i != best and detection.iou(boxes[best], boxes[i]) <= threshold
        ]
    return kept


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_nms_against_a_second_formulation(seed: int) -> None:
    for gen in (detection.random_detections, detection.random_detections_tied_scores):
        kw = gen(_rng(seed))
        expected = _nms_by_removal(kw["boxes"], kw["scores"], kw["iou_threshold"])
        assert detection.nms(**kw).tolist() == expected


def test_nms_chain_and_threshold_equality() -> None:
    chain = np.array([[0, 0, 10, 10], [4, 0, 14, 10], [8, 0, 18, 10]], dtype=float)
    assert detection.nms(chain, np.array([0.9, 0.8, 0.7]), 0.3).tolist() == [0, 2]
    at_threshold = np.array([[0, 0, 2, 1], [0, 0, 1, 1]], dtype=float)
    assert detection.nms(at_threshold, np.array([0.9, 0.8]), 0.5).tolist() == [0, 1]


def test_encoding_and_regularization() -> None:
    np.testing.assert_array_equal(encoding.one_hot([0, 1, 2, 2, 1], 3), np.eye(3)[[0, 1, 2, 2, 1]])
    assert encoding.one_hot(np.array([], dtype=np.int64), 3).shape == (0, 3)
    kw = encoding.random_token_batch(_rng(14))
    vocab = kw["E"].shape[0]
    via_one_hot = encoding.one_hot(kw["ids"].ravel(), vocab) @ kw["E"]
    np.testing.assert_allclose(
        encoding.embedding_lookup(**kw), via_one_hot.reshape(*kw["ids"].shape, -1)
    )
    np.testing.assert_allclose(
        regularization.inverted_dropout(np.array([1.0, 2.0]), np.array([1.0, 0.0]), 0.2), [1.25, 0]
    )
    assert regularization.l2_penalty(np.array([1.0, -2.0, 3.0]), 0.5) == pytest.approx(7.0)


# ---- generators and tasks ---------------------------------------------------------------

GENERATORS = [
    (module.__name__.rsplit(".", 1)[1], name, func)
    for module in (
        activation,
        cnn,
        detection,
        encoding,
        losses,
        metrics,
        nn,
        optim,
        regularization,
        rnn,
        transformer,
    )
    for name, func in inspect.getmembers(module, inspect.isfunction)
    if name.startswith("random_") and func.__module__ == module.__name__
]


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize(
    "gen", [g[2] for g in GENERATORS], ids=[f"{m}.{n}" for m, n, _ in GENERATORS]
)
def test_generators_are_deterministic(gen: Callable[[np.random.Generator], dict[str, Any]]) -> None:
    assert _same(gen(_rng(42)), gen(_rng(42)))
    assert not all(_same(gen(_rng(42)), gen(_rng(s))) for s in range(43, 46))


def test_every_generator_is_used_by_a_task() -> None:
    used = {case["generate"] for t in TASKS for case in t.spec["cases"] if "generate" in case}
    defined = {f"graders/{m}.py:{n}" for m, n, _ in GENERATORS}
    assert defined - used == set()
    assert used - defined == set()


def test_the_required_tasks_exist_with_the_fixed_signatures() -> None:
    assert len(TASKS) >= 30
    assert len(set(TASK_IDS)) == len(TASK_IDS)
    assert REQUIRED_TASKS - set(TASK_IDS) == set()
    by_id = {t.id: t for t in TASKS}
    for task_id, signature in FIXED_TASKS.items():
        assert by_id[task_id].spec["signature"] == signature


def _parse_signature(signature: str) -> tuple[str, list[str], list[Any]]:
    node = ast.parse(f"def {signature}: pass").body[0]
    assert isinstance(node, ast.FunctionDef)
    defaults = [ast.literal_eval(d) for d in node.args.defaults]
    return node.name, [a.arg for a in node.args.args], defaults


@pytest.mark.parametrize("task", TASKS, ids=TASK_IDS)
def test_task_agrees_with_its_reference(task: Task) -> None:
    spec = task.spec
    assert task.id == spec["function"]
    reference = resolve(spec["reference"])
    name, params, defaults = _parse_signature(spec["signature"])
    ref_params = list(inspect.signature(reference).parameters.values())
    assert (name, params) == (reference.__name__, [p.name for p in ref_params])
    assert defaults == [p.default for p in ref_params if p.default is not inspect.Parameter.empty]
    assert f"def {spec['signature']}:" in spec["starter"]
    for lang in ("en", "zh-TW"):
        assert f"def {spec['signature']}:" in spec["prompt"][lang]
        assert spec["explanation"][lang].strip()
    hidden = [bool(c.get("hidden")) for c in spec["cases"]]
    assert any(hidden) and not all(hidden)
    assert sum(c.get("points", 1) for c in spec["cases"]) == spec["points"]
    for case, kwargs in iter_cases(task):
        assert set(kwargs) <= set(params), case["name"]
        frozen = copy.deepcopy(kwargs)
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            first = reference(**kwargs)
        assert _same(kwargs, frozen), f"{case['name']}: the reference changed its inputs"
        parts = first if isinstance(first, tuple) else (first,)
        assert all(np.all(np.isfinite(p)) for p in parts), case["name"]
        again = reference(**case_kwargs(task, case))
        assert all(
            np.array_equal(a, b)
            for a, b in zip(parts, again if isinstance(again, tuple) else (again,), strict=True)
        )


@pytest.mark.parametrize("task", TASKS, ids=TASK_IDS)
def test_starter_raises_not_implemented(task: Task, tmp_path: Any) -> None:
    # Our own starter text, loaded as a module the way a submission file would be.
    file = tmp_path / "starter.py"
    file.write_text(task.spec["starter"], encoding="utf-8")
    func = getattr(load_module(file), task.spec["function"])
    _, kwargs = next(iter_cases(task))
    with pytest.raises(NotImplementedError):
        func(**kwargs)
