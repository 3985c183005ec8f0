"""The read-only REST API: organizations, compliance per page, checklist status.

Scoped exactly like the pages: every queryset starts from `organizations_for(user)`, so
staff see only their organization and get 404 for any other; a methodologist sees a
district or the whole region. Data needs a token or a session; the OpenAPI schema at
`/api/schema/` is public (it holds the shape, no data). See docs/api.md.

No Swagger/Redoc page: drf-spectacular's UI views load their JavaScript from a CDN, which
school filters block, and the schema alone is enough to import into any OpenAPI tool.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.http import Http404
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework import generics
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from checklist.models import ChecklistEntry, ChecklistItem, Verdict, WorkStatus
from monitoring.compliance import community_entry, compliance_export
from organizations.access import get_organization_for_user, organizations_for
from organizations.models import Network, OfficialPage, Organization
from reports.serializers import ChecklistEntrySerializer, OrganizationSerializer, PageSerializer


def organization_order(prefix: str = "") -> list[str]:
    """The registry's own order (Organization.Meta.ordering), then pk, so paging is stable."""
    fields = [*Organization._meta.ordering, "pk"]
    return [f"-{prefix}{f[1:]}" if f.startswith("-") else f"{prefix}{f}" for f in fields]


def organization_rows(user, organizations: Sequence[Organization]) -> list[dict[str, Any]]:
    """The export's entries of these organizations (their districts read with them), in their
    order, with ids and item titles.

    A fixed number of queries however many organizations there are."""
    ids = [organization.pk for organization in organizations]
    export = compliance_export(organizations_for(user).filter(pk__in=ids), ranked=False)
    # Two districts may each have a «СОШ №1»: a row is its district's and short name's.
    by_name = {(row["district"], row["short_name"]): row for row in export["organizations"]}
    titles = dict(ChecklistItem.objects.values_list("code", "title"))
    rows = []
    for organization in organizations:
        row = by_name.get((organization.district.name, organization.short_name))
        if row is None:  # deleted or renamed between the two reads
            continue
        checklist = [{**item, "title": titles.get(item["code"], "")} for item in row["checklist"]]
        rows.append({"id": organization.pk, **row, "checklist": checklist})
    return rows


def _choice_param(request, name: str, choices) -> str | None:
    """A filter value from the query string, refused with 400 when it is not one of `choices`."""
    value = request.query_params.get(name)
    if value in (None, ""):
        return None
    if value not in choices:
        raise ValidationError({name: [_("Допустимые значения: %(values)s.") % {"values": ", ".join(choices)}]})
    return value


def _id_param(request, name: str) -> int | None:
    value = request.query_params.get(name)
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except ValueError:
        number = 0
    if not 0 < number < 2**63:  # larger ids overflow the database's integer
        raise ValidationError({name: [_("Нужен числовой id.")]})
    return number


ORGANIZATION_PARAM = OpenApiParameter("organization", OpenApiTypes.INT, description="Only this organization's rows.")


class OrganizationList(generics.ListAPIView):
    """Organizations the caller may see, each as in the JSON export."""

    serializer_class = OrganizationSerializer

    def get_queryset(self):
        return organizations_for(self.request.user).select_related("district").order_by(*organization_order())

    def list(self, request, *args, **kwargs):
        queryset = self.get_queryset()
        page = self.paginate_queryset(queryset)
        rows = organization_rows(request.user, page if page is not None else list(queryset))
        data = self.get_serializer(rows, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)


class OrganizationDetail(generics.RetrieveAPIView):
    """One organization as in the JSON export; 404 when it is outside the caller's scope."""

    serializer_class = OrganizationSerializer

    def get_queryset(self):
        return organizations_for(self.request.user)

    def retrieve(self, request, *args, **kwargs):
        organization, _access = get_organization_for_user(request.user, kwargs["pk"])
        rows = organization_rows(request.user, [organization])
        if not rows:
            raise Http404
        return Response(self.get_serializer(rows[0]).data)


@extend_schema(
    parameters=[
        ORGANIZATION_PARAM,
        OpenApiParameter("network", OpenApiTypes.STR, enum=Network.values, description="vk, ok or max."),
    ]
)
class PageList(generics.ListAPIView):
    """Compliance per registered page: the export's `communities[]` entry plus the ids.

    A network with no page registered has no row here (the organization's entry shows it
    as `missing`)."""

    serializer_class = PageSerializer

    def get_queryset(self):
        pages = (
            OfficialPage.objects.filter(organization__in=organizations_for(self.request.user))
            .select_related("organization", "state__last_run")
            .order_by(*organization_order("organization__"), "network", "pk")
        )
        organization = _id_param(self.request, "organization")
        if organization is not None:
            pages = pages.filter(organization_id=organization)
        network = _choice_param(self.request, "network", Network.values)
        if network:
            pages = pages.filter(network=network)
        return pages

    def list(self, request, *args, **kwargs):
        queryset = self.get_queryset()
        page = self.paginate_queryset(queryset)
        rows = [
            {
                "id": official_page.pk,
                "organization": official_page.organization_id,
                "organization_short_name": official_page.organization.short_name,
                **community_entry(official_page, official_page.network),
            }
            for official_page in (page if page is not None else queryset)
        ]
        data = self.get_serializer(rows, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)


@extend_schema(
    parameters=[
        ORGANIZATION_PARAM,
        OpenApiParameter("code", OpenApiTypes.STR, description="Checklist item code, e.g. order_responsible."),
        OpenApiParameter("status", OpenApiTypes.STR, enum=WorkStatus.values, description="Work status."),
        OpenApiParameter("verdict", OpenApiTypes.STR, enum=Verdict.values),
    ]
)
class ChecklistList(generics.ListAPIView):
    """Checklist entries of the organizations the caller may see: work status and verdict."""

    serializer_class = ChecklistEntrySerializer

    def get_queryset(self):
        entries = (
            ChecklistEntry.objects.filter(organization__in=organizations_for(self.request.user))
            .select_related("organization", "item")
            .order_by(*organization_order("organization__"), "item__position", "item__code", "pk")
        )
        organization = _id_param(self.request, "organization")
        if organization is not None:
            entries = entries.filter(organization_id=organization)
        code = self.request.query_params.get("code")
        if code:
            entries = entries.filter(item__code=code)
        status = _choice_param(self.request, "status", WorkStatus.values)
        if status:
            entries = entries.filter(status=status)
        verdict = _choice_param(self.request, "verdict", Verdict.values)
        if verdict:
            entries = entries.filter(verdict=verdict)
        return entries


urlpatterns = [
    # Public: the shape of the API, no data. Data endpoints need a token or a session.
    path("api/schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny]), name="api-schema"),
    path("api/organizations/", OrganizationList.as_view(), name="api-organization-list"),
    path("api/organizations/<int:pk>/", OrganizationDetail.as_view(), name="api-organization-detail"),
    path("api/pages/", PageList.as_view(), name="api-page-list"),
    path("api/checklist/", ChecklistList.as_view(), name="api-checklist-list"),
]
