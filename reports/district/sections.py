"""Assembling the report: every verdict section is read from `compliance_export`, the posts
of the period from `best_posts`."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from checklist.models import ChecklistItem, Verdict, WorkStatus
from monitoring.compliance import INFO_LABELS, NETWORKS, compliance_export, rules_entry, stale_text
from checklist.selectors import items_for
from monitoring.models import RuleSettings
from monitoring.networks.max.rules import bot_missing_error
from organizations.models import District, Organization
from reports.district.best_posts import BEST_POSTS_LIMIT, posts_of_period
from reports.district.period import MOSCOW, Period, default_period, latest_sweep
from monitoring.rating import rating_of
from reports.district.rows import (
    STATUS_LABELS,
    TITLE,
    ChecklistItemRow,
    ChecklistOrganizationRow,
    DistrictReport,
    IrregularNetwork,
    IrregularRow,
    MarkSummary,
    MaxChannels,
    MissingInfoRow,
    PageIssue,
    organization_key,
)


def build_district_report(
    organizations: QuerySet[Organization],
    *,
    district: District | None = None,
    region: bool = False,
    period: Period | None = None,
    best_posts_limit: int = BEST_POSTS_LIMIT,
) -> DistrictReport:
    """Everything the report shows, for the organizations in scope.

    With `district`, the report is that district's: only its organizations are read, and its
    name, settings and letterhead head the report, even before it has any organization. With
    `region`, it is the whole region's and says so, whichever districts the organizations are
    of (an install of one district: that district's). Without either, the organizations given
    name it: their district when they are of one."""
    if district is not None:
        organizations = organizations.filter(district=district)
    elif region:
        district = _only_district()
    export = compliance_export(organizations)
    rules = export["rules"]
    if district is not None:
        # The export's are the district's too, once it has an organization; before, the region's.
        rules = rules_entry(RuleSettings.for_district(district.pk))
    run = latest_sweep()
    period = period or default_period(rules["weeks"], anchor=run.started_at if run else timezone.now())
    orgs = sorted(export["organizations"], key=lambda o: organization_key(o["kind"], o["short_name"]))
    # The report's sections are those of the briefing, on VK and OK (MAX gets its own section later).
    pages = [(org, community) for org in orgs for community in org["communities"] if community["network"] in NETWORKS]

    status_counts: dict[str, int] = dict.fromkeys(STATUS_LABELS, 0)
    for org in orgs:
        status_counts[org["status"]] = status_counts.get(org["status"], 0) + 1

    if district is not None:
        district_id, district_name = district.pk, district.name
    elif region:
        district_id, district_name = None, _("Все районы региона")
    else:
        districts = set(organizations.order_by().values_list("district_id", flat=True).distinct())
        district_id = next(iter(districts)) if len(districts) == 1 else None  # else the region's
        district_name = _district_name(orgs)
    items_total, items_by_org = _checklist(orgs, items_for(district_id))
    posts, stats = posts_of_period(organizations, period, best_posts_limit)
    return DistrictReport(
        title=str(TITLE),
        district=district_name,
        generated_at=timezone.now().astimezone(MOSCOW),
        swept_at=run.started_at.astimezone(MOSCOW) if run else None,
        period=period,
        rules=rules,
        organizations_total=len(orgs),
        status_counts=status_counts,
        marks=[_marks(network, pages, len(orgs)) for network in NETWORKS],
        attention=_sorted(_attention(org, c) for org, c in pages),
        few_posts=_sorted(
            _issue(org, c, _("публикаций всего: %(n)d") % {"n": c["posts_total"]}, c["posts_total"])
            for org, c in pages
            if c.get("posts_total") is not None and c["posts_total"] < rules["posts_total_min"]
        ),
        not_from_community=_sorted(
            _issue(org, c, _("записей не от имени сообщества: %(n)d") % {"n": c["posts_not_from_community"]},
                   c["posts_not_from_community"])
            for org, c in pages
            if c.get("posts_not_from_community")
        ),
        via_personal_pages=_sorted(_via_personal(org, c) for org, c in pages),
        irregular=[_irregular(network, pages, rules["posts_per_week_min"]) for network in NETWORKS],
        missing_info=sorted(
            (
                MissingInfoRow(org["short_name"], org["name"], org["kind"], c["network"], list(c["missing_info"]))
                for org, c in pages
                if c.get("missing_info")
            ),
            key=lambda row: (*organization_key(row.kind, row.short_name), NETWORKS.index(row.network)),
        ),
        checklist_items=items_total,
        checklist_organizations=items_by_org,
        best_posts=posts,
        post_stats=stats,
        weeks=_window_weeks(pages),
        max_channels=_max_channels(orgs, RuleSettings.for_district(district_id).max_required),
        rating=rating_of(organizations),
        district_id=district_id,
    )


def _only_district() -> District | None:
    """The install's district when it has just one: its region is that district."""
    districts = list(District.objects.all()[:2])
    return districts[0] if len(districts) == 1 else None


def _max_channels(orgs: list[dict[str, Any]], required: bool) -> MaxChannels:
    """The MAX section: every organization's channel entry of the export (present where one is
    registered, or where the district requires one)."""
    channels = [(org, c) for org in orgs for c in org["communities"] if c["network"] == "max"]
    counts: dict[str, int] = dict.fromkeys(STATUS_LABELS, 0)
    issues = []
    for org, channel in channels:
        if not channel.get("missing"):
            counts[channel["status"]] = counts.get(channel["status"], 0) + 1
        if channel["status"] != "ok":
            issues.append(_issue(org, channel, _channel_problem(channel)))
    return MaxChannels(
        required=required,
        organizations_total=len(orgs),
        channels=sum(not c.get("missing") for _org, c in channels),
        status_counts=counts,
        without_bot=sum(bot_missing_error() in (c.get("error") or "") for _org, c in channels),
        issues=_sorted(issues),
    )


def _channel_problem(channel: Mapping[str, Any]) -> str:
    if channel.get("missing"):
        return _("канал не указан")
    if channel.get("is_community") is False:
        return _("по ссылке чат, а не канал")
    if channel.get("deactivated"):
        return _("канал не найден или не публичный")
    if channel.get("closed"):
        return _("канал закрыт")
    if channel.get("error"):
        return channel["error"]
    problems = []
    if channel.get("posts_total") is not None and channel["posts_total"] < 2:
        problems.append(_("меньше двух публикаций"))
    if channel.get("regular") is False:
        problems.append(_("публикации нерегулярны"))
    if channel.get("missing_info"):
        problems.append(_("в описании не хватает: %(what)s") % {
            "what": ", ".join(str(INFO_LABELS.get(name, name)) for name in channel["missing_info"])})
    return "; ".join(problems) or _("нет данных")


def _district_name(orgs: list[dict[str, Any]]) -> str:
    names = sorted({org["district"] for org in orgs})
    if len(names) == 1:
        return names[0]
    if not names:
        return _("Район не выбран")
    return _("Районов: %(n)d") % {"n": len(names)}


def _sorted(issues: Iterable[PageIssue | None]) -> list[PageIssue]:
    return sorted((issue for issue in issues if issue is not None), key=lambda issue: issue.sort_key)


def _issue(org: Mapping[str, Any], community: Mapping[str, Any], detail: str, value: int | None = None) -> PageIssue:
    return PageIssue(
        short_name=org["short_name"],
        name=org["name"],
        kind=org["kind"],
        network=community["network"],
        url=community.get("url"),
        detail=detail,
        value=value,
    )


def _marks(network: str, pages: list[tuple[dict, dict]], total: int) -> MarkSummary:
    marked = 0
    without = []
    for org, community in pages:
        if community["network"] != network:
            continue
        mark = community.get("gov_mark")
        if mark is True:
            marked += 1
            continue
        if community.get("missing"):
            detail = _("страница не зарегистрирована")
        elif community.get("is_community") is False:
            detail = _("по ссылке личная страница, а не сообщество")
        elif mark is False:
            detail = _("метки нет")
        else:
            detail = _("не удалось определить")
        without.append(_issue(org, community, detail))
    return MarkSummary(network=network, marked=marked, total=total, without=_sorted(without))


def _attention(org: Mapping[str, Any], community: Mapping[str, Any]) -> PageIssue | None:
    """Pages the verdict sections cannot speak for, with the reason."""
    if community.get("missing"):
        return _issue(org, community, _("страница не зарегистрирована"))
    if community.get("deactivated"):
        return _issue(org, community, _("страница удалена или заблокирована"))
    if community.get("closed"):
        return _issue(org, community, _("сообщество закрыто: публикации недоступны"))
    # The report's sections show a page's last known values; say which are not tonight's.
    stale = stale_text(community.get("stale"))
    if community.get("status") == "unknown":
        reason = community.get("error") or _("нет данных проверки")
        return _issue(org, community, f"{reason.rstrip('.')}; {stale}" if stale else reason)
    if stale:
        return _issue(org, community, stale)
    return None


def _via_personal(org: Mapping[str, Any], community: Mapping[str, Any]) -> PageIssue | None:
    if community.get("is_community") is False:
        return _issue(org, community, _("официальной указана личная страница, а не сообщество"))
    reposts = community.get("reposts_from_personal_pages")
    if reposts:
        window_posts = sum(week["posts"] for week in community.get("weekly_posts") or [])
        return _issue(
            org,
            community,
            _("репостов с личных страниц: %(n)d из %(total)d публикаций за окно проверки")
            % {"n": reposts, "total": window_posts},
            reposts,
        )
    return None


def _irregular(network: str, pages: list[tuple[dict, dict]], minimum: int) -> IrregularNetwork:
    rows = []
    regular = 0
    for org, community in pages:
        if community["network"] != network:
            continue
        if community.get("regular") is True:
            regular += 1
        if community.get("regular") is not False:
            continue
        notes = []
        if community.get("posts_not_from_community"):
            notes.append(_("+ записи не от имени сообщества"))
        if community.get("reposts_from_personal_pages"):
            notes.append(_("+ репосты с личных страниц"))
        weekly = [week["posts"] for week in community.get("weekly_posts") or []]
        rows.append(IrregularRow(org["short_name"], org["name"], org["kind"], network, weekly, notes, minimum))
    rows.sort(key=lambda row: organization_key(row.kind, row.short_name))
    return IrregularNetwork(network=network, rows=rows, regular=regular)


def _window_weeks(pages: list[tuple[dict, dict]]) -> list[datetime.date]:
    """The judged weeks as the verdicts carry them (the longest list wins: stale pages may lag)."""
    longest: list = []
    for _org, community in pages:
        weeks = community.get("weekly_posts") or []
        if len(weeks) >= len(longest):
            longest = weeks
    return [datetime.date.fromisoformat(week["week_start"]) for week in longest]


def _checklist(orgs: list[dict[str, Any]], items: list[ChecklistItem]) -> tuple[list[ChecklistItemRow], list[ChecklistOrganizationRow]]:
    """Done = approved for documents, compliant for automatic items (as on the checklist matrix)."""
    done = dict.fromkeys((item.code for item in items), 0)
    submitted = dict.fromkeys(done, 0)
    totals = dict.fromkeys(done, 0)
    by_org = []
    for org in orgs:
        entries = {entry["code"]: entry for entry in org["checklist"]}
        org_done = 0
        not_done = []
        for item in items:
            entry = entries.get(item.code)
            if entry is None:
                continue
            totals[item.code] += 1
            ok = entry["status"] == WorkStatus.APPROVED if item.is_manual else entry["verdict"] == Verdict.COMPLIANT
            if ok:
                done[item.code] += 1
                org_done += 1
            else:
                not_done.append(item.short_title)
            if item.is_manual and entry["status"] == WorkStatus.SUBMITTED:
                submitted[item.code] += 1
        by_org.append(
            ChecklistOrganizationRow(
                org["short_name"], org["name"], org["kind"], org["status"], org_done, len(entries), not_done
            )
        )
    rows = [
        ChecklistItemRow(
            item.code, item.title, item.short_title, item.is_manual, done[item.code], submitted[item.code],
            totals[item.code],
        )
        for item in items
    ]
    return rows, by_org
