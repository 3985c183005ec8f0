from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = _("Мониторинг")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from monitoring import models

        # The thresholds a methodologist edits; the sweep's own rows carry their runs instead.
        auditlog.register(models.RuleSettings)
