"""One visual language for a state, wherever it is shown: the dashboard, the matrix, the
organization page, the district report (PDF and DOCX) and every export use these colours,
glyphs and words, and never colour alone (the glyph and the word travel with it).

Four states, the dashboard's: in order, with remarks, violation, unknown. A checklist item's
work status and the sweep's verdict map onto them here, so «на проверке» looks the same on
every screen and an overdue document is red in the matrix as on the dashboard."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class State:
    code: str
    glyph: str
    label: Promise
    css: str  # the cell class of static/css/govpublic.css
    badge: str  # Bootstrap's badge class
    fill: str  # the cell's background, RGB hex, for XLSX and DOCX
    ink: str  # the glyph's colour, RGB hex (passes WCAG AA on `fill`)


OK = State("ok", "✓", _("в порядке"), "cell-ok", "text-bg-success", "D1E7DD", "0F5132")
WARNING = State("warning", "!", _("есть замечания"), "cell-warning", "text-bg-warning", "FFF3CD", "664D03")
FAIL = State("fail", "✗", _("нарушение"), "cell-fail", "text-bg-danger", "F8D7DA", "842029")
UNKNOWN = State("unknown", "?", _("нет данных"), "cell-unknown", "text-bg-secondary", "E2E3E5", "41464B")

STATES = {state.code: state for state in (OK, WARNING, FAIL, UNKNOWN)}
# Worst first: the order of the dashboard's «сначала нарушения» and of the legend's reading.
ORDER = ("fail", "unknown", "warning", "ok")
LABELS = {code: state.label for code, state in STATES.items()}


def state(code: str | None) -> State:
    return STATES.get(code or "unknown", UNKNOWN)


def of_verdict(verdict: str | None) -> State:
    """An automatic checklist item (judged by the sweep)."""
    return {"compliant": OK, "non_compliant": FAIL}.get(verdict or "", UNKNOWN)


def of_work(status: str | None, due: datetime.date | None, today: datetime.date) -> State:
    """A paperwork item: approved is in order, submitted waits for review (a remark), returned
    or past its deadline is a violation, not started before the deadline is a remark."""
    if status == "approved":
        return OK
    if status == "returned" or (status != "submitted" and due is not None and due < today):
        return FAIL
    return WARNING
