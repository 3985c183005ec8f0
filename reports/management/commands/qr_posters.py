"""Write every organization's QR poster and codes to a folder, for a district that prints them
all at once, or sends them to schools by e-mail, without clicking through the portal."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from organizations.files import write_atomically
from organizations.models import Organization
from organizations.selectors import NameLookupError, district_by_name, organizations_by_short_names
from reports import qr


class Command(BaseCommand):
    help = (
        "Write an A4 QR poster (PDF) per organization and a PNG and SVG code per official page "
        "into --output DIR; file names come from the short name (СОШ_9.pdf, СОШ_9_vk.png), with the "
        "district's name added where two districts share one. --district NAME: that district's "
        "organizations only, and the district --org short names are in (required when a short name "
        "is in several districts)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", required=True, type=Path, help="folder to write into (created if missing)")
        parser.add_argument(
            "--org", action="append", dest="short_names", metavar="SHORT_NAME", help="only this organization (repeatable)"
        )
        parser.add_argument("--district", metavar="NAME", help="only this district's organizations")

    def handle(self, *args, output: Path, short_names: list[str] | None, district: str | None = None, **options) -> None:
        # The district read with each organization: a namesake's files are told apart by it.
        organizations = Organization.objects.select_related("district").prefetch_related("pages").in_briefing_order()
        try:
            target = district_by_name(district) if district is not None else None
            if target is not None:
                organizations = organizations.filter(district=target)
            if short_names:
                # A short name is unique within a district only: with several, it must say which.
                named = organizations_by_short_names(short_names, district=target)
                organizations = organizations.filter(pk__in=[organization.pk for organization in named])
        except NameLookupError as error:
            raise CommandError(str(error)) from None
        organizations = list(organizations)
        try:
            output.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise CommandError(
                _("не удалось создать папку %(dir)s: %(error)s") % {"dir": output, "error": error.strerror}
            ) from None

        stems = qr.file_stems(organizations)
        codes = 0
        for organization in organizations:
            stem = stems[organization.pk]
            pages = list(organization.pages.all())
            files = {f"{stem}.pdf": qr.poster_pdf(organization, pages)}
            for page in pages:
                files[f"{stem}_{page.network}.png"] = qr.qr_png(page.url)
                files[f"{stem}_{page.network}.svg"] = qr.qr_svg(page.url)
            for name, data in files.items():
                write_atomically(output / name, data)
            codes += len(pages)
        # One line, not one per file: a district of 260 pages would scroll the answer away.
        summary = _("Готово: плакатов — %(posters)d, QR-кодов — %(codes)d (PNG и SVG), папка %(dir)s") % {
            "posters": len(organizations),
            "codes": codes,
            "dir": output.resolve(),
        }
        self.stdout.write(self.style.SUCCESS(summary))
