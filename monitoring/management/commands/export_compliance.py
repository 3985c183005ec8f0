import csv
import io
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from monitoring.compliance import compliance_export, flatten
from organizations.models import Organization


def export_bytes(fmt: str, export: dict) -> bytes:
    if fmt == "json":
        return json.dumps(export, ensure_ascii=False, indent=2, default=str).encode("utf-8")
    rows = list(flatten(export))
    columns = list(rows[0]) if rows else ["short_name"]
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
        return buffer.getvalue().encode("utf-8-sig")
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Соответствие"
    sheet.append(columns)
    for row in rows:
        sheet.append([row.get(column) for column in columns])
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


class Command(BaseCommand):
    help = "Export every organization's compliance (DESIGN §5 JSON keys; CSV/XLSX one row per page)."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["json", "csv", "xlsx"], default="json")
        parser.add_argument("--output", type=Path, help="file to write (default: standard output)")

    def handle(self, *args, format: str, output: Path | None, **options):
        data = export_bytes(format, compliance_export(Organization.objects.all()))
        if output is None:
            if format == "xlsx":
                raise CommandError("XLSX needs --output PATH.")
            # Through the command's own stdout, so `call_command(..., stdout=...)` gets it too;
            # as bytes where it takes bytes (a terminal, a pipe), as text otherwise.
            binary = getattr(self.stdout, "buffer", None)
            if binary is not None:
                self.stdout.flush()
                binary.write(data)
                binary.flush()
            else:
                self.stdout.write(data.decode("utf-8"), ending="")
            return
        output.write_bytes(data)
        self.stderr.write(f"Записано: {output}")
