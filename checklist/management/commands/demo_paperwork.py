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

# What each demo document says on its first page, so the review queue's preview shows a document.
DOCUMENTS = {
    "order_responsible": ("ПРИКАЗ", "О назначении ответственных за ведение официальных страниц в социальных сетях",
                          "В соответствии с Федеральным законом от 14.07.2022 № 270-ФЗ приказываю: назначить "
                          "ответственными за ведение и информационное наполнение официальных страниц организации "
                          "во ВКонтакте и в Одноклассниках заместителя директора по воспитательной работе и "
                          "педагога-организатора."),
    "instruction": ("ИНСТРУКЦИЯ", "По работе с официальными аккаунтами в социальных сетях",
                    "1. Официальная страница ведётся от имени организации. 2. Публикации выходят не реже двух "
                    "раз в неделю. 3. Сведения об организации, контакты и ссылка на сайт поддерживаются в "
                    "актуальном состоянии."),
    "password_policy": ("ПОРЯДОК", "Организации парольной защиты аккаунтов в социальных сетях",
                        "Пароль содержит не менее 12 символов, меняется не реже одного раза в три месяца и при "
                        "смене ответственного; включена двухфакторная аутентификация."),
    "familiarization_journal": ("ЖУРНАЛ", "Ознакомления ответственных лиц с инструкциями и обязательствами",
                                "№ п/п · Ф. И. О. · Должность · Дата · Подпись"),
    "qr_codes": ("АКТ", "О размещении QR-кодов официальных страниц",
                 "QR-коды официальных страниц во ВКонтакте и в Одноклассниках размещены на информационном "
                 "стенде у входа и на сайте организации."),
}


def document_pdf(code: str) -> bytes:
    from weasyprint import HTML

    kind, title, body = DOCUMENTS[code]
    return HTML(string=(
        '<html lang="ru"><body style="font-family: serif; font-size: 13pt; margin: 2cm">'
        '<p style="text-align:center">Муниципальное бюджетное общеобразовательное учреждение</p>'
        f'<h1 style="text-align:center; font-size: 16pt; margin-top: 2cm">{kind}</h1>'
        f'<p style="text-align:center"><strong>{title}</strong></p><p style="text-align:justify">{body}</p>'
        '<p style="margin-top: 3cm">Директор ______________</p></body></html>'
    )).write_pdf()


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
        documents = {code: document_pdf(code) for code in PLAN}
        with transaction.atomic():
            for code, (approved, pending) in PLAN.items():
                for index, organization in enumerate(organizations):
                    # Rotate which organizations are behind, so each item has different laggards.
                    rank = (index * 7 + len(code)) % len(organizations)
                    if rank >= approved + pending:
                        continue
                    entry = ChecklistEntry.objects.select_related("item").get(organization=organization, item__code=code)
                    name = f"{DOCUMENTS[code][0].capitalize()} {organization.short_name.replace('/', '')}.pdf"
                    evidence_submit(
                        entry=entry,
                        upload=SimpleUploadedFile(name, documents[code], content_type="application/pdf"),
                        user=staff.get(organization.pk, uploader_default),
                        document_number=f"{10 + index}-о" if entry.item.needs_document_details else "",
                        document_date=datetime.date(2022, 11, 25) if entry.item.needs_document_details else None,
                    )
                    if rank < approved:
                        entry_approve(entry=entry, user=reviewer)
                    elif rank == approved and code == "instruction":
                        entry_return(entry=entry, user=reviewer, comment="Нет подписи руководителя и даты утверждения.")
        self.stdout.write("Демо-документы загружены.")
