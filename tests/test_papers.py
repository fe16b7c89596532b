"""qbank paper: selection, versions, keys, manifest, determinism."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from papers_support import BANK, PER_STUDENT, SPEC, fixture_bank, fixture_exam, write_spec

from questionbank import models
from questionbank.assemble import assemble
from questionbank.cli import cli
from questionbank.describe import LETTERS
from questionbank.exam_spec import load_spec
from questionbank.localized import pick
from questionbank.render_paper import write_paper
from questionbank.sheets import grade, load_key


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_same_spec_and_seed_give_byte_identical_outputs(tmp_path: Path) -> None:
    write_paper(fixture_exam(), tmp_path / "one")
    write_paper(fixture_exam(), tmp_path / "two")
    one, two = _files(tmp_path / "one"), _files(tmp_path / "two")
    assert sorted(one) == [
        "answer-key.csv",
        "key-A.html",
        "key-B.html",
        "manifest.json",
        "paper-A.html",
        "paper-A.md",
        "paper-B.html",
        "paper-B.md",
    ]
    assert one == two


def test_versions_differ_and_another_seed_gives_another_paper(tmp_path: Path) -> None:
    exam = fixture_exam()
    a, b = exam.versions
    assert [i.question.id for i in a.items] != [i.question.id for i in b.items]
    assert sorted(i.question.id for i in a.items) == sorted(i.question.id for i in b.items)
    spec = write_spec(tmp_path, SPEC.read_text(encoding="utf-8").replace("seed: 42", "seed: 43"))
    other = assemble(load_spec(spec), fixture_bank())
    assert [i.question.id for i in other.versions[0].items] != [i.question.id for i in a.items]


def test_selection_honours_filters_and_never_repeats() -> None:
    exam = fixture_exam()
    first, listed, numeric, _coding = exam.selection
    assert len(first) == 4
    assert all(q.topic == "ml" and q.type == "mcq" and 1 <= (q.week or 0) <= 8 for q in first)
    assert [q.id for q in listed] == ["fx-multi-supervised", "fx-tf-true"]
    assert len(numeric) == 2 and all(q.type == "numeric" for q in numeric)
    ids = [q.id for section in exam.selection for q in section]
    assert len(ids) == len(set(ids))
    for version in exam.versions:  # order shuffles within sections only
        for section, questions in zip(version.sections, exam.selection, strict=True):
            assert sorted(i.question.id for i in section.items) == sorted(q.id for q in questions)
        assert [i.number for i in version.items] == list(range(1, 11))


def test_section_points_override_question_points() -> None:
    version = fixture_exam().versions[0]
    assert [i.points for i in version.sections[0].items] == [2, 2, 2, 2]
    code = next(i for i in version.items if i.question.type == "code")
    assert code.points == 4  # the question's own


@pytest.mark.parametrize("seed", range(100), ids=lambda s: f"seed{s}")
def test_pinned_choices_stay_put(tmp_path: Path, seed: int) -> None:
    spec = write_spec(
        tmp_path,
        f"title: T\nseed: {seed}\nversions: 3\nsections:\n  - title: S\n    questions: "
        "[fx-mcq-pinned, fx-mcq-all-above, fx-mcq-fixed-order, fx-mcq-sigmoid]\n",
    )
    exam = assemble(load_spec(spec), fixture_bank())
    for version in exam.versions:
        by_id = {i.question.id: i.instance for i in version.items}
        pinned = [c.index for c in by_id["fx-mcq-pinned"].choices]
        assert pinned[1] == 1  # the author pinned choice 1 (0-based) in place
        above = by_id["fx-mcq-all-above"].choices
        assert pick(above[-1].text, "en") == "All of the above"
        assert [c.index for c in by_id["fx-mcq-fixed-order"].choices] == [0, 1, 2]
        assert sorted(c.index for c in by_id["fx-mcq-sigmoid"].choices) == [0, 1, 2, 3]


def test_unpinned_choices_do_move(tmp_path: Path) -> None:
    orders = set()
    for seed in range(20):
        spec = write_spec(
            tmp_path,
            f"title: T\nseed: {seed}\nsections:\n  - title: S\n    questions: [fx-mcq-sigmoid]\n",
        )
        item = assemble(load_spec(spec), fixture_bank()).versions[0].items[0]
        orders.add(tuple(c.index for c in item.instance.choices))
    assert len(orders) > 5  # a shuffle that never shuffles would pass the pinned test


def _own_key_responses(key_csv: str, *, full_code: bool = True) -> str:
    rows = list(csv.DictReader(io.StringIO(key_csv)))
    count = max(int(r["number"]) for r in rows)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["student_id", "version", *range(1, count + 1)])
    for version in sorted({r["version"] for r in rows}):
        answers = []
        for r in sorted(
            (r for r in rows if r["version"] == version), key=lambda r: int(r["number"])
        ):
            kind, answer = r["type"], r["answer"]
            if kind == "numeric":
                answers.append(answer.split("±")[0])
            elif kind == "short":
                answers.append(answer.split(" | ")[0])
            elif kind == "code":
                answers.append(r["points"] if full_code else "0")
            else:
                answers.append(answer)
        writer.writerow([f"student-{version}", version, *answers])
    return out.getvalue()


@pytest.mark.parametrize("spec", [SPEC, PER_STUDENT], ids=["versions", "per-student"])
def test_every_version_answered_with_its_own_key_gets_full_marks(
    tmp_path: Path, spec: Path
) -> None:
    exam = fixture_exam(spec)
    write_paper(exam, tmp_path)
    key_csv = (tmp_path / "answer-key.csv").read_text(encoding="utf-8")
    (tmp_path / "responses.csv").write_text(_own_key_responses(key_csv), encoding="utf-8")
    key = load_key(tmp_path / "answer-key.csv", tmp_path / "manifest.json")
    graded = grade(tmp_path / "responses.csv", key)
    assert graded.problems == []
    assert len(graded.sheets) == len(exam.versions)
    for sheet in graded.sheets:
        assert sheet.score == key.max_score(sheet.version) > 0


def test_another_versions_key_does_not_get_full_marks(tmp_path: Path) -> None:
    write_paper(fixture_exam(), tmp_path)
    key_csv = (tmp_path / "answer-key.csv").read_text(encoding="utf-8")
    swapped = _own_key_responses(key_csv).replace("student-A,A,", "student-A,B,", 1)
    swapped = swapped.replace("student-B,B,", "student-B,A,", 1)
    (tmp_path / "responses.csv").write_text(swapped, encoding="utf-8")
    key = load_key(tmp_path / "answer-key.csv")
    graded = grade(tmp_path / "responses.csv", key)
    assert all(s.score < key.max_score(s.version) for s in graded.sheets)


def test_manifest_correct_letters_point_at_the_banks_correct_choice(tmp_path: Path) -> None:
    exam = fixture_exam(PER_STUDENT)
    write_paper(exam, tmp_path)
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    bank = fixture_bank()
    assert [v["version"] for v in manifest["versions"]] == ["s1101", "s1102", "s1103"]
    checked = 0
    for version, assembled in zip(manifest["versions"], exam.versions, strict=True):
        for entry, item in zip(version["questions"], assembled.items, strict=True):
            assert entry["question_id"] == item.question.id
            question = bank.get(entry["question_id"])
            if not isinstance(question, models.ChoiceQuestion):
                continue
            right = {i for i, c in enumerate(question.choices) if c.correct}
            for letter in entry["correct"]:
                position = LETTERS.index(letter)
                assert entry["bank_order"][position] in right
                # the printed text is the bank's correct choice (rendered with the params)
                expected = item.instance.choices[position]
                assert expected.correct
                assert entry["choices"]["en"][position] == pick(expected.text, "en")
                checked += 1
    assert checked >= 9


def test_parametric_questions_get_their_own_params_per_student() -> None:
    exam = fixture_exam(PER_STUDENT)
    params = [
        next(i.instance.params for i in v.items if i.question.id == "fx-mcq-param")
        for v in exam.versions
    ]
    assert len({tuple(sorted(p.items())) for p in params}) > 1


def test_cli_paper_writes_everything(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["--bank", str(BANK), "paper", str(SPEC), "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    # 8 paper files + sheet-A/B.html, sheet-A/B.pdf and sheet-layout.json
    assert "2 version(s), 13 files written" in result.output
    rows = list(csv.reader((tmp_path / "answer-key.csv").open(encoding="utf-8")))
    assert rows[0] == ["version", "number", "question_id", "type", "answer", "points"]
    kinds = {r[3]: r[4] for r in rows[1:]}
    assert kinds["tf"] == "T"
    assert kinds["multi"] in ("A,B", "A,C", "A,D", "B,C", "B,D", "C,D")
    numeric = [r[4] for r in rows[1:] if r[2] == "fx-num-rel"]
    assert numeric == ["1200±1%", "1200±1%"]


def test_course_midterm_spec_assembles() -> None:
    root = Path(__file__).parent.parent
    from questionbank.bank import load_bank

    exam = assemble(load_spec(root / "bank" / "exams" / "midterm.yaml"), load_bank(root / "bank"))
    assert [v.label for v in exam.versions] == ["A", "B"]
    kinds = [i.question.type for i in exam.versions[0].items]
    assert len(kinds) == 25 and kinds.count("code") == 2 and kinds.count("numeric") == 3
    assert all(v.total_points == 100 for v in exam.versions)
    assert all((i.question.week or 0) <= 8 for v in exam.versions for i in v.items)


def test_single_language_paper(tmp_path: Path) -> None:
    spec = write_spec(
        tmp_path,
        "title: {zh-TW: 測驗, en: Quiz}\nseed: 3\nlang: en\nsections:\n  - title: S\n"
        "    questions: [fx-mcq-pinned, fx-num-abs]\n",
    )
    write_paper(assemble(load_spec(spec), fixture_bank()), tmp_path / "out")
    html = (tmp_path / "out" / "paper-A.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in html and "<title>Quiz — A</title>" in html
    assert "What kind of learning is K-Means?" in html
    assert "K-Means 屬於哪一類" not in html and "非監督式學習" not in html
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    mcq = next(q for q in manifest["versions"][0]["questions"] if q["type"] == "mcq")
    assert list(mcq["choices"]) == ["en"]
