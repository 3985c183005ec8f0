"""The district report as the department's official letter: the letterhead, the outgoing
number and date, the addressee, the report's body (`content`), «Выводы и предложения» drawn
from the findings, the signature and the executor. The PDF and the DOCX draw this one object."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports.district.content import Block, body_blocks
from reports.district.rows import DistrictReport
from reports.models import Letterhead

SUBTITLE = gettext_lazy(
    "официальных страниц образовательных организаций во ВКонтакте и Одноклассниках "
    "(270-ФЗ, распоряжение Правительства РФ № 2523-р)"
)
BLANK_NUMBER = "______"


@dataclass(frozen=True)
class Proposal:
    text: str
    deadline: datetime.date
    responsible: str

    @property
    def deadline_text(self) -> str:
        return _("до %(day)s") % {"day": self.deadline.strftime("%d.%m.%Y")}


@dataclass(frozen=True)
class OfficialDocument:
    body_name: str
    contacts: list[str]
    number: str
    date: datetime.date
    addressee: list[str]
    title: str
    subtitle: str
    district: str
    blocks: list[Block]
    conclusion: str
    proposals: list[Proposal]
    signer_position: str
    signer_name: str
    executor_name: str
    executor_phone: str

    @property
    def number_line(self) -> str:
        return _("от %(date)s № %(number)s") % {"date": self.date.strftime("%d.%m.%Y"), "number": self.number}

    @property
    def executor_line(self) -> str:
        """«Исполнитель: Иванова А. А., тел. 8 (861) 000-00-00» — blanks left to fill by hand."""
        return _("Исполнитель: %(name)s, тел. %(phone)s") % {
            "name": self.executor_name or "______________", "phone": self.executor_phone or "______________",
        }


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def official_document(report: DistrictReport, letterhead: Letterhead | None = None) -> OfficialDocument:
    letterhead = letterhead or Letterhead.for_district(report.district_id)
    date = letterhead.outgoing_date or report.generated_at.date()
    deadline = date + datetime.timedelta(days=letterhead.proposals_days)
    responsible = letterhead.proposals_responsible
    texts = _lines(letterhead.proposals) or proposal_texts(report)
    return OfficialDocument(
        body_name=letterhead.body_name,
        contacts=_lines(letterhead.contacts),
        number=letterhead.outgoing_number.strip() or BLANK_NUMBER,
        date=date,
        addressee=_lines(letterhead.addressee),
        title=report.title,
        subtitle=str(SUBTITLE),
        district=report.district,
        blocks=body_blocks(report),
        conclusion=conclusion(report),
        proposals=[Proposal(text, deadline, responsible) for text in texts],
        signer_position=letterhead.signer_position,
        signer_name=letterhead.signer_name,
        executor_name=letterhead.executor_name,
        executor_phone=letterhead.executor_phone,
    )


def conclusion(report: DistrictReport) -> str:
    """One sentence of findings ahead of the proposals."""
    total = report.organizations_total
    fail = report.status_counts.get("fail", 0)
    if not total:
        return _("Организаций в отчёте нет.")
    if not fail:
        return _("По итогам проверки все %(total)d организаций выполняют требования к официальным страницам.") % {
            "total": total
        }
    return _("По итогам проверки требования к официальным страницам нарушают организаций: %(fail)d из %(total)d.") % {
        "fail": fail, "total": total,
    }


def proposal_texts(report: DistrictReport) -> list[str]:
    """One proposal per criterion that some organizations miss, with how many they are."""
    texts = []
    for summary in report.marks:
        if summary.without:
            texts.append(_(
                "Подтвердить статус «Госорганизация» официальных сообществ %(network)s через Госуслуги "
                "(организаций: %(n)d, раздел 2)."
            ) % {"network": _network_where(summary.network), "n": len(summary.without)})
    if report.few_posts:
        texts.append(_(
            "Наполнить официальные сообщества материалами — не меньше %(min)d публикаций "
            "(организаций: %(n)d, раздел 3)."
        ) % {"min": report.rules["posts_total_min"], "n": len(report.few_posts_organizations)})
    personal = {i.short_name for i in report.not_from_community} | {i.short_name for i in report.via_personal_pages}
    if personal:
        texts.append(_(
            "Публиковать материалы только от имени сообщества, без репостов с личных страниц сотрудников "
            "(организаций: %(n)d, раздел 4)."
        ) % {"n": len(personal)})
    for group in report.irregular:
        if group.rows:
            texts.append(_(
                "Обеспечить регулярные публикации %(network)s — не меньше %(min)d в неделю "
                "(организаций: %(n)d, раздел 5)."
            ) % {"network": _network_where(group.network), "min": report.rules["posts_per_week_min"],
                 "n": len(group.rows)})
    missing = {row.short_name for row in report.missing_info}
    if missing:
        texts.append(_(
            "Разместить на страницах сообществ обязательную информацию об организации (организаций: %(n)d, раздел 6)."
        ) % {"n": len(missing)})
    for item in report.checklist_items:
        if item.manual and item.done < item.total:
            texts.append(_("Выполнить пункт чек-листа «%(title)s» (организаций: %(n)d, раздел 7).")
                         % {"title": item.title, "n": item.total - item.done})
    if report.attention:
        texts.append(_(
            "Проверить ссылки на официальные страницы и открыть сообщества, по которым нет полных данных "
            "(страниц: %(n)d, раздел 1)."
        ) % {"n": len(report.attention)})
    return texts or [_("Продолжить ведение официальных страниц в соответствии с требованиями.")]


def _network_where(network: str) -> str:
    return str({"vk": _("во ВКонтакте"), "ok": _("в Одноклассниках")}.get(network, network))
