"""«Рейтинг госпабликов»: the district's organizations by their score (DESIGN §3.6), with the
rank, the change since the previous month, what each component brought, filters and sorting,
the engagement of the district at a glance, and the same table as a spreadsheet."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from monitoring.models import RuleSettings
from organizations.access import district_looked_at, is_methodologist, organizations_for
from organizations.models import District, Organization
from organizations.spreadsheets import new_workbook, workbook_bytes, write_sheet
from reports.views import document_response
from monitoring.rating import COMPONENTS, RatingRow, default_weights, rating_of, sheet_columns, sheet_row, weights_of

# Engagement rate buckets of the chart, in percent: [low, high).
ENGAGEMENT_BUCKETS = ((0, 1), (1, 2), (2, 3), (3, 5), (5, 8), (8, None))


@dataclass
class RatingFilters:
    kind: str = ""
    q: str = ""
    sort: str = "rank"
    district: str = ""  # the region's coordinator narrows to one district

    SORTS = ("rank", "-rank", "name", "change", *(f"c-{component.code}" for component in COMPONENTS))

    @classmethod
    def from_query(cls, query) -> "RatingFilters":
        sort = query.get("sort", "rank").strip()
        district = query.get("district", "").strip()
        return cls(kind=query.get("kind", "").strip(), q=query.get("q", "").strip()[:100],
                   sort=sort if sort in cls.SORTS else "rank", district=district if district.isdigit() else "")

    def as_query(self) -> dict[str, str]:
        return {key: value for key, value in self.__dict__.items() if value and not (key == "sort" and value == "rank")}


def _sorted(rows: list[RatingRow], sort: str) -> list[RatingRow]:
    """Rows in the order asked; those without the value asked for stand last, by rank."""
    if sort == "-rank":
        return sorted(rows, key=lambda row: (row.rank is None, -(row.rank or 0)))
    if sort == "name":
        return sorted(rows, key=lambda row: row.organization.sort_name)
    if sort == "change":
        return sorted(rows, key=lambda row: (row.change is None, -(row.change or 0), row.rank or 0))
    if sort.startswith("c-"):
        code = sort[2:]
        return sorted(rows, key=lambda row: (row.components.get(code) is None, -(row.components.get(code) or 0), row.rank or 0))
    return rows  # rating_of gives them by rank


def _scope(request: HttpRequest, filters: RatingFilters):
    if not is_methodologist(request.user):
        raise PermissionDenied
    organizations = organizations_for(request.user)
    if filters.kind:
        organizations = organizations.filter(kind=filters.kind)
    if filters.district:
        organizations = organizations.filter(district_id=int(filters.district))
    if filters.q:
        organizations = organizations.filter(Q(short_name__icontains=filters.q) | Q(name__icontains=filters.q))
    return organizations


def engagement_chart(rows: list[RatingRow]) -> dict:
    """How many organizations fall in each engagement bucket (their best page), and how many
    have no engagement to show."""
    counts = [0] * len(ENGAGEMENT_BUCKETS)
    unknown = 0
    for row in rows:
        rate = row.figures["engagement_rate"]
        if rate is None:
            unknown += 1
            continue
        for index, (low, high) in enumerate(ENGAGEMENT_BUCKETS):
            if rate >= low and (high is None or rate < high):
                counts[index] += 1
                break
    labels = [f"{low}–{high} %" if high is not None else _("%(n)s %% и больше") % {"n": low}
              for low, high in ENGAGEMENT_BUCKETS]
    return {"labels": labels, "counts": counts, "unknown": unknown,
            "texts": {"organizations": _("Организаций"), "axis": _("Вовлечённость лучшей страницы")}}


@require_GET
@login_required
def rating(request: HttpRequest) -> HttpResponse:
    filters = RatingFilters.from_query(request.GET)
    rows = rating_of(_scope(request, filters))
    scored = [row.score for row in rows if row.score is not None]
    # The weights of the district looked at (each organization is scored by its own district's).
    weights = weights_of(RuleSettings.for_district(district_looked_at(request.user, filters.district)))
    chart = engagement_chart(rows)
    return render(request, "reports/rating.html", {
        "filters": filters,
        "query_string": urlencode(filters.as_query()),
        "rows": _sorted(rows, filters.sort),
        "scored": len(scored),
        "average": round(sum(scored) / len(scored), 1) if scored else None,
        "has_previous": any(row.previous_score is not None for row in rows),
        "components": [(component, weights[component.code], default_weights()[component.code]) for component in COMPONENTS],
        "weights_total": sum(weights.values()),
        "chart": chart,
        "chart_rows": list(zip(chart["labels"], chart["counts"], strict=True)),
        "kinds": Organization.Kind.choices,
        # A region's rating names each organization's district and can be narrowed to one.
        "districts": list(District.objects.filter(organizations__in=organizations_for(request.user)).distinct()
                          .values_list("pk", "name")),
        "sorts": [("rank", _("по месту")), ("-rank", _("с конца")), ("name", _("по названию")),
                  ("change", _("по росту за месяц"))]
                 + [(f"c-{component.code}", component.label) for component in COMPONENTS],
    })


@require_GET
@login_required
def rating_export(request: HttpRequest) -> HttpResponse:
    """The rating as shown (filters and order), one row per organization."""
    filters = RatingFilters.from_query(request.GET)
    rows = _sorted(rating_of(_scope(request, filters)), filters.sort)
    workbook = new_workbook()
    write_sheet(workbook, _("Рейтинг госпабликов"), sheet_columns(), (sheet_row(row) for row in rows))
    return document_response(workbook_bytes(workbook), f"reiting-{timezone.localtime():%Y-%m-%d}", "xlsx")


urlpatterns = [
    path("rating/", rating, name="rating"),
    path("rating/export.xlsx", rating_export, name="rating-export"),
]
