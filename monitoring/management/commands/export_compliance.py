import csv
import io
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from monitoring.compliance import compliance_export, flatten
from organizations.files import write_atomically
from organizations.models import Organization
from organizations.selectors import NameLookupError, district_by_name
from organizations.spreadsheets import inert, new_workbook, workbook_bytes, write_sheet


def export_bytes(fmt: str, export: dict) -> bytes:
    if fmt == "json":
        return json.dumps(export, ensure_ascii=False, indent=2, default=str).encode("utf-8")
    rows = list(flatten(export))
    columns = list(rows[0]) if rows else ["short_name"]
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns)
        writer.writeheader()
        writer.writerows({column: inert(value) for column, value in row.items()} for row in rows)
        return buffer.getvalue().encode("utf-8-sig")
    workbook = new_workbook()
    write_sheet(workbook, "Соответствие", columns, ([row.get(column) for column in columns] for row in rows))
    return workbook_bytes(workbook)


class Command(BaseCommand):
    help = (
        "Export the compliance of every organization of the region, or with --district NAME (or its id) "
        "of that district's only (DESIGN §5 JSON keys; CSV/XLSX one row per page)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["json", "csv", "xlsx"], default="json")
        parser.add_argument("--output", type=Path, help="file to write (default: standard output)")
        parser.add_argument(
            "--district", metavar="NAME",
            help="only this district (its name or id); default: every district, the whole region",
        )

    def handle(self, *args, format: str, output: Path | None, district: str | None = None, **options):
        organizations = Organization.objects.all()
        if district is not None:
            try:
                organizations = organizations.filter(district=district_by_name(district))
            except NameLookupError as error:
                raise CommandError(str(error)) from None

        def render() -> bytes:
            return export_bytes(format, compliance_export(organizations))

        if output is not None:
            write_atomically(output, render)
            self.stderr.write(_("Записано: %(path)s") % {"path": output})
            return
        if format == "xlsx":
            raise CommandError("XLSX needs --output PATH.")
        data = render()
        # Through the command's own stdout, so `call_command(..., stdout=...)` gets it too;
        # as bytes where it takes bytes (a terminal, a pipe), as text otherwise.
        binary = getattr(self.stdout, "buffer", None)
        if binary is not None:
            self.stdout.flush()
            binary.write(data)
            binary.flush()
        else:
            self.stdout.write(data.decode("utf-8"), ending="")
