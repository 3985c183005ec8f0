"""`manage.py max_updates`: take the district bot's waiting events from `GET /updates` (when
no webhook is set): bound MAX accounts, the chats the bot was added to or removed from. Every
sweep does the same at its start; this is for a cron or a person who does not want to wait."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from monitoring.clients import ApiError
from monitoring.networks.max.bot import drain_updates


class Command(BaseCommand):
    help = "Обработать события бота MAX из GET /updates (без вебхука)."

    def handle(self, *args, **options):
        if not settings.MAX_BOT_TOKEN:
            raise CommandError("MAX_BOT_TOKEN не задан: бота района нет.", returncode=2)
        if settings.MAX_WEBHOOK_SECRET:
            self.stdout.write("Задан MAX_WEBHOOK_SECRET: события приходят на вебхук /max/webhook/, опрашивать нечего.")
            return
        try:
            handled = drain_updates()
        except ApiError as error:
            raise CommandError(f"MAX не ответил: {error}", returncode=1) from error
        self.stdout.write(f"Обработано событий: {handled}.")
