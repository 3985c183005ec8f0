"""The methodologist's home: every organization in scope, a light per criterion, totals in
the briefing's words, filters, and an export of exactly the filtered rows."""

from __future__ import annotations

import csv
import io
from urllib.parse import urlencode
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from checklist.models import ChecklistEntry, ChecklistItem, Verdict, WorkStatus
from govpublic import states
from monitoring.compliance import kept_fields, stale_entry, stale_text
from checklist.selectors import items_for
from monitoring.models import ChangeEvent, RuleSettings, RulesBook
from organizations.access import district_names, drilled_district, is_methodologist, methodologist_district, organizations_for
from organizations.models import Organization
from reports import cache
from reports.views import document_response
from organizations.spreadsheets import STATUS, Column, Marked, inert_row, new_workbook, workbook_bytes, write_sheet
from reports.selectors import (
    MAX,
    NETWORKS,
    PAGE_CRITERIA,
    STATUS_LABELS,
    STATUSES,
    DashboardFilters,
    add_week_ago,
    apply_filters,
    dashboard_queryset,
    dashboard_totals,
    last_sweep,
    with_kept_values,
)

PAGE_SIZE = 100
NETWORK_LABELS = {"vk": gettext_lazy("ВКонтакте"), "ok": gettext_lazy("Одноклассники"), "max": gettext_lazy("MAX")}


@dataclass
class Cell:
    state: states.State
    title: str
    value: str  # what the export writes
    reason: str = ""  # the criterion in a few words, when the cell is not in order

    @property
    def css(self) -> str:
        return self.state.css

    @property
    def symbol(self) -> str:
        return self.state.glyph


def _status_cell(status: str | None, why: str = "", reason: str = "") -> Cell:
    state = states.state(status)
    label = str(state.label)
    return Cell(state, f"{label} — {why}" if why else label, label, reason)


def _page_cell(row, network: str, stale_before) -> Cell:
    name = NETWORK_LABELS[network]
    if not getattr(row, f"{network}_has_page") and network == MAX:
        return _status_cell("fail", _("канал не указан, а в районе он обязателен"), _("нет канала в MAX"))
    if not getattr(row, f"{network}_has_page"):
        return _status_cell("fail", _("страница не зарегистрирована"), _("нет страницы: %(n)s") % {"n": name})
    status = getattr(row, f"{network}_status")
    checked = getattr(row, f"{network}_checked_at")
    unknown = _("нет данных: %(n)s") % {"n": name}
    if status is None:
        return _status_cell("unknown", _("ещё не проверялась"), unknown)
    when = timezone.localtime(checked).strftime("%d.%m.%Y %H:%M") if checked else ""
    if checked and stale_before and checked < stale_before:
        cell = _status_cell("unknown", _("данные устарели, проверено %(when)s") % {"when": when}, unknown)
        cell.value = str(states.state(status).label)
        return cell
    # A page's remarks are named by the criteria behind them (regularity, contacts…), not here.
    return _status_cell(status, _("проверено %(when)s") % {"when": when} if when else "", unknown if status == "unknown" else "")


def _channel_cell(row, required: bool, stale_before) -> Cell:
    """The MAX channel (§3.5): judged like a page, but named among the reasons for «Итог»
    only where the district requires it; without one and without the requirement, a dash."""
    if not row.max_has_page and not required:
        return Cell(states.ABSENT, _("канала в MAX нет; он рекомендуется, на итог не влияет"), "—")
    cell = _page_cell(row, MAX, stale_before)
    if not required:
        cell.reason = ""
        cell.title = f"{cell.title} — {_('рекомендуется, на итог не влияет')}"
    return cell


def _regular_cell(row, network: str) -> Cell:
    if getattr(row, f"{network}_regular"):
        return Cell(states.OK, _("3 и более публикаций каждую неделю окна"), _("да"))
    if getattr(row, f"{network}_irregular"):
        reason = _("нерегулярно: %(n)s") % {"n": NETWORK_LABELS[network]}
        return Cell(states.WARNING, _("в какую-то неделю окна меньше 3 публикаций"), _("нет"), reason)
    return Cell(states.UNKNOWN, _("нет данных"), "—")


def _item_cell(row, item: ChecklistItem, today) -> Cell:
    status = getattr(row, f"item_{item.code}_status")
    verdict = getattr(row, f"item_{item.code}_verdict")
    due = (getattr(row, f"item_{item.code}_due", None) or item.due_date) if item.is_manual else None
    status_label = str(WorkStatus(status).label) if status else "—"
    verdict_label = str(Verdict(verdict).label) if verdict else "—"
    state, why = states.of_item(
        code=item.code, manual=item.is_manual, status=status, verdict=verdict, note=getattr(row, f"item_{item.code}_note") or "",
        due=due, today=today, status_label=status_label, verdict_label=verdict_label,
    )
    value = status_label if item.is_manual else verdict_label
    # «нет страницы» already says it for the network's own items (its mark).
    pageless = any(item.code.startswith(f"{network}_") and not getattr(row, f"{network}_has_page") for network in NETWORKS)
    if state is states.OK or pageless:
        return Cell(state, why, value)
    if not item.is_manual:
        return Cell(state, why, value, item.short_title)
    if status == WorkStatus.SUBMITTED:
        word = _("на проверке")
    elif status == WorkStatus.RETURNED:
        word = _("на доработке")
    else:
        word = _("срок истёк") if state is states.FAIL else _("нет документа")
    return Cell(state, why, value, f"{item.short_title}: {word}")


def _reasons(cells: list[Cell]) -> list[Cell]:
    """What keeps the organization from «в порядке», worst first (violations, unknowns, remarks)."""
    rank = {code: index for index, code in enumerate(states.ORDER)}
    reasons = [cell for cell in cells if cell.reason and cell.state is not states.OK]
    return sorted(reasons, key=lambda cell: rank[cell.state.code])


def _stale_value(row, network: str) -> str:
    """Which of the page's values are kept from an earlier sweep, as the compliance export says it."""
    kept = kept_fields(
        getattr(row, f"{network}_verdict") or {},
        getattr(row, f"{network}_field_dates") or {},
        getattr(row, f"{network}_run_started_at"),
    )
    return stale_text(stale_entry(kept))


def _columns(items: list[ChecklistItem]) -> list[tuple[str, str]]:
    columns = [("status", _("Итог"))]
    for network in NETWORKS:
        columns += [(f"{network}_page", _("%(n)s: страница") % {"n": NETWORK_LABELS[network]}),
                    (f"{network}_regular", _("%(n)s: регулярность") % {"n": NETWORK_LABELS[network]})]
    columns += [("max_page", _("MAX: канал"))]
    columns += [(f"item_{item.code}", item.short_title) for item in items]
    return columns


def _row_cells(row, items: list[ChecklistItem], today, stale_before) -> list[Cell]:
    """The «Итог» cell, then a cell per column; «Итог» names the worst reasons in words."""
    cells = []
    for network in NETWORKS:
        cells += [_page_cell(row, network, stale_before), _regular_cell(row, network)]
    cells.append(_channel_cell(row, row.max_required, stale_before))
    cells += [_item_cell(row, item, today) for item in items]
    reasons = _reasons(cells)
    total = _status_cell(row.status, "; ".join(f"{cell.reason}: {cell.title}" for cell in reasons))
    total.reason = ", ".join(dict.fromkeys(cell.reason for cell in reasons[:2]))
    return [total, *cells]


def _agenda(scope, sweep) -> dict[str, int]:
    """What waits for the methodologist today (2 queries): documents to review, and what the
    last sweep noticed on the pages (urgent first)."""
    events = ChangeEvent.objects.filter(run=sweep, organization__in=scope) if sweep else ChangeEvent.objects.none()
    counts = events.aggregate(
        events=Count("pk"), urgent=Count("pk", filter=Q(severity=ChangeEvent.Severity.CRITICAL))
    )
    return {
        "waiting": ChecklistEntry.objects.filter(organization__in=scope, status=WorkStatus.SUBMITTED).count(),
        **counts,
    }


def _asked(request: HttpRequest):
    """What every dashboard answer starts from: the filters asked, the checklist's items as the
    district looked at lists them, today, every district's settings, the district's id and the
    district drilled into (404 outside the user's scope). Methodologists only."""
    if not is_methodologist(request.user):
        raise PermissionDenied
    filters = DashboardFilters.from_query(request.GET)
    drilled = drilled_district(request.user, filters.district)
    district = drilled.pk if drilled else methodologist_district(request.user)
    return filters, items_for(district), timezone.localdate(), RuleSettings.book(), district, drilled


@dataclass(frozen=True)
class PageOfRows:
    """What the template asks of the paginator's page, kept in the cache with its rows."""

    number: int
    num_pages: int
    count: int  # rows on every page

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1


def _dashboard_data(request: HttpRequest, filters: DashboardFilters, items: list[ChecklistItem], today,
                    book: RulesBook, sweep) -> dict:
    """The rows of the asked page, the totals, the legend and the agenda: plain data, no queryset,
    so that it can be kept (reports.cache) and shared by everyone of the same scope."""
    scope = organizations_for(request.user)
    queryset = apply_filters(dashboard_queryset(scope, items, today, book), filters, items)
    stale_before = sweep.started_at if sweep else None
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    codes = [code for code, _label in _columns(items)]
    names = district_names(request.user, filters.district)
    rows = [
        ({"pk": row.pk, "short_name": row.short_name, "district": names.get(row.district_id, "")},
         list(zip(codes, _row_cells(row, items, today, stale_before))))
        for row in page.object_list
    ]
    totals = dashboard_totals(queryset, items)
    add_week_ago(totals, scope, filters, today)
    return {
        "rows": rows,
        "page": PageOfRows(page.number, page.paginator.num_pages, page.paginator.count),
        "totals": totals,
        "legend": [(states.state(code), totals.statuses.get(code, 0)) for code in STATUSES],
        "agenda": _agenda(scope, sweep),
        # The coordinator's whole region, where there is more than the one district, is named so.
        "region_wide": bool(names),
    }


@require_GET
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    cache.keep_page(request, ("install",))
    filters, items, today, book, district, drilled = _asked(request)
    sweep = last_sweep(district)
    # Everyone of one scope asking the same sees the same data: kept until what it was computed
    # from changes (reports.cache); the page around it (menu, CSRF token) is rendered per request.
    data_key = cache.key(
        "dashboard",
        methodologist_district(request.user), filters.as_query(), request.GET.get("page", "")[:20], book.max_required_key(),
        [(item.code, item.mode, item.due_date) for item in items],
        (sweep.pk, sweep.started_at, sweep.finished_at) if sweep else None, bool(settings.MAX_BOT_TOKEN),
    )
    data = cache.computed(data_key, lambda: _dashboard_data(request, filters, items, today, book, sweep))
    query = filters.as_query()
    # A tile or a chip changes one filter and keeps the type and the district drilled into.
    kept = urlencode({key: query[key] for key in ("kind", "district") if key in query})
    return render(
        request,
        "reports/dashboard.html",
        {
            "filters": filters,
            "kept_query": f"{kept}&" if kept else "",
            "district_name": drilled.name if drilled else None,
            "query_string": urlencode(query),
            "columns": _columns(items),
            **data,
            "data_key": data_key,
            "cache_seconds": cache.TIMEOUT,
            "last_sweep": sweep,
            "kinds": Organization.Kind.choices,
            "statuses": [(status, STATUS_LABELS[status]) for status in STATUSES],
            "networks": [(network, NETWORK_LABELS[network]) for network in (*NETWORKS, MAX)],
            "max_unread": not settings.MAX_BOT_TOKEN,
            # The MAX column's note: the district's rule; for the region, where some require it, «обязателен».
            "max_required": book.of(district).max_required if district else book.any_max_required(),
            "criteria": [(item.code, item.short_title) for item in items] + PAGE_CRITERIA,
            "sorts": [("name", _("по названию")), ("status", _("сначала нарушения")), ("-status", _("сначала в порядке"))],
        },
    )


@require_GET
@login_required
def dashboard_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The filtered rows (all pages of them), as the methodologist sees them."""
    if fmt not in ("xlsx", "csv"):
        raise Http404
    filters, items, today, book, district, _drilled = _asked(request)
    queryset = apply_filters(dashboard_queryset(organizations_for(request.user), items, today, book), filters, items)
    sweep = last_sweep(district)
    stale_before = sweep.started_at if sweep else None
    header = [_("Краткое название"), _("Полное название"), _("Тип")] + [label for _code, label in _columns(items)]
    # Added last, so the columns people already read keep their places.
    header += [_("%(n)s: устаревшие данные") % {"n": NETWORK_LABELS[network]} for network in NETWORKS]
    header.append(_("Район"))
    rows = [
        [row.short_name, row.name, row.get_kind_display()]
        + _row_cells(row, items, today, stale_before)
        + [_stale_value(row, network) for network in NETWORKS]
        + [row.district.name]
        for row in with_kept_values(queryset.select_related("district")).iterator(chunk_size=500)
    ]
    stamp = timezone.localtime().strftime("%Y-%m-%d")
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        writer.writerows(inert_row(value.value if isinstance(value, Cell) else value for value in row) for row in rows)
        body = buffer.getvalue().encode("utf-8-sig")
    else:
        workbook = new_workbook()
        # A state cell keeps its words on the state's colour; names wide, state columns narrow.
        columns = [Column(header[0], width=18), Column(header[1], width=50), header[2]]
        columns += [Column(title, STATUS) for title in header[3:-len(NETWORKS)]] + header[-len(NETWORKS):]
        write_sheet(
            workbook, _("Госпаблики"), columns,
            ([Marked(v.value, v.state) if isinstance(v, Cell) else v for v in row] for row in rows),
            freeze="B2",
        )
        body = workbook_bytes(workbook)
    return document_response(body, f"gospubliki-{stamp}", fmt)


urlpatterns = [
    path("dashboard/", dashboard, name="dashboard"),
    path("dashboard/export.<str:fmt>", dashboard_export, name="dashboard-export"),
]
