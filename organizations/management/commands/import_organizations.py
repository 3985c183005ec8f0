from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from govpublic.progress import draw_progress
from organizations.importer import COLUMNS, import_organizations
from organizations.models import District
from organizations.services import district_default


class Command(BaseCommand):
    help = (
        "Import the registry from a .csv (UTF-8 with or without BOM, or Windows-1251; comma, semicolon "
        "or tab, detected; header row) or .xlsx (first sheet; formulas refused). Columns: "
        + ", ".join(COLUMNS)
        + ". Existing short_name rows are updated; empty optional cells keep what is stored. "
        "All or nothing: on any error nothing is written, errors are printed as "
        "'row N: column: message' (N as in a spreadsheet, header = 1) and the exit code is 1."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--district", help="District name for new organizations (created if missing).")

    def handle(self, *args, file: Path, district: str | None, **options):
        if not file.exists():
            raise CommandError(f"row 1: file: файл не найден: {file}")
        # One transaction with the import: a refused file leaves no new district behind either.
        with transaction.atomic():
            if district:
                target = District.objects.get_or_create(name=district.strip())[0]
            else:
                try:
                    target = district_default()
                except ValidationError as error:
                    raise CommandError(f"row 1: district: {' '.join(error.messages)}") from None
            result = import_organizations(file, district=target, progress=self._progress)
            if result.errors:
                transaction.set_rollback(True)
        if result.errors:
            for line in result.errors:
                self.stderr.write(line)
            raise CommandError(f"Ничего не записано: ошибок — {len(result.errors)}.", returncode=1)
        if self.stdout.isatty():
            self.stdout.write("")  # past the progress bar's line
        self.stdout.write(
            self.style.SUCCESS(
                _("Импорт завершён: создано %(created)d, обновлено %(updated)d (файл: %(source)s).")
                % {"created": result.created, "updated": result.updated, "source": result.source}
            )
        )

    def _progress(self, done: int, total: int) -> None:
        draw_progress(self.stdout, done, total)
