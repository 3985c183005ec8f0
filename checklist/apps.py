from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChecklistConfig(AppConfig):
    name = "checklist"
    verbose_name = _("Чек-лист")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from checklist import models, signals  # noqa: F401  (connects the receivers)

        auditlog.register(models.ChecklistItem)
        auditlog.register(models.ChecklistEntry)
        auditlog.register(models.EvidenceRevision)
