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
# Not a state: nothing there, and nothing asked for (a recommended MAX channel not opened).
ABSENT = State("absent", "–", _("нет"), "cell-absent", "text-bg-light", "FFFFFF", "6C757D")
# Worst first: the order of the dashboard's «сначала нарушения» and of the legend's reading.
ORDER = ("fail", "unknown", "warning", "ok")
LABELS = {code: state.label for code, state in STATES.items()}


def state(code: str | None) -> State:
    return STATES.get(code or "unknown", UNKNOWN)


# DESIGN §3.2 makes these a remark on the page (its status «есть замечания»), not a violation:
# their unmet item is amber, like the page and the organization it belongs to.
REMARK_CRITERIA = frozenset({"regular_posting", "posts_from_community", "mandatory_info", "vk_regular", "ok_regular"})


def of_verdict(verdict: str | None, code: str = "") -> State:
    """An automatic checklist item (judged by the sweep)."""
    if verdict == "non_compliant":
        return WARNING if code in REMARK_CRITERIA else FAIL
    return OK if verdict == "compliant" else UNKNOWN


def of_work(status: str | None, due: datetime.date | None, today: datetime.date) -> State:
    """A paperwork item: approved is in order, submitted waits for review (a remark), returned
    or past its deadline is a violation, not started before the deadline is a remark."""
    if status == "approved":
        return OK
    if status == "returned" or (status != "submitted" and due is not None and due < today):
        return FAIL
    return WARNING


def of_item(
    *, code: str, manual: bool, status: str | None, verdict: str | None, note: str, due: datetime.date | None,
    today: datetime.date, status_label: str, verdict_label: str,
) -> tuple[State, str]:
    """A checklist item's state and why, in words: the dashboard's and the matrix's cell."""
    if not manual:
        return of_verdict(verdict, code), note or verdict_label
    state_ = of_work(status, due, today)
    why = status_label
    if status in ("not_started", "returned", None, "") and due is not None:
        when = due.strftime("%d.%m.%Y")
        why += ". " + (_("Срок %(due)s истёк") if due < today else _("Срок — до %(due)s")) % {"due": when}
    return state_, why
