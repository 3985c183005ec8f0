"""Reminders that prevent instead of report: due dates and returned documents for staff
(daily), the district picture for methodologists (weekly), and a mid-week nudge when a
page's current week is on course to fall short of the norm.

Each reminder is a Notification keyed by (recipient, kind, period), written once and sent
once by monitoring.notify.send_pending, so a task that runs twice sends nothing twice."""

from __future__ import annotations

import datetime
import math
from collections import defaultdict

from django.conf import settings
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from checklist.models import ChecklistEntry, ChecklistItem, WorkStatus
from monitoring.models import Notification, PageState, RuleSettings
from monitoring.notify import queue_message, send_pending
from organizations.models import Membership, Network, Organization
from reports.selectors import STATUS_LABELS, STATUSES


def _site(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _staff_with_email():
    return (
        Membership.objects.filter(role=Membership.Role.STAFF, user__is_active=True)
        .exclude(user__email="")
        .select_related("user", "organization")
    )


def open_paperwork(organization_ids, today: datetime.date) -> dict[int, list[tuple[ChecklistEntry, str]]]:
    """Per organization: paperwork that is returned, overdue, or due within a week."""
    soon = today + datetime.timedelta(days=7)
    entries = (
        ChecklistEntry.objects.filter(organization_id__in=organization_ids, item__mode=ChecklistItem.Mode.MANUAL)
        .exclude(status__in=[WorkStatus.APPROVED, WorkStatus.SUBMITTED])
        .select_related("item")
        .order_by("item__position")
    )
    result: dict[int, list[tuple[ChecklistEntry, str]]] = defaultdict(list)
    for entry in entries:
        due = entry.effective_due_date
        if entry.status == WorkStatus.RETURNED:
            last = entry.events.filter(to_status=WorkStatus.RETURNED).order_by("-created_at").first()
            why = _("возвращено на доработку: %(c)s") % {"c": last.comment if last else ""}
        elif due is not None and due < today:
            why = _("срок %(d)s истёк") % {"d": due.strftime("%d.%m.%Y")}
        elif due is not None and due <= soon:
            why = _("срок %(d)s") % {"d": due.strftime("%d.%m.%Y")}
        else:
            continue
        result[entry.organization_id].append((entry, why))
    return result


def send_staff_reminders(today: datetime.date | None = None) -> int:
    """Daily: each staff member whose organization has overdue, near or returned items."""
    today = today or timezone.localdate()
    staff = list(_staff_with_email())
    tasks = open_paperwork({m.organization_id for m in staff}, today)
    for membership in staff:
        items = tasks.get(membership.organization_id)
        if not items:
            continue
        organization = membership.organization
        queue_message(
            recipient=membership.user,
            kind=Notification.Kind.STAFF_REMINDER,
            period=today.isoformat(),
            subject=_("Госпаблики: сроки по чек-листу %(org)s") % {"org": organization.short_name},
            template="reports/email/staff_reminder.txt",
            context={"organization": organization, "items": items,
                     "url": _site(reverse("organization-detail", args=[organization.pk]))},
        )
    return send_pending()


def send_district_weekly(today: datetime.date | None = None) -> int:
    """Weekly: every methodologist gets the picture of their scope."""
    today = today or timezone.localdate()
    year, week, _day = today.isocalendar()
    period = f"{year}-W{week:02d}"
    methodologists = (
        Membership.objects.filter(role=Membership.Role.METHODOLOGIST, user__is_active=True)
        .exclude(user__email="")
        .select_related("user", "district")
    )
    for membership in methodologists:
        organizations = Organization.objects.all()
        if membership.district_id:
            organizations = organizations.filter(district_id=membership.district_id)
        ids = list(organizations.values_list("pk", flat=True))
        counts = dict(
            PageState.objects.filter(page__organization_id__in=ids, page__detached_at=None)
            .values_list("status")
            .annotate(n=Count("pk"))
        )
        # Worst first, in the reader's words rather than the status codes.
        states = {str(STATUS_LABELS.get(status, status)): counts[status]
                  for status in sorted(counts, key=lambda s: STATUSES.index(s) if s in STATUSES else len(STATUSES))}
        pending_review = ChecklistEntry.objects.filter(organization_id__in=ids, status=WorkStatus.SUBMITTED).count()
        overdue = _names(
            ChecklistEntry.objects.filter(
                Q(due_date__lt=today) | Q(due_date__isnull=True, item__due_date__lt=today),
                organization_id__in=ids,
                item__mode=ChecklistItem.Mode.MANUAL,
            ).exclude(status=WorkStatus.APPROVED).values_list("organization_id", "organization__short_name",
                                                                "organization__district__name")
        )
        irregular = _names(
            PageState.objects.filter(page__organization_id__in=ids, page__detached_at=None, verdict__regular=False)
            .values_list("page__organization_id", "page__organization__short_name", "page__organization__district__name")
        )
        queue_message(
            recipient=membership.user,
            kind=Notification.Kind.DISTRICT_WEEKLY,
            period=period,
            subject=_("Госпаблики: неделя %(week)s в районе") % {"week": period},
            template="reports/email/district_weekly.txt",
            context={"organizations": len(ids), "states": states, "pending_review": pending_review,
                     "overdue": overdue, "irregular": irregular, "url": _site(reverse("dashboard"))},
        )
    return send_pending()


def _names(rows) -> list[str]:
    """The organizations' short names, sorted; a short name two districts share (each has its
    «СОШ №1», and a regional digest holds both) carries its district, so neither is lost."""
    organizations = {pk: (short_name, district) for pk, short_name, district in rows}
    counts: dict[str, int] = defaultdict(int)
    for short_name, _district in organizations.values():
        counts[short_name] += 1
    return sorted(
        f"{short_name} ({district})" if counts[short_name] > 1 else short_name
        for short_name, district in organizations.values()
    )


def week_shortfall(posts_so_far: int, minimum: int, now: datetime.datetime) -> int:
    """How many posts a page is behind the pace that reaches `minimum` by Sunday.

    Pace: by the end of weekday d (Monday = 1) a page should have ⌈minimum × d / 7⌉ posts;
    the nudge goes out in the morning, so the days already over count. Thursday
    morning with 1 of 3 is one behind (⌈3 × 3 / 7⌉ = 2)."""
    local = timezone.localtime(now)
    days_over = local.isoweekday() - 1
    expected = math.ceil(minimum * days_over / 7)
    if posts_so_far >= minimum:
        return 0
    return max(expected - posts_so_far, 0)


def send_midweek_nudges(now: datetime.datetime | None = None) -> int:
    """Mid-week: staff of pages whose current week is on course to fall short."""
    now = now or timezone.now()
    local_today = timezone.localtime(now).date()
    monday = local_today - datetime.timedelta(days=local_today.weekday())
    book = RuleSettings.book()  # each organization's district's minimum
    staff_by_org: dict[int, list] = defaultdict(list)
    for membership in _staff_with_email():
        staff_by_org[membership.organization_id].append(membership)
    behind: dict[int, list[tuple[str, int, int]]] = defaultdict(list)
    states = PageState.objects.filter(
        page__organization_id__in=staff_by_org, page__detached_at=None
    ).select_related("page__organization")
    for state in states:
        current = (state.verdict or {}).get("current_week") or {}
        if current.get("week_start") != monday.isoformat():
            continue  # the last sweep did not see this week: no guessing
        posts = int(current.get("posts") or 0)
        minimum = book.of(state.page.organization.district_id).posts_per_week_min
        if week_shortfall(posts, minimum, now):
            behind[state.page.organization_id].append((Network(state.page.network).label, posts, minimum - posts))
    uncovered = _uncovered_directions(behind)
    for organization_id, pages in behind.items():
        for membership in staff_by_org[organization_id]:
            queue_message(
                recipient=membership.user,
                kind=Notification.Kind.MIDWEEK_NUDGE,
                period=monday.isoformat(),
                subject=_("Госпаблики: на этой неделе пока мало публикаций"),
                template="reports/email/midweek_nudge.txt",
                context={"organization": membership.organization, "pages": pages,
                         "minimum": book.of(membership.organization.district_id).posts_per_week_min,
                         "directions": uncovered.get(organization_id, []),
                         "url": _site(reverse("organization-detail", args=[organization_id]))},
            )
    return send_pending()


def _uncovered_directions(behind: dict[int, list]) -> dict[int, list[str]]:
    """Directions of activity the organization has not written about lately: ideas for the
    posts that are missing."""
    from reports.quality import organization_quality  # noqa: PLC0415  (heavier import, only when needed)

    result = {}
    for organization in Organization.objects.filter(pk__in=behind):
        report = organization_quality(organization)
        result[organization.pk] = [str(direction.label) for direction in report.coverage.uncovered]
    return result
