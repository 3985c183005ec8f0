"""`manage.py max_updates`: the district bot's events without a webhook, and the webhook itself.

- no option: take the waiting events from `GET /updates` once (bound MAX accounts, the chats
  the bot was added to or removed from). Every sweep does the same at its start; this is for a
  cron or a person who does not want to wait;
- `--loop`: keep taking them as they come (long polling), until stopped;
- `--subscribe URL`: ask MAX to deliver the events to the portal's webhook
  (`https://<portal>/max/webhook/`) with `MAX_WEBHOOK_SECRET`; `--unsubscribe URL` stops it."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from monitoring.clients import ApiError
from monitoring.networks.max.bot import UPDATE_TYPES, bot_client, drain_updates

LONG_POLL_SECONDS = 30


class Command(BaseCommand):
    help = "События бота MAX: разобрать GET /updates (без вебхука) или подписать вебхук портала."

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--loop", action="store_true", help="разбирать события по мере прихода, пока не остановят")
        group.add_argument("--subscribe", metavar="URL", help="подписать вебхук https://<портал>/max/webhook/")
        group.add_argument("--unsubscribe", metavar="URL", help="отписать вебхук")

    def handle(self, *args, loop: bool, subscribe: str | None, unsubscribe: str | None, **options):
        client = bot_client()
        if client is None:
            raise CommandError("MAX_BOT_TOKEN не задан: бота района нет.", returncode=2)
        try:
            if subscribe or unsubscribe:
                self._webhook(client, subscribe, unsubscribe)
            elif settings.MAX_WEBHOOK_SECRET:
                self.stdout.write("Задан MAX_WEBHOOK_SECRET: события приходят на вебхук /max/webhook/, опрашивать нечего.")
            elif loop:
                self.stdout.write("Жду события бота MAX; остановить — Ctrl+C.")
                while True:
                    handled = drain_updates(client, wait=LONG_POLL_SECONDS)
                    if handled:
                        self.stdout.write(f"Обработано событий: {handled}.")
            else:
                self.stdout.write(f"Обработано событий: {drain_updates(client)}.")
        except ApiError as error:
            raise CommandError(f"MAX не ответил: {error}", returncode=1) from error
        except KeyboardInterrupt:
            self.stdout.write("Остановлено.")

    def _webhook(self, client, subscribe: str | None, unsubscribe: str | None) -> None:
        if unsubscribe:
            client.unsubscribe(unsubscribe)
            self.stdout.write(f"Вебхук {unsubscribe} отписан: события снова забираются опросом.")
            return
        if not settings.MAX_WEBHOOK_SECRET:
            raise CommandError("Задайте MAX_WEBHOOK_SECRET: без него портал не примет события вебхука.", returncode=2)
        if not subscribe.startswith("https://"):
            raise CommandError("MAX доставляет события только на адрес https://.", returncode=2)
        client.subscribe(subscribe, UPDATE_TYPES, settings.MAX_WEBHOOK_SECRET)
        self.stdout.write(f"Вебхук {subscribe} подписан: события бота приходят на портал.")
