"""Writes to the registry."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from organizations.links import PageLink
from organizations.models import Membership, OfficialPage, Organization


def membership_welcome_dismiss(*, membership: Membership) -> None:
    """Remember that the staff member has read the first-visit steps (the first «Понятно» counts)."""
    if membership.welcome_dismissed_at is None:
        membership.welcome_dismissed_at = timezone.now()
        membership.full_clean()
        membership.save(update_fields=["welcome_dismissed_at"])


def audience_set(*, organization: Organization, audience: int | None) -> None:
    """The audience the organization states (§3.6), with the moment it was stated; the audit
    log records who changed it (the request's user, through auditlog's middleware)."""
    if audience == organization.audience:
        return
    organization.audience = audience
    organization.audience_updated_at = timezone.now() if audience is not None else None
    organization.full_clean(exclude=["district"], validate_unique=False)
    organization.save(update_fields=["audience", "audience_updated_at"])


@transaction.atomic
def page_set(*, organization: Organization, network: str, link: PageLink | None) -> OfficialPage | None:
    """Register, change or (with link=None) remove the organization's page on a network.

    Nothing is deleted: the page that stops being the registered one is detached with its
    history, and a link the organization had before is attached again with its own. Each
    step is a save, so the audit log shows it (detached_at: empty → date, and back)."""
    page = OfficialPage.objects.select_for_update().filter(organization=organization, network=network).first()
    if page is not None and link is not None and page.url == link.url:
        return page
    if link is not None:
        taken = OfficialPage.objects.filter(network=network, url=link.url).exclude(organization=organization).first()
        if taken is not None:
            raise ValidationError(
                _("Эта страница уже зарегистрирована за организацией «%(org)s».") % {"org": taken.organization.short_name}
            )
    if page is not None:
        page.detached_at = timezone.now()
        page.save(update_fields=["detached_at", "updated_at"])
    if link is None:
        return None
    page = OfficialPage.all_objects.filter(organization=organization, network=network, url=link.url).first()
    if page is None:
        page = OfficialPage(organization=organization, network=network, url=link.url)
    page.link_kind, page.link_value, page.detached_at = link.kind, link.value, None
    # The sweep resolves the link again: a short name may have passed to another community.
    page.external_id = page.external_kind = ""
    page.full_clean()
    page.save()
    return page
