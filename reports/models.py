"""What the district report needs to be an official letter: the department's letterhead,
the outgoing number, the addressee, the signature and the executor. The region's row and a
district's own, edited on the settings page next to the rule thresholds."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from organizations.models import DistrictSettings


class Letterhead(DistrictSettings):
    """A district's own letterhead once it saves one; the region's until then."""

    body_name = models.CharField(
        _("наименование органа"), max_length=300, default="Управление образования",
        help_text=_("Печатается первой строкой бланка, например «Управление образования администрации района»."),
    )
    contacts = models.TextField(
        _("адрес и контакты"), blank=True, default="",
        help_text=_("Каждая строка — отдельная строка бланка: адрес, телефон, электронная почта."),
    )
    outgoing_number = models.CharField(
        _("исходящий номер"), max_length=40, blank=True, default="",
        help_text=_("Если не указан, в справке остаётся место для номера: «№ ______»."),
    )
    outgoing_date = models.DateField(
        _("дата документа"), null=True, blank=True, help_text=_("Если не указана — дата формирования справки."),
    )
    addressee = models.TextField(
        _("адресат"), blank=True, default="Руководителям образовательных организаций",
        help_text=_("Кому направляется справка; каждая строка — отдельная строка."),
    )
    proposals = models.TextField(
        _("текст предложений"), blank=True, default="",
        help_text=_(
            "Если пусто, предложения составляются по итогам проверки: по одному на каждый невыполненный "
            "критерий. Если заполнено, каждая строка — отдельное предложение вместо составленных."
        ),
    )
    proposals_days = models.PositiveSmallIntegerField(
        _("срок исполнения, дней"), default=14,
        help_text=_("Срок в предложениях — через столько дней после даты документа. По умолчанию 14."),
    )
    proposals_responsible = models.CharField(
        _("ответственные"), max_length=200, default="Руководители образовательных организаций",
        help_text=_("Кто исполняет предложения, например «Руководители ОО»."),
    )
    signer_position = models.CharField(
        _("должность подписывающего"), max_length=200, blank=True, default="Начальник управления образования",
    )
    signer_name = models.CharField(_("инициалы и фамилия подписывающего"), max_length=120, blank=True, default="")
    executor_name = models.CharField(_("исполнитель"), max_length=120, blank=True, default="")
    executor_phone = models.CharField(_("телефон исполнителя"), max_length=60, blank=True, default="")

    class Meta:
        verbose_name = _("бланк справки")
        verbose_name_plural = _("бланк справки")

    def __str__(self) -> str:
        if self.district_id is None:
            return str(_("Бланк справки"))
        return str(_("Бланк справки: %(district)s") % {"district": self.district})
