"""qbank grade-sheet: scoring, malformed rows, and item statistics against hand computation."""

from __future__ import annotations

import csv
import html
import json
import math
import re
from pathlib import Path
from statistics import pvariance

import pytest
from click.testing import CliRunner
from papers_support import FIXTURES

from questionbank.cli import cli
from questionbank.errors import InputError
from questionbank.item_analysis import analyse
from questionbank.sheets import grade, load_key

GRADING = FIXTURES / "grading"
KEY, MANIFEST, RESPONSES = (
    GRADING / "answer-key.csv",
    GRADING / "manifest.json",
    GRADING / "responses.csv",
)

# Hand computation for tests/fixtures/papers/grading (10 students, 4 one-point mcq items).
# Totals T = 4,3,3,2,2,2,1,1,1,0: mean 1.9, population variance 12.9/10 = 1.29.
# Ranked by T (ties in file order), g = round(0.27 * 10) = 3: upper s1,s2,s3; lower s8,s9,s10.
P = {"g1": 0.6, "g2": 0.6, "g3": 0.4, "g4": 0.3}
D = {"g1": 1.0, "g2": 1 - 1 / 3, "g3": 2 / 3, "g4": 2 / 3 - 1 / 3}
SD_T = math.sqrt(1.29)
# r_pb = (M1 - M) / s_T * sqrt(p / q), M1 = mean total of those right:
# g1: right s1-s5,s7 -> 15/6 = 2.5; g2: s1,s2,s3,s5,s6,s8 -> 2.5; g3: s1,s2,s4,s6 -> 2.75;
# g4: s1,s3,s9 -> 8/3.
R = {
    "g1": (2.5 - 1.9) / SD_T * math.sqrt(0.6 / 0.4),
    "g2": (2.5 - 1.9) / SD_T * math.sqrt(0.6 / 0.4),
    "g3": (2.75 - 1.9) / SD_T * math.sqrt(0.4 / 0.6),
    "g4": (8 / 3 - 1.9) / SD_T * math.sqrt(0.3 / 0.7),
}
# KR-20 = k/(k-1) * (1 - sum(p q) / var T) = 4/3 * (1 - 0.93 / 1.29)
KR20 = 4 / 3 * (1 - (0.24 + 0.24 + 0.24 + 0.21) / 1.29)
# Choices picked (A, B, C, D), counted by hand from responses.csv; s10 omitted g1.
COUNTS = {"g1": [6, 2, 1, 0], "g2": [3, 6, 1, 0], "g3": [3, 3, 4, 0], "g4": [6, 0, 1, 3]}


def test_item_statistics_match_hand_computation() -> None:
    key = load_key(KEY, MANIFEST)
    graded = grade(RESPONSES, key)
    assert graded.problems == []
    assert [s.score for s in graded.sheets] == [4, 3, 3, 2, 2, 2, 1, 1, 1, 0]
    analysis = analyse(graded, key)
    assert analysis.group_size == 3
    assert analysis.mean == pytest.approx(1.9)
    assert analysis.sd == pytest.approx(SD_T)
    assert analysis.reliability_name == "KR-20"
    assert analysis.reliability == pytest.approx(KR20)
    assert pytest.approx(0.372093, abs=1e-6) == KR20
    by_id = {item.question_id: item for item in analysis.items}
    assert list(by_id) == ["g1", "g2", "g3", "g4"]
    for qid, item in by_id.items():
        assert item.p == pytest.approx(P[qid]), qid
        assert item.discrimination == pytest.approx(D[qid]), qid
        assert item.point_biserial == pytest.approx(R[qid]), qid
        assert [o.label for o in item.options] == ["A", "B", "C", "D"]
        assert [o.count for o in item.options] == COUNTS[qid], qid
    assert by_id["g1"].omitted == 1
    assert R["g1"] == pytest.approx(0.6470, abs=1e-4)
    g4 = by_id["g4"]
    assert [(o.upper, o.lower) for o in g4.options] == [(1, 2), (0, 0), (0, 0), (2, 1)]
    assert analysis.flags == [
        "Q1 (g1): distractor D chosen by nobody",
        "Q2 (g2): distractor D chosen by nobody",
        "Q3 (g3): distractor D chosen by nobody",
        "Q4 (g4): distractor B chosen by nobody",
    ]


def test_statistics_do_not_depend_on_the_version_sat(tmp_path: Path) -> None:
    """Version B prints the questions in reverse and the choices rotated; students
    s6-s10 sit B with the same bank answers. Every statistic must stay the same."""
    rotate = [1, 2, 3, 0]  # printed position i shows bank choice rotate[i]
    letters = "ABCD"
    key_rows = list(csv.reader(KEY.open(encoding="utf-8")))
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    b_questions = []
    for number, row in enumerate(reversed(key_rows[1:]), start=1):
        bank_letter = row[4]
        printed = letters[rotate.index(letters.index(bank_letter))]
        key_rows.append(["B", str(number), row[2], "mcq", printed, "1"])
        b_questions.append(
            {
                "number": number,
                "question_id": row[2],
                "type": "mcq",
                "points": 1,
                "params": {},
                "answer": printed,
                "correct": [printed],
                "choices": {"en": [f"{row[2]} choice {letters[b]}" for b in rotate]},
                "bank_order": rotate,
            }
        )
    manifest["versions"].append({"version": "B", "total_points": 4, "questions": b_questions})
    with (tmp_path / "answer-key.csv").open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(key_rows)
    (tmp_path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    rows = list(csv.reader(RESPONSES.open(encoding="utf-8")))
    for row in rows[6:]:
        answers = row[2:]
        printed = [letters[rotate.index(letters.index(a))] if a else "" for a in answers]
        row[1:] = ["B", *reversed(printed)]
    with (tmp_path / "responses.csv").open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)

    key = load_key(tmp_path / "answer-key.csv", tmp_path / "manifest.json")
    graded = grade(tmp_path / "responses.csv", key)
    assert graded.problems == []
    mixed = analyse(graded, key)
    single = analyse(grade(RESPONSES, load_key(KEY, MANIFEST)), load_key(KEY, MANIFEST))
    assert [s.score for s in graded.sheets] == [4, 3, 3, 2, 2, 2, 1, 1, 1, 0]
    assert mixed.reliability == pytest.approx(single.reliability)
    for a, b in zip(mixed.items, single.items, strict=True):
        assert a.question_id == b.question_id
        assert (a.p, a.discrimination) == pytest.approx((b.p, b.discrimination))
        assert a.point_biserial == pytest.approx(b.point_biserial)
        assert [(o.label, o.count, o.upper, o.lower) for o in a.options] == [
            (o.label, o.count, o.upper, o.lower) for o in b.options
        ]
    assert mixed.items[0].where == "A:Q1, B:Q4"


def test_flags_for_bad_questions(tmp_path: Path) -> None:
    (tmp_path / "key.csv").write_text(
        "version,number,question_id,type,answer,points\n"
        "A,1,f1,mcq,A,1\nA,2,f2,mcq,A,1\nA,3,f3,mcq,A,1\nA,4,f4,mcq,A,1\n",
        encoding="utf-8",
    )
    (tmp_path / "responses.csv").write_text(
        "student_id,version,1,2,3,4\ns1,A,A,A,C,A\ns2,A,A,A,C,A\ns3,A,B,B,A,A\ns4,A,B,C,A,A\n",
        encoding="utf-8",
    )
    key = load_key(tmp_path / "key.csv")
    analysis = analyse(grade(tmp_path / "responses.csv", key), key)
    assert analysis.flags == [
        "Q3 (f3): negative discrimination (D = -1.00) — check the key",
        "Q3 (f3): distractor C draws more of the top group than the key — check the key",
        "Q4 (f4): low discrimination (D = 0.00)",
        "Q4 (f4): very easy (p = 1.00)",
    ]
    assert analysis.items[3].point_biserial is None  # everyone right: no correlation


def test_scoring_rules(tmp_path: Path) -> None:
    (tmp_path / "key.csv").write_text(
        "version,number,question_id,type,answer,points\n"
        'A,1,m,multi,"A,C",2\nA,2,t,tf,F,1\nA,3,n,numeric,0.875±0.005,1\n'
        "A,4,r,numeric,1200±1%,1\nA,5,s,short,ReLU | rectified linear unit | /relu\\s*\\(x\\)/,1\n"
        "A,6,c,code,,4\nA,7,e,numeric,63,1\n",
        encoding="utf-8",
    )
    (tmp_path / "responses.csv").write_text(
        "student_id,version,1,2,3,4,5,6,7\n"
        's1,A,"A,C",f,0.871,1211, relu ,4,63\n'
        's2,A,"A,B",TRUE,0.869,1213,ReLU(x),2.5,63.0\n'
        's3,A,"A,B,C",F,0.88,1188,rectified  Linear unit,0,62\n'
        "s4,A,C,,,,,,\n",
        encoding="utf-8",
    )
    key = load_key(tmp_path / "key.csv")
    graded = grade(tmp_path / "responses.csv", key)
    assert graded.problems == []
    points = [[s.points[n] for n in range(1, 8)] for s in graded.sheets]
    assert points == [
        [2, 1, 1, 1, 1, 4, 1],
        [0, 0, 0, 0, 1, 2.5, 1],  # multi: (1 right - 1 wrong) / 2 = 0
        [1, 1, 1, 1, 1, 0, 0],  # multi: (2 - 1) / 2 of 2 points
        [1, 0, 0, 0, 0, 0, 0],  # multi: 1 of 2 right
    ]


BAD_ROWS = [
    ("s99,C,A,B,C,D", "row skipped: unknown version 'C' (the key has A)"),
    ("s99,A,E,B,C,D", "row skipped: Q1 (mcq): 'E' (expected one letter A-D)"),
    ("s99,A,A,B", "row skipped: 4 columns, expected 6"),
    ("s1,A,A,B,C,D", "row skipped: student s1 already has a row (line 2)"),
    ('s99,A,"A,B",B,C,D', "row skipped: Q1 (mcq): 'A,B' (expected one letter A-D)"),
    (",A,A,B,C,D", "row skipped: empty student_id"),
]


@pytest.mark.parametrize(
    ("row", "message"),
    BAD_ROWS,
    ids=[
        "unknown-version",
        "letter-out-of-range",
        "short-row",
        "duplicate-student",
        "two-letters-for-mcq",
        "no-student-id",
    ],
)
def test_malformed_rows_are_reported_and_skipped(tmp_path: Path, row: str, message: str) -> None:
    text = RESPONSES.read_text(encoding="utf-8").replace("\ns10,", f"\n{row}\ns10,")
    (tmp_path / "responses.csv").write_text(text, encoding="utf-8")
    graded = grade(tmp_path / "responses.csv", load_key(KEY, MANIFEST))
    assert [p.message for p in graded.problems] == [message]
    assert graded.problems[0].location.line == 11
    assert len(graded.sheets) == 10  # the good rows are all scored


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "version,number,question_id,type,answer\n",
            "header must be version,number,question_id,type,answer,points",
        ),
        (
            "version,number,question_id,type,answer,points\nA,1,q,mcq,7,1\n",
            ":2:1: answer key: answer '7' of a mcq question (expected letters such as A or A,C)",
        ),
        (
            "version,number,question_id,type,answer,points\nA,1,q,numeric,abc,1\n",
            ":2:1: answer key: answer 'abc' of a numeric question",
        ),
        (
            "version,number,question_id,type,answer,points\nA,2,q,tf,T,1\n",
            "version A: question numbers must run 1..N",
        ),
    ],
    ids=["header", "bad-letter", "bad-number", "gap-in-numbers"],
)
def test_bad_answer_key_stops_everything(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "key.csv").write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_key(tmp_path / "key.csv")
    assert message in str(caught.value)


def test_cli_writes_scores_and_report(tmp_path: Path) -> None:
    (tmp_path / "answer-key.csv").write_bytes(KEY.read_bytes())
    (tmp_path / "manifest.json").write_bytes(MANIFEST.read_bytes())  # found beside the key
    responses = tmp_path / "responses.csv"
    responses.write_text(RESPONSES.read_text(encoding="utf-8") + "s11,A,Z,,,\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        [
            "grade-sheet",
            str(tmp_path / "answer-key.csv"),
            str(responses),
            "--out",
            str(tmp_path / "out"),
        ],
    )
    assert result.exit_code == 1  # a row was skipped: the user must look
    assert (
        "responses.csv:12:1: row skipped: Q1 (mcq): 'Z' (expected one letter A-D)" in result.output
    )
    assert "1 malformed row(s) skipped" in result.output
    scores = list(csv.reader((tmp_path / "out" / "scores.csv").open(encoding="utf-8")))
    assert scores[0] == ["student_id", "version", "score", "max_score", "1", "2", "3", "4"]
    assert scores[1] == ["s1", "A", "4", "4", "1", "1", "1", "1"]
    assert scores[10] == ["s10", "A", "0", "4", "0", "0", "0", "0"]
    assert len(scores) == 11
    report = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "KR-20 reliability (on the points awarded)</th><td>0.37</td>" in report
    assert "Q4 (g4): distractor B chosen by nobody" in report
    assert '<svg class="histogram"' in report and "row skipped" in report


# --- reliability on points, labels as printed, parametric versions ----------------
# Weighted items (1, 1, 2, 3 points), each right (full points) or wrong, five students:
#   s1 1 1 2 3 = 7 | s2 1 1 2 0 = 4 | s3 1 0 0 3 = 4 | s4 0 1 0 0 = 1 | s5 0 0 0 0 = 0
# Population variances of the points: .24 + .24 + .96 + 2.16 = 3.6; of the totals:
# 82/5 - 3.2^2 = 6.16. alpha = 4/3 * (1 - 3.6/6.16) = 0.5541 (on items scaled to 0..1
# it would be KR-20 = 4/3 * (1 - .96/2) = 0.6933, the figure the issue found wrong).
WEIGHTED_ALPHA = 4 / 3 * (1 - 3.6 / 6.16)


def test_reliability_is_alpha_on_the_points_awarded(tmp_path: Path) -> None:
    (tmp_path / "key.csv").write_text(
        "version,number,question_id,type,answer,points\n"
        "A,1,w1,mcq,A,1\nA,2,w2,mcq,A,1\nA,3,w3,mcq,A,2\nA,4,w4,mcq,A,3\n",
        encoding="utf-8",
    )
    (tmp_path / "responses.csv").write_text(
        "student_id,version,1,2,3,4\n"
        "s1,A,A,A,A,A\ns2,A,A,A,A,B\ns3,A,A,B,B,A\ns4,A,B,A,B,B\ns5,A,B,B,B,B\n",
        encoding="utf-8",
    )
    key = load_key(tmp_path / "key.csv")
    analysis = analyse(grade(tmp_path / "responses.csv", key), key)
    assert analysis.reliability_name == "Cronbach's α"
    assert analysis.reliability == pytest.approx(WEIGHTED_ALPHA)
    assert pytest.approx(0.554113, abs=1e-6) == WEIGHTED_ALPHA
    assert analysis.reliability_items == 4


def test_half_credit_is_not_called_kr20(tmp_path: Path) -> None:
    (tmp_path / "key.csv").write_text(
        "version,number,question_id,type,answer,points\n"
        'A,1,m,multi,"A,C",1\nA,2,t,tf,T,1\nA,3,u,tf,F,1\n',
        encoding="utf-8",
    )
    (tmp_path / "responses.csv").write_text(
        'student_id,version,1,2,3\ns1,A,"A,C",T,F\ns2,A,A,T,T\ns3,A,B,F,T\n',
        encoding="utf-8",
    )
    key = load_key(tmp_path / "key.csv")
    graded = grade(tmp_path / "responses.csv", key)
    assert [s.points[1] for s in graded.sheets] == [1, 0.5, 0]
    assert analyse(graded, key).reliability_name == "Cronbach's α"


def _alpha(columns: list[list[float]]) -> float:
    totals = [sum(row) for row in zip(*columns, strict=True)]
    k = len(columns)
    return k / (k - 1) * (1 - sum(pvariance(c) for c in columns) / pvariance(totals))


def test_report_renders_labels_and_each_versions_numbers(tmp_path: Path) -> None:
    paper = tmp_path / "paper"
    runner = CliRunner()
    made = runner.invoke(
        cli,
        [
            "--bank",
            str(FIXTURES / "bank"),
            "paper",
            str(FIXTURES / "exam.yaml"),
            "--out",
            str(paper),
        ],
    )
    assert made.exit_code == 0, made.output
    manifest = json.loads((paper / "manifest.json").read_text(encoding="utf-8"))
    for version in manifest["versions"]:
        for q in version["questions"]:
            if q["question_id"] == "fx-mcq-fixed-order":
                q["choices"] = {lang: [f"`{t}`" for t in c] for lang, c in q["choices"].items()}
    (paper / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    # Version A: sigmoid, fixed-order, pinned, all-above, multi, tf, num-rel, num-param, code,
    # short; version B prints them in another order (see its answer key).
    (tmp_path / "responses.csv").write_text(
        "student_id,version,1,2,3,4,5,6,7,8,9,10\n"
        's1,A,C,B,B,D,"B,D",T,1200,63,4,ReLU\n'
        "s2,A,C,B,A,D,B,T,1200,60,2,relu\n"
        's3,A,A,A,B,A,"B,D",F,1100,63,0,sigmoid\n'
        's4,B,B,D,D,B,T,"C,D",21,1200,4,ReLU\n'
        "s5,B,A,D,A,B,F,C,22,1000,1,no\n"
        's6,B,B,A,D,C,T,"C,D",21,1190,3,rectified linear unit\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = runner.invoke(
        cli,
        [
            "grade-sheet",
            str(paper / "answer-key.csv"),
            str(tmp_path / "responses.csv"),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    report = html.unescape((out / "report.html").read_text(encoding="utf-8"))

    # The reliability, checked against an independent computation from the two CSVs.
    ids = {
        (row["version"], row["number"]): row["question_id"]
        for row in csv.DictReader((paper / "answer-key.csv").open(encoding="utf-8"))
    }
    points: dict[str, list[float]] = {}
    for row in csv.DictReader((out / "scores.csv").open(encoding="utf-8")):
        for number in range(1, 11):
            qid = ids[(row["version"], str(number))]
            points.setdefault(qid, []).append(float(row[str(number)]))
    alpha = _alpha(list(points.values()))
    assert (f"Cronbach's α reliability (on the points awarded)</th><td>{alpha:.2f}</td>") in report

    # Choice labels as the paper prints them: MathML and code, no raw $ or backticks.
    options = re.findall(r"<h3>.*?</table>", report, re.S)
    sigmoid = next(block for block in options if "fx-mcq-sigmoid" in block)
    assert sigmoid.count("<math") == 4 and "$" not in sigmoid
    fixed = next(block for block in options if "fx-mcq-fixed-order" in block)
    assert "<code>512</code>" in fixed and "`" not in fixed

    # fx-num-param drew n_in = 8 in A and 2 in B (n_out = 7 in both, so not listed).
    per_version = re.search(
        r"<code>fx-num-param</code>: numbers per version.*?</table>", report, re.S
    )
    assert per_version is not None
    rows = re.findall(r"<tr><td>(\w)</td>((?:<td>[^<]*</td>)+)</tr>", per_version.group(0))
    cells = {v: re.findall(r"<td>([^<]*)</td>", tds) for v, tds in rows}
    assert cells == {"A": ["8", "63", "3", "0.67"], "B": ["2", "21", "3", "0.67"]}
    assert "<code>n_in</code>" in per_version.group(0)
    assert "n_out" not in per_version.group(0)
