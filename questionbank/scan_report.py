"""Report stage of qbank scan: scan-report.html, open review items first, then each sheet."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from questionbank.render_paper import PaperRenderer
from questionbank.scan_decide import FAINT, STROKE

if TYPE_CHECKING:
    from questionbank.scan import Outcome


def report_view(outcome: Outcome) -> dict[str, Any]:
    pages = []
    by_page: dict[str, list[Any]] = {}
    for item in outcome.items:
        by_page.setdefault(f"{item.file}#{item.page}", []).append(item)
    for result in outcome.results:
        key = f"{result.ref.path.name}#{result.ref.index + 1}"
        flagged = by_page.get(key, [])
        student = result.readings.get("id")
        pages.append(
            {
                "name": result.ref.name,
                "status": result.status,
                "message": result.message,
                "sheet": result.sheet,
                "page": result.page,
                "student": (student.value or "?") if student is not None else result.sheet,
                "picture": result.picture,
                "flagged": [vars(i) for i in flagged],
                "readings": [
                    {"field": name, "value": r.value, "seen": r.seen}
                    for name, r in sorted(
                        result.readings.items(),
                        key=lambda kv: (kv[0] != "id", int(kv[0][1:]) if kv[0] != "id" else 0),
                    )
                ],
            }
        )

    # Pages with something to decide first, then the rest in scan order.
    def settled(page: dict[str, Any]) -> bool:
        return not any(i["open"] for i in page["flagged"])

    pages.sort(key=settled)
    return {
        "summary": {
            "pages": len(outcome.results),
            "read": sum(1 for r in outcome.results if r.status == "ok"),
            "students": len(outcome.rows),
            "open": len(outcome.open_items),
            "decided": sum(1 for i in outcome.items if not i.open),
        },
        "open_items": [vars(i) for i in outcome.open_items],
        "notes": outcome.notes,
        "pages": pages,
        "rules": {"stroke": STROKE, "faint": FAINT},
    }


def write_report(outcome: Outcome, out: Path, templates: Path | None = None) -> Path:
    html = PaperRenderer(templates).render("scan-report.html.j2", report_view(outcome))
    target = out / "scan-report.html"
    target.write_text(html, encoding="utf-8", newline="\n")
    return target
