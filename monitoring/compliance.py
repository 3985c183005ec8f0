"""From page verdicts to what people read: the automatic checklist items of each
organization, the organization's overall status, and the compliance export (DESIGN §5)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from checklist.models import MAX_ITEM, ChecklistEntry, Verdict, WorkStatus
from checklist.services import entries_set_verdicts
from monitoring.audience import FIGURES
from monitoring.models import DailyMetric, PageState, RuleSettings, RulesBook, SweepRun
from monitoring.rules import (
    STATUS_UNKNOWN,
    VERDICT_FIELDS,
    PaperworkItem,
    missing_page_entry,
    organization_status,
)
from monitoring.types import MAX, OK, VK
from organizations.models import Network, OfficialPage, Organization, shown_networks

NETWORKS = (VK, OK)
AUTOMATIC_CODES = ("vk_gov_mark", "ok_gov_mark", "min_two_posts", "regular_posting", "posts_from_community", "mandatory_info",
                   MAX_ITEM["code"])
INFO_LABELS = {
    "name": gettext_lazy("наименование"),
    "address": gettext_lazy("адрес"),
    "email": gettext_lazy("e-mail"),
    "phone": gettext_lazy("телефон"),
    "site": gettext_lazy("сайт"),
    "description": gettext_lazy("описание"),
}
# The verdict fields a sweep may keep from an earlier one (DESIGN §3.2 «the last known values
# stay visible»), in the export's key order; `status` and `error` are always this sweep's own.
KEPT_FIELDS = tuple(name for name in VERDICT_FIELDS if name not in ("status", "error"))
# The verdict fields as people read them (the export keeps the English codes).
FIELD_LABELS = {
    "is_community": gettext_lazy("сообщество"),
    "gov_mark": gettext_lazy("метка «Госорганизация»"),
    "posts_total": gettext_lazy("публикаций всего"),
    "weekly_posts": gettext_lazy("по неделям"),
    "current_week": gettext_lazy("текущая неделя"),
    "regular": gettext_lazy("регулярность"),
    "posts_not_from_community": gettext_lazy("публикации не от имени сообщества"),
    "reposts_from_personal_pages": gettext_lazy("репосты с личных страниц"),
    "missing_info": gettext_lazy("обязательная информация"),
    "closed": gettext_lazy("закрыто"),
    "deactivated": gettext_lazy("удалено"),
}
MISSING = object()  # no page registered on the network
NOT_CHECKED = None  # registered, never read


def organizations_with_pages(organizations: QuerySet[Organization]) -> QuerySet[Organization]:
    """Organizations with their pages, page states and the states' last runs (what tells a
    stale value from a fresh one): two extra queries whatever the size."""
    return organizations.prefetch_related(
        Prefetch("pages", queryset=OfficialPage.objects.select_related("state__last_run").order_by("network"))
    )


def page_verdicts(organization: Organization, pages: Iterable[OfficialPage] | None = None) -> dict[str, Any]:
    """network → the page's verdict dict, NOT_CHECKED, or MISSING (of `pages` when given, read already)."""
    result: dict[str, Any] = dict.fromkeys((*NETWORKS, MAX), MISSING)
    for page in organization.pages.all() if pages is None else pages:
        state = page_state(page)
        result[page.network] = state.verdict if state and state.verdict else NOT_CHECKED
    return result


def page_state(page: OfficialPage) -> PageState | None:
    """The page's state, or None before its first sweep (the reverse one-to-one raises
    a DoesNotExist that is also an AttributeError)."""
    return getattr(page, "state", None)


# --- automatic checklist items ---------------------------------------------------------------


def judge_item(code: str, verdicts: dict[str, Any], posts_total_min: int) -> tuple[str, str]:
    """(verdict, one-sentence note) of an automatic item from the pages' verdicts. The law's
    items judge the VK and OK pages; «Канал в MAX» (only while the district requires it) the
    MAX channel by its §3.5 status."""
    if code == MAX_ITEM["code"]:
        return _judge_networks({MAX: verdicts.get(MAX, MISSING)}, _max_channel)
    if code in ("vk_gov_mark", "ok_gov_mark"):
        network = VK if code == "vk_gov_mark" else OK
        return _judge_networks({network: verdicts[network]}, _gov_mark)
    return _judge_networks({network: verdicts[network] for network in NETWORKS}, _page_judge(code, posts_total_min))


def judge_page(code: str, network: str, verdict: Any, posts_total_min: int) -> str:
    """One VK or OK page's verdict on a law criterion: `code` as the checklist names it, with
    `gov_mark` for either network's mark. A missing or unread page is judged as above."""
    judge = _gov_mark if code == "gov_mark" else _page_judge(code, posts_total_min)
    return _judge_networks({network: verdict}, judge)[0]


def _page_judge(code: str, posts_total_min: int):
    if code == "min_two_posts":
        return lambda verdict: _min_posts(verdict, posts_total_min)
    judges = {"regular_posting": _regular, "posts_from_community": _from_community, "mandatory_info": _mandatory_info}
    if code not in judges:
        raise ValueError(code)
    return judges[code]


def _judge_networks(verdicts: dict[str, Any], judge) -> tuple[str, str]:
    """Non-compliant if any network fails, unknown if any is unknown, else compliant."""
    results = []
    for network, verdict in verdicts.items():
        label = _network_label(network, get_language())
        if verdict is MISSING:
            results.append((Verdict.NON_COMPLIANT, _("%(network)s: страница не зарегистрирована") % {"network": label}))
        elif verdict is NOT_CHECKED:
            results.append((Verdict.UNKNOWN, _("%(network)s: ещё не проверялась") % {"network": label}))
        elif verdict.get("is_community") is False:
            results.append((Verdict.NON_COMPLIANT, _("%(network)s: по ссылке личная страница, а не сообщество") % {"network": label}))
        elif verdict.get("deactivated"):
            results.append((Verdict.NON_COMPLIANT, _("%(network)s: страница удалена или заблокирована") % {"network": label}))
        else:
            outcome, note = judge(verdict)
            results.append((outcome, f"{label}: {note}"))
    for wanted in (Verdict.NON_COMPLIANT, Verdict.UNKNOWN):
        notes = [note for outcome, note in results if outcome == wanted]
        if notes:
            return wanted, "; ".join(notes)
    return Verdict.COMPLIANT, "; ".join(note for _, note in results)


@lru_cache(maxsize=None)
def _network_label(network: str, language: str | None) -> str:
    """The network's name in `language`: looked up once, not for each of a region's items."""
    return str(Network(network).label)


def _unknown(verdict: dict) -> tuple[str, str]:
    return Verdict.UNKNOWN, verdict.get("error") or _("нет данных")


def _gov_mark(verdict: dict) -> tuple[str, str]:
    mark = verdict.get("gov_mark")
    if mark is True:
        return Verdict.COMPLIANT, _("метка «Госорганизация» есть")
    if mark is False:
        return Verdict.NON_COMPLIANT, _("метки «Госорганизация» нет")
    return Verdict.UNKNOWN, verdict.get("error") or _("API не сообщает о метке")


def _min_posts(verdict: dict, minimum: int) -> tuple[str, str]:
    if verdict.get("closed"):
        return Verdict.NON_COMPLIANT, _("сообщество закрыто")
    total = verdict.get("posts_total")
    if total is None:
        return _unknown(verdict)
    outcome = Verdict.COMPLIANT if total >= minimum else Verdict.NON_COMPLIANT
    return outcome, _("публикаций всего: %(n)d") % {"n": total}


def _regular(verdict: dict) -> tuple[str, str]:
    if verdict.get("closed"):
        return Verdict.NON_COMPLIANT, _("сообщество закрыто")
    regular = verdict.get("regular")
    if regular is None:
        return _unknown(verdict)
    weeks = ", ".join(str(week["posts"]) for week in verdict.get("weekly_posts") or [])
    outcome = Verdict.COMPLIANT if regular else Verdict.NON_COMPLIANT
    return outcome, _("публикаций по неделям: %(weeks)s") % {"weeks": weeks}


def _from_community(verdict: dict) -> tuple[str, str]:
    if verdict.get("closed"):
        return Verdict.NON_COMPLIANT, _("сообщество закрыто")
    others = verdict.get("posts_not_from_community")
    reposts = verdict.get("reposts_from_personal_pages")
    if others is None:
        return _unknown(verdict)
    notes = []
    if others:
        notes.append(_("не от имени сообщества: %(n)d") % {"n": others})
    if reposts:
        notes.append(_("репостов с личных страниц: %(n)d") % {"n": reposts})
    if notes:
        return Verdict.NON_COMPLIANT, ", ".join(notes)
    return Verdict.COMPLIANT, _("все публикации от имени сообщества")


def _max_channel(verdict: dict) -> tuple[str, str]:
    status = verdict.get("status")
    if status == STATUS_UNKNOWN or status is None:
        return _unknown(verdict)
    if status == "fail":
        if verdict.get("closed"):
            return Verdict.NON_COMPLIANT, _("канал не публичный")
        return Verdict.NON_COMPLIANT, _("в канале меньше двух публикаций")
    if status == "warning":
        return Verdict.COMPLIANT, _("канал ведётся, есть замечания")
    return Verdict.COMPLIANT, _("канал ведётся")


def _mandatory_info(verdict: dict) -> tuple[str, str]:
    missing = verdict.get("missing_info")
    if missing is None:
        return _unknown(verdict)
    if missing:
        return Verdict.NON_COMPLIANT, _("не указано: %(fields)s") % {
            "fields": ", ".join(str(INFO_LABELS.get(name, name)) for name in missing)
        }
    return Verdict.COMPLIANT, _("вся обязательная информация указана")


def update_checklists(organizations: QuerySet[Organization], *, book: RulesBook | None = None) -> int:
    """Set the automatic items of each organization from its pages' current verdicts, by its
    district's thresholds in `book` (the sweep passes those its pages were judged by; else
    today's settings)."""
    book = book or RuleSettings.book()
    organizations = organizations_with_pages(organizations)
    by_org = {org.pk: (page_verdicts(org), book.of(org.district_id).posts_total_min) for org in organizations}
    entries = ChecklistEntry.objects.filter(organization__in=organizations, item__code__in=AUTOMATIC_CODES).values_list(
        "pk", "organization_id", "item__code"
    )
    verdicts = {pk: judge_item(code, *by_org[organization_id]) for pk, organization_id, code in entries}
    return len(entries_set_verdicts(verdicts=verdicts))


# --- organization status and export -----------------------------------------------------------


def community_entry(page: OfficialPage | None, network: str) -> dict[str, Any]:
    """The export's `communities[]` entry of a page (DESIGN §5). Its state's `last_run` is
    read: callers select it with the page (`select_related("state__last_run")`)."""
    if page is None:
        return {**missing_page_entry(network), "stale": None}
    state = page_state(page)
    verdict = state.verdict if state and state.verdict else {}
    entry: dict[str, Any] = {
        "network": network,
        "url": page.url,
        "external_id": page.external_id or None,
        "status": verdict.get("status") or STATUS_UNKNOWN,
        "checked_at": timezone.localtime(state.checked_at).isoformat() if state and state.checked_at else None,
    }
    for name in VERDICT_FIELDS:
        if name != "status":
            entry[name] = verdict.get(name)
    if not verdict:
        entry["error"] = _("Страница ещё не проверялась.")
    entry["stale"] = stale_entry(state_kept_fields(state))
    for name in FIGURES:  # §3.6's advisories, null where not read or not defined for the network
        entry[name] = verdict.get(name)
    return entry


# --- stale values: kept from an earlier sweep -----------------------------------------------


def kept_fields(
    verdict: dict[str, Any], field_dates: dict[str, str], run_started_at: datetime.datetime | None
) -> list[tuple[str, datetime.datetime]]:
    """The verdict fields whose value was read before the page's latest run started, with
    when each was read, in the export's key order. The one place staleness is decided.

    Compared with the run's start, not with the newest field date, so a night that read
    nothing at all still marks everything stale. A null value keeps nothing (never read, or
    emptied by the rules, like a closed page's post counts), so it is never stale. Without a
    run to compare with (a page never swept) nothing is stale."""
    if run_started_at is None:
        return []
    kept = []
    for name in KEPT_FIELDS:
        read_at = field_dates.get(name)
        if read_at and verdict.get(name) is not None:
            moment = datetime.datetime.fromisoformat(read_at)
            if moment < run_started_at:
                kept.append((name, moment))
    return kept


def state_kept_fields(state: PageState | None) -> list[tuple[str, datetime.datetime]]:
    """`kept_fields` of a page's state (none before its first sweep)."""
    if state is None or state.last_run_id is None:
        return []
    return kept_fields(state.verdict or {}, state.field_dates or {}, state.last_run.started_at)


def stale_entry(kept: list[tuple[str, datetime.datetime]]) -> dict[str, Any] | None:
    """The export's `stale` (DESIGN §5): null when every value was read in the page's latest
    run, else the kept fields and `read_at`. Fields kept from different sweeps share one
    `read_at`, the oldest of their dates: every kept value is at least as recent as it."""
    if not kept:
        return None
    return {
        "fields": [name for name, _moment in kept],
        "read_at": timezone.localtime(min(moment for _name, moment in kept)).isoformat(),
    }


def stale_text(stale: dict[str, Any] | None) -> str:
    """`stale` in words for tables and reports, Moscow time; "" when nothing is stale."""
    if not stale:
        return ""
    when = timezone.localtime(datetime.datetime.fromisoformat(stale["read_at"]))
    return _("устарело: %(fields)s (данные от %(when)s)") % {
        "fields": ", ".join(str(FIELD_LABELS[name]) for name in stale["fields"]),
        "when": when.strftime("%d.%m.%Y %H:%M"),
    }


def compliance_export(organizations: QuerySet[Organization], *, today: datetime.date | None = None,
                      ranked: bool = True) -> dict[str, Any]:
    """The JSON export of DESIGN §5 (keys may be added, never renamed). Each organization's
    `rating` places it among the organizations exported; `ranked=False` (a page of the API,
    where that would be a place among a page) leaves the places out."""
    today = today or timezone.localdate()
    book = RuleSettings.book()
    organizations = organizations_with_pages(organizations).prefetch_related(
        Prefetch("checklist_entries", queryset=ChecklistEntry.objects.select_related("item").order_by("item__position"))
    ).select_related("district").in_briefing_order()
    result = []
    order = {organization.pk: index for index, organization in enumerate(organizations)}
    for organization in organizations:
        max_required = book.of(organization.district_id).max_required
        pages = {page.network: page for page in organization.pages.all()}
        communities = [community_entry(pages.get(network), network) for network in shown_networks(pages, max_required)]
        entries = list(organization.checklist_entries.all())
        paperwork = [
            PaperworkItem(code=e.item.code, approved=e.status == WorkStatus.APPROVED, due_date=e.effective_due_date)
            for e in entries
            if e.item.is_manual
        ]
        status = overall_status(communities, paperwork, today, max_required)
        result.append(
            {
                "short_name": organization.short_name,
                "name": organization.name,
                "kind": organization.kind,
                "district": organization.district.name,
                "audience": organization.audience,
                "status": status,
                "communities": communities,
                "checklist": [
                    {"code": e.item.code, "status": e.status, "verdict": e.verdict, "due_date": _iso(e.effective_due_date)}
                    for e in entries
                ],
            }
        )
    from monitoring.rating import rating_rows  # the rating judges pages with this module's rules

    for entry, row in zip(result, sorted(rating_rows(organizations, book, today), key=lambda row: order[row.organization.pk]), strict=True):
        entry["rating"] = row.as_export(ranked)
    # `rules`: those the export's organizations are judged by — their district's, when they are
    # of one; else the region's, with each district that has its own in `district_rules` (added).
    districts = {organization.district_id: organization.district.name for organization in organizations}
    export = {
        "generated_at": timezone.localtime().isoformat(),
        "rules": rules_entry(book.of(next(iter(districts)) if len(districts) == 1 else None)),
        "organizations": result,
    }
    if len(districts) > 1:
        export["district_rules"] = {name: rules_entry(book.own[pk]) for pk, name in districts.items() if pk in book.own}
    return export


def rules_entry(rules: RuleSettings) -> dict[str, int]:
    """The rules as the export states them (its `rules`)."""
    return {"weeks": rules.weeks, "posts_per_week_min": rules.posts_per_week_min, "posts_total_min": rules.posts_total_min}


def overall_status(communities: list[dict[str, Any]], paperwork: list[PaperworkItem], today: datetime.date,
                   max_required: bool) -> str:
    """The organization's status (DESIGN §3.2) from its community entries: VK and OK always count
    (a missing page fails), MAX only where the district requires it (§3.5)."""
    counted = shown_networks((), max_required)
    return organization_status(
        {c["network"]: c["status"] for c in communities if c["network"] in counted and not c.get("missing")},
        paperwork, today, networks=counted,
    )


def _iso(value: datetime.date | None) -> str | None:
    return value.isoformat() if value else None


def record_daily_metric(run: SweepRun) -> None:
    """Counts for trend charts, one row per Moscow day (the last run of the day wins)."""
    registered = PageState.objects.filter(page__detached_at=None)
    states = registered.values("page__network", "status").annotate(n=Count("pk"))
    data: dict[str, dict[str, int]] = {}
    for row in states:
        data.setdefault(row["page__network"], {})[row["status"]] = row["n"]
    marks = registered.filter(verdict__gov_mark=True).values("page__network").annotate(n=Count("pk"))
    data["gov_marks"] = {row["page__network"]: row["n"] for row in marks}
    data["run"] = run.pk
    DailyMetric.objects.update_or_create(date=timezone.localdate(run.started_at), defaults={"data": data})


def flatten(export: dict[str, Any]) -> Iterable[dict[str, Any]]:
    """One row per organization × network, for CSV and XLSX."""
    checklist_codes = []
    for organization in export["organizations"]:
        for item in organization["checklist"]:
            if item["code"] not in checklist_codes:
                checklist_codes.append(item["code"])
    for organization in export["organizations"]:
        checklist = {item["code"]: item for item in organization["checklist"]}
        for community in organization["communities"]:
            row = {
                "short_name": organization["short_name"],
                "name": organization["name"],
                "kind": organization["kind"],
                "organization_status": organization["status"],
                "network": community["network"],
                "url": community.get("url"),
                "missing": bool(community.get("missing")),
                "external_id": community.get("external_id"),
                "status": community["status"],
                "checked_at": community.get("checked_at"),
            }
            for name in VERDICT_FIELDS[1:]:
                value = community.get(name)
                if name == "weekly_posts" and value is not None:
                    value = " ".join(str(week["posts"]) for week in value)
                elif name == "current_week" and value is not None:
                    value = value["posts"]
                elif name == "missing_info" and value is not None:
                    value = ",".join(value)
                row[name] = value
            for code in checklist_codes:
                item = checklist.get(code)
                row[f"checklist_{code}"] = f"{item['status']}/{item['verdict']}" if item else None
            # Last, so the columns scripts already read keep their places. Words first, never
            # = + - @: a spreadsheet cannot take the cell for a formula.
            row["stale"] = stale_text(community.get("stale")) or None
            row["audience"] = organization.get("audience")
            for name in FIGURES:  # §3.6, after everything older
                row[name] = community.get(name)
            rating = organization.get("rating") or {}  # the organization's, on each of its rows
            for name in ("score", "rank", "change"):
                row[f"rating_{name}"] = rating.get(name)
            # Every district has its «СОШ №1»: a region's rows are told apart by the district.
            row["district"] = organization.get("district")
            yield row
