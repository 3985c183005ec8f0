from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from monitoring.models import RuleSettings
from organizations.files import write_atomically
from organizations.models import Organization
from organizations.selectors import NameLookupError, district_by_name
from reports.district import PeriodError, build_district_report, parse_period
from reports.district.docx import render_district_docx
from reports.district.pdf import render_district_pdf
from reports.district.xlsx import render_district_xlsx

RENDERERS = {"pdf": render_district_pdf, "docx": render_district_docx, "xlsx": render_district_xlsx}


class Command(BaseCommand):
    help = (
        "Write the district report «Справка о ведении госпабликов» as PDF, DOCX or XLSX. "
        "--district NAME (or its id) reports on that district's organizations with its own settings; "
        "without it, on every organization: the whole region's report when the install has several "
        "districts, the district's when it has one. --from/--to (YYYY-MM-DD) narrow the post-derived "
        "sections; by default they cover the window of the latest sweep."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=sorted(RENDERERS), required=True)
        parser.add_argument("--output", type=Path, required=True, help="file to write")
        parser.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help="first day of the period")
        parser.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="last day of the period")
        parser.add_argument(
            "--district", metavar="NAME",
            help="only this district (its name or id); default: every district, the whole region",
        )

    def handle(self, *args, format: str, output: Path, start=None, end=None, district=None, **options):
        try:
            target = district_by_name(district) if district is not None else None
        except NameLookupError as error:
            raise CommandError(str(error)) from None
        try:
            period = parse_period(start, end, weeks=RuleSettings.for_district(target.pk if target else None).weeks)
        except PeriodError as error:
            raise CommandError(str(error)) from None
        report = build_district_report(
            Organization.objects.all(), district=target, region=target is None, period=period
        )
        write_atomically(output, lambda: RENDERERS[format](report))
        self.stdout.write(_("Район: %(name)s") % {"name": report.district})
        self.stdout.write(
            _("Записано: %(path)s (период публикаций %(period)s, организаций — %(n)d)")
            % {"path": output, "period": report.period, "n": report.organizations_total}
        )
