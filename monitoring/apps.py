from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = _("Мониторинг")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from monitoring import models

        # The thresholds a methodologist edits; the sweep's own rows carry their runs instead.
        auditlog.register(models.RuleSettings)
        post_save.connect(_rules_saved, sender=models.RuleSettings, dispatch_uid="monitoring.max_required")
        post_delete.connect(_rules_saved, sender=models.RuleSettings, dispatch_uid="monitoring.max_required.reset")


def _rules_saved(sender, instance, **kwargs) -> None:
    from monitoring.services import max_requirement_apply

    max_requirement_apply()
