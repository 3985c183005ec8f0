"""Every XLSX export reads as a finished document: widths on every column, the header frozen,
filtered and repeated on print, numbers, dates and percentages as such, the states in their
colours with their words, landscape A4 fitted to the width. Both exports share the look."""

from __future__ import annotations

import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from govpublic.states import FAIL, OK, WARNING
from organizations.models import Organization
from reports.district import build_district_report
from reports.district.xlsx import render_district_xlsx
from reports.tests import world

pytestmark = pytest.mark.django_db


@pytest.fixture
def district(actors):
    world.compliant(actors.org_a)
    world.compliant(actors.org_b, gov_mark=False, regular=False,
                    weekly_posts=[{"week_start": f"2025-02-{day:02d}", "posts": 1} for day in (10, 17, 24)]
                    + [{"week_start": "2025-03-03", "posts": 1}])
    return actors


def _dashboard_workbook(actors):
    response = actors.client_for(actors.methodologist).get(reverse("dashboard-export", args=["xlsx"]))
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content))


def _district_workbook():
    return load_workbook(io.BytesIO(render_district_xlsx(build_district_report(Organization.objects.all()))))


def _assert_finished(sheet) -> None:
    used = sheet.max_column
    for index in range(1, used + 1):
        letter = get_column_letter(index)
        assert sheet.column_dimensions[letter].width, (sheet.title, letter)
    assert sheet.freeze_panes in ("A2", "B2"), sheet.title
    assert sheet.auto_filter.ref == f"A1:{get_column_letter(used)}{max(sheet.max_row, 1)}", sheet.title
    assert sheet.print_title_rows == "$1:$1", sheet.title
    assert sheet.page_setup.orientation == "landscape", sheet.title
    assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0, sheet.title
    assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
    assert all(cell.font.bold for cell in sheet[1]), sheet.title


def test_every_sheet_of_both_exports_is_finished(district):
    for workbook in (_dashboard_workbook(district), _district_workbook()):
        for sheet in workbook.worksheets:
            _assert_finished(sheet)


def test_the_dashboard_export_colours_each_state_and_keeps_its_words(district):
    sheet = _dashboard_workbook(district).active
    headers = [cell.value for cell in sheet[1]]
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    verdict = headers.index("Итог")
    good, bad = rows["СОШ №9"][verdict], rows["д/с №10"][verdict]
    assert (good.value, good.fill.fgColor.rgb[-6:], good.font.color.rgb[-6:]) == (str(OK.label), OK.fill, OK.ink)
    assert (bad.value, bad.fill.fgColor.rgb[-6:]) == (str(FAIL.label), FAIL.fill)
    regular = rows["д/с №10"][headers.index("ВКонтакте: регулярность")]
    assert (regular.value, regular.fill.fgColor.rgb[-6:]) == ("нет", WARNING.fill)  # a remark, as on the dashboard
    # The names are wide enough to read, the state columns are not the default 13 characters of nothing.
    assert sheet.column_dimensions["B"].width >= 40


def test_the_district_workbook_holds_real_numbers_percentages_and_dates(district):
    workbook = _district_workbook()
    summary = {row[0].value: row[1] for row in workbook["Сводка"].iter_rows(min_row=2)}
    assert summary["Организаций"].value == 2 and summary["Организаций"].data_type == "n"
    assert isinstance(summary["Сформировано (МСК)"].value, datetime.datetime)
    assert summary["Сформировано (МСК)"].number_format == "DD.MM.YYYY HH:MM"

    by_item = workbook["Чек-лист по пунктам"]
    share = [cell for cell in by_item[1] if cell.value == "Доля"][0].column_letter
    for cell in by_item[share][1:]:
        assert isinstance(cell.value, (int, float)) and 0 <= cell.value <= 1 and cell.number_format == "0%"

    by_org = workbook["Чек-лист по организациям"]
    headers = [cell.value for cell in by_org[1]]
    rows = {row[0].value: row for row in by_org.iter_rows(min_row=2)}
    status = rows["д/с №10"][headers.index("Состояние")]
    assert (status.value, status.fill.fgColor.rgb[-6:]) == (str(FAIL.label), FAIL.fill)
    assert rows["СОШ №9"][headers.index("Доля")].value == 1.0
    assert rows["СОШ №9"][headers.index("Выполнено")].data_type == "n"


def test_a_formula_in_a_name_stays_text_with_the_shared_look(actors):
    actors.org_a.name = "=1+1"
    actors.org_a.save()
    world.compliant(actors.org_a)
    sheet = _dashboard_workbook(actors).active
    names = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "'=1+1" in names
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
