"""Fill an empty install with the demo district: the 52-organization registry of the
briefing and one user per role. Safe to run again: it updates instead of duplicating."""

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from govpublic.security import refuse_demo_data_on_a_secure_install
from organizations.demo_facts import MAX_REFUSED_LINKS
from organizations.links import LinkError, parse_page_link
from organizations.models import District, Membership, Organization

DEMO_DISTRICT = "Кущевский район"
# (username, password, full name, role, organization short name)
DEMO_USERS = [
    ("admin", "admin-demo-2026", "Администратор портала", None, None),
    ("metodist", "metodist-demo-2026", "Методист ЦРО", Membership.Role.METHODOLOGIST, None),
    ("sosh9", "sosh9-demo-2026", "Ответственный СОШ №9", Membership.Role.STAFF, "СОШ №9"),
    ("sosh26", "sosh26-demo-2026", "Ответственный СОШ №26", Membership.Role.STAFF, "СОШ №26"),
    ("ds10", "ds10-demo-2026", "Ответственный д/с №10", Membership.Role.STAFF, "д/с №10"),
]


class Command(BaseCommand):
    help = "Load the demo registry (demo/registry.csv) and create demo users, printing their passwords."

    def handle(self, *args, **options):
        refuse_demo_data_on_a_secure_install()
        District.objects.get_or_create(name=DEMO_DISTRICT)
        call_command(
            "import_organizations", str(Path(settings.BASE_DIR) / "demo" / "registry.csv"), district=DEMO_DISTRICT
        )
        # The demo's one invitation link, as a secretary would paste it: refused at input, with why.
        for short_name, link in MAX_REFUSED_LINKS.items():
            try:
                parse_page_link("max", link)
            except LinkError as refused:
                self.stdout.write(f"{short_name}: ссылка на канал MAX {link} не принята. {refused.message}")
        self.stdout.write("Демо-пользователи (логин / пароль / роль):")
        with transaction.atomic():
            for username, password, full_name, role, short_name in DEMO_USERS:
                user = self._user(username, password, full_name, superuser=role is None)
                if role is not None:
                    organization = (
                        Organization.objects.get(district__name=DEMO_DISTRICT, short_name=short_name) if short_name else None
                    )
                    Membership.objects.update_or_create(
                        user=user, defaults={"role": role, "organization": organization, "district": None}
                    )
                label = "администратор" if role is None else Membership.Role(role).label
                where = f" — {short_name}" if short_name else ""
                self.stdout.write(f"  {username:<10} {password:<20} {label}{where}")

    @staticmethod
    def _user(username: str, password: str, full_name: str, *, superuser: bool):
        User = get_user_model()
        user, _ = User.objects.get_or_create(username=username)
        first, _, last = full_name.partition(" ")
        user.first_name, user.last_name = first, last
        user.is_superuser = user.is_staff = superuser
        user.set_password(password)
        user.save()
        return user
