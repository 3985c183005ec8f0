"""`manage.py api_token LOGIN`: make an API token for a user and print it (the only time it is
shown: only its digest is stored); `--revoke` revokes every token of the user instead."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from knox.models import AuthToken


class Command(BaseCommand):
    help = "Make an API token for a user and print it, or revoke all of the user's tokens (--revoke)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--revoke", action="store_true", help="Revoke every token of the user.")

    def handle(self, *args, username: str, revoke: bool, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("Пользователя «%(username)s» нет.") % {"username": username})
        if revoke:
            count, _details = AuthToken.objects.filter(user=user).delete()
            self.stdout.write(_("Отозвано токенов: %(count)d.") % {"count": count})
            return
        instance, token = AuthToken.objects.create(user=user)
        self.stdout.write(token)
        self.stderr.write(_("Действует до %(expiry)s (API_TOKEN_TTL_DAYS=%(days)d).") % {
            "expiry": timezone.localtime(instance.expiry).strftime("%d.%m.%Y %H:%M"), "days": settings.API_TOKEN_TTL_DAYS})
