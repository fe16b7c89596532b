"""Exam specs: every mistake is reported with file:line:col and what was expected."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from papers_support import BANK, fixture_bank, write_spec

from questionbank.assemble import assemble
from questionbank.cli import cli
from questionbank.errors import InputError
from questionbank.exam_spec import load_spec

HEAD = "title: T\nseed: 1\n"
BAD_SPECS = [
    (
        "unknown-key",
        HEAD + "sectons: []\n",
        [
            "spec.yaml:1:1: exam spec: missing required key 'sections'",
            "spec.yaml:3:1: exam spec: unknown key 'sectons' (did you mean 'sections'?)",
        ],
    ),
    (
        "unknown-top-level-key-hides-nothing",
        HEAD + "lnag: en\nversions: 2\nper_student: r.csv\nsections:\n"
        "  - {title: S, pick: 2, from: {type: tf}, questions: [fx-tf-true]}\n",
        [
            "spec.yaml:3:1: exam spec: unknown key 'lnag' (did you mean 'lang'?)",
            "spec.yaml:5:1: exam spec: give either 'versions' or 'per_student', not both",
            "spec.yaml:5:14: exam spec: roster 'r.csv' not found (looked for r.csv)",
            "spec.yaml:7:25: exam spec: section 1 has both 'questions' and 'from' (expected one "
            "of them)",
        ],
    ),
    (
        "pool-too-small",
        HEAD + "sections:\n  - title: S\n    pick: 9\n    from: {topic: ml, type: mcq}\n",
        [
            "spec.yaml:5:11: exam spec: section 1 'S': pick 9 but only 5 question(s) match "
            "{topic: [ml]; type: [mcq]}; widen the filter or pick fewer"
        ],
    ),
    (
        "pool-used-by-another-section",
        HEAD + "sections:\n  - title: S\n    pick: 2\n    from: {type: tf}\n"
        "  - title: S2\n    questions: [fx-tf-true]\n",
        [
            "spec.yaml:5:11: exam spec: section 1 'S': pick 2 but only 1 question(s) match "
            "{type: [tf]} (1 more match but are used by other sections); widen the filter or "
            "pick fewer"
        ],
    ),
    (
        "unknown-id",
        HEAD + "sections:\n  - title: S\n    questions: [fx-tf-ture]\n",
        [
            "spec.yaml:5:17: exam spec: section 1: no question with id 'fx-tf-ture' in the bank "
            "(did you mean 'fx-tf-true'?)"
        ],
    ),
    (
        "repeated-question",
        HEAD + "sections:\n  - title: S\n    questions: [fx-tf-true]\n"
        "  - title: S2\n    questions: [fx-tf-true]\n",
        [
            "spec.yaml:7:17: exam spec: section 2: question 'fx-tf-true' is already on the paper "
            "(section 1); a paper never repeats a question"
        ],
    ),
    (
        "from-without-pick",
        HEAD + "sections:\n  - title: S\n    from: {topic: ml}\n",
        [
            "spec.yaml:5:5: exam spec: section 1 draws 'from' a pool but says not how many "
            "(expected 'pick: N')"
        ],
    ),
    (
        "section-without-questions",
        HEAD + "sections:\n  - title: S\n",
        [
            "spec.yaml:4:5: exam spec: section 1 needs either 'questions' (a list of ids) or "
            "'pick' with 'from' (a pool filter)"
        ],
    ),
    (
        "type-typo",
        HEAD + "sections:\n  - title: S\n    pick: 1\n    from: {type: mqc}\n",
        [
            "spec.yaml:6:18: exam spec: section 1: unknown question type 'mqc' (did you mean "
            "'mcq'?); expected one of: mcq, multi, tf, numeric, short, code"
        ],
    ),
    (
        "topic-typo",
        HEAD + "sections:\n  - title: S\n    pick: 1\n    from: {topic: mll}\n",
        [
            "spec.yaml:6:19: exam spec: section 1: unknown topic 'mll' (did you mean 'ml'?); "
            "expected a course topic or one in the bank"
        ],
    ),
    (
        "filter-key-typo",
        HEAD + "sections:\n  - title: S\n    pick: 1\n    from: {topics: ml}\n",
        ["spec.yaml:6:12: exam spec: unknown key 'topics' in from (did you mean 'topic'?)"],
    ),
    (
        "empty-week-range",
        HEAD + "sections:\n  - title: S\n    pick: 1\n    from: {week: [8, 1]}\n",
        [
            "spec.yaml:6:18: exam spec: section 1: 'week' range [8, 1] is empty "
            "(expected [lowest, highest])"
        ],
    ),
    (
        "missing-seed",
        "title: T\nsections:\n  - title: S\n    questions: [fx-tf-true]\n",
        ["spec.yaml:1:1: exam spec: missing required key 'seed'"],
    ),
    (
        "too-many-versions",
        HEAD + "versions: 27\nsections:\n  - title: S\n    questions: [fx-tf-true]\n",
        ["spec.yaml:3:11: exam spec: 'versions' must be less than or equal to 26, got 27"],
    ),
    (
        "roster-not-found",
        HEAD + "per_student: nope.csv\nsections:\n  - title: S\n    questions: [fx-tf-true]\n",
        ["spec.yaml:3:14: exam spec: roster 'nope.csv' not found (looked for nope.csv)"],
    ),
    (
        "yaml-syntax",
        "title: T\nseed: [1\n",
        [
            "spec.yaml:3:1: YAML syntax error: a [ list ] that is not closed (expected ',' or "
            "']'; quote an item that contains a comma, colon or bracket)"
        ],
    ),
]


@pytest.mark.parametrize(
    ("text", "expected"), [c[1:] for c in BAD_SPECS], ids=[c[0] for c in BAD_SPECS]
)
def test_bad_spec_is_reported_with_its_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, expected: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # file names are shown relative to the working directory
    spec = write_spec(tmp_path, text)
    with pytest.raises(InputError) as caught:
        assemble(load_spec(spec), fixture_bank())
    assert [str(p) for p in caught.value.problems] == expected


def test_bad_roster_rows_are_reported_by_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "roster.csv").write_text(
        "student_id,name\ns1,Ann\ns1,Bob\nbad id,Cy\n", encoding="utf-8"
    )
    spec = write_spec(
        tmp_path,
        HEAD + "per_student: roster.csv\nsections:\n  - title: S\n    questions: [fx-tf-true]\n",
    )
    with pytest.raises(InputError) as caught:
        load_spec(spec)
    assert [str(p) for p in caught.value.problems] == [
        "roster.csv:3:1: student_id 's1' repeats the one on line 2",
        "roster.csv:4:1: student_id 'bad id' must be letters, digits, '_', '.', '-' "
        "(it becomes part of file names)",
    ]


def test_cli_reports_pool_too_small_without_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    spec = write_spec(
        tmp_path, HEAD + "sections:\n  - title: S\n    pick: 3\n    from: {type: multi}\n"
    )
    result = CliRunner().invoke(
        cli, ["--bank", str(BANK), "paper", str(spec), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 1
    assert (
        "spec.yaml:5:11: exam spec: section 1 'S': pick 3 but only 2 question(s)" in result.output
    )
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()  # nothing half-written


def test_spec_values_are_read() -> None:
    loaded = load_spec(Path(__file__).parent / "fixtures" / "papers" / "exam.yaml")
    spec = loaded.spec
    assert (spec.seed, spec.versions, spec.lang) == (42, 2, ["zh-TW", "en"])
    assert loaded.labels == ["A", "B"]
    first = spec.sections[0].from_
    assert first is not None
    assert (first.topic, first.type, first.week) == (["ml"], ["mcq"], (1, 8))
