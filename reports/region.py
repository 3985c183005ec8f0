"""The regional coordinator's view of the districts side by side (issue 14, item 4): for each
district the share of its organizations meeting each criterion, the documents waiting for
review, its last sweep and its rating average, in a fixed number of queries however many
districts there are; and the regional report ranking the districts as XLSX, PDF and DOCX."""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Avg, Count, Max, Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from checklist.models import ChecklistEntry, ChecklistItem, Verdict, WorkStatus
from monitoring.models import PageState, RatingSnapshot, SweepRun
from monitoring.rating import month_of
from organizations.models import District, Organization
from organizations.spreadsheets import PERCENT, Column, new_workbook, workbook_bytes, write_sheet
from checklist.selectors import items_for
from reports.selectors import dashboard_queryset


@dataclass
class DistrictRow:
    district: District
    organizations: int = 0
    done: dict[str, int] = field(default_factory=dict)  # criterion code → organizations meeting it
    # item code → organizations with the item on their checklist (not all, for «Канал в MAX»)
    judged: dict[str, int] = field(default_factory=dict)
    in_order: int = 0  # organizations whose status is «в порядке»
    waiting: int = 0  # documents submitted, not yet reviewed
    last_sweep: datetime.datetime | None = None
    rating: float | None = None  # mean score this month
    rank: int | None = None
    shares: list[float | None] = field(default_factory=list)  # per criterion, in `criteria` order

    def share(self, code: str) -> float | None:
        total = self.judged.get(code, self.organizations)
        return self.done.get(code, 0) / total if total else None

    @property
    def in_order_share(self) -> float | None:
        return self.in_order / self.organizations if self.organizations else None


@dataclass
class Criterion:
    code: str
    label: str


def criteria(items: list[ChecklistItem]) -> list[Criterion]:
    """The dashboard's tiles, in its order: the checklist items, then regularity per network."""
    return [Criterion(item.code, item.short_title) for item in items] + [
        Criterion("vk_regular", _("Регулярность ВКонтакте")), Criterion("ok_regular", _("Регулярность в Одноклассниках"))]


SORTS = ("rank", "name", "organizations", "in_order", "waiting", "rating", "last_sweep")
ASCENDING = ("rank", "name")  # the rest put the largest (the latest) first


def sort_asked(asked: str | None, crits: list[Criterion]) -> str:
    """The order asked (`?sort=`): one of SORTS or a criterion's code, its share; else the rank."""
    return asked if asked in SORTS or any(c.code == asked for c in crits) else "rank"


def district_rows(today: datetime.date | None = None, sort: str = "rank",
                  items: list[ChecklistItem] | None = None) -> tuple[list[DistrictRow], list[Criterion]]:
    """Every district with its figures, ranked by the share of organizations in order (then
    the rating), in the order `sort` asks: seven queries whatever the number of districts
    (`items`, those of `items_for(None)`, when the caller has read them already)."""
    today = today or timezone.localdate()
    items = items_for(None) if items is None else items
    rows = {d.pk: DistrictRow(d, judged=dict.fromkeys((item.code for item in items), 0)) for d in District.objects.all()}
    for district_id, count in Organization.objects.order_by().values_list("district_id").annotate(n=Count("pk")):
        rows[district_id].organizations = count
    for district_id, code, compliant, approved, total in (
        ChecklistEntry.objects.order_by().values_list("organization__district_id", "item__code")
        .annotate(compliant=Count("pk", filter=Q(verdict=Verdict.COMPLIANT)),
                  approved=Count("pk", filter=Q(status=WorkStatus.APPROVED)), total=Count("pk"))
    ):
        item = next((i for i in items if i.code == code), None)
        if item is not None:
            rows[district_id].done[code] = approved if item.is_manual else compliant
            rows[district_id].judged[code] = total
    for district_id, waiting in (
        ChecklistEntry.objects.filter(status=WorkStatus.SUBMITTED).order_by()
        .values_list("organization__district_id").annotate(n=Count("pk"))
    ):
        rows[district_id].waiting = waiting
    for district_id, network, count in (
        PageState.objects.filter(page__detached_at=None, verdict__regular=True).order_by()
        .values_list("page__organization__district_id", "page__network").annotate(n=Count("pk"))
    ):
        if network in ("vk", "ok"):
            rows[district_id].done[f"{network}_regular"] = count
    for district_id, count in (
        dashboard_queryset(Organization.objects.all(), items, today).filter(status="ok").order_by()
        .values_list("district_id").annotate(n=Count("pk"))
    ):
        rows[district_id].in_order = count
    region_sweep = None
    sweeps: dict[int, datetime.datetime] = {}
    for scope, finished in (
        SweepRun.objects.filter(finished_at__isnull=False).filter(Q(scope="all") | Q(scope__startswith="district:"))
        .order_by().values_list("scope").annotate(last=Max("finished_at"))
    ):
        if scope == "all":
            region_sweep = finished
        else:
            sweeps[int(scope.split(":", 1)[1])] = finished
    for district_id, average in (
        RatingSnapshot.objects.filter(month=month_of(today), score__isnull=False).order_by()
        .values_list("organization__district_id").annotate(a=Avg("score"))
    ):
        rows[district_id].rating = round(average, 1)
    crits = criteria(items)
    for row in rows.values():
        row.shares = [row.share(c.code) for c in crits]
        candidates = [when for when in (region_sweep, sweeps.get(row.district.pk)) if when]
        row.last_sweep = max(candidates) if candidates else None
    ranked = sorted(rows.values(), key=lambda r: (-(r.in_order_share or 0), -(r.rating or 0), r.district.name))
    for position, row in enumerate(ranked, start=1):
        row.rank = position
    return _sorted(ranked, sort), crits


def _sorted(rows: list[DistrictRow], sort: str) -> list[DistrictRow]:
    """Rows (given by rank) in the order asked; a district without the value asked for stands
    last, equal ones by rank."""
    keys = {
        "name": lambda r: r.district.name,
        "organizations": lambda r: -r.organizations,
        "in_order": lambda r: -(r.in_order_share or 0),
        "waiting": lambda r: -r.waiting,
        "rating": lambda r: (r.rating is None, -(r.rating or 0)),
        "last_sweep": lambda r: (r.last_sweep is None, -(r.last_sweep.timestamp() if r.last_sweep else 0)),
    }
    if sort in keys:
        return sorted(rows, key=keys[sort])
    if sort != "rank":  # a criterion's code: its share
        return sorted(rows, key=lambda r: (r.share(sort) is None, -(r.share(sort) or 0)))
    return rows


# --- the regional report ----------------------------------------------------------------------


def report_table(rows: list[DistrictRow], crits: list[Criterion]) -> tuple[list[str], list[list]]:
    """Header and rows the three formats share: numbers as numbers, shares as fractions."""
    header = [_("Место"), _("Район"), _("Организаций"), _("В порядке, доля"), _("Средний балл рейтинга"),
              _("Документов на проверке"), _("Последняя проверка (МСК)")] + [c.label for c in crits]
    body = [
        [row.rank, row.district.name, row.organizations, row.in_order_share, row.rating, row.waiting,
         timezone.localtime(row.last_sweep) if row.last_sweep else None]
        + [row.share(c.code) for c in crits]
        for row in rows
    ]
    return header, body


def region_xlsx(rows: list[DistrictRow], crits: list[Criterion]) -> bytes:
    header, body = report_table(rows, crits)
    columns = [Column(header[0], width=8), Column(header[1], width=28), header[2], Column(header[3], PERCENT), header[4],
               header[5], header[6]] + [Column(title, PERCENT) for title in header[7:]]
    workbook = new_workbook()
    write_sheet(workbook, _("Районы"), columns, body)
    return workbook_bytes(workbook)


def _shown(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime.datetime):
        return value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, float) and value <= 1:
        return f"{round(value * 100)} %"
    return str(value).replace(".", ",")


def _text_table(rows: list[DistrictRow], crits: list[Criterion]) -> tuple[list[str], list[list[str]]]:
    header, body = report_table(rows, crits)
    texts = []
    for values in body:
        # The rating (a score, not a share) is written as it is.
        texts.append([("—" if v is None else str(v).replace(".", ",")) if i == 4 else _shown(v)
                      for i, v in enumerate(values)])
    return header, texts


def region_pdf(rows: list[DistrictRow], crits: list[Criterion]) -> bytes:
    from weasyprint import HTML  # Pango and fonts: only this page needs them

    header, body = _text_table(rows, crits)
    html = render_to_string("reports/region_report.html", {
        "header": header, "rows": body, "generated_at": timezone.localtime(), "title": _("Госпаблики районов региона"),
    })
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def region_docx(rows: list[DistrictRow], crits: list[Criterion]) -> bytes:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm, Pt

    header, body = _text_table(rows, crits)
    document = Document()
    section = document.sections[0]
    section.orientation, section.page_width, section.page_height = WD_ORIENT.LANDSCAPE, Mm(297), Mm(210)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(12))
    document.add_heading(_("Госпаблики районов региона"), level=1)
    document.add_paragraph(_("Сформировано %(when)s (МСК). Районы — по доле организаций в порядке, затем по среднему "
                             "баллу рейтинга.") % {"when": timezone.localtime().strftime("%d.%m.%Y %H:%M")})
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, title in zip(table.rows[0].cells, header, strict=True):
        cell.text = title
    for values in body:
        for cell, value in zip(table.add_row().cells, values, strict=True):
            cell.text = value
    for row in table.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(7)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()

