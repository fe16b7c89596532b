"""`group`: questions that must never be on the same paper (near-duplicates)."""

from __future__ import annotations

from pathlib import Path

import pytest

from questionbank.assemble import assemble
from questionbank.errors import InputError
from questionbank.exam_spec import load_spec
from tests.bankfiles import load

BANK = {
    "a.yaml": """
    topic: metrics
    questions:
      - {id: wolf-a, type: tf, prompt: A, answer: true, group: wolf}
      - {id: wolf-b, type: tf, prompt: B, answer: true, group: wolf}
      - {id: mnist-a, type: tf, prompt: C, answer: true, group: mnist}
      - {id: mnist-b, type: tf, prompt: D, answer: true, group: mnist}
      - {id: free-1, type: tf, prompt: E, answer: true}
      - {id: free-2, type: tf, prompt: F, answer: true}
    """
}


def spec(folder: Path, sections: str, seed: int = 1) -> Path:
    path = folder / "spec.yaml"
    path.write_text(f"title: T\nseed: {seed}\nsections:\n{sections}", encoding="utf-8")
    return path


def drawn(tmp_path: Path, sections: str, seed: int) -> list[str]:
    bank = load(tmp_path, BANK)
    exam = assemble(load_spec(spec(tmp_path, sections, seed)), bank)
    return [q.id for qs in exam.selection for q in qs]


@pytest.mark.parametrize("seed", range(30))
def test_a_pool_draws_at_most_one_question_per_group(tmp_path: Path, seed: int) -> None:
    ids = drawn(tmp_path, "  - {title: S, pick: 4, from: {topic: metrics}}\n", seed)
    assert len(ids) == 4
    assert sum(i.startswith("wolf") for i in ids) == 1
    assert sum(i.startswith("mnist") for i in ids) == 1


def test_a_pool_skips_the_group_of_a_listed_question(tmp_path: Path) -> None:
    sections = (
        "  - {title: S1, questions: [wolf-a]}\n  - {title: S2, pick: 3, from: {topic: metrics}}\n"
    )
    for seed in range(10):
        ids = drawn(tmp_path, sections, seed)
        assert "wolf-b" not in ids and len(ids) == 4


def test_two_listed_questions_of_one_group_are_an_error(tmp_path: Path) -> None:
    bank = load(tmp_path, BANK)
    loaded = load_spec(spec(tmp_path, "  - {title: S, questions: [wolf-a, free-1, wolf-b]}\n"))
    with pytest.raises(InputError) as caught:
        assemble(loaded, bank)
    assert [p.message for p in caught.value.problems] == [
        "exam spec: section 1: questions 'wolf-a' and 'wolf-b' are both in group 'wolf', "
        "which a paper draws at most one of (list only one of them)"
    ]


def test_a_pool_too_small_once_groups_count_once_says_so(tmp_path: Path) -> None:
    bank = load(tmp_path, BANK)
    loaded = load_spec(spec(tmp_path, "  - {title: S, pick: 5, from: {topic: metrics}}\n"))
    with pytest.raises(InputError) as caught:
        assemble(loaded, bank)
    assert [p.message for p in caught.value.problems] == [
        "exam spec: section 1 'S': pick 5 but only 6 question(s) match {topic: [metrics]} "
        "(of which 2 share a group with another); widen the filter or pick fewer"
    ]


def test_the_near_duplicates_of_the_course_bank_share_groups() -> None:
    from questionbank.bank import load_bank

    root = Path(__file__).resolve().parent.parent / "bank"
    bank = load_bank(root, check=False)
    pairs = [
        ("fw-mnist-total-params", "nn-mnist-param-count"),
        ("cnn-fnn-drawback", "nn-ffnn-drawback"),
    ]
    wolves = [q.id for q in bank if "wolf" in q.id]
    assert len(wolves) == 2
    for first, second in [*pairs, tuple(wolves)]:
        group = bank.get(first).group
        assert group is not None and group == bank.get(second).group


def test_a_quiz_draws_at_most_one_question_of_a_group() -> None:
    import random

    from questionbank import models
    from questionbank.session import one_per_group

    def tf(qid: str, group: str | None) -> models.AnyQuestion:
        return models.TrueFalseQuestion(
            id=qid, type="tf", topic="ml", prompt="P", answer=True, group=group
        )

    pool = [
        tf("a1", "a"),
        tf("a2", "a"),
        tf("a3", "a"),
        tf("b1", "b"),
        tf("c", None),
        tf("d", None),
    ]
    for seed in range(30):
        chosen = one_per_group(pool[:3] + pool[4:5], pool, random.Random(seed))
        groups = [q.group for q in chosen if q.group]
        assert len(groups) == len(set(groups)), [q.id for q in chosen]
        assert len(chosen) == 4 and {q.id for q in chosen} >= {"a1", "c"}
    untouched = [pool[0], pool[3], pool[4]]
    assert one_per_group(untouched, pool, random.Random(0)) == untouched
