"""Reads of the registry by the names people type: a district's name, an organization's short
name. A short name is unique within a district only (every district has its «СОШ №1»), so a
short name alone names one organization only where one district has it."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from organizations.models import District, Organization, district_key


class NameLookupError(Exception):
    """A typed name that names nothing, or more than one thing; the message says which, in Russian."""


def district_by_name(name: str) -> District:
    """The district a person named, whatever the case, spaces or «ё» they typed it with, or by
    its id (the number in a dashboard's `?district=`) when no district is called so."""
    wanted = district_key(name)
    districts = list(District.objects.all())
    for district in districts:
        if district_key(district.name) == wanted:
            return district
    for district in districts:
        if wanted == str(district.pk):
            return district
    raise NameLookupError(
        _("Нет района «%(name)s». Районы: %(names)s.")
        % {"name": name.strip(), "names": ", ".join(district.name for district in districts) or _("ни одного")}
    )


def organizations_by_short_names(short_names: Iterable[str], *, district: District | None = None) -> list[Organization]:
    """The organizations a person named by short name, in the district if one is given.

    Refused, naming every such name, when a name is nowhere to be found or, with no district
    given, is found in several districts: a guess would read or print the wrong school."""
    short_names = list(dict.fromkeys(short_names))
    found = Organization.objects.filter(short_name__in=short_names).select_related("district")
    if district is not None:
        found = found.filter(district=district)
    by_name: dict[str, list[Organization]] = {}
    for organization in found:
        by_name.setdefault(organization.short_name, []).append(organization)
    unknown = [name for name in short_names if name not in by_name]
    if unknown:
        if district is not None:
            raise NameLookupError(
                _("В районе «%(district)s» нет организаций с кратким названием: %(names)s")
                % {"district": district.name, "names": ", ".join(unknown)}
            )
        raise NameLookupError(_("Нет организаций с кратким названием: %(names)s") % {"names": ", ".join(unknown)})
    ambiguous = {name: found for name, found in by_name.items() if len(found) > 1}
    if ambiguous:
        raise NameLookupError(
            _("Краткое название есть в нескольких районах: %(names)s. Укажите район параметром --district.")
            % {
                "names": "; ".join(
                    f"«{name}» — " + ", ".join(sorted(organization.district.name for organization in found))
                    for name, found in ambiguous.items()
                )
            }
        )
    return [found[0] for found in by_name.values()]
