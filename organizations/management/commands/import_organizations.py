from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from govpublic.progress import draw_progress
from organizations.importer import COLUMNS, import_organizations


class Command(BaseCommand):
    help = (
        "Import the registry from a .csv (UTF-8 with or without BOM, or Windows-1251; comma, semicolon "
        "or tab, detected; header row) or .xlsx (first sheet; formulas refused). Columns: "
        + ", ".join(COLUMNS)
        + ". A row is identified by (district, short_name): existing rows are updated; empty optional "
        "cells keep what is stored. The district is the row's district cell, else --district; a cell "
        "naming another district than --district is a row error. Without either, rows go to the only "
        "district (the install's, or the one the file names); with several, the district is required. "
        "A district not yet known is created. All or nothing: on any error nothing is written, errors "
        "are printed as 'row N: column: message' (N as in a spreadsheet, header = 1) and the exit code is 1."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--district", metavar="NAME",
            help="District of every row (created if missing); a row's district cell must then be empty or the same.",
        )

    def handle(self, *args, file: Path, district: str | None, **options):
        if not file.exists():
            raise CommandError("row 1: file: " + _("файл не найден: %(file)s") % {"file": file})
        result = import_organizations(file, district=district, progress=self._progress)
        if result.errors:
            for line in result.errors:
                self.stderr.write(line)
            raise CommandError(_("Ничего не записано: ошибок — %(n)d.") % {"n": len(result.errors)}, returncode=1)
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
