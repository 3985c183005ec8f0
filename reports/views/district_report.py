"""The district report for download: PDF to print, DOCX to edit before signing, XLSX to work with.
Methodologists only; `?from=YYYY-MM-DD&to=YYYY-MM-DD` narrows the post-derived sections, and the
region's coordinator picks a district with `?district=<id>` (as on the dashboard drilled into it)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.urls import path
from django.views.decorators.http import require_GET

from monitoring.models import RuleSettings
from organizations.access import drilled_district, is_methodologist, methodologist_district, organizations_for
from organizations.models import District
from reports.district import PeriodError, build_district_report, parse_period
from reports.views import document_response
from reports.district.docx import render_district_docx
from reports.district.pdf import render_district_pdf
from reports.district.xlsx import render_district_xlsx

RENDERERS = {"pdf": render_district_pdf, "docx": render_district_docx, "xlsx": render_district_xlsx}


def _district_asked(request: HttpRequest) -> District | None:
    """The district the report is of: the coordinator's `?district=` or a district methodologist's
    own, else None, the whole region. Another district's id, or one that names none, is 404."""
    drilled = drilled_district(request.user, request.GET.get("district"))
    own = methodologist_district(request.user)
    return drilled or (District.objects.get(pk=own) if own is not None else None)


@require_GET
@login_required
def district_report(request: HttpRequest, fmt: str) -> HttpResponse:
    if not is_methodologist(request.user):
        raise PermissionDenied
    district = _district_asked(request)
    weeks = RuleSettings.for_district(district.pk if district else None).weeks
    try:
        period = parse_period(request.GET.get("from"), request.GET.get("to"), weeks=weeks)
    except PeriodError as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
    report = build_district_report(
        organizations_for(request.user), district=district, region=district is None, period=period
    )
    return document_response(RENDERERS[fmt](report), report.filename_stem, fmt)


urlpatterns = [
    path("report/district.pdf", district_report, {"fmt": "pdf"}, name="district-report-pdf"),
    path("report/district.docx", district_report, {"fmt": "docx"}, name="district-report-docx"),
    path("report/district.xlsx", district_report, {"fmt": "xlsx"}, name="district-report-xlsx"),
]
