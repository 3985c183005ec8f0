"""The registry: districts, organizations, their official pages, and who may do what."""

from __future__ import annotations

import re

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class District(models.Model):
    """A municipality (муниципальное образование). A default install has one."""

    name = models.CharField(_("название"), max_length=200, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("район")
        verbose_name_plural = _("районы")

    def __str__(self) -> str:
        return self.name


class DistrictSettings(models.Model):
    """Settings a district may make its own (DESIGN §2): the row without a district holds the
    region's defaults; a district that changed them has a row of its own until it goes back to
    the region's (its row is deleted). What a district's row holds beyond what it set is the
    subclass's to say (`inheriting`): a letterhead is the district's whole, the rule settings
    are the district's value by value."""

    district = models.OneToOneField(
        District, on_delete=models.CASCADE, null=True, blank=True, related_name="%(class)s", verbose_name=_("район"),
    )

    class Meta:
        abstract = True

    @classmethod
    def load(cls):
        """The region's defaults (the install's only row until a district changes its own)."""
        return cls.objects.filter(district=None).order_by("pk").first() or cls.objects.create()

    @classmethod
    def for_district(cls, district_id: int | None):
        """What holds for the district: its own row with what it inherits from the region's,
        else the region's."""
        if district_id is None:
            return cls.load()
        # One query: the district's row and the region's.
        rows = list(cls.objects.filter(Q(district_id=district_id) | Q(district=None)).order_by("pk"))
        region = next((row for row in rows if row.district_id is None), None) or cls.load()
        own = next((row for row in rows if row.district_id is not None), None)
        return own.inheriting(region) if own is not None else region

    def inheriting(self, region):
        """This district row as it holds, given the region's row: here all of it is the district's."""
        return self

    def copied_for(self, district: District):
        """An unsaved row of `district` with these values: what a district starts from."""
        values = {field.attname: getattr(self, field.attname) for field in self._meta.concrete_fields
                  if not field.primary_key and field.name != "district"}
        return type(self)(district=district, **values)


class OrganizationQuerySet(models.QuerySet):
    def in_briefing_order(self) -> "OrganizationQuerySet":
        """Schools, kindergartens, clubs, the rest — each in natural name order, as the
        briefing lists them. `kind_rank` stays annotated for other orderings."""
        return self.annotate(
            kind_rank=models.Case(
                *[models.When(kind=kind, then=models.Value(rank)) for rank, kind in enumerate(KIND_ORDER)],
                default=models.Value(len(KIND_ORDER)),
                output_field=models.IntegerField(),
            )
        ).order_by("kind_rank", "sort_name")


class Organization(models.Model):
    class Kind(models.TextChoices):
        SCHOOL = "school", _("Школа")
        KINDERGARTEN = "kindergarten", _("Детский сад")
        ADDITIONAL = "additional", _("Дополнительное образование")
        OTHER = "other", _("Другое")

    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="organizations", verbose_name=_("район")
    )
    # Unique within the district, not across the region: every district has its «СОШ №1».
    short_name = models.CharField(_("краткое название"), max_length=100)
    name = models.CharField(_("полное название"), max_length=500)
    kind = models.CharField(_("тип"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    address = models.CharField(_("адрес"), max_length=500, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("телефон"), max_length=100, blank=True)
    website = models.URLField(_("сайт"), blank=True)
    # Pupils, staff and parents as the organization states it (§3.6): what subscribers are
    # measured against. Null: not stated.
    audience = models.PositiveIntegerField(
        _("аудитория"), null=True, blank=True,
        help_text=_("Сколько человек — ученики или воспитанники, сотрудники и родители — организация считает своей аудиторией."),
    )
    audience_updated_at = models.DateTimeField(_("аудитория указана"), null=True, blank=True)
    created_at = models.DateTimeField(_("создана"), auto_now_add=True)
    # «СОШ №4» before «СОШ №10»: numbers zero-padded, so SQL can sort and page naturally.
    sort_name = models.CharField(max_length=150, editable=False, db_index=True, default="")

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "sort_name"]
        verbose_name = _("организация")
        verbose_name_plural = _("организации")
        constraints = [
            models.UniqueConstraint(
                fields=["district", "short_name"],
                name="short_name_unique_in_district",
                violation_error_message=_("В этом районе уже есть организация с таким кратким названием."),
            )
        ]

    def __str__(self) -> str:
        return self.short_name

    def save(self, *args, **kwargs):
        self.sort_name = natural_key(self.short_name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "short_name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "sort_name"}
        super().save(*args, **kwargs)


KIND_ORDER = [Organization.Kind.SCHOOL, Organization.Kind.KINDERGARTEN, Organization.Kind.ADDITIONAL, Organization.Kind.OTHER]


def briefing_key(kind: str, short_name: str) -> tuple[int, str]:
    """The same order as `in_briefing_order`, for rows sorted in Python."""
    rank = KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)
    return rank, natural_key(short_name)


def district_key(name: str) -> str:
    """A district's name as a person may type it — «Кущёвский  район», «кущевский район» —
    reduced to one form, so that a typed name finds its district instead of making a second."""
    return " ".join(name.casefold().replace("ё", "е").split())


def natural_key(text: str) -> str:
    return re.sub(r"\d+", lambda match: match.group().zfill(6), text.lower().strip("«»\"' "))[:150]


class Network(models.TextChoices):
    VK = "vk", _("ВКонтакте")
    OK = "ok", _("Одноклассники")
    MAX = "max", _("MAX")


# The networks of распоряжение 2523-р: every organization is judged on both. A MAX channel
# (DESIGN §3.5) is shown where one is registered, and counts only where the district requires it.
LAW_NETWORKS = (Network.VK.value, Network.OK.value)


def shown_networks(registered, max_required: bool = False) -> list[str]:
    """The networks an organization's page and exports show, given its registered networks."""
    return [*LAW_NETWORKS, *([Network.MAX.value] if max_required or Network.MAX in registered else [])]


class RegisteredPageManager(models.Manager):
    """The pages registered now. The default manager, so that every page, figure, export and
    sweep that asks for "the organization's page" leaves detached rows out without having to
    remember to: forgetting the filter would judge and count a page nobody registers any
    more, while forgetting `all_objects` where history is meant only hides old rows."""

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(detached_at=None)


class OfficialPage(models.Model):
    """The one official page an organization registers per network (2523-р).

    A row is never deleted by the portal: its snapshots, posts and events are the page's
    history. Clearing or changing a link detaches the row (`detached_at`); the same link
    entered again attaches it back, history and all (`organizations.services.page_set`)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="pages", verbose_name=_("организация")
    )
    network = models.CharField(_("соцсеть"), max_length=8, choices=Network.choices)
    # Canonical form from organizations.links.parse_page_link: https://vk.com/club1, https://ok.ru/group/1
    url = models.URLField(_("ссылка"), max_length=300)
    link_kind = models.CharField(_("вид ссылки"), max_length=20)
    link_value = models.CharField(_("идентификатор в ссылке"), max_length=100)
    # Filled by the sweep once the link is resolved: the numeric community (or profile) id.
    external_id = models.CharField(_("id в соцсети"), max_length=50, blank=True)
    # What the link turned out to be: "group"/"page"/"event" (VK), "group" (OK) or "user".
    external_kind = models.CharField(_("что по ссылке"), max_length=10, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Set when the organization cleared or changed the link: the row stays for its history.
    detached_at = models.DateTimeField(_("ссылка снята"), null=True, blank=True)

    objects = RegisteredPageManager()
    all_objects = models.Manager()

    class Meta:
        ordering = ["organization__short_name", "network"]
        verbose_name = _("официальная страница")
        verbose_name_plural = _("официальные страницы")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "network"], condition=Q(detached_at=None), name="one_page_per_network"
            ),
            models.UniqueConstraint(fields=["network", "url"], condition=Q(detached_at=None), name="page_url_unique"),
            # One row per link an organization ever had, so entering it again finds its history.
            models.UniqueConstraint(fields=["organization", "network", "url"], name="one_row_per_page_link"),
        ]

    def __str__(self) -> str:
        return f"{self.organization.short_name}: {self.url}"


class Membership(models.Model):
    """A user's role. Staff belong to one organization; a methodologist's scope is one
    district, or the whole region when `district` is empty."""

    class Role(models.TextChoices):
        METHODOLOGIST = "methodologist", _("Методист")
        STAFF = "staff", _("Ответственный в организации")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership", verbose_name=_("пользователь")
    )
    role = models.CharField(_("роль"), max_length=20, choices=Role.choices)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("организация"),
    )
    district = models.ForeignKey(
        District, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("район")
    )
    # Staff read «Что сделать на этой неделе» on their first visits until they answer «Понятно».
    welcome_dismissed_at = models.DateTimeField(_("подсказка для новичка закрыта"), null=True, blank=True)

    class Meta:
        verbose_name = _("роль пользователя")
        verbose_name_plural = _("роли пользователей")
        constraints = [
            models.CheckConstraint(
                condition=Q(role="staff", organization__isnull=False, district__isnull=True)
                | Q(role="methodologist", organization__isnull=True),
                name="membership_scope_matches_role",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_role_display()}"
