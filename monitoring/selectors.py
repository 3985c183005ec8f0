"""Reads that feed the sweep's page: how far a run has got and what it found."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from govpublic import states
from monitoring.models import ChangeEvent, SweepRun
from organizations.models import Organization, briefing_key

# A severity looks like the state it threatens: «Срочно» as a violation, «Внимание» as a remark.
SEVERITY_STATES = {
    ChangeEvent.Severity.CRITICAL: states.FAIL,
    ChangeEvent.Severity.WARNING: states.WARNING,
    ChangeEvent.Severity.INFO: states.UNKNOWN,
}


def sweep_progress(run: SweepRun) -> dict:
    """What the progress bar shows, also as the page's JSON: the pages done and, once some
    are, the time left at the pace so far (None before the first page, and when finished)."""
    seconds_left = None
    if run.finished_at is None and run.pages_done and run.pages_total > run.pages_done:
        elapsed = max((timezone.now() - run.started_at).total_seconds(), 1.0)
        seconds_left = math.ceil(elapsed / run.pages_done * (run.pages_total - run.pages_done))
    return {
        "status": run.status,
        "pages_done": run.pages_done,
        "pages_total": run.pages_total,
        "faults": run.faults,
        "finished": run.finished_at is not None,
        "config_errors": run.config_errors,
        "seconds_left": seconds_left,
        "time_left": time_left_words(seconds_left) if seconds_left is not None else "",
    }


def time_left_words(seconds: int) -> str:
    if seconds < 60:
        return _("осталось меньше минуты")
    minutes = math.ceil(seconds / 60)
    if minutes < 60:
        return _("осталось около %(minutes)d мин") % {"minutes": minutes}
    return _("осталось около %(hours)d ч %(minutes)d мин") % {"hours": minutes // 60, "minutes": minutes % 60}


def duration_words(run: SweepRun) -> str:
    """How long a finished run took: «2 мин 13 с»."""
    seconds = round((run.finished_at - run.started_at).total_seconds())
    if seconds < 60:
        return _("%(seconds)d с") % {"seconds": seconds}
    if seconds < 3600:
        return _("%(minutes)d мин %(seconds)d с") % {"minutes": seconds // 60, "seconds": seconds % 60}
    return _("%(hours)d ч %(minutes)d мин") % {"hours": seconds // 3600, "minutes": seconds % 3600 // 60}


@dataclass
class OrganizationChanges:
    organization: Organization
    events: list[ChangeEvent] = field(default_factory=list)


def run_changes(run: SweepRun, organizations: QuerySet[Organization]) -> list[OrganizationChanges]:
    """The change events this run wrote, by organization in the briefing's order, the most
    severe first within each: one query."""
    events = (
        ChangeEvent.objects.filter(run=run, organization__in=organizations)
        .select_related("organization", "page")
        .order_by("created_at", "pk")
    )
    rank = {severity: index for index, severity in enumerate(SEVERITY_STATES)}
    groups: dict[int, OrganizationChanges] = {}
    for event in sorted(events, key=lambda event: rank.get(event.severity, len(rank))):
        event.state = SEVERITY_STATES.get(event.severity, states.UNKNOWN)
        groups.setdefault(event.organization_id, OrganizationChanges(event.organization)).events.append(event)
    return sorted(groups.values(), key=lambda group: briefing_key(group.organization.kind, group.organization.short_name))
