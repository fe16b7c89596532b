"""Whole-bank exports read by consumers qbank did not write: Moodle's multilang filter
rules over every bilingual field in each language, gift-pegjs for GIFT, and the Canvas
QTI structure (types, points, answer ids, per-choice feedback)."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lms_consumers import gift_pegjs_dir, moodle_multilang, parse_gift_pegjs

from questionbank import models
from questionbank.bank import Bank, load_bank
from questionbank.describe import LETTERS
from questionbank.export_command import ExportRequest, run_export
from questionbank.export_common import (
    ExportItem,
    LmsText,
    category_path,
    decimal_text,
    export_items,
    lms_exportable,
    moodle_lang,
)
from questionbank.export_gift import gift
from questionbank.export_moodle import CATEGORY_ROOT, absolute_tolerance, moodle_xml
from questionbank.export_qti import answer_ids, ident, qti_zip
from questionbank.localized import Localized, pick

BANK = Path(__file__).resolve().parents[1] / "bank"
MIDTERM = BANK / "exams" / "midterm.yaml"
LANGS = ["zh-TW", "en"]


@pytest.fixture(scope="module")
def bank() -> Bank:
    return load_bank(BANK)


@pytest.fixture(scope="module")
def items(bank: Bank) -> list[ExportItem]:
    return [i for i in export_items(bank.questions, variants=5) if lms_exportable(i.question)]


@pytest.fixture(scope="module")
def moodle_root(items: list[ExportItem]) -> ET.Element:
    return ET.fromstring(moodle_xml(items, LANGS))


@pytest.fixture(scope="module")
def gift_source(items: list[ExportItem]) -> str:
    return gift(items, LANGS)


def _unit(item: ExportItem) -> str:
    q = item.question
    return f"<p>({q.unit})</p>" if isinstance(q, models.NumericQuestion) and q.unit else ""


def _fields(item: ExportItem) -> Iterator[tuple[str, Localized | None, bool]]:
    """(field name, bank text, inline) of every text an export carries for the item."""
    inst = item.instance
    yield "prompt", inst.prompt, False
    yield "explanation", inst.explanation, False
    for choice in inst.choices:
        yield f"choice {LETTERS[choice.index]}", choice.text, True
        yield f"feedback {LETTERS[choice.index]}", choice.feedback, True


def _bilingual(text: Localized | None) -> bool:
    return bool(text) and pick(text, "zh-TW") != pick(text, "en")


class MultilangCheck:
    """Runs Moodle's filter over exported fields; counts the bilingual ones it checked."""

    def __init__(self) -> None:
        self.bilingual = 0
        self.failures: list[str] = []
        self.single = {lang: LmsText([lang]) for lang in LANGS}

    def field(
        self, where: str, exported: str, text: Localized | None, *, inline: bool, suffix: str = ""
    ) -> None:
        if _bilingual(text):
            self.bilingual += 1
            if 'class="multilang"' not in exported:
                self.failures.append(f"{where}: bilingual text without multilang spans")
        for lang in LANGS:
            want = self.single[lang].html(text, inline=inline) + suffix
            for old in (False, True):
                seen = moodle_multilang(exported, moodle_lang(lang), old_syntax=old)
                if seen != want:
                    syntax = "old" if old else "new"
                    self.failures.append(
                        f"{where} [{lang}, {syntax} syntax]:\n  sees {seen!r}\n  want {want!r}"
                    )

    def expect(self, items: list[ExportItem]) -> None:
        want = sum(1 for item in items for _, text, _ in _fields(item) if _bilingual(text))
        assert not self.failures, f"{len(self.failures)} field(s) wrong:\n" + "\n".join(
            self.failures[:10]
        )
        assert self.bilingual == want > 1000


def test_filter_rules_catch_a_nested_span() -> None:
    """The checker itself: the old output (math in a span) cuts the zh_tw text short."""
    broken = (
        '<span lang="zh_tw" class="multilang">前 <span class="math inline">x</span> 後</span>'
        '<span lang="en" class="multilang">before x after</span>'
    )
    assert moodle_multilang(broken, "zh_tw") != '前 <span class="math inline">x</span> 後'
    fixed = LmsText(LANGS).html({"zh-TW": "前 $x$ 後", "en": "before $x$ after"}, inline=True)
    assert fixed == (
        '<span lang="zh_tw" class="multilang">前 \\(x\\) 後</span>'
        '<span lang="en" class="multilang">before \\(x\\) after</span>'
    )
    assert moodle_multilang(fixed, "zh_tw") == "前 \\(x\\) 後"
    assert moodle_multilang(fixed, "en") == "before \\(x\\) after"
    assert moodle_multilang(fixed, "fr") == "before \\(x\\) after"  # parent chain ends in en


TRICKY = [
    ("inline-math", "前 $x_i^2$ 後", "before $x_i^2$ after", True),
    (
        "display-math",
        "前\n\n$$\\sum_{i=1}^n x_i$$\n\n後",
        "before\n\n$$\\sum_i x_i$$\n\nafter",
        False,
    ),
    ("double-inline", "值 $$a$$ 是", "value $$a$$ is", False),
    ("literal-span", "寫 `</span>` 或 <span>x</span>", "write `</span>` or <span>x</span>", True),
    ("list-and-code", "步驟：\n\n- 一\n- 二\n\n```\nx = 1\n```", "Steps:\n\n- one\n- two", False),
    ("one-paragraph", "一段 **粗體** $y$", "one **bold** $y$ paragraph", False),
]


@pytest.mark.parametrize(
    ("zh", "en", "inline"), [case[1:] for case in TRICKY], ids=[case[0] for case in TRICKY]
)
def test_multilang_blocks_read_right_whatever_they_hold(zh: str, en: str, inline: bool) -> None:
    text = {"zh-TW": zh, "en": en}
    exported = LmsText(LANGS).html(text, inline=inline)
    for lang in LANGS:
        want = LmsText([lang]).html(text, inline=inline)
        assert moodle_multilang(exported, moodle_lang(lang)) == want
        assert moodle_multilang(exported, moodle_lang(lang), old_syntax=True) == want
    assert "math inline" not in exported


def test_moodle_xml_multilang_reads_right_in_each_language(
    items: list[ExportItem], moodle_root: ET.Element
) -> None:
    root = moodle_root
    check = MultilangCheck()
    questions = [q for q in root.findall("question") if q.get("type") != "category"]
    assert len(questions) == len(items) == 783
    by_name = {i.name: i for i in items}
    for node in questions:
        name = node.findtext("name/text") or ""
        item = by_name[name]
        inst = item.instance
        check.field(
            f"{name} questiontext",
            node.findtext("questiontext/text") or "",
            inst.prompt,
            inline=False,
            suffix=_unit(item),
        )
        check.field(
            f"{name} generalfeedback",
            node.findtext("generalfeedback/text") or "",
            inst.explanation,
            inline=False,
        )
        if node.get("type") == "multichoice":
            answers = node.findall("answer")
            assert len(answers) == len(inst.choices), name
            for answer, choice in zip(answers, inst.choices, strict=True):
                letter = LETTERS[choice.index]
                check.field(
                    f"{name} {letter}", answer.findtext("text") or "", choice.text, inline=True
                )
                check.field(
                    f"{name} {letter} feedback",
                    answer.findtext("feedback/text") or "",
                    choice.feedback,
                    inline=True,
                )
    check.expect(items)


def test_moodle_categories_are_a_topic_and_week_tree(
    items: list[ExportItem], moodle_root: ET.Element
) -> None:
    root = moodle_root
    by_name = {i.name: i for i in items}
    current = ""
    seen: set[str] = set()
    for node in root.findall("question"):
        if node.get("type") == "category":
            current = node.findtext("category/text") or ""
            assert current not in seen, f"category {current} opened twice"
            seen.add(current)
            continue
        q = by_name[node.findtext("name/text") or ""].question
        week = f"Week {q.week}" if q.week else "No week"
        want = f"{CATEGORY_ROOT}/{q.topic}/{week}"
        if q.parametric:
            want += f"/{q.id} (5 variants)"
        assert current == want
        if node.get("type") == "multichoice":
            assert node.findtext("shuffleanswers") in ("true", "false")
    assert f"{CATEGORY_ROOT}/cnn/Week 6" in seen


def test_moodle_xml_keys_for_the_whole_bank(
    items: list[ExportItem], moodle_root: ET.Element
) -> None:
    root = moodle_root
    by_name = {i.name: i for i in items}
    for node in root.findall("question"):
        if node.get("type") == "category":
            continue
        item = by_name[node.findtext("name/text") or ""]
        q, inst = item.question, item.instance
        answers = node.findall("answer")
        fractions = [float(a.get("fraction") or "nan") for a in answers]
        if isinstance(q, models.ChoiceQuestion):
            assert [f > 0 for f in fractions] == [c.correct for c in inst.choices], item.name
            assert sum(f for f in fractions if f > 0) == pytest.approx(100, abs=0.001)
        elif isinstance(q, models.TrueFalseQuestion):
            right = [a.findtext("text") for a, f in zip(answers, fractions, strict=True) if f]
            assert right == [str(inst.answer).lower()], item.name
        elif isinstance(q, models.NumericQuestion):
            value = answers[0].findtext("text") or ""
            tolerance = answers[0].findtext("tolerance") or ""
            assert re.fullmatch(r"-?\d+(\.\d+)?", value) and re.fullmatch(r"\d+(\.\d+)?", tolerance)
            assert float(value) == pytest.approx(float(inst.answer)), item.name
            want = absolute_tolerance(q, float(inst.answer))
            assert float(tolerance) == pytest.approx(want, rel=1e-9, abs=1e-12), item.name
        elif isinstance(q, models.ShortQuestion):
            assert [a.findtext("text") for a in answers] == list(q.answers), item.name
        else:
            pytest.fail(f"{item.name}: {q.type} is not exported to Moodle")


def test_moodle_xml_parser_reads_every_choice_question_with_its_key(
    items: list[ExportItem], bank: Bank
) -> None:
    """moodle-xml-parser (PyPI), a consumer qbank did not write, reads the question type,
    the single/multiple flag, the shuffle flag and each choice's fraction and feedback."""
    parser = pytest.importorskip("moodle_xml_parser.parser")
    xml = moodle_xml(items, LANGS)
    parsed = parser.parse_bytes(xml.encode("utf-8") if isinstance(xml, str) else xml)
    read = {q.name: q for q in parsed["multichoice"]}
    choice_items = [i for i in items if isinstance(i.question, models.ChoiceQuestion)]
    assert len(read) == len(choice_items) > 100  # a question it cannot parse is dropped
    for item in choice_items:
        question = read[item.name]
        assert question.single == isinstance(item.question, models.McqQuestion), item.name
        # A question with a pinned choice ("All of the above") is not shuffled: Moodle has
        # one shuffle flag per question.
        shuffled = item.question.shuffle and not item.pinned
        assert question.shuffle_answers is shuffled, item.name
        correct = [c.correct for c in item.instance.choices]
        assert [o.score_fraction > 0 for o in question.options] == correct, item.name
        assert sum(o.score_fraction for o in question.options if o.score_fraction > 0) == (
            pytest.approx(100, abs=0.001)
        )


# --- GIFT through gift-pegjs ----------------------------------------------------


@pytest.fixture(scope="module")
def gift_parsed(gift_source: str) -> list[dict[str, Any]]:
    return parse_gift_pegjs(gift_source, gift_pegjs_dir())


def _gift_text(value: dict[str, Any] | None) -> str:
    if value is None:
        return ""
    assert value["format"] == "html"
    # GIFT cannot hold a raw newline inside a question: qbank writes it as &#10;.
    return str(value["text"]).replace("&#10;", "\n")


def test_gift_pegjs_reads_every_question_with_its_key(
    items: list[ExportItem], gift_parsed: list[dict[str, Any]]
) -> None:
    categories = [q["title"] for q in gift_parsed if q["type"] == "Category"]
    assert categories == sorted(set(categories), key=categories.index)  # each opened once
    assert {f"{CATEGORY_ROOT}/{category_path(i.category)}" for i in items} == set(categories)
    questions = [q for q in gift_parsed if q["type"] != "Category"]
    by_name = {i.name: i for i in items}
    assert [q["title"] for q in questions] == [i.name for i in items]
    kinds = {"mcq": "MC", "multi": "MC", "tf": "TF", "numeric": "Numerical", "short": "Short"}
    for parsed in questions:
        item = by_name[parsed["title"]]
        q, inst = item.question, item.instance
        assert parsed["type"] == kinds[q.type], item.name
        if isinstance(q, models.ChoiceQuestion):
            choices = parsed["choices"]
            assert len(choices) == len(inst.choices)
            for got, choice in zip(choices, inst.choices, strict=True):
                if isinstance(q, models.McqQuestion):
                    assert got["isCorrect"] == choice.correct, item.name
                else:
                    assert (got["weight"] > 0) == choice.correct, item.name
                assert bool(got["feedback"]) == bool(choice.feedback), item.name
        elif isinstance(q, models.TrueFalseQuestion):
            assert parsed["isTrue"] is inst.answer
        elif isinstance(q, models.NumericQuestion):
            choice = parsed["choices"]
            choice = choice[0]["text"] if isinstance(choice, list) else choice
            assert choice["number"] == pytest.approx(float(inst.answer)), item.name
            tolerance = absolute_tolerance(q, float(inst.answer))
            assert choice.get("range", 0) == pytest.approx(float(decimal_text(tolerance)))
        elif isinstance(q, models.ShortQuestion):
            assert [c["text"]["text"] for c in parsed["choices"]] == list(q.answers)
        assert bool(parsed["globalFeedback"]) == bool(inst.explanation), item.name


def test_gift_multilang_reads_right_in_each_language(
    items: list[ExportItem], gift_parsed: list[dict[str, Any]]
) -> None:
    check = MultilangCheck()
    by_name = {i.name: i for i in items}
    for parsed in gift_parsed:
        if parsed["type"] == "Category":
            continue
        item = by_name[parsed["title"]]
        inst = item.instance
        name = item.name
        check.field(
            f"{name} stem",
            _gift_text(parsed["stem"]),
            inst.prompt,
            inline=False,
            suffix=_unit(item),
        )
        check.field(
            f"{name} general feedback",
            _gift_text(parsed["globalFeedback"]),
            inst.explanation,
            inline=False,
        )
        if isinstance(item.question, models.ChoiceQuestion):
            for got, choice in zip(parsed["choices"], inst.choices, strict=True):
                letter = LETTERS[choice.index]
                check.field(f"{name} {letter}", _gift_text(got["text"]), choice.text, inline=True)
                check.field(
                    f"{name} {letter} feedback",
                    _gift_text(got["feedback"]),
                    choice.feedback,
                    inline=True,
                )
    check.expect(items)


def test_gift_numbers_are_plain_decimals(items: list[ExportItem], gift_source: str) -> None:
    source = gift_source
    numeric = re.findall(r"\{#([^}:]*):([^}\n]*?)(?:\n####|})", source)
    assert len(numeric) == sum(1 for i in items if i.question.type == "numeric")
    for value, tolerance in numeric:
        assert re.fullmatch(r"-?\d+(\.\d+)?", value), value
        assert re.fullmatch(r"\d+(\.\d+)?", tolerance), tolerance
    assert decimal_text(6.25e-05) == "0.0000625"
    assert decimal_text(1e20) == "100000000000000000000"
    assert decimal_text(-1.5e-7) == "-0.00000015"


# --- Canvas QTI -------------------------------------------------------------------

NS = {"q": "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"}
Q = "{" + NS["q"] + "}"


def _qti_key(node: ET.Element) -> list[str]:
    """What Canvas scores as right: the SCORE condition's accepted responses."""
    scoring = next(c for c in node.iter(f"{Q}respcondition") if c.find("q:setvar", NS) is not None)
    var = scoring.find("q:conditionvar", NS)
    assert var is not None
    both = var.find("q:and", NS)
    if both is not None:  # multiple answers: these picked, the others not
        return sorted(v.text or "" for v in both.findall("q:varequal", NS))
    return [v.text or "" for v in var.iter(f"{Q}varequal")]


def _bank_key(item: ExportItem) -> list[str]:
    q, inst = item.question, item.instance
    if isinstance(q, models.TrueFalseQuestion):
        return [ident(f"{item.name}-{str(inst.answer).lower()}")]
    if isinstance(q, models.ChoiceQuestion):
        right = [ident(f"{item.name}-{LETTERS[c.index]}") for c in inst.choices if c.correct]
        return sorted(right)
    if isinstance(q, models.NumericQuestion):
        return [decimal_text(float(inst.answer))]
    assert isinstance(q, models.ShortQuestion)
    return list(q.answers)


def test_qti_carries_answer_ids_points_and_per_choice_feedback(items: list[ExportItem]) -> None:
    archive = zipfile.ZipFile(io.BytesIO(qti_zip(items, LANGS, "Deep Learning")))
    root = ET.fromstring(archive.read(archive.namelist()[1]))
    assert root.find("q:assessment", NS).get("title") == "Deep Learning"  # type: ignore[union-attr]
    by_name = {i.name: i for i in items}
    text = LmsText(LANGS, multilang=False)
    types = {
        "mcq": "multiple_choice_question",
        "multi": "multiple_answers_question",
        "tf": "true_false_question",
        "numeric": "numerical_question",
        "short": "short_answer_question",
    }
    choice_feedback = 0
    seen = []
    for node in root.iter(f"{Q}item"):
        item = by_name[node.get("title") or ""]
        seen.append(item.name)
        fields = {
            f.findtext("q:fieldlabel", namespaces=NS): f.findtext("q:fieldentry", namespaces=NS)
            for f in node.iter(f"{Q}qtimetadatafield")
        }
        assert fields["question_type"] == types[item.question.type]
        assert float(fields["points_possible"] or "nan") == item.question.points
        ids = (fields["original_answer_ids"] or "").split(",")
        assert ids == answer_ids(item) and all(ids), item.name
        labels = [lab.get("ident") for lab in node.iter(f"{Q}response_label")]
        if isinstance(item.question, models.ChoiceQuestion | models.TrueFalseQuestion):
            assert labels == ids, item.name
        feedbacks = {
            fb.get("ident"): fb.findtext("q:flow_mat/q:material/q:mattext", namespaces=NS)
            for fb in node.findall("q:itemfeedback", NS)
        }
        shown = {
            cond.findtext("q:conditionvar/q:varequal", namespaces=NS): cond.find(
                "q:displayfeedback", NS
            )
            for cond in node.findall("q:resprocessing/q:respcondition", NS)
            if cond.get("continue") == "Yes"
        }
        for choice in item.instance.choices:
            choice_id = ident(f"{item.name}-{LETTERS[choice.index]}")
            if not choice.feedback:
                assert choice_id not in shown
                continue
            display = shown[choice_id]
            assert display is not None
            html = feedbacks[display.get("linkrefid")]
            assert html == text.html(choice.feedback, inline=True), item.name
            choice_feedback += 1
        if item.instance.explanation:
            assert feedbacks["general_fb"] == text.html(item.instance.explanation)
        assert _qti_key(node) == _bank_key(item), item.name
    assert seen == [i.name for i in items]
    assert choice_feedback == sum(1 for i in items for c in i.instance.choices if c.feedback)
    assert choice_feedback > 400


@pytest.mark.parametrize(
    ("args", "title"),
    [
        ({"title": "Quiz 3 / 小考 3", "topics": ["gan"]}, "Quiz 3 / 小考 3"),
        ({"spec": MIDTERM}, "深度學習 期中考 / Deep Learning Midterm"),
        ({"spec": MIDTERM, "lang": "en"}, "Deep Learning Midterm"),
        ({"topics": ["cnn", "gan"]}, "qbank: cnn, gan"),
    ],
    ids=["title", "spec", "spec-en", "topics"],
)
def test_qti_quiz_title(bank: Bank, tmp_path: Path, args: dict[str, Any], title: str) -> None:
    out = tmp_path / "quiz.zip"
    run_export(bank, ExportRequest(fmt="qti", out=out, **args))
    archive = zipfile.ZipFile(out)
    meta = ET.fromstring(archive.read(archive.namelist()[2]))
    assert meta.findtext("{http://canvas.instructure.com/xsd/cccv1p0}title") == title


def test_export_counts_exported_and_skipped_apart(bank: Bank, tmp_path: Path) -> None:
    """The CLI prints these lines (tests/test_exports.py drives it on the fixture bank)."""
    out = tmp_path / "bank.xml"
    report = run_export(bank, ExportRequest(fmt="moodle", out=out))
    assert report.summary("bank.xml") == (
        "783 question(s) exported to bank.xml; 34 skipped "
        "(code questions: Moodle XML has no question type that runs code)"
    )
    [(_, ids)] = report.skipped
    assert len(ids) == 34 and ids[:2] == ["accuracy", "adagrad_step"]
    written = ET.parse(out).getroot()
    assert sum(1 for q in written.findall("question") if q.get("type") != "category") == 783
