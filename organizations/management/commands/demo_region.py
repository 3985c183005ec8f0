"""`manage.py demo_region`: beside the demo district of `make run`, three small districts
(demo/region.csv) with a methodologist each and a regional coordinator, printed with their
passwords, and a sweep of the new districts through the built-in simulator — so the regional
overview («Районы») can be tried in the browser. Safe to run again."""

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test import override_settings

from govpublic.security import refuse_demo_data_on_a_secure_install
from monitoring.demo import build_scenario, demo_settings
from monitoring.simulator.server import start_simulator
from organizations.management.commands.demo_setup import Command as DemoSetup
from monitoring.models import RuleSettings
from organizations.models import District, Membership

REGION_FILE = Path(settings.BASE_DIR) / "demo" / "region.csv"
# (username, password, full name, district; None: the whole region)
REGION_USERS = [
    ("koordinator", "koordinator-demo-2026", "Координатор региона", None),
    ("metodist-ejsk", "ejsk-demo-2026", "Методист Ейского района", "Ейский район"),
    ("metodist-starominsk", "starominsk-demo-2026", "Методист Староминского района", "Староминский район"),
    ("metodist-shcherb", "shcherb-demo-2026", "Методист Щербиновского района", "Щербиновский район"),
]
# A district with settings of its own (DESIGN §2), so «Настройки» shows one beside the region's:
# Щербиновский район asks for MAX channels and six weeks of regular posts.
OWN_SETTINGS = ("Щербиновский район", {"max_required": True, "weeks": 6})


class Command(BaseCommand):
    help = "Add three small demo districts with their methodologists and a regional coordinator, and sweep them."

    def add_arguments(self, parser):
        parser.add_argument("--no-sweep", action="store_true", help="only the registry and the users")

    def handle(self, *args, no_sweep: bool, **options):
        refuse_demo_data_on_a_secure_install()
        call_command("import_organizations", str(REGION_FILE), stdout=self.stdout._out)
        self.stdout.write("Пользователи региона (логин / пароль / роль):")
        with transaction.atomic():
            for username, password, full_name, district_name in REGION_USERS:
                user = DemoSetup._user(username, password, full_name, superuser=False)
                district = District.objects.get(name=district_name) if district_name else None
                Membership.objects.update_or_create(
                    user=user, defaults={"role": Membership.Role.METHODOLOGIST, "organization": None, "district": district}
                )
                self.stdout.write(f"  {username:<20} {password:<22} {full_name}")
            name, values = OWN_SETTINGS
            district = District.objects.get(name=name)
            if not RuleSettings.objects.filter(district=district).exists():
                rules = RuleSettings.load().copied_for(district)
                for field, value in values.items():
                    setattr(rules, field, value)
                rules.save()
            self.stdout.write(f"Свои настройки района: {name} (канал в MAX обязателен, окно — 6 недель).")
        if no_sweep:
            return
        simulator = start_simulator(build_scenario())
        try:
            with override_settings(**demo_settings(simulator.url_vk, simulator.url_ok, simulator.url_max)):
                for _username, _password, _name, district_name in REGION_USERS[1:]:
                    self.stdout.write(f"Проверка страниц: {district_name}")
                    call_command("sweep", "--district", district_name, stdout=self.stdout._out, stderr=self.stderr._out)
        finally:
            simulator.stop()
        self.stdout.write("Готово: войдите как koordinator и откройте «Районы».")
