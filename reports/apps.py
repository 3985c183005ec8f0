from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Отчёты")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from monitoring.sweep.run import run_finished
        from reports.cache import connect_signals
        from reports.models import Letterhead
        from reports.selectors import record_criteria

        run_finished.connect(lambda sender, run, **kwargs: record_criteria(), weak=False, dispatch_uid="reports.record_criteria")
        connect_signals()
        # What the department signs: who changed the number or the signer is worth a line in the log.
        auditlog.register(Letterhead)
