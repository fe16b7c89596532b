"""Render stage for grading: scores.csv and report.html (through templates/report.html.j2)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from markupsafe import Markup

from questionbank.describe import number_text
from questionbank.item_analysis import Analysis
from questionbank.render_paper import PaperRenderer
from questionbank.richtext import RichText
from questionbank.sheets import AnswerKey, Graded, scores_csv


def _fixed(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def report_view(key: AnswerKey, graded: Graded, analysis: Analysis) -> dict[str, Any]:
    peak = max((c for _, c in analysis.histogram), default=0) or 1
    # Choice texts are bank Markdown: rendered as the paper renders them (math, code).
    rich = RichText()
    return {
        "key_file": key.file,
        "students": analysis.students,
        "versions": sorted(key.versions),
        "max_score": number_text(analysis.max_score),
        "mean": _fixed(analysis.mean),
        "sd": _fixed(analysis.sd),
        "median": _fixed(analysis.median),
        "reliability": _fixed(analysis.reliability),
        "reliability_name": analysis.reliability_name,
        "reliability_items": analysis.reliability_items,
        "all_items": len(analysis.items),
        "group_size": analysis.group_size,
        "histogram": [
            {"label": label, "count": count, "height": round(120 * count / peak, 1)}
            for label, count in analysis.histogram
        ],
        "items": [
            {
                "where": item.where,
                "id": item.question_id,
                "type": item.type,
                "points": number_text(item.points),
                "n": item.n,
                "p": _fixed(item.p),
                "d": _fixed(item.discrimination),
                "r": _fixed(item.point_biserial),
                "omitted": item.omitted,
                "options": [
                    {
                        "label": o.label,
                        "text": Markup(rich.html(o.text, inline=True)) if o.text else "",
                        "correct": o.correct,
                        "count": o.count,
                        "upper": o.upper,
                        "lower": o.lower,
                    }
                    for o in item.options
                ],
                "flags": item.flags,
                "param_names": list(item.versions[0].params) if item.versions else [],
                "versions": [
                    {
                        "version": v.version,
                        "params": list(v.params.values()),
                        "answer": v.answer,
                        "n": v.n,
                        "p": _fixed(v.p),
                    }
                    for v in item.versions
                ],
            }
            for item in analysis.items
        ],
        "flags": analysis.flags,
        "problems": [str(p) for p in graded.problems],
    }


def write_grades(
    key: AnswerKey, graded: Graded, analysis: Analysis, out: Path, *, templates: Path | None = None
) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    scores = out / "scores.csv"
    scores.write_text(scores_csv(graded, key), encoding="utf-8", newline="\n")
    report = out / "report.html"
    html = PaperRenderer(templates).render("report.html.j2", report_view(key, graded, analysis))
    report.write_text(html, encoding="utf-8", newline="\n")
    return [scores, report]
