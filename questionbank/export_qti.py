"""Render stage: a QTI 1.2 zip in the layout Canvas imports.

The zip holds imsmanifest.xml, ``<id>/<id>.xml`` (the questestinterop assessment) and
``<id>/assessment_meta.xml`` (Canvas quiz settings). A parametric question's variants
form a question group from which Canvas draws one per student. Canvas accepts broken
files silently, so the tests check this structure. The zip is byte-reproducible: fixed
member order and timestamps, identifiers derived from the content.
"""

from __future__ import annotations

import hashlib
import io
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Sequence
from itertools import groupby

from questionbank import models
from questionbank.describe import LETTERS, number_text
from questionbank.export_common import ExportItem, LmsText, decimal_text, lms_exportable
from questionbank.export_moodle import absolute_tolerance

QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
CP_NS = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
CANVAS_NS = "http://canvas.instructure.com/xsd/cccv1p0"
QUESTION_TYPES = {
    "mcq": "multiple_choice_question",
    "multi": "multiple_answers_question",
    "tf": "true_false_question",
    "numeric": "numerical_question",
    "short": "short_answer_question",
}
_EPOCH = (1980, 1, 1, 0, 0, 0)


def ident(*parts: str) -> str:
    return "g" + hashlib.sha256("\0".join(parts).encode()).hexdigest()[:24]


def _meta(item: ET.Element, fields: dict[str, str]) -> None:
    meta = ET.SubElement(ET.SubElement(item, "itemmetadata"), "qtimetadata")
    for label, entry in fields.items():
        field = ET.SubElement(meta, "qtimetadatafield")
        ET.SubElement(field, "fieldlabel").text = label
        ET.SubElement(field, "fieldentry").text = entry


def _mattext(parent: ET.Element, html: str) -> None:
    ET.SubElement(
        ET.SubElement(parent, "material"), "mattext", {"texttype": "text/html"}
    ).text = html


def _set_score(condition: ET.Element, value: str = "100") -> None:
    ET.SubElement(condition, "setvar", {"action": "Set", "varname": "SCORE"}).text = value


def item_element(item: ExportItem, text: LmsText) -> ET.Element | None:
    q = item.question
    inst = item.instance
    kind = QUESTION_TYPES.get(q.type)
    if kind is None or not lms_exportable(q):
        return None
    node = ET.Element("item", {"ident": ident(item.name), "title": item.name})
    _meta(
        node,
        {
            "question_type": kind,
            "points_possible": number_text(q.points),
            "original_answer_ids": ",".join(answer_ids(item)),
            "assessment_question_identifierref": ident("a", item.name),
        },
    )
    presentation = ET.SubElement(node, "presentation")
    prompt = text.html(inst.prompt)
    if isinstance(q, models.NumericQuestion) and q.unit:
        prompt += f"<p>({q.unit})</p>"
    _mattext(presentation, prompt)
    processing = ET.SubElement(node, "resprocessing")
    outcomes = ET.SubElement(processing, "outcomes")
    ET.SubElement(
        outcomes,
        "decvar",
        {"maxvalue": "100", "minvalue": "0", "varname": "SCORE", "vartype": "Decimal"},
    )
    general = text.html(inst.explanation)
    if general:
        # Canvas shows general feedback through a condition that always holds.
        shown = ET.SubElement(processing, "respcondition", {"continue": "Yes"})
        ET.SubElement(ET.SubElement(shown, "conditionvar"), "other")
        ET.SubElement(
            shown, "displayfeedback", {"feedbacktype": "Response", "linkrefid": "general_fb"}
        )
        feedback = ET.SubElement(node, "itemfeedback", {"ident": "general_fb"})
        _mattext(ET.SubElement(feedback, "flow_mat"), general)
    if isinstance(q, (models.ChoiceQuestion, models.TrueFalseQuestion)):
        if isinstance(q, models.TrueFalseQuestion):
            options = [("True", inst.answer is True), ("False", inst.answer is False)]
            labels = [(f"{item.name}-{name.lower()}", name, ok) for name, ok in options]
        else:
            labels = [
                (f"{item.name}-{LETTERS[c.index]}", text.html(c.text, inline=True), c.correct)
                for c in inst.choices
            ]
            for choice in inst.choices:
                _choice_feedback(
                    node,
                    processing,
                    choice_ident(item, choice.index),
                    text.html(choice.feedback, inline=True),
                )
        cardinality = "Multiple" if isinstance(q, models.MultiQuestion) else "Single"
        lid = ET.SubElement(
            presentation, "response_lid", {"ident": "response1", "rcardinality": cardinality}
        )
        render = ET.SubElement(lid, "render_choice")
        for label, html, _ in labels:
            option = ET.SubElement(render, "response_label", {"ident": ident(label)})
            _mattext(option, html)
        condition = ET.SubElement(processing, "respcondition", {"continue": "No"})
        var = ET.SubElement(condition, "conditionvar")
        if isinstance(q, models.MultiQuestion):
            both = ET.SubElement(var, "and")
            for label, _, ok in labels:
                target = both if ok else ET.SubElement(both, "not")
                ET.SubElement(target, "varequal", {"respident": "response1"}).text = ident(label)
        else:
            right = next(label for label, _, ok in labels if ok)
            ET.SubElement(var, "varequal", {"respident": "response1"}).text = ident(right)
        _set_score(condition)
    elif isinstance(q, models.NumericQuestion):
        value = float(inst.answer)
        tol = absolute_tolerance(q, value)
        response = ET.SubElement(
            presentation, "response_str", {"ident": "response1", "rcardinality": "Single"}
        )
        fib = ET.SubElement(response, "render_fib", {"fibtype": "Decimal"})
        ET.SubElement(fib, "response_label", {"ident": "answer1"})
        condition = ET.SubElement(processing, "respcondition", {"continue": "No"})
        either = ET.SubElement(ET.SubElement(condition, "conditionvar"), "or")
        ET.SubElement(either, "varequal", {"respident": "response1"}).text = decimal_text(value)
        within = ET.SubElement(either, "and")
        ET.SubElement(within, "vargte", {"respident": "response1"}).text = decimal_text(value - tol)
        ET.SubElement(within, "varlte", {"respident": "response1"}).text = decimal_text(value + tol)
        _set_score(condition)
    elif isinstance(q, models.ShortQuestion):
        response = ET.SubElement(
            presentation, "response_str", {"ident": "response1", "rcardinality": "Single"}
        )
        fib = ET.SubElement(response, "render_fib")
        ET.SubElement(fib, "response_label", {"ident": "answer1", "rshuffle": "No"})
        condition = ET.SubElement(processing, "respcondition", {"continue": "No"})
        var = ET.SubElement(condition, "conditionvar")
        for accepted in q.answers:
            ET.SubElement(var, "varequal", {"respident": "response1"}).text = accepted
        _set_score(condition)
    return node


def choice_ident(item: ExportItem, index: int) -> str:
    """The response id of the choice at bank ``index`` (its response_label ident)."""
    return ident(f"{item.name}-{LETTERS[index]}")


def answer_ids(item: ExportItem) -> list[str]:
    """Canvas's ids of a question's answers (choices, or accepted answers)."""
    q = item.question
    if isinstance(q, models.TrueFalseQuestion):
        return [ident(f"{item.name}-{value}") for value in ("true", "false")]
    if isinstance(q, models.ChoiceQuestion):
        return [choice_ident(item, c.index) for c in item.instance.choices]
    if isinstance(q, models.ShortQuestion):
        return [ident(item.name, "answer", accepted) for accepted in q.answers]
    return [ident(item.name, "answer")]


def _choice_feedback(node: ET.Element, processing: ET.Element, choice: str, html: str) -> None:
    """Feedback Canvas shows to a student who picked ``choice`` (as text2qti writes it)."""
    if not html:
        return
    shown = ET.SubElement(processing, "respcondition", {"continue": "Yes"})
    ET.SubElement(
        ET.SubElement(shown, "conditionvar"), "varequal", {"respident": "response1"}
    ).text = choice
    ET.SubElement(
        shown, "displayfeedback", {"feedbacktype": "Response", "linkrefid": f"{choice}_fb"}
    )
    feedback = ET.SubElement(node, "itemfeedback", {"ident": f"{choice}_fb"})
    _mattext(ET.SubElement(feedback, "flow_mat"), html)


def assessment_xml(items: Sequence[ExportItem], langs: list[str], title: str, aid: str) -> str:
    text = LmsText(langs, multilang=False)
    root = ET.Element("questestinterop", {"xmlns": QTI_NS})
    assessment = ET.SubElement(root, "assessment", {"ident": aid, "title": title})
    meta = ET.SubElement(assessment, "qtimetadata")
    field = ET.SubElement(meta, "qtimetadatafield")
    ET.SubElement(field, "fieldlabel").text = "cc_maxattempts"
    ET.SubElement(field, "fieldentry").text = "1"
    section = ET.SubElement(assessment, "section", {"ident": "root_section"})
    for category, group in groupby(items, key=lambda i: i.category):
        members = list(group)
        elements = [e for e in (item_element(i, text) for i in members) if e is not None]
        if not elements:
            continue
        if members[0].question.parametric:
            pool = ET.SubElement(
                section,
                "section",
                {"ident": ident("group", *category), "title": members[0].question.id},
            )
            selection = ET.SubElement(ET.SubElement(pool, "selection_ordering"), "selection")
            ET.SubElement(selection, "selection_number").text = "1"
            ext = ET.SubElement(selection, "selection_extension")
            ET.SubElement(ext, "points_per_item").text = number_text(members[0].question.points)
            pool.extend(elements)
        else:
            section.extend(elements)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def assessment_meta(title: str, aid: str, points: float, shuffle: bool) -> str:
    quiz = ET.Element("quiz", {"identifier": aid, "xmlns": CANVAS_NS})
    for tag, value in (
        ("title", title),
        ("description", ""),
        ("shuffle_answers", str(shuffle).lower()),
        ("scoring_policy", "keep_highest"),
        ("quiz_type", "assignment"),
        ("points_possible", number_text(points)),
        ("allowed_attempts", "1"),
        ("one_question_at_a_time", "false"),
        ("cant_go_back", "false"),
        ("available", "false"),
        ("show_correct_answers", "true"),
        ("assignment_group_identifierref", ident("ag", aid)),
    ):
        ET.SubElement(quiz, tag).text = value
    ET.indent(quiz)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, encoding="unicode") + "\n"


def manifest_xml(aid: str) -> str:
    root = ET.Element("manifest", {"identifier": ident("manifest", aid), "xmlns": CP_NS})
    meta = ET.SubElement(root, "metadata")
    ET.SubElement(meta, "schema").text = "IMS Content"
    ET.SubElement(meta, "schemaversion").text = "1.1.3"
    ET.SubElement(root, "organizations")
    resources = ET.SubElement(root, "resources")
    quiz = ET.SubElement(resources, "resource", {"identifier": aid, "type": "imsqti_xmlv1p2"})
    ET.SubElement(quiz, "file", {"href": f"{aid}/{aid}.xml"})
    ET.SubElement(quiz, "dependency", {"identifierref": f"{aid}_meta"})
    meta_res = ET.SubElement(
        resources,
        "resource",
        {
            "identifier": f"{aid}_meta",
            "type": "associatedcontent/imscc_xmlv1p1/learning-application-resource",
            "href": f"{aid}/assessment_meta.xml",
        },
    )
    ET.SubElement(meta_res, "file", {"href": f"{aid}/assessment_meta.xml"})
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def qti_zip(items: Sequence[ExportItem], langs: list[str], title: str = "qbank export") -> bytes:
    aid = ident("assessment", title, *(i.name for i in items))
    exported = [i for i in items if lms_exportable(i.question)]
    points = 0.0
    for _, group in groupby(exported, key=lambda i: i.category):
        members = list(group)
        # A parametric question's variants form a group from which Canvas draws one.
        points += (
            members[0].question.points
            if members[0].question.parametric
            else sum(m.question.points for m in members)
        )
    shuffle = not any(i.pinned for i in exported)
    files = {
        "imsmanifest.xml": manifest_xml(aid),
        f"{aid}/{aid}.xml": assessment_xml(items, langs, title, aid),
        f"{aid}/assessment_meta.xml": assessment_meta(title, aid, points, shuffle),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, content.encode("utf-8"))
    return buffer.getvalue()
