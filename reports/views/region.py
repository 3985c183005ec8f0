"""The regional coordinator's overview: the districts side by side, sortable by any column, each
a link to its dashboard, its review queue and its matrix, and the regional report ranking them
(issue 14, item 4). Only for the region's coordinator (and the administrator); a district's
methodologist gets 404, as for anything outside their district."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from checklist.selectors import items_for
from organizations.access import is_methodologist, methodologist_district
from reports import cache
from reports.views import document_response
from reports.region import (
    ASCENDING,
    Criterion,
    criteria,
    district_rows,
    region_docx,
    region_pdf,
    region_xlsx,
    sort_asked,
)
from reports.selectors import last_sweep


def _coordinator(request: HttpRequest) -> None:
    if not is_methodologist(request.user) or methodologist_district(request.user) is not None:
        raise Http404


@dataclass(frozen=True)
class Header:
    """A column's header: a link that sorts the table by that column."""

    sort: str
    label: str
    css: str = "text-end small"

    @property
    def direction(self) -> str:  # aria-sort's word
        return "ascending" if self.sort in ASCENDING else "descending"


def _headers(crits: list[Criterion]) -> list[Header]:
    return [Header("rank", _("Место"), ""), Header("name", _("Район"), ""), Header("organizations", _("Организаций")),
            Header("in_order", _("В порядке")), Header("rating", _("Средний балл")), Header("waiting", _("На проверке")),
            Header("last_sweep", _("Последняя проверка"), "small")] + [Header(c.code, f"{c.label}, %") for c in crits]


@require_GET
@login_required
def region_overview(request: HttpRequest) -> HttpResponse:
    _coordinator(request)
    items = items_for(None)
    crits = criteria(items)
    sort = sort_asked(request.GET.get("sort"), crits)
    # The same for every coordinator: kept until the data behind it changes (reports.cache).
    sweep = last_sweep()
    data_key = cache.key("region", sort, (sweep.pk, sweep.finished_at) if sweep else None)
    rows, crits = cache.computed(data_key, lambda: district_rows(sort=sort, items=items))
    return render(request, "reports/region.html", {
        "rows": rows, "criteria": crits, "sort": sort, "headers": _headers(crits),
        "sorts": [("rank", _("по месту")), ("name", _("по названию")), ("organizations", _("по числу организаций")),
                  ("in_order", _("по доле в порядке")), ("rating", _("по среднему баллу")),
                  ("waiting", _("по документам на проверке")), ("last_sweep", _("по последней проверке"))],
    })


@require_GET
@login_required
def region_report(request: HttpRequest, fmt: str) -> HttpResponse:
    _coordinator(request)
    rows, crits = district_rows()
    renderers = {"xlsx": region_xlsx, "pdf": region_pdf, "docx": region_docx}
    if fmt not in renderers:
        raise Http404
    return document_response(renderers[fmt](rows, crits), f"region-{timezone.localtime():%Y-%m-%d}", fmt)


urlpatterns = [
    path("region/", region_overview, name="region-overview"),
    path("region/report.<str:fmt>", region_report, name="region-report"),
]
