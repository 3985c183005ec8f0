"""Reads for the methodologist's dashboard. Everything a row needs is annotated in SQL
(page statuses and verdicts, checklist states, the organization's overall status), so a
page of rows costs the same few queries at 52 organizations and at 10,000, and filters,
sorting and totals run in the database."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from checklist.models import ChecklistEntry, ChecklistItem, Verdict, WorkStatus
from govpublic.states import LABELS, ORDER
from monitoring.models import DailyMetric, PageState, RuleSettings, RulesBook, SweepRun
from monitoring.unanswered import unanswered_comments
from organizations.models import OfficialPage, Organization, natural_key

NETWORKS = ("vk", "ok")  # the law's (2523-р): their columns and criteria
MAX = "max"  # recommended, or required where the district says so (§3.5)
STATUSES = ORDER
STATUS_LABELS = LABELS
# People's comments on VK answered within a day: an advisory (§3.6), not the law's; its tile
# counts those waiting longer, and the filter shows the organizations that have any.
REPLIES_CRITERION = "vk_replies"
# Criteria the dashboard can filter on: (code, label). Automatic items are judged by the
# sweep, paperwork by the methodologist.
PAGE_CRITERIA = [
    ("vk_regular", _("Регулярность ВКонтакте")),
    ("ok_regular", _("Регулярность в Одноклассниках")),
    (REPLIES_CRITERION, _("Ответы на комментарии за сутки")),
]


@dataclass
class DashboardFilters:
    kind: str = ""
    status: str = ""
    network: str = ""  # show organizations whose page on this network is not ok
    criterion: str = ""  # a checklist code or a PAGE_CRITERIA code: show those not satisfied
    q: str = ""
    sort: str = "name"
    district: str = ""  # a district's id: the regional coordinator's drill-down

    @classmethod
    def from_query(cls, query) -> "DashboardFilters":
        return cls(
            district=query.get("district", "").strip() if query.get("district", "").strip().isdigit() else "",
            kind=query.get("kind", "").strip(),
            status=query.get("status", "").strip(),
            network=query.get("network", "").strip(),
            criterion=query.get("criterion", "").strip(),
            q=query.get("q", "").strip()[:100],
            sort=query.get("sort", "name").strip(),
        )

    def as_query(self) -> dict[str, str]:
        return {key: value for key, value in self.__dict__.items() if value and not (key == "sort" and value == "name")}


SORTS = {
    "name": ("kind_rank", "sort_name"),
    "-name": ("-kind_rank", "-sort_name"),
    "status": ("status_rank", "kind_rank", "sort_name"),
    "-status": ("-status_rank", "kind_rank", "sort_name"),
}



def _page_state(network: str, field_name: str):
    return Subquery(
        PageState.objects.filter(page__organization=OuterRef("pk"), page__network=network, page__detached_at=None)
        .values(field_name)[:1]
    )


def _verdict_is(network: str, key: str, value: bool):
    # A JSON boolean compared through the ORM lookup: portable across SQLite and PostgreSQL.
    return Exists(
        PageState.objects.filter(
            page__organization=OuterRef("pk"), page__network=network, page__detached_at=None,
            **{f"verdict__{key}": value},
        )
    )


def _entry(code: str, field_name: str):
    return Subquery(
        ChecklistEntry.objects.filter(organization=OuterRef("pk"), item__code=code).values(field_name)[:1]
    )


def _comments_unanswered():
    """The organization's comments waiting more than a day for an answer: the ones its page lists."""
    waiting = (
        unanswered_comments().filter(page__organization=OuterRef("pk")).order_by()
        .values("page__organization").annotate(n=Count("pk")).values("n")[:1]
    )
    return Coalesce(Subquery(waiting, output_field=IntegerField()), Value(0))


def dashboard_queryset(organizations: QuerySet[Organization], items: list[ChecklistItem], today: datetime.date,
                       book: RulesBook | None = None):
    """Organizations annotated with everything a dashboard row shows, and `status`. The MAX
    channel is annotated too; it counts toward `status` only where the organization's district
    requires it (§3.5; `max_required` says so per row, by `book`). `comments_unanswered` is an
    advisory (§3.6), outside the status."""
    book = book or RuleSettings.book()
    required = book.max_required_q()
    annotations: dict[str, Any] = {"max_required": ExpressionWrapper(required, output_field=BooleanField())}
    for network in (*NETWORKS, MAX):
        annotations[f"{network}_has_page"] = Exists(OfficialPage.objects.filter(organization=OuterRef("pk"), network=network))
        annotations[f"{network}_status"] = _page_state(network, "status")
        annotations[f"{network}_checked_at"] = _page_state(network, "checked_at")
        annotations[f"{network}_regular"] = _verdict_is(network, "regular", True)
        annotations[f"{network}_irregular"] = _verdict_is(network, "regular", False)
    for item in items:
        annotations[f"item_{item.code}_status"] = _entry(item.code, "status")
        annotations[f"item_{item.code}_verdict"] = _entry(item.code, "verdict")
        annotations[f"item_{item.code}_note"] = _entry(item.code, "verdict_note")
        if item.is_manual:
            # The organization's own due date, when it was given one, overrides the item's.
            annotations[f"item_{item.code}_due"] = _entry(item.code, "due_date")
    overdue = ChecklistEntry.objects.filter(
        organization=OuterRef("pk"), item__mode=ChecklistItem.Mode.MANUAL
    ).exclude(status=WorkStatus.APPROVED)
    annotations["comments_unanswered"] = _comments_unanswered()
    queryset = organizations.in_briefing_order().annotate(**annotations).annotate(
        paperwork_overdue=Exists(
            overdue.filter(Q(due_date__lt=today) | Q(due_date__isnull=True, item__due_date__lt=today))
        ),
        paperwork_open=Exists(overdue),
    )
    # DESIGN §3.2: the worst of the networks (no page = fail) and the paperwork.
    fail, unknown, warning = Q(paperwork_overdue=True), Q(pk__in=[]), Q(paperwork_open=True)
    for network in (*NETWORKS, MAX):
        status = f"{network}_status"
        counts = Q(max_required=True) if network == MAX else Q()
        fail |= counts & (Q(**{f"{network}_has_page": False}) | Q(**{status: "fail"}))
        unknown |= counts & (Q(**{status: "unknown"}) | Q(**{f"{status}__isnull": True}))
        warning |= counts & Q(**{status: "warning"})
    return queryset.annotate(
        status=Case(
            When(fail, then=Value("fail")),
            When(unknown, then=Value("unknown")),
            When(warning, then=Value("warning")),
            default=Value("ok"),
            output_field=CharField(),
        ),
        status_rank=Case(
            When(fail, then=Value(0)),
            When(unknown, then=Value(1)),
            When(warning, then=Value(2)),
            default=Value(3),
            output_field=IntegerField(),
        ),
    )


def with_kept_values(queryset):
    """Rows annotated with what tells each page's values kept from an earlier sweep
    (`monitoring.compliance.kept_fields`): for the export, which writes them out, not the page."""
    annotations: dict[str, Any] = {}
    for network in NETWORKS:
        annotations[f"{network}_verdict"] = _page_state(network, "verdict")
        annotations[f"{network}_field_dates"] = _page_state(network, "field_dates")
        annotations[f"{network}_run_started_at"] = _page_state(network, "last_run__started_at")
    return queryset.annotate(**annotations)


def apply_filters(queryset, filters: DashboardFilters, items: list[ChecklistItem]):
    if filters.district:
        queryset = queryset.filter(district_id=int(filters.district))
    if filters.kind in Organization.Kind.values:
        queryset = queryset.filter(kind=filters.kind)
    if filters.status in STATUSES:
        queryset = queryset.filter(status=filters.status)
    if filters.network in (*NETWORKS, MAX):
        # A page that is missing or was never read has no status: it is not in order either
        # (`exclude` alone would drop those rows, as NULL <> 'ok' is not true in SQL). A MAX
        # channel nobody registered is a problem only where the district requires one.
        status = f"{filters.network}_status"
        problem = Q(**{f"{status}__isnull": True}) | ~Q(**{status: "ok"})
        if filters.network == MAX:
            problem &= Q(max_has_page=True) | Q(max_required=True)
        queryset = queryset.filter(problem)
    if filters.q:
        # sort_name is the short name lowercased in Python: SQLite's LIKE folds only ASCII
        # letters, so «сош №9» finds «СОШ №9» there as well as on PostgreSQL.
        queryset = queryset.filter(
            Q(short_name__icontains=filters.q) | Q(name__icontains=filters.q) | Q(sort_name__contains=natural_key(filters.q))
        )
    codes = {item.code: item for item in items}
    if filters.criterion in codes:
        item = codes[filters.criterion]
        if item.is_manual:
            queryset = queryset.exclude(**{f"item_{item.code}_status": WorkStatus.APPROVED})
        else:
            queryset = queryset.exclude(**{f"item_{item.code}_verdict": Verdict.COMPLIANT})
    elif filters.criterion in {"vk_regular", "ok_regular"}:
        queryset = queryset.filter(**{filters.criterion: False})
    elif filters.criterion == REPLIES_CRITERION:
        queryset = queryset.filter(comments_unanswered__gt=0)
    return queryset.order_by(*SORTS.get(filters.sort, SORTS["name"]))


@dataclass
class Total:
    label: str
    done: int
    total: int
    code: str = ""
    week_ago: int | None = None  # done a week ago, when the history has it for this view

    @property
    def change(self) -> int | None:
        return None if self.week_ago is None else self.done - self.week_ago

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


@dataclass
class DashboardTotals:
    organizations: int = 0
    items: list[Total] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    # People's comments waiting more than a day for an answer, and at how many organizations.
    unanswered: int = 0
    unanswered_organizations: int = 0


def dashboard_totals(queryset, items: list[ChecklistItem]) -> DashboardTotals:
    """Column totals in the briefing's words, over the filtered rows (3 queries)."""
    ids = queryset.order_by().values("pk")
    by_status = list(
        queryset.order_by().values_list("status").annotate(
            n=Count("pk"), comments=Sum("comments_unanswered"),
            commented=Count("pk", filter=Q(comments_unanswered__gt=0)),
        )
    )
    statuses = {status: n for status, n, _comments, _commented in by_status}
    organizations = sum(statuses.values())
    counts = {
        row["item__code"]: row
        for row in ChecklistEntry.objects.filter(organization__in=ids)
        .values("item__code")
        .annotate(
            compliant=Count("pk", filter=Q(verdict=Verdict.COMPLIANT)),
            approved=Count("pk", filter=Q(status=WorkStatus.APPROVED)),
        )
    }
    regular = dict(
        PageState.objects.filter(page__organization__in=ids, page__detached_at=None, verdict__regular=True)
        .values_list("page__network")
        .annotate(n=Count("pk"))
    )
    totals = DashboardTotals(
        organizations=organizations, statuses=statuses,
        unanswered=sum(comments or 0 for _status, _n, comments, _commented in by_status),
        unanswered_organizations=sum(commented for _status, _n, _comments, commented in by_status),
    )
    for item in items:
        row = counts.get(item.code, {})
        done = row.get("approved", 0) if item.is_manual else row.get("compliant", 0)
        totals.items.append(Total(label=item.title, done=done, total=organizations, code=item.code))
    totals.items.append(Total(str(_("Регулярные публикации ВКонтакте")), regular.get("vk", 0), organizations, "vk_regular"))
    totals.items.append(Total(str(_("Регулярные публикации в Одноклассниках")), regular.get("ok", 0), organizations, "ok_regular"))
    return totals


# --- the week's change -----------------------------------------------------------------------
# Every finished sweep records the totals per district and type of organization in that Moscow
# day's DailyMetric (`record_criteria`); a tile compares with the last day at least a week old.
# Only views filtered by type alone (or not at all) have such a history.


def _history_key(district_id: int | None, kind: str) -> str:
    return f"{district_id or 0}:{kind}"


def record_criteria(items: list[ChecklistItem] | None = None, *, today: datetime.date | None = None) -> None:
    """Today's totals per district and type, beside the sweep's counts in DailyMetric."""
    today = today or timezone.localdate()
    items = items if items is not None else list(ChecklistItem.objects.order_by("position"))
    groups = Organization.objects.order_by().values_list("district_id", "kind").distinct()
    criteria = {}
    for district_id, kind in groups:
        queryset = dashboard_queryset(Organization.objects.filter(district_id=district_id, kind=kind), items, today)
        totals = dashboard_totals(queryset, items)
        criteria[_history_key(district_id, kind)] = {total.code: total.done for total in totals.items}
    metric, _created = DailyMetric.objects.get_or_create(date=today)
    metric.data = {**metric.data, "criteria": criteria}
    metric.save(update_fields=["data"])


def add_week_ago(totals: DashboardTotals, organizations: QuerySet[Organization], filters: DashboardFilters,
                 today: datetime.date) -> None:
    """Fill each tile's `week_ago` from the history, when this view has one (2 queries)."""
    if any(value for key, value in filters.as_query().items() if key not in ("kind", "sort")):
        return
    metric = (
        DailyMetric.objects.filter(date__lte=today - datetime.timedelta(days=7), data__has_key="criteria")
        .order_by("-date").first()
    )
    if metric is None:
        return
    districts = set(organizations.order_by().values_list("district_id", flat=True).distinct())
    kinds = [filters.kind] if filters.kind else [kind for kind, _label in Organization.Kind.choices]
    keys = [_history_key(district, kind) for district in districts for kind in kinds]
    for total in totals.items:
        values = [metric.data["criteria"][key].get(total.code) for key in keys if key in metric.data["criteria"]]
        if values and None not in values:
            total.week_ago = sum(values)


def last_sweep(district_id: int | None = None) -> SweepRun | None:
    """The last finished run that read every page of the view: the region's, or for one
    district's view the region's or that district's own. A run of a few organizations (a MAX
    channel read, a school's recheck) or of another district is not it: judged against its start,
    every page it did not read would look stale, and its changes are not the view's."""
    scopes = ["all"] if district_id is None else ["all", f"district:{district_id}"]
    return SweepRun.objects.filter(scope__in=scopes).exclude(finished_at=None).order_by("-finished_at").first()
