"""Task contracts from the course bank's own prompts, through the real sandbox: "do not modify
the inputs" is checked after each case, the stated return type is checked after the values,
and iou's promised zero-area boxes have cases."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from questionbank.bank import load_bank
from questionbank.grading.grade import grade_submission
from questionbank.grading.tasks import prepare_tasks
from questionbank.sandbox import SandboxServer
from tests.test_grading_corpus import ROOT

# task -> (a submission breaking the contract, the kind its failed cases get, a message part)
BROKEN = {
    "relu": (
        "import numpy as np\n\ndef relu(x):\n    if isinstance(x, np.ndarray):\n"
        "        np.maximum(x, 0, out=x)\n        return x\n    return max(x, 0.0)\n",
        "modified_inputs",
        "the function modified its inputs in place",
    ),
    "one_hot": (
        "import numpy as np\n\ndef one_hot(labels, num_classes):\n"
        "    return np.eye(num_classes, dtype=np.int64)[np.asarray(labels)]\n",
        "wrong_type",
        "returned a int64 array; the task asks for a NumPy float64 array",
    ),
    "conv_output_size": (
        "def conv_output_size(n, k, stride=1, padding=0):\n"
        "    return float((n + 2 * padding - k) // stride + 1)\n",
        "wrong_type",
        "returned a float; the task asks for an int",
    ),
    "nms": (
        "import numpy as np\n\n"
        "def nms(boxes, scores, iou_threshold=0.5):\n"
        "    import importlib\n"
        "    order = list(np.argsort(-np.asarray(scores), kind='stable'))\n"
        "    keep = []\n"
        "    boxes = np.asarray(boxes, dtype=float).reshape(-1, 4)\n"
        "    def iou(a, b):\n"
        "        w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))\n"
        "        h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))\n"
        "        inter = w * h\n"
        "        union = (a[2]-a[0])*(a[3]-a[1]) + (b[2]-b[0])*(b[3]-b[1]) - inter\n"
        "        return inter / union if union > 0 else 0.0\n"
        "    for i in order:\n"
        "        if all(iou(boxes[i], boxes[j]) <= iou_threshold for j in keep):\n"
        "            keep.append(int(i))\n"
        "    return keep\n",
        "wrong_type",
        "returned a list; the task asks for a NumPy int array",
    ),
}
IOU_NAN = (
    "def iou(box_a, box_b):\n"
    "    w = max(0.0, min(box_a[2], box_b[2]) - max(box_a[0], box_b[0]))\n"
    "    h = max(0.0, min(box_a[3], box_b[3]) - max(box_a[1], box_b[1]))\n"
    "    inter = w * h\n"
    "    area = lambda b: (b[2] - b[0]) * (b[3] - b[1])\n"
    "    union = area(box_a) + area(box_b) - inter\n"
    "    return inter / union if union else float('nan')\n"
)


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer(slot=27) as running:
        yield running


@pytest.mark.parametrize("task_id", sorted(BROKEN))
def test_a_broken_contract_fails(task_id: str, server: SandboxServer) -> None:
    source, kind, message = BROKEN[task_id]
    task = prepare_tasks(load_bank(ROOT / "bank", check=False), task_id)[0]
    result = grade_submission([task], source.encode(), server)
    failed = [c for c in result.tasks[0].cases if not c.passed]
    assert failed, [c.message for c in result.tasks[0].cases]
    assert {c.kind for c in failed} == {kind}, [c.message for c in failed]
    public = [c for c in failed if not c.hidden]
    assert public and all(c.message.startswith(message) for c in public), public[0].message
    assert all(
        c.message in ("modified its inputs", "wrong type of result") for c in failed if c.hidden
    )


def test_iou_returning_nan_for_a_zero_union_fails(server: SandboxServer) -> None:
    task = prepare_tasks(load_bank(ROOT / "bank", check=False), "iou")[0]
    result = grade_submission([task], IOU_NAN.encode(), server)
    cases = {c.name: c for c in result.tasks[0].cases}
    assert not cases["two zero-area boxes (union 0)"].passed
    assert cases["a zero-area box inside another"].passed
    assert result.score == result.max_score - 1
