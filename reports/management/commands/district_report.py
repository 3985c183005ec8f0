from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from monitoring.sweep import thresholds_now
from organizations.files import write_atomically
from organizations.models import Organization
from reports.district import PeriodError, build_district_report, parse_period
from reports.district.docx import render_district_docx
from reports.district.pdf import render_district_pdf
from reports.district.xlsx import render_district_xlsx

RENDERERS = {"pdf": render_district_pdf, "docx": render_district_docx, "xlsx": render_district_xlsx}


class Command(BaseCommand):
    help = (
        "Write the district report «Справка о ведении госпабликов» for every organization "
        "as PDF, DOCX or XLSX. --from/--to (YYYY-MM-DD) narrow the post-derived sections; "
        "by default they cover the window of the latest sweep."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=sorted(RENDERERS), required=True)
        parser.add_argument("--output", type=Path, required=True, help="file to write")
        parser.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help="first day of the period")
        parser.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="last day of the period")

    def handle(self, *args, format: str, output: Path, start=None, end=None, **options):
        try:
            period = parse_period(start, end, weeks=thresholds_now().weeks)
        except PeriodError as error:
            raise CommandError(str(error)) from None
        report = build_district_report(Organization.objects.all(), period=period)
        write_atomically(output, lambda: RENDERERS[format](report))
        self.stdout.write(
            _("Записано: %(path)s (период публикаций %(period)s, организаций — %(n)d)")
            % {"path": output, "period": report.period, "n": report.organizations_total}
        )
