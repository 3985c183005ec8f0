"""Writes to the registry."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from organizations.links import PageLink
from organizations.models import District, OfficialPage, Organization


def district_default() -> District:
    """The district new organizations join when none is named: the only one there is."""
    districts = list(District.objects.all()[:2])
    if len(districts) == 1:
        return districts[0]
    if not districts:
        return District.objects.create(name=_("Основной район"))
    raise ValidationError(_("В системе несколько районов: укажите район явно."))


@transaction.atomic
def page_set(*, organization: Organization, network: str, link: PageLink | None) -> OfficialPage | None:
    """Register, change or (with link=None) remove the organization's page on a network.

    Changing the link forgets the resolved id: the next sweep resolves the new link."""
    page = OfficialPage.objects.select_for_update().filter(organization=organization, network=network).first()
    if link is None:
        if page is not None:
            page.delete()
        return None
    taken = OfficialPage.objects.filter(network=network, url=link.url).exclude(organization=organization).first()
    if taken is not None:
        raise ValidationError(
            _("Эта страница уже зарегистрирована за организацией «%(org)s».") % {"org": taken.organization.short_name}
        )
    if page is None:
        page = OfficialPage(organization=organization, network=network)
    elif page.url == link.url:
        return page
    page.url, page.link_kind, page.link_value = link.url, link.kind, link.value
    page.external_id = page.external_kind = ""
    page.full_clean()
    page.save()
    return page
