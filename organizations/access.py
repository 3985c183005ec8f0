"""Who may see and change what. Every view asks here; nothing else decides access.

Outsiders get 404 (they must not learn that an organization exists), readers get 403
on writes: the same rule healthchecks applies with `_get_check_for_user`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from organizations.models import District, Membership, Organization


@dataclass(frozen=True)
class Access:
    can_edit: bool  # staff of the organization: tick, upload, submit, register links
    can_review: bool  # methodologist in scope: approve, return, see the audit log


def membership_of(user) -> Membership | None:
    """The user's role with its organization, read once per request (cached on the user)."""
    if not user.is_authenticated:
        return None
    if not hasattr(user, "_membership_cache"):
        user._membership_cache = Membership.objects.select_related("organization").filter(user=user).first()
    return user._membership_cache


def is_methodologist(user) -> bool:
    if user.is_authenticated and user.is_superuser:
        return True
    membership = membership_of(user)
    return membership is not None and membership.role == Membership.Role.METHODOLOGIST


def organizations_for(user) -> QuerySet[Organization]:
    """Every organization the user may see."""
    if not user.is_authenticated:
        return Organization.objects.none()
    if user.is_superuser:
        return Organization.objects.all()
    membership = membership_of(user)
    if membership is None:
        return Organization.objects.none()
    if membership.role == Membership.Role.STAFF:
        return Organization.objects.filter(pk=membership.organization_id)
    if membership.district_id is None:
        return Organization.objects.all()
    return Organization.objects.filter(district_id=membership.district_id)


def methodologist_district(user) -> int | None:
    """The district a methodologist answers for; None for the region (a regional coordinator,
    an administrator)."""
    if user.is_superuser:
        return None
    membership = membership_of(user)
    return membership.district_id if membership is not None else None


def district_looked_at(user, asked: str | int | None = None) -> int | None:
    """The district a methodologist's page shows: the one drilled into (`?district=`, see
    `drilled_district`), else their own; None for the region's coordinator, the whole region."""
    drilled = drilled_district(user, asked)
    return drilled.pk if drilled is not None else methodologist_district(user)


def drilled_district(user, asked: str | int | None) -> District | None:
    """The district a methodologist's page is narrowed to by `?district=` (`asked`), or None
    when nothing is asked: the page shows the user's whole scope. 404 for a district that does
    not exist (or an id that is not one), for another district than a district methodologist's
    own, and for anyone but a methodologist: as for any object outside the user's scope."""
    if asked is None or str(asked).strip() == "":
        return None
    if not is_methodologist(user) or not str(asked).strip().isdecimal():
        raise Http404
    district = District.objects.filter(pk=int(asked)).first()
    own = methodologist_district(user)
    if district is None or own not in (None, district.pk):
        raise Http404
    return district


def district_names(user, drilled: District | int | str | None) -> dict[int, str]:
    """District names by id when a page lists the region's organizations as a whole (the
    coordinator's, nothing `drilled` into, several districts), for a row to name its district:
    every district has its «СОШ №1». Empty for one district's page or an install of one district.
    One query at most."""
    if drilled or methodologist_district(user) is not None:
        return {}
    names = dict(District.objects.values_list("pk", "name"))
    return names if len(names) > 1 else {}


def access_to(user, organization: Organization) -> Access:
    if user.is_superuser:
        return Access(can_edit=True, can_review=True)
    membership = membership_of(user)
    if membership is None:
        return Access(can_edit=False, can_review=False)
    if membership.role == Membership.Role.STAFF:
        return Access(can_edit=membership.organization_id == organization.pk, can_review=False)
    in_scope = membership.district_id in (None, organization.district_id)
    return Access(can_edit=False, can_review=in_scope)


def get_organization_for_user(user, pk: int) -> tuple[Organization, Access]:
    """The organization if the user may see it, else 404."""
    try:
        organization = organizations_for(user).select_related("district").get(pk=pk)
    except (Organization.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    return organization, access_to(user, organization)


def require_edit(access: Access) -> None:
    if not access.can_edit:
        raise PermissionDenied


def require_review(access: Access) -> None:
    if not access.can_review:
        raise PermissionDenied
