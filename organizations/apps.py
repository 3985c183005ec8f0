from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizationsConfig(AppConfig):
    name = "organizations"
    verbose_name = _("Организации")

    def ready(self) -> None:
        from auditlog.registry import auditlog
        from django.contrib.auth import get_user_model

        from organizations import models

        auditlog.register(models.District)
        auditlog.register(models.Organization)
        auditlog.register(models.OfficialPage)
        auditlog.register(models.Membership)
        auditlog.register(get_user_model(), exclude_fields=["password", "last_login"])
