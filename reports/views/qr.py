"""QR codes and posters of the official pages, to bring parents from the school's walls to
its VK and OK communities (checklist item `qr_codes`).

Whoever may see an organization may download its codes and poster: printing is not a change.
The district-wide ZIP is the methodologist's: staff have no organizations but their own.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from organizations.access import get_organization_for_user, is_methodologist, organizations_for
from organizations.models import Network, OfficialPage
from reports import qr

CODE_FORMATS = {
    "png": ("image/png", qr.qr_png),
    "svg": ("image/svg+xml", qr.qr_svg),
}


def _file_response(data: bytes, content_type: str, filename: str, *, as_attachment: bool) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    # Django writes `filename*=utf-8''…` (RFC 5987) for Cyrillic names such as «СОШ_9.pdf».
    response["Content-Disposition"] = content_disposition_header(as_attachment, filename)
    return response


@require_safe
@login_required
def qr_code(request: HttpRequest, pk: int, network: str, fmt: str) -> HttpResponse:
    """A page's code as PNG (for a website or chat) or SVG (for a print shop)."""
    if network not in Network.values or fmt not in CODE_FORMATS:
        raise Http404
    organization, _access = get_organization_for_user(request.user, pk)
    page = OfficialPage.objects.filter(organization=organization, network=network).first()
    if page is None:
        raise Http404
    content_type, render = CODE_FORMATS[fmt]
    stem = qr.file_stems([organization])[organization.pk]
    # Attachment: an <img> on the organization page still shows it, a click saves a file.
    return _file_response(render(page.url), content_type, f"{stem}_{network}.{fmt}", as_attachment=True)


@require_safe
@login_required
def qr_poster(request: HttpRequest, pk: int) -> HttpResponse:
    """The A4 poster, opened in the browser's PDF viewer so it goes straight to the printer."""
    organization, _access = get_organization_for_user(request.user, pk)
    data = qr.poster_pdf(organization, organization.pages.all())
    stem = qr.file_stems([organization])[organization.pk]
    return _file_response(data, "application/pdf", f"{stem}.pdf", as_attachment=False)


@require_safe
@login_required
def qr_posters_zip(request: HttpRequest) -> HttpResponse:
    """Every poster in the methodologist's scope, to print for a district meeting in one go."""
    if not is_methodologist(request.user):
        raise PermissionDenied
    organizations = organizations_for(request.user).prefetch_related("pages").in_briefing_order()
    filename = _("QR_плакаты") + ".zip"
    return _file_response(qr.posters_zip(organizations), "application/zip", filename, as_attachment=True)


urlpatterns = [
    path("org/<int:pk>/qr/<str:network>.png", qr_code, {"fmt": "png"}, name="qr-png"),
    path("org/<int:pk>/qr/<str:network>.svg", qr_code, {"fmt": "svg"}, name="qr-svg"),
    path("org/<int:pk>/qr/poster.pdf", qr_poster, name="qr-poster"),
    path("qr/posters.zip", qr_posters_zip, name="qr-posters-zip"),
]
