"""Third-party apps under names a Russian administrator reads: the admin's index showed «AUDIT
LOG», «AXES», «KNOX» and «Auth tokens» untranslated, since those apps ship no Russian name."""

from auditlog.apps import AuditlogConfig as _Auditlog
from axes.apps import AppConfig as _Axes
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditlogConfig(_Auditlog):
    verbose_name = _("Журнал изменений")


class AxesConfig(_Axes):
    verbose_name = _("Защита входа")


class KnoxConfig(AppConfig):
    name = "knox"
    verbose_name = _("Токены API")

    def ready(self) -> None:
        from knox.models import AuthToken

        AuthToken._meta.verbose_name = _("токен API")
        AuthToken._meta.verbose_name_plural = _("токены API")
