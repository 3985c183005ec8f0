from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from organizations import services
from organizations.access import get_organization_for_user, is_methodologist, membership_of, require_edit
from organizations.forms import PageLinkForm
from organizations.models import Network


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role starts where its work is."""
    if is_methodologist(request.user):
        return redirect("dashboard")
    membership = membership_of(request.user)
    if membership is not None and membership.organization_id:
        return redirect("organization-detail", pk=membership.organization_id)
    return render(request, "organizations/no_role.html", status=403)


@require_POST
@login_required
def page_set(request: HttpRequest, pk: int, network: str) -> HttpResponse:
    if network not in Network.values:
        raise Http404
    organization, access = get_organization_for_user(request.user, pk)
    require_edit(access)
    form = PageLinkForm(request.POST, network=network)
    label = Network(network).label
    if form.is_valid():
        try:
            page = services.page_set(organization=organization, network=network, link=form.cleaned_data["url"])
        except ValidationError as error:
            messages.error(request, f"{label}: {' '.join(error.messages)}")
        else:
            if page is None:
                messages.success(request, _("%(network)s: ссылка удалена.") % {"network": label})
            else:
                messages.success(request, _("%(network)s: сохранена ссылка %(url)s") % {"network": label, "url": page.url})
    else:
        for error in form.errors.get("url", []):
            messages.error(request, f"{label}: {error}")
    return redirect(reverse("organization-detail", args=[organization.pk]) + "#pages")
