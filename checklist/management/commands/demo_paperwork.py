"""Give the demo district a realistic paperwork picture: most orders approved, some
documents waiting for review, one returned. Runs once (skips if any document exists)."""

import datetime

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import transaction

from checklist.models import ChecklistEntry, EvidenceRevision
from checklist.services import entry_approve, entry_return, evidence_submit
from govpublic.security import refuse_demo_data_on_a_secure_install
from organizations.models import Membership, Organization

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
# item code → (approved, waiting for review) counts out of the 52 organizations
PLAN = {
    "order_responsible": (37, 6),
    "instruction": (31, 5),
    "password_policy": (29, 4),
    "familiarization_journal": (26, 5),
    "qr_codes": (18, 7),
}


class Command(BaseCommand):
    help = "Fill the demo organizations' checklists with approved and pending documents."

    def handle(self, *args, **options):
        refuse_demo_data_on_a_secure_install()
        if EvidenceRevision.objects.exists():
            self.stdout.write("Документы уже есть — пропускаю.")
            return
        methodologist = Membership.objects.filter(role=Membership.Role.METHODOLOGIST).select_related("user").first()
        reviewer = methodologist.user if methodologist else get_user_model().objects.filter(is_superuser=True).first()
        organizations = list(Organization.objects.order_by("kind", "sort_name"))
        staff = {m.organization_id: m.user for m in Membership.objects.filter(role=Membership.Role.STAFF)}
        uploader_default = reviewer
        with transaction.atomic():
            for code, (approved, pending) in PLAN.items():
                for index, organization in enumerate(organizations):
                    # Rotate which organizations are behind, so each item has different laggards.
                    rank = (index * 7 + len(code)) % len(organizations)
                    if rank >= approved + pending:
                        continue
                    entry = ChecklistEntry.objects.select_related("item").get(organization=organization, item__code=code)
                    name = "prikaz.pdf" if code == "order_responsible" else f"{code}.pdf"
                    evidence_submit(
                        entry=entry,
                        upload=SimpleUploadedFile(name, PDF, content_type="application/pdf"),
                        user=staff.get(organization.pk, uploader_default),
                        document_number=f"{10 + index}-о" if entry.item.needs_document_details else "",
                        document_date=datetime.date(2022, 11, 25) if entry.item.needs_document_details else None,
                    )
                    if rank < approved:
                        entry_approve(entry=entry, user=reviewer)
                    elif rank == approved and code == "instruction":
                        entry_return(entry=entry, user=reviewer, comment="Нет подписи руководителя и даты утверждения.")
        self.stdout.write("Демо-документы загружены.")
