"""The district report for download: PDF to print, DOCX to edit before signing, XLSX to work with.
Methodologists only; `?from=YYYY-MM-DD&to=YYYY-MM-DD` narrows the post-derived sections."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.urls import path
from django.views.decorators.http import require_GET

from monitoring.sweep import thresholds_now
from organizations.access import is_methodologist, organizations_for
from reports.district import PeriodError, build_district_report, parse_period
from reports.district.docx import render_district_docx
from reports.district.pdf import render_district_pdf
from reports.district.xlsx import render_district_xlsx

FORMATS = {
    "pdf": ("application/pdf", render_district_pdf),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", render_district_docx),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", render_district_xlsx),
}


@require_GET
@login_required
def district_report(request: HttpRequest, fmt: str) -> HttpResponse:
    if not is_methodologist(request.user):
        raise PermissionDenied
    try:
        period = parse_period(request.GET.get("from"), request.GET.get("to"), weeks=thresholds_now().weeks)
    except PeriodError as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
    report = build_district_report(organizations_for(request.user), period=period)
    content_type, render = FORMATS[fmt]
    response = HttpResponse(render(report), content_type=content_type)
    # PDF opens in the browser's viewer; the Word and Excel files are saved.
    disposition = "inline" if fmt == "pdf" else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{report.filename_stem}.{fmt}"'
    return response


urlpatterns = [
    path("report/district.pdf", district_report, {"fmt": "pdf"}, name="district-report-pdf"),
    path("report/district.docx", district_report, {"fmt": "docx"}, name="district-report-docx"),
    path("report/district.xlsx", district_report, {"fmt": "xlsx"}, name="district-report-xlsx"),
]
