"""The checklist: item definitions, one entry per organization per item, evidence kept as
revisions, and an event row for every transition. Work status and verdict are separate
axes (the work can be "submitted" while the verdict is still "unknown")."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.db import models
from django.db.models.query_utils import DeferredAttribute
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from organizations.models import Organization


class _ShownInLanguage(DeferredAttribute):
    """Reads the stored text through the translation catalog (the briefing's wording, as the data
    migration loaded it, has an English entry; an edited text has none and reads as stored)."""

    def __get__(self, instance, cls=None):
        value = super().__get__(instance, cls)
        return gettext(value) if instance is not None and value else value

    def __set__(self, instance, value):
        instance.__dict__[self.field.attname] = value


class CatalogTextMixin:
    """A text field whose stored value is the Russian original, shown in the reader's language.
    What is written back (saves, forms, the admin) is always the stored original."""

    descriptor_class = _ShownInLanguage

    def pre_save(self, model_instance, add):
        return model_instance.__dict__.get(self.attname)

    def value_from_object(self, obj):
        return obj.__dict__.get(self.attname)

    def deconstruct(self):
        # The column is a plain text column: migrations see the Django field it stores as.
        name, _path, args, kwargs = super().deconstruct()
        return name, f"django.db.models.{self.stored_as.__name__}", args, kwargs


class CatalogCharField(CatalogTextMixin, models.CharField):
    stored_as = models.CharField


class CatalogTextField(CatalogTextMixin, models.TextField):
    stored_as = models.TextField


class ChecklistItem(models.Model):
    class Mode(models.TextChoices):
        MANUAL = "manual", _("Документ, проверяет методист")
        AUTOMATIC = "automatic", _("Автоматически, по данным соцсетей")

    code = models.SlugField(_("код"), max_length=50, unique=True)
    title = CatalogCharField(_("пункт"), max_length=300)
    description = CatalogTextField(_("что нужно сделать"), blank=True)
    mode = models.CharField(_("как выполняется"), max_length=10, choices=Mode.choices)
    # Orders carry a document number and date; other paperwork only a file.
    needs_document_details = models.BooleanField(_("нужны номер и дата документа"), default=False)
    due_date = models.DateField(_("срок"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(_("порядок"), default=0)
    # The short column title on the matrix and dashboard.
    short_title = CatalogCharField(_("кратко"), max_length=60)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("пункт чек-листа")
        verbose_name_plural = _("пункты чек-листа")

    def __str__(self) -> str:
        return self.title

    @property
    def is_manual(self) -> bool:
        return self.mode == self.Mode.MANUAL


# The item a district adds by requiring MAX channels (DESIGN §3.5): it exists only while the
# setting is on, so every list of items (checklist, matrix, dashboard, report, export) shows it
# then and never otherwise. Its words are read through the catalog like the migration's items.
MAX_ITEM = {
    "code": "max_channel",
    "mode": "automatic",
    "title": gettext_noop("Официальный канал в MAX"),
    "short_title": gettext_noop("Канал MAX"),
    "description": gettext_noop(
        "Публичный канал организации в MAX, бот района — администратор канала. Проверяется ночной "
        "проверкой по тем же правилам, что и страницы ВКонтакте и Одноклассников (без метки)."
    ),
    "position": 100,
}


class WorkStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Не начато")
    SUBMITTED = "submitted", _("На проверке")
    APPROVED = "approved", _("Утверждено")
    RETURNED = "returned", _("Возвращено на доработку")


class Verdict(models.TextChoices):
    COMPLIANT = "compliant", _("Соответствует")
    NON_COMPLIANT = "non_compliant", _("Не соответствует")
    UNKNOWN = "unknown", _("Неизвестно")
    NOT_APPLICABLE = "not_applicable", _("Не применимо")


class ChecklistEntry(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="checklist_entries", verbose_name=_("организация")
    )
    item = models.ForeignKey(
        ChecklistItem, on_delete=models.PROTECT, related_name="entries", verbose_name=_("пункт")
    )
    status = models.CharField(
        _("ход работы"), max_length=20, choices=WorkStatus.choices, default=WorkStatus.NOT_STARTED
    )
    verdict = models.CharField(_("оценка"), max_length=20, choices=Verdict.choices, default=Verdict.UNKNOWN)
    # Why the verdict is what it is, in one sentence (the sweep writes it for automatic items).
    verdict_note = models.CharField(_("пояснение"), max_length=500, blank=True)
    # The date the organization's district set for itself, written by
    # `checklist.services.due_dates_apply`; empty: the item's date, the region's, counts.
    due_date = models.DateField(_("срок"), null=True, blank=True)
    updated_at = models.DateTimeField(_("изменено"), auto_now=True)

    class Meta:
        ordering = ["organization__short_name", "item__position"]
        verbose_name = _("пункт организации")
        verbose_name_plural = _("пункты организаций")
        constraints = [models.UniqueConstraint(fields=["organization", "item"], name="one_entry_per_item")]
        indexes = [models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"{self.organization.short_name}: {self.item.code}"

    @property
    def effective_due_date(self):
        return self.due_date or self.item.due_date


def evidence_upload_to(instance: "EvidenceRevision", filename: str) -> str:
    # A random name: the uploader's file name never reaches the file system.
    suffix = Path(filename).suffix.lower()
    return f"evidence/{instance.entry.organization_id}/{uuid.uuid4().hex}{suffix}"


class EvidenceRevision(models.Model):
    """One uploaded version of a document. Never overwritten: a new upload is a new row."""

    entry = models.ForeignKey(
        ChecklistEntry, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("пункт")
    )
    version = models.PositiveIntegerField(_("версия"))
    file = models.FileField(_("файл"), upload_to=evidence_upload_to, max_length=300)
    original_name = models.CharField(_("имя файла"), max_length=255)
    size = models.PositiveBigIntegerField(_("размер, байт"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    content_type = models.CharField(_("тип"), max_length=100)
    document_number = models.CharField(_("номер документа"), max_length=50, blank=True)
    document_date = models.DateField(_("дата документа"), null=True, blank=True)
    note = models.CharField(_("комментарий"), max_length=1000, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("загрузил")
    )
    uploaded_at = models.DateTimeField(_("загружено"), auto_now_add=True)

    class Meta:
        ordering = ["entry", "-version"]
        verbose_name = _("версия документа")
        verbose_name_plural = _("версии документов")
        constraints = [models.UniqueConstraint(fields=["entry", "version"], name="one_revision_number")]

    def __str__(self) -> str:
        return f"{self.entry} v{self.version}"


class EntryEvent(models.Model):
    """A transition of an entry: who, when, from → to, and why. The history never changes."""

    entry = models.ForeignKey(
        ChecklistEntry, on_delete=models.CASCADE, related_name="events", verbose_name=_("пункт")
    )
    # Empty for transitions made by the nightly sweep.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("кто"),
    )
    created_at = models.DateTimeField(_("когда"), auto_now_add=True)
    from_status = models.CharField(_("было"), max_length=20, choices=WorkStatus.choices, blank=True)
    to_status = models.CharField(_("стало"), max_length=20, choices=WorkStatus.choices, blank=True)
    from_verdict = models.CharField(_("оценка была"), max_length=20, choices=Verdict.choices, blank=True)
    to_verdict = models.CharField(_("оценка стала"), max_length=20, choices=Verdict.choices, blank=True)
    comment = models.TextField(_("комментарий"), blank=True)
    revision = models.ForeignKey(
        EvidenceRevision, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("версия документа"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("событие пункта")
        verbose_name_plural = _("события пунктов")

    def __str__(self) -> str:
        return f"{self.entry}: {self.from_status or self.from_verdict} → {self.to_status or self.to_verdict}"
