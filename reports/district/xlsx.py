"""The district report as an Excel workbook: one sheet per section, Russian headers,
the header row frozen and filtered, so the methodologist can sort and count herself."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from organizations.spreadsheets import inert_row
from reports.district.period import human_datetime
from reports.district.rows import DistrictReport

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="0A3D7A")
WRAP = Alignment(wrap_text=True, vertical="top")
MAX_WIDTH = 60


def render_district_xlsx(report: DistrictReport) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    _summary(workbook, report)
    yes, no = _("да"), _("нет")

    _table(
        workbook, _("Метки"),
        [_("Соцсеть"), _("Организация"), _("Полное наименование"), _("Метка «Госорганизация»"), _("Ссылка")],
        [[i.network_label, i.short_name, i.name, i.detail, i.url] for s in report.marks for i in s.without],
    )
    _table(
        workbook, _("Менее %(n)d публикаций") % {"n": report.rules["posts_total_min"]},
        [_("Организация"), _("Полное наименование"), _("Соцсеть"), _("Публикаций всего"), _("Ссылка")],
        [[i.short_name, i.name, i.network_label, i.value, i.url] for i in report.few_posts],
    )
    _table(
        workbook, _("Не от имени сообщества"),
        [_("Организация"), _("Полное наименование"), _("Соцсеть"), _("Нарушение"), _("Что найдено"), _("Количество"),
         _("Ссылка")],
        [[i.short_name, i.name, i.network_label, _("записи не от имени сообщества"), i.detail, i.value, i.url]
         for i in report.not_from_community]
        + [[i.short_name, i.name, i.network_label, _("через личные страницы"), i.detail, i.value, i.url]
           for i in report.via_personal_pages],
    )
    weeks = [_("Неделя с %(date)s") % {"date": week.strftime("%d.%m.%Y")} for week in report.weeks]
    _table(
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
    _table(
        workbook, _("Обязательная информация"),
        [_("Организация"), _("Полное наименование"), _("Соцсеть"), _("Не указано")],
        [[row.short_name, row.name, row.network_label, ", ".join(row.labels)] for row in report.missing_info],
    )
    _table(
        workbook, _("Чек-лист по пунктам"),
        [_("Пункт"), _("Кратко"), _("Как проверяется"), _("Выполнено"), _("На проверке"), _("Всего"), _("Доля, %")],
        [[i.title, i.short_title, i.how, i.done, i.submitted, i.total, i.percent] for i in report.checklist_items],
    )
    _table(
        workbook, _("Чек-лист по организациям"),
        [_("Организация"), _("Полное наименование"), _("Состояние"), _("Выполнено"), _("Пунктов"), _("Доля, %"),
         _("Не выполнено")],
        [[r.short_name, r.name, r.status_label, r.done, r.total, r.percent, ", ".join(r.not_done)]
         for r in report.checklist_organizations],
    )
    _table(
        workbook, _("Из опыта коллег"),
        [_("Организация"), _("Полное наименование"), _("Соцсеть"), _("Дата (МСК)"), _("Текст"), _("Хештеги"),
         _("Фото"), _("Видео"), _("«Нравится»"), _("Репосты"), _("Комментарии"), _("Просмотры"), _("Вовлечённость"),
         _("Ссылка")],
        [
            [p.short_name, p.name, p.network_label, p.date.replace(tzinfo=None), p.excerpt, " ".join(p.hashtags),
             yes if p.photo else no, yes if p.video else no, p.likes, p.reposts, p.comments, p.views, p.engagement,
             p.url]
            for p in report.best_posts
        ],
        date_columns={4},
    )
    _table(
        workbook, _("Публикации за период"),
        [_("Соцсеть"), _("Публикаций от имени сообществ"), _("С хештегами"), _("С хештегами, %"), _("С фото"),
         _("С фото, %"), _("С видео"), _("С видео, %")],
        [[s.network_label, s.posts, s.with_hashtags, s.hashtags_percent, s.with_photo, s.photo_percent,
          s.with_video, s.video_percent] for s in report.post_stats],
    )
    _table(
        workbook, _("Нет полных данных"),
        [_("Организация"), _("Полное наименование"), _("Соцсеть"), _("Причина"), _("Ссылка")],
        [[i.short_name, i.name, i.network_label, i.detail, i.url] for i in report.attention],
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _summary(workbook: Workbook, report: DistrictReport) -> None:
    rows: list[list[Any]] = [
        [_("Документ"), report.title],
        [_("Район"), report.district],
        [_("Сформировано"), human_datetime(report.generated_at)],
        [_("Данные проверки"), human_datetime(report.swept_at)],
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
    _table(workbook, _("Сводка"), [_("Показатель"), _("Значение")], rows)


def _padded(values: Sequence[int], length: int) -> list[int | None]:
    return [*values, *([None] * (length - len(values)))][:length] if length else list(values)


def _table(
    workbook: Workbook,
    title: str,
    headers: list[str],
    rows: Iterable[list[Any]],
    *,
    date_columns: set[int] = frozenset(),
) -> Worksheet:
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, WRAP
    widths = [len(str(header)) for header in headers]
    for row in rows:
        sheet.append(inert_row(row))
        for index, value in enumerate(row):
            text = value.strftime("%d.%m.%Y %H:%M") if index + 1 in date_columns and value else str(value or "")
            widths[index] = max(widths[index], len(text))
    for index, width in enumerate(widths, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = min(MAX_WIDTH, width + 2)
        if index in date_columns:
            for cell in sheet[letter][1:]:
                cell.number_format = "DD.MM.YYYY HH:MM"
        if width > MAX_WIDTH:
            for cell in sheet[letter][1:]:
                cell.alignment = WRAP
    sheet.freeze_panes = "A2"
    if sheet.max_row > 1:
        sheet.auto_filter.ref = sheet.dimensions
    return sheet
