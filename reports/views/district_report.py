"""The district report for download: PDF to print, DOCX to edit before signing, XLSX to work with.
Methodologists only; `?from=YYYY-MM-DD&to=YYYY-MM-DD` narrows the post-derived sections."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.urls import path
from django.views.decorators.http import require_GET

from monitoring.models import RuleSettings
from organizations.access import is_methodologist, methodologist_district, organizations_for
from reports.district import PeriodError, build_district_report, parse_period
from reports.views import document_response
from reports.district.docx import render_district_docx
from reports.district.pdf import render_district_pdf
from reports.district.xlsx import render_district_xlsx

RENDERERS = {"pdf": render_district_pdf, "docx": render_district_docx, "xlsx": render_district_xlsx}


@require_GET
@login_required
def district_report(request: HttpRequest, fmt: str) -> HttpResponse:
    if not is_methodologist(request.user):
        raise PermissionDenied
    try:
        period = parse_period(request.GET.get("from"), request.GET.get("to"), weeks=RuleSettings.for_district(methodologist_district(request.user)).weeks)
    except PeriodError as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
    report = build_district_report(organizations_for(request.user), period=period)
    return document_response(RENDERERS[fmt](report), report.filename_stem, fmt)


urlpatterns = [
    path("report/district.pdf", district_report, {"fmt": "pdf"}, name="district-report-pdf"),
    path("report/district.docx", district_report, {"fmt": "docx"}, name="district-report-docx"),
    path("report/district.xlsx", district_report, {"fmt": "xlsx"}, name="district-report-xlsx"),
]
