"""qbank export: XML structure and answer round-trips for Moodle XML, GIFT, QTI, Markdown."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from papers_support import BANK, fixture_bank

from questionbank import models
from questionbank.cli import cli
from questionbank.describe import LETTERS
from questionbank.export_common import ExportItem, LmsText, export_items
from questionbank.export_gift import gift
from questionbank.export_markdown import markdown
from questionbank.export_moodle import MOODLE_FRACTIONS, moodle_xml
from questionbank.export_qti import qti_zip

LANGS = ["zh-TW", "en"]


@pytest.fixture(scope="module")
def items() -> list[ExportItem]:
    return export_items(fixture_bank().questions, variants=3)


def _expected(item: ExportItem) -> object:
    """The answer an export must carry, from the bank's instance."""
    inst = item.instance
    q = inst.question
    if isinstance(q, models.ChoiceQuestion):
        return sorted(LETTERS[c.index] for c in inst.choices if c.correct)
    if isinstance(q, models.TrueFalseQuestion):
        return inst.answer
    if isinstance(q, models.NumericQuestion):
        return float(inst.answer)
    if isinstance(q, models.ShortQuestion):
        return list(q.answers)
    return None


def _exportable(items: list[ExportItem]) -> dict[str, ExportItem]:
    return {i.name: i for i in items if i.question.type != "code"}


# --- Moodle XML -----------------------------------------------------------------


def test_moodle_xml_structure_and_answers(items: list[ExportItem]) -> None:
    root = ET.fromstring(moodle_xml(items, LANGS))
    assert root.tag == "quiz"
    categories = [
        q.findtext("category/text") for q in root.findall("question") if q.get("type") == "category"
    ]
    assert "$course$/top/qbank/ml/Week 4" in categories
    assert "$course$/top/qbank/nn/Week 6/fx-num-param (3 variants)" in categories  # variants
    questions = [q for q in root.findall("question") if q.get("type") != "category"]
    by_name = {q.findtext("name/text"): q for q in questions}
    expected = _exportable(items)
    assert set(by_name) == set(expected)
    assert {n for n in by_name if n.startswith("fx-num-param")} == {
        "fx-num-param-v1",
        "fx-num-param-v2",
        "fx-num-param-v3",
    }
    for name, node in by_name.items():
        item = expected[name]
        kind = node.get("type")
        assert node.findtext("questiontext/text")
        answers = node.findall("answer")
        fractions = [float(a.get("fraction", "x")) for a in answers]
        assert all(abs(f) in MOODLE_FRACTIONS for f in fractions)
        if kind == "multichoice":
            # answers are written in the author's order: map fractions back to letters
            inst = item.instance
            right = sorted(
                LETTERS[c.index] for c, f in zip(inst.choices, fractions, strict=True) if f > 0
            )
            assert right == _expected(item)
            assert sum(f for f in fractions if f > 0) == pytest.approx(100, abs=0.001)
            single = node.findtext("single") == "true"
            assert single == (item.question.type == "mcq")
            assert node.findtext("shuffleanswers") == ("false" if item.pinned else "true") or (
                not getattr(item.question, "shuffle", True)
            )
        elif kind == "truefalse":
            truth = next(a.findtext("text") for a in answers if a.get("fraction") == "100")
            assert (truth == "true") == _expected(item)
        elif kind == "numerical":
            assert float(answers[0].findtext("text") or "nan") == pytest.approx(_expected(item))
            tolerance = float(answers[0].findtext("tolerance") or "nan")
            if name == "fx-num-rel":
                assert tolerance == pytest.approx(12.0)  # 1% of 1200
            if name == "fx-num-abs":
                assert tolerance == pytest.approx(0.005)
        elif kind == "shortanswer":
            assert [a.findtext("text") for a in answers] == _expected(item)
        else:
            pytest.fail(f"unexpected type {kind}")


def test_moodle_multi_fractions_follow_our_partial_credit(items: list[ExportItem]) -> None:
    root = ET.fromstring(moodle_xml(items, LANGS))
    node = next(q for q in root.findall("question") if q.findtext("name/text") == "fx-multi-three")
    assert [a.get("fraction") for a in node.findall("answer")] == [
        "33.33333",
        "33.33333",
        "33.33333",
        "-33.33333",
        "-33.33333",
    ]


def test_moodle_keeps_math_and_chinese(items: list[ExportItem]) -> None:
    root = ET.fromstring(moodle_xml(items, LANGS))
    node = next(q for q in root.findall("question") if q.findtext("name/text") == "fx-mcq-sigmoid")
    text = node.findtext("questiontext/text") or ""
    assert '<span lang="zh_tw" class="multilang">' in text and "的導數為何" in text
    assert "\\(\\sigma(x)\\)" in text
    right = next(a for a in node.findall("answer") if a.get("fraction") == "100")
    assert "\\(\\sigma(x)(1-\\sigma(x))\\)" in (right.findtext("text") or "")


def test_pinned_questions_are_not_shuffled_in_moodle(items: list[ExportItem]) -> None:
    root = ET.fromstring(moodle_xml(items, LANGS))
    flags = {
        q.findtext("name/text"): q.findtext("shuffleanswers") for q in root.findall("question")
    }
    assert flags["fx-mcq-pinned"] == "false" and flags["fx-mcq-all-above"] == "false"
    assert flags["fx-mcq-sigmoid"] == "true"
    node = next(
        q for q in root.findall("question") if q.findtext("name/text") == "fx-mcq-all-above"
    )
    assert "All of the above" in (node.findall("answer")[-1].findtext("text") or "")


# --- GIFT ----------------------------------------------------------------------


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _split_unescaped(text: str, char: str) -> int:
    i = 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == char:
            return i
        i += 1
    return -1


def parse_gift(source: str) -> dict[str, tuple[str, str]]:
    """A minimal GIFT reader following Moodle's rules: name -> (question text, answer block)."""
    out: dict[str, tuple[str, str]] = {}
    for block in source.split("\n\n"):
        lines = [ln for ln in block.splitlines() if not ln.startswith(("//", "$CATEGORY"))]
        if not lines:
            continue
        body = "\n".join(lines)
        assert body.startswith("::")
        end = body.index("::", 2)
        name = body[2:end]
        rest = body[end + 2 :]
        start = _split_unescaped(rest, "{")
        close = start + 1 + _split_unescaped(rest[start + 1 :], "}")
        assert start >= 0 and close > start, name
        out[name] = (_unescape(rest[:start]), rest[start + 1 : close])
    return out


def _gift_answers(block: str) -> list[tuple[str, str]]:
    """(marker, text) of each answer in a block; general feedback dropped."""
    general = block.find("####")
    block = block[:general] if general >= 0 else block
    parts = re.split(r"(?<!\\)([=~])", block)
    answers = []
    for marker, text in zip(parts[1::2], parts[2::2], strict=True):
        cut = _split_unescaped(text, "#")
        answers.append((marker, _unescape(text[:cut] if cut >= 0 else text).strip()))
    return answers


def test_gift_round_trips_the_answers(items: list[ExportItem]) -> None:
    parsed = parse_gift(gift(items, LANGS))
    expected = _exportable(items)
    assert set(parsed) == set(expected)
    text = LmsText(LANGS)
    for name, (question, block) in parsed.items():
        item = expected[name]
        inst = item.instance
        assert question.startswith("[html]")
        want = _expected(item)
        if isinstance(item.question, models.McqQuestion):
            answers = _gift_answers(block)
            right = [a for m, a in answers if m == "="]
            correct = next(c for c in inst.choices if c.correct)
            assert right == [text.html(correct.text, inline=True)]
        elif isinstance(item.question, models.MultiQuestion):
            answers = _gift_answers(block)
            weights = [re.match(r"%(-?[\d.]+)%", a) for _, a in answers]
            picked = sorted(
                LETTERS[c.index]
                for c, w in zip(inst.choices, weights, strict=True)
                if w and float(w.group(1)) > 0
            )
            assert picked == want
        elif isinstance(item.question, models.TrueFalseQuestion):
            assert block.split("####")[0].strip() == ("TRUE" if want else "FALSE")
        elif isinstance(item.question, models.NumericQuestion):
            match = re.match(r"#([-\d.e]+):([\d.e]+)", block)
            assert match and float(match.group(1)) == pytest.approx(want)
        else:
            assert [a for _, a in _gift_answers(block)] == want


def test_gift_escapes_latex_braces_and_keeps_chinese(items: list[ExportItem]) -> None:
    source = gift(items, LANGS)
    assert "\\\\frac\\{7\\}\\{8\\}" in source  # \frac{7}{8} survives Moodle's brace rule
    parsed = parse_gift(source)
    question, _ = parsed["fx-mcq-sigmoid"]
    assert '<span lang="zh_tw" class="multilang">\\(\\sigma(x)\\) 的導數為何？</span>' in question


# --- QTI -----------------------------------------------------------------------

NS = {"q": "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"}


def test_qti_zip_structure(items: list[ExportItem]) -> None:
    archive = zipfile.ZipFile(io.BytesIO(qti_zip(items, LANGS)))
    names = archive.namelist()
    assert names[0] == "imsmanifest.xml" and len(names) == 3
    manifest = ET.fromstring(archive.read("imsmanifest.xml"))
    cp = {"cp": "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"}
    resources = manifest.findall("cp:resources/cp:resource", cp)
    assert resources[0].get("type") == "imsqti_xmlv1p2"
    for resource in resources:
        for file in resource.findall("cp:file", cp):
            assert file.get("href") in names
    meta = ET.fromstring(archive.read(names[2]))
    canvas = {"c": "http://canvas.instructure.com/xsd/cccv1p0"}
    assert meta.findtext("c:shuffle_answers", namespaces=canvas) == "false"  # pinned choices
    # 12 fixed questions, +1 for the group of numeric variants, +1 for the mcq variants
    assert float(meta.findtext("c:points_possible", namespaces=canvas) or 0) == 14


def test_qti_round_trips_the_answers(items: list[ExportItem]) -> None:
    archive = zipfile.ZipFile(io.BytesIO(qti_zip(items, LANGS)))
    root = ET.fromstring(archive.read(archive.namelist()[1]))
    section = root.find("q:assessment/q:section", NS)
    assert section is not None
    groups = section.findall("q:section", NS)
    assert {g.get("title") for g in groups} == {"fx-num-param", "fx-mcq-param"}
    for group in groups:
        assert (
            group.findtext("q:selection_ordering/q:selection/q:selection_number", namespaces=NS)
            == "1"
        )
        assert len(group.findall("q:item", NS)) == 3
    expected = _exportable(items)
    found = {}
    for node in root.iter(f"{{{NS['q']}}}item"):
        name = node.get("title") or ""
        item = expected[name]
        fields = {
            f.findtext("q:fieldlabel", namespaces=NS): f.findtext("q:fieldentry", namespaces=NS)
            for f in node.iter(f"{{{NS['q']}}}qtimetadatafield")
        }
        labels = {
            lab.get("ident"): lab.findtext("q:material/q:mattext", namespaces=NS)
            for lab in node.iter(f"{{{NS['q']}}}response_label")
        }
        scoring = next(
            c
            for c in node.iter(f"{{{NS['q']}}}respcondition")
            if c.find("q:setvar", NS) is not None
        ).find("q:conditionvar", NS)
        assert scoring is not None
        kind = fields["question_type"]
        if kind in ("multiple_choice_question", "true_false_question"):
            right = scoring.findtext("q:varequal", namespaces=NS)
            text = labels[right]
            if kind == "true_false_question":
                found[name] = text == "True"
            else:
                correct = next(c for c in item.instance.choices if c.correct)
                assert text == LmsText(LANGS, multilang=False).html(correct.text, inline=True)
                found[name] = _expected(item)
        elif kind == "multiple_answers_question":
            both = scoring.find("q:and", NS)
            assert both is not None
            wanted = [labels[v.text] for v in both.findall("q:varequal", NS)]
            unwanted = [labels[v.text] for v in both.findall("q:not/q:varequal", NS)]
            assert len(wanted) + len(unwanted) == len(item.instance.choices)
            found[name] = sorted(
                LETTERS[c.index]
                for c in item.instance.choices
                if LmsText(LANGS, multilang=False).html(c.text, inline=True) in wanted
            )
        elif kind == "numerical_question":
            value = float(scoring.findtext("q:or/q:varequal", namespaces=NS) or "nan")
            low = float(scoring.findtext("q:or/q:and/q:vargte", namespaces=NS) or "nan")
            high = float(scoring.findtext("q:or/q:and/q:varlte", namespaces=NS) or "nan")
            assert low <= value <= high
            found[name] = value
        elif kind == "short_answer_question":
            found[name] = [v.text for v in scoring.findall("q:varequal", NS)]
        assert fields["points_possible"] == f"{item.question.points:g}"
    assert set(found) == set(expected)
    for name, value in found.items():
        want = _expected(expected[name])
        assert value == (pytest.approx(want) if isinstance(want, float) else want), name


def test_qti_keeps_chinese_and_math(items: list[ExportItem]) -> None:
    archive = zipfile.ZipFile(io.BytesIO(qti_zip(items, LANGS)))
    xml = archive.read(archive.namelist()[1]).decode("utf-8")
    assert "的導數為何" in xml and "\\(\\sigma(x)\\)" in xml


# --- Markdown and the command --------------------------------------------------


def test_markdown_round_trips_the_answers(items: list[ExportItem]) -> None:
    source = markdown(items, LANGS)
    answers = dict(re.findall(r"^### (\S+)\n.*?^\*\*Answer:\*\* ([^\n]+)$", source, re.M | re.S))
    assert set(answers) == {i.name for i in items}
    for item in items:
        want = _expected(item)
        got = answers[item.name]
        if item.question.type in ("mcq", "multi"):
            # letters as listed in the document ("All of the above" moved last)
            assert got.split(",") == [LETTERS[i] for i in item.instance.correct_indexes]
        elif isinstance(want, bool):
            assert got == ("T" if want else "F")
        elif isinstance(want, float):
            assert float(re.split(r"[±\s]", got)[0]) == pytest.approx(want)
    assert "$\\sigma(x)$ 的導數為何？" in source and "```python" in source


@pytest.mark.parametrize("fmt", ["moodle", "gift", "qti", "markdown"])
def test_export_command_is_deterministic_and_filters(tmp_path: Path, fmt: str) -> None:
    runner = CliRunner()
    args = ["--bank", str(BANK), "export", fmt, "--topic", "ml", "--type", "mcq"]
    first = runner.invoke(cli, [*args, "--out", str(tmp_path / "one")])
    second = runner.invoke(cli, [*args, "--out", str(tmp_path / "two")])
    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    assert "5 question(s) exported" in first.output
    assert (tmp_path / "one").read_bytes() == (tmp_path / "two").read_bytes()


def test_export_reports_what_it_leaves_out(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["--bank", str(BANK), "export", "moodle", "--topic", "nn", "--out", str(tmp_path / "x")],
    )
    assert result.exit_code == 0
    assert (
        "note: moodle: skipped code questions: Moodle XML has no question type that runs code: "
        "fx-code-relu\n"
    ) in result.output
    assert "question(s) exported to" in result.output
    assert "; 1 skipped (code questions: Moodle XML has no question type" in result.output
    assert "regex patterns of fx-short-relu are not exported" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--topic", "mll"], "--topic 'mll': no question has this topic (did you mean 'ml'?)"),
        (["--type", "mqc"], "--type 'mqc': unknown question type (did you mean 'mcq'?)"),
    ],
    ids=["topic-typo", "type-typo"],
)
def test_export_filter_typos(tmp_path: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(
        cli, ["--bank", str(BANK), "export", "gift", *args, "--out", str(tmp_path / "x")]
    )
    assert result.exit_code == 2
    assert message in result.output
