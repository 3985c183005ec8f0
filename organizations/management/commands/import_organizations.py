from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from organizations.importer import COLUMNS, import_organizations
from organizations.models import District
from organizations.services import district_default


class Command(BaseCommand):
    help = (
        "Import the registry from a .csv (UTF-8, header row) or .xlsx (first sheet). Columns: "
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
                target, _ = District.objects.get_or_create(name=district.strip())
            else:
                try:
                    target = district_default()
                except ValidationError as error:
                    raise CommandError(f"row 1: district: {' '.join(error.messages)}") from None
            result = import_organizations(file, district=target)
            if result.errors:
                transaction.set_rollback(True)
        if result.errors:
            for line in result.errors:
                self.stderr.write(line)
            raise CommandError(f"Ничего не записано: ошибок — {len(result.errors)}.", returncode=1)
        self.stdout.write(self.style.SUCCESS(f"Импорт завершён: создано {result.created}, обновлено {result.updated}."))
