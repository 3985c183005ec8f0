from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils.translation import gettext as _

from govpublic.progress import draw_progress
from monitoring.models import SweepRun
from monitoring.networks import swept_networks
from monitoring.sweep import SweepConfigurationError, build_clients, is_stalled, sweep_run_inline, sweep_start
from organizations.models import Organization
from organizations.selectors import NameLookupError, district_by_name, organizations_by_short_names


class Command(BaseCommand):
    help = (
        "Sweep the registered VK, OK and MAX pages in this process (the same pipeline as the nightly "
        "Celery run) with a progress bar. --district NAME sweeps that district's organizations only, "
        "and says which district --org short names are in (required when a short name is in several). Exit 0 when the sweep ran (per-page API faults are "
        "reported, not fatal); exit 2 on a configuration error."
    )

    def add_arguments(self, parser):
        parser.add_argument("--org", action="append", dest="orgs", metavar="SHORT_NAME", help="only these organizations")
        parser.add_argument("--network", choices=["vk", "ok", "max"], help="only this network")
        parser.add_argument(
            "--district", metavar="NAME",
            help="only this district's organizations; with --org, the district the short names are in",
        )

    def handle(self, *args, orgs=None, network=None, district=None, **options):
        networks = [network] if network else swept_networks()
        for name in networks:
            try:
                build_clients(name)
            except SweepConfigurationError as error:
                raise CommandError(str(error), returncode=2) from None
        organizations, whole_district = None, None
        try:
            target = district_by_name(district) if district is not None else None
            if orgs:
                # A short name is unique within a district only: with several, it must say which.
                organizations = organizations_by_short_names(orgs, district=target)
            elif target is not None:
                # The district's own scope: one run at a time with its methodologist's «Проверить сейчас».
                organizations, whole_district = list(Organization.objects.filter(district=target)), target
        except NameLookupError as error:
            raise CommandError(str(error), returncode=2) from None
        if target is not None:
            self.stdout.write(_("Район: %(name)s") % {"name": target.name})
        run, started = sweep_start(
            trigger=SweepRun.Trigger.COMMAND, networks=networks, organizations=organizations, district=whole_district
        )
        if not started:
            if not is_stalled(run):
                self.stdout.write(
                    f"Проверка #{run.pk} уже идёт (проверено {run.pages_done} из {run.pages_total}): "
                    "новая не начата, эта закончится сама."
                )
                return
            self.stdout.write(f"Проверка #{run.pk} прервалась: продолжаю её.")
        self.stdout.write(f"Проверка #{run.pk}: страниц — {run.pages_total}")
        if run.pages_deferred:
            self.stdout.write(run.deferred_message())
        try:
            run = sweep_run_inline(run, progress=self._progress)
        except DatabaseError as error:
            raise CommandError(
                f"Потеряна связь с базой данных ({type(error).__name__}). Проверка #{run.pk} не закончена: "
                "её доведёт до конца сторож (Celery beat) или следующий запуск manage.py sweep.",
                returncode=1,
            ) from None
        if run.finished_at is None:
            self.stdout.write(f"Проверку #{run.pk} продолжает другой процесс.")
            return
        if self.stdout.isatty():
            self.stdout.write("")
        self.stdout.write(
            f"Готово: проверено {run.pages_done} из {run.pages_total}, сбоев API — {run.faults}, "
            f"событий — {run.change_events.count()}."
        )
        if run.pages_deferred:
            self.stdout.write(run.deferred_message())
        if run.config_errors:
            for name, message in run.config_errors.items():
                self.stderr.write(f"{name}: {message}")
            raise CommandError("Проверка остановлена из-за ошибки настройки.", returncode=2)

    def _progress(self, run: SweepRun) -> None:
        draw_progress(self.stdout, run.pages_done, run.pages_total)
