"""The district report as an Excel workbook: one sheet per section, Russian headers, real
numbers, dates and percentages, the states in their colours, so the methodologist can sort and
count herself. The look is `organizations.spreadsheets.write_sheet`, shared with the dashboard export."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook

from govpublic.states import state
from organizations.spreadsheets import PERCENT, STATUS, Column, Marked, new_workbook, workbook_bytes, write_sheet
from reports.district.rows import DistrictReport
from monitoring.rating import sheet_columns, sheet_row


def fraction(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def render_district_xlsx(report: DistrictReport) -> bytes:
    workbook = new_workbook()
    _summary(workbook, report)
    yes, no = _("да"), _("нет")

    write_sheet(
        workbook, _("Метки"),
        [_("Соцсеть"), _("Организация"), _("Полное наименование"), _("Метка «Госорганизация»"), _("Ссылка")],
        [[i.network_label, i.short_name, i.name, i.detail, i.url] for s in report.marks for i in s.without],
    )
    write_sheet(
        workbook, _("Менее %(n)d публикаций") % {"n": report.rules["posts_total_min"]},
        [_("Организация"), _("Полное наименование"), _("Соцсеть"), _("Публикаций всего"), _("Ссылка")],
        [[i.short_name, i.name, i.network_label, i.value, i.url] for i in report.few_posts],
    )
    write_sheet(
        workbook, _("Не от имени сообщества"),
        [_("Организация"), _("Полное наименование"), _("Соцсеть"), _("Нарушение"), _("Что найдено"), _("Количество"),
         _("Ссылка")],
        [[i.short_name, i.name, i.network_label, _("записи не от имени сообщества"), i.detail, i.value, i.url]
         for i in report.not_from_community]
        + [[i.short_name, i.name, i.network_label, _("через личные страницы"), i.detail, i.value, i.url]
           for i in report.via_personal_pages],
    )
    weeks = [_("Неделя с %(date)s") % {"date": week.strftime("%d.%m.%Y")} for week in report.weeks]
    write_sheet(
        workbook, _("Нерегулярные"),
        [_("Соцсеть"), _("Организация"), _("Полное наименование"), *weeks, _("Всего за окно"),
         _("Недель ниже нормы"), _("Примечание")],
        [
            [row.network_label, row.short_name, row.name, *_padded(row.weekly, len(weeks)), row.in_window,
             row.weeks_below, "; ".join(row.notes)]
            for group in report.irregular
            for row in group.rows
        ],
    )
    write_sheet(
        workbook, _("Обязательная информация"),
        [_("Организация"), _("Полное наименование"), _("Соцсеть"), _("Не указано")],
        [[row.short_name, row.name, row.network_label, ", ".join(row.labels)] for row in report.missing_info],
    )
    write_sheet(
        workbook, _("Чек-лист по пунктам"),
        [_("Пункт"), _("Кратко"), _("Как проверяется"), _("Выполнено"), _("На проверке"), _("Всего"),
         Column(_("Доля"), PERCENT)],
        [[i.title, i.short_title, i.how, i.done, i.submitted, i.total, fraction(i.done, i.total)]
         for i in report.checklist_items],
    )
    write_sheet(
        workbook, _("Чек-лист по организациям"),
        [_("Организация"), _("Полное наименование"), Column(_("Состояние"), STATUS), _("Выполнено"), _("Пунктов"),
         Column(_("Доля"), PERCENT), _("Не выполнено")],
        [[r.short_name, r.name, Marked(r.status_label, state(r.status)), r.done, r.total, fraction(r.done, r.total),
          ", ".join(r.not_done)]
         for r in report.checklist_organizations],
    )
    write_sheet(
        workbook, _("Из опыта коллег"),
        [_("Организация"), _("Полное наименование"), _("Соцсеть"), _("Дата (МСК)"), _("Текст"), _("Хештеги"),
         _("Фото"), _("Видео"), _("«Нравится»"), _("Репосты"), _("Комментарии"), _("Просмотры"), _("Реакций всего"),
         _("Вовлечённость, %"), _("Ссылка")],
        [
            [p.short_name, p.name, p.network_label, p.date, p.excerpt, " ".join(p.hashtags),
             yes if p.photo else no, yes if p.video else no, p.likes, p.reposts, p.comments, p.views, p.engagement,
             p.engagement_rate, p.url]
            for p in report.best_posts
        ],
    )
    write_sheet(
        workbook, _("Публикации за период"),
        [_("Соцсеть"), _("Публикаций от имени сообществ"), _("С хештегами"), Column(_("С хештегами, доля"), PERCENT),
         _("С фото"), Column(_("С фото, доля"), PERCENT), _("С видео"), Column(_("С видео, доля"), PERCENT)],
        [[s.network_label, s.posts, s.with_hashtags, fraction(s.with_hashtags, s.posts), s.with_photo,
          fraction(s.with_photo, s.posts), s.with_video, fraction(s.with_video, s.posts)] for s in report.post_stats],
    )
    write_sheet(workbook, _("Рейтинг госпабликов"), sheet_columns(), [sheet_row(row) for row in report.rating])
    write_sheet(
        workbook, _("Нет полных данных"),
        [_("Организация"), _("Полное наименование"), _("Соцсеть"), _("Причина"), _("Ссылка")],
        [[i.short_name, i.name, i.network_label, i.detail, i.url] for i in report.attention],
    )
    return workbook_bytes(workbook)


def _summary(workbook: Workbook, report: DistrictReport) -> None:
    rows: list[list[Any]] = [
        [_("Документ"), report.title],
        [_("Район"), report.district],
        [_("Сформировано (МСК)"), report.generated_at],
        [_("Данные проверки (МСК)"), report.swept_at or "—"],
        [_("Период публикаций"), str(report.period)],
        [_("О периоде"), report.period_note],
        [_("Организаций"), report.organizations_total],
    ]
    rows += [[_("Метка «Госорганизация», %(network)s") % {"network": s.network_label}, s.phrase] for s in report.marks]
    rows += [
        [_("Нерегулярно публикуют, %(network)s") % {"network": g.network_label}, len(g.rows)] for g in report.irregular
    ]
    rows += [
        [_("Сообществ, где меньше %(n)d публикаций") % {"n": report.rules["posts_total_min"]}, len(report.few_posts)],
        [_("Записи не от имени сообщества"), len(report.not_from_community)],
        [_("Публикации через личные страницы"), len(report.via_personal_pages)],
        [_("Страниц без обязательной информации"), len(report.missing_info)],
    ]
    rows += [[_("Организаций в состоянии «%(status)s»") % {"status": label}, count]
             for _code, label, count in report.status_rows]
    write_sheet(workbook, _("Сводка"), [_("Показатель"), _("Значение")], rows)


def _padded(values: Sequence[int], length: int) -> list[int | None]:
    return [*values, *([None] * (length - len(values)))][:length] if length else list(values)
