"""Small pieces of a district for the reports tests: registered pages with what a sweep
would have concluded about them, and paperwork in a chosen state.

Verdicts are built the way the sweep stores them (DESIGN §5 `communities[]` fields, dates as
ISO strings) and their status comes from the real rule function, so a page here never says
something the rules would not."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from checklist.models import ChecklistEntry, ChecklistItem, Verdict, WorkStatus
from monitoring.compliance import update_checklists
from monitoring.models import PageState, SweepRun
from monitoring.rules import community_status
from organizations.models import OfficialPage, Organization

CHECKED_AT = datetime.datetime(2025, 3, 12, 3, 0, tzinfo=datetime.UTC)  # a Wednesday, 06:00 in Moscow
MANUAL_CODES = ("order_responsible", "instruction", "password_policy", "familiarization_journal", "qr_codes")


def verdict(**overrides: Any) -> dict[str, Any]:
    """A community that satisfies every rule, changed by `overrides`; status from the rules."""
    value: dict[str, Any] = {
        "is_community": True,
        "gov_mark": True,
        "posts_total": 120,
        "weekly_posts": [{"week_start": f"2025-02-{day:02d}", "posts": 4} for day in (10, 17, 24)]
        + [{"week_start": "2025-03-03", "posts": 4}],
        "current_week": {"week_start": "2025-03-10", "posts": 2},
        "regular": True,
        "posts_not_from_community": 0,
        "reposts_from_personal_pages": 0,
        "missing_info": [],
        "closed": False,
        "deactivated": False,
        "error": None,
    }
    value.update(overrides)
    value["status"] = community_status(value)
    return value


def page(organization: Organization, network: str, state: dict[str, Any] | None = None,
         *, checked_at: datetime.datetime | None = CHECKED_AT) -> OfficialPage:
    """Register the organization's page; with `state`, as the last sweep judged it."""
    if network == "vk":
        url, kind = f"https://vk.com/club{organization.pk}", "club"
    else:
        url, kind = f"https://ok.ru/group/{organization.pk}", "group"
    official = OfficialPage.objects.create(
        organization=organization, network=network, url=url, link_kind=kind, link_value=str(organization.pk),
        external_id=str(organization.pk), external_kind="group",
    )
    if state is not None:
        PageState.objects.create(page=official, status=state["status"], verdict=state, checked_at=checked_at,
                                 wall_read_at=checked_at)
    return official


def kept_from_earlier(official: OfficialPage, fields: tuple[str, ...], read_at: datetime.datetime) -> None:
    """The page's latest sweep (at CHECKED_AT) read every value but `fields`, which it kept
    from a sweep at `read_at`: the dates the sweep stores in `field_dates`."""
    run = SweepRun.objects.create(
        started_at=CHECKED_AT, finished_at=CHECKED_AT, status=SweepRun.Status.FINISHED, trigger=SweepRun.Trigger.COMMAND
    )
    state = official.state
    state.field_dates = {
        name: (read_at if name in fields else CHECKED_AT).isoformat()
        for name in state.verdict
        if name not in ("status", "error")  # this sweep's own, never kept
    }
    state.last_run = run
    state.save()


EARLIER = datetime.datetime(2025, 3, 11, 3, 0, tzinfo=datetime.UTC)  # the night before CHECKED_AT
WALL_FIELDS = ("posts_total", "weekly_posts", "current_week", "regular", "posts_not_from_community")


def wall_unread_tonight(organization: Organization) -> OfficialPage:
    """A VK page whose latest sweep read its info but not its wall: the post figures are
    the night before's (EARLIER), the status unknown."""
    official = page(organization, "vk", verdict(error="Не удалось прочитать стену: ошибка API 10"))
    kept_from_earlier(official, WALL_FIELDS, EARLIER)
    return official


def paperwork(organization: Organization, status: str = WorkStatus.APPROVED, *, codes=MANUAL_CODES) -> None:
    verdict_of = {WorkStatus.APPROVED: Verdict.COMPLIANT, WorkStatus.RETURNED: Verdict.NON_COMPLIANT}
    ChecklistEntry.objects.filter(organization=organization, item__code__in=codes).update(
        status=status, verdict=verdict_of.get(status, Verdict.UNKNOWN)
    )


def judge(*organizations: Organization) -> None:
    """Set the automatic checklist items from the pages, as the sweep's last step does."""
    update_checklists(Organization.objects.filter(pk__in=[o.pk for o in organizations]))


def compliant(organization: Organization, **vk_overrides: Any) -> Organization:
    """Both pages fine (VK changed by `vk_overrides`), every document approved."""
    page(organization, "vk", verdict(**vk_overrides))
    page(organization, "ok", verdict())
    paperwork(organization)
    judge(organization)
    return organization


def item_due(code: str, due: datetime.date | None) -> None:
    """As the admin sets an item's date: a saved item (a kept page sees the save at once)."""
    item = ChecklistItem.objects.get(code=code)
    item.due_date = due
    item.save(update_fields=["due_date"])


def today() -> datetime.date:
    return timezone.localdate()
