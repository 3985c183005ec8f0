"""Reads that feed the sweep's page: how far a run has got and what it found."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from govpublic import states
from monitoring.models import ChangeEvent, Snapshot, SweepRun
from organizations.models import OfficialPage, Organization, briefing_key

# A severity looks like the state it threatens: «Срочно» as a violation, «Внимание» as a remark.
SEVERITY_STATES = {
    ChangeEvent.Severity.CRITICAL: states.FAIL,
    ChangeEvent.Severity.WARNING: states.WARNING,
    ChangeEvent.Severity.INFO: states.UNKNOWN,
}


def run_concerns(run: SweepRun, district_id: int | None, district_orgs: set[int] | None = None) -> bool:
    """Whether a run read pages of the district (None: the region sees every run): a run of
    the region, of that district, or of organizations among which one is the district's
    (`district_orgs`: their ids, when the caller has them already)."""
    if district_id is None or run.scope in ("all", f"district:{district_id}"):
        return True
    if not run.scope.startswith("orgs:"):
        return False
    if district_orgs is None:
        district_orgs = _district_orgs(district_id)
    return not district_orgs.isdisjoint(run.organization_ids or [])


def _district_orgs(district_id: int) -> set[int]:
    return set(Organization.objects.filter(district_id=district_id).values_list("pk", flat=True))


def recent_runs(district_id: int | None, limit: int = 10) -> list[SweepRun]:
    """The latest runs the district's methodologist may open (every run for the region): two
    queries."""
    runs = SweepRun.objects.order_by("-started_at")
    if district_id is None:
        return list(runs[:limit])
    candidates = list(runs.filter(~Q(scope__startswith="district:") | Q(scope=f"district:{district_id}"))[: limit * 5])
    orgs = _district_orgs(district_id)
    return [run for run in candidates if run_concerns(run, district_id, orgs)][:limit]


def sweep_progress(run: SweepRun, district_id: int | None = None) -> dict:
    """What the progress bar shows, also as the page's JSON: the pages done and, once some
    are, the time left at the pace so far (None before the first page, and when finished).
    For a district's methodologist the counts are of the district's pages only."""
    done, total, faults = run.pages_done, run.pages_total, run.faults
    if district_id is not None and run.scope != f"district:{district_id}":
        pages = OfficialPage.objects.filter(organization__district_id=district_id, network__in=run.networks or [])
        if run.organization_ids is not None:
            pages = pages.filter(organization_id__in=run.organization_ids)
        snapshots = Snapshot.objects.filter(run=run, page__organization__district_id=district_id)
        total = pages.count()
        done = min(snapshots.values("page_id").distinct().count(), total)
        faults = snapshots.exclude(error="").values("page_id").distinct().count()
    seconds_left = None
    if run.finished_at is None and done and total > done:
        elapsed = max((timezone.now() - run.started_at).total_seconds(), 1.0)
        seconds_left = math.ceil(elapsed / done * (total - done))
    return {
        "status": run.status,
        "pages_done": done,
        "pages_total": total,
        "faults": faults,
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
