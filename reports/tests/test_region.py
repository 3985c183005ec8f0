"""The regional coordinator's overview of the districts (issue 14, item 4): each district's
shares, documents waiting, last sweep and rating average side by side, ranked and sortable,
a drill-down to the district's dashboard, the regional report in three formats, and a fixed
number of queries however many districts there are."""

from __future__ import annotations

import io
import re
import zipfile
from html import unescape

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from checklist.tests.documents import entry_of, submit
from monitoring.models import SweepRun
from monitoring.rating import record_rating
from reports.tests import world
from tests.factories import DistrictFactory, OrganizationFactory, methodologist, staff_of

pytestmark = pytest.mark.django_db


def district(name: str, schools: int, *, in_order: int):
    place = DistrictFactory(name=name)
    for number in range(schools):
        org = OrganizationFactory(short_name=f"{name}: СОШ №{number + 1}", district=place)
        if number < in_order:
            world.compliant(org)
        else:
            world.page(org, "vk", world.verdict(gov_mark=False))
    return place


@pytest.fixture
def region(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    strong = district("Кущевский район", 4, in_order=3)
    weak = district("Ейский район", 2, in_order=0)
    org = weak.organizations.first()
    submit(entry_of(org, "order_responsible"), staff_of(org, username="ejsk"))
    SweepRun.objects.create(started_at=world.CHECKED_AT, finished_at=world.CHECKED_AT, status=SweepRun.Status.FINISHED,
                            trigger=SweepRun.Trigger.SCHEDULE, scope=f"district:{weak.pk}")
    record_rating()
    coordinator = methodologist(username="region")
    return strong, weak, coordinator


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", unescape(response.content.decode())))


def test_the_districts_stand_side_by_side_best_first(region, client):
    strong, weak, coordinator = region
    client.force_login(coordinator)

    page = client.get(reverse("region-overview"))

    rows = re.findall(r'<tr data-district="([^"]+)"', page.content.decode())
    assert rows == ["Кущевский район", "Ейский район"]
    shown = text(page)
    assert re.search(r"1 Кущевский район чек-лист 4 75 %", shown)
    assert re.search(r"2 Ейский район чек-лист 2 0 % [\d,.]+ 1 12\.03\.2025 06:00", shown)
    assert f'href="/dashboard/?district={weak.pk}"' in page.content.decode()


def test_sorted_by_documents_waiting_the_weak_district_comes_first(region, client):
    _strong, _weak, coordinator = region
    client.force_login(coordinator)

    page = client.get(reverse("region-overview") + "?sort=waiting").content.decode()

    assert re.findall(r'<tr data-district="([^"]+)"', page)[0] == "Ейский район"


def order_of(page) -> list[str]:
    return re.findall(r'<tr data-district="([^"]+)"', page.content.decode())


def header_of(page, sort: str) -> str:
    """The column header that sorts by `sort`, as HTML."""
    match = re.search(rf'<th scope="col"[^>]*>(?:(?!</th>).)*data-sort="{sort}"(?:(?!</th>).)*</th>', page.content.decode())
    assert match, f"no header sorting by {sort}"
    return match.group(0)


def column(page, sort: str) -> list[str]:
    """The figures of the column that `sort` sorts by, top to bottom, as shown."""
    html = page.content.decode()
    headers = re.findall(r'data-sort="([^"]+)"', html[html.index("<thead>"):html.index("</thead>")])
    rows = re.findall(r"<tr data-district=.*?</tr>", html, flags=re.S)
    cells = [re.findall(r"<t[dh][ >].*?</t[dh]>", row, flags=re.S) for row in rows]
    return [re.sub(r"<[^>]+>|\s+", " ", unescape(row[headers.index(sort)])).strip() for row in cells]


def test_sorted_by_a_criterions_share_the_higher_share_comes_first(region, client):
    strong, _weak, coordinator = region
    # A fifth school in the strong district posts irregularly: 4 of its 5 VK pages are regular,
    # both of the weak district's are; a district without organizations has no share at all.
    world.page(OrganizationFactory(short_name="Кущевский район: СОШ №5", district=strong), "vk", world.verdict(regular=False))
    DistrictFactory(name="Абинский район")
    client.force_login(coordinator)

    by_rank = client.get(reverse("region-overview"))
    by_share = client.get(reverse("region-overview") + "?sort=vk_regular")

    assert order_of(by_rank) == ["Кущевский район", "Ейский район", "Абинский район"]
    assert order_of(by_share) == ["Ейский район", "Кущевский район", "Абинский район"]
    assert column(by_share, "vk_regular") == ["100", "80", "—"]


def test_every_column_header_sorts_the_table_and_the_current_one_is_marked(region, client):
    _strong, _weak, coordinator = region
    client.force_login(coordinator)

    default = client.get(reverse("region-overview"))
    by_share = client.get(reverse("region-overview") + "?sort=vk_gov_mark")

    for sort in ("rank", "name", "organizations", "in_order", "rating", "waiting", "last_sweep", "vk_gov_mark", "ok_regular"):
        assert f'href="?sort={sort}"' in header_of(default, sort)
    assert 'aria-sort="ascending"' in header_of(default, "rank") and "▲" in header_of(default, "rank")
    assert "aria-sort" not in header_of(default, "vk_gov_mark")
    assert 'aria-sort="descending"' in header_of(by_share, "vk_gov_mark") and "▼" in header_of(by_share, "vk_gov_mark")
    assert "aria-sort" not in header_of(by_share, "rank")
    # The select says the same order.
    assert re.search(r'<option value="vk_gov_mark" selected>', by_share.content.decode())


def test_an_unknown_sort_gives_the_ranking(region, client):
    _strong, _weak, coordinator = region
    client.force_login(coordinator)

    page = client.get(reverse("region-overview") + "?sort=__class__")

    assert page.status_code == 200
    assert order_of(page) == ["Кущевский район", "Ейский район"]
    assert 'aria-sort="ascending"' in header_of(page, "rank")


def test_a_districts_waiting_documents_and_its_checklist_open_drilled_into_it(region, client):
    _strong, weak, coordinator = region
    client.force_login(coordinator)

    page = client.get(reverse("region-overview")).content.decode()

    assert f'href="/review/?district={weak.pk}"' in page
    assert f'href="/matrix/?district={weak.pk}"' in page
    queue = client.get(f"/review/?district={weak.pk}")
    assert "Документы на проверке: Ейский район" in text(queue)


def test_the_drill_down_shows_the_district_dashboard(region, client):
    strong, weak, coordinator = region
    client.force_login(coordinator)

    response = client.get(reverse("dashboard") + f"?district={weak.pk}")
    page = text(response)

    assert "Ейский район: СОШ №1" in page and "Кущевский район: СОШ №1" not in page
    assert "Госпаблики района: Ейский район" in page
    # A tile narrows further within the district, not back to the whole region.
    assert f'href="?district={weak.pk}&amp;criterion=vk_gov_mark"' in response.content.decode()


def test_a_district_methodologist_does_not_see_the_region(region, client):
    strong, _weak, _coordinator = region
    client.force_login(methodologist(district=strong, username="kush"))

    assert client.get(reverse("region-overview")).status_code == 404
    assert client.get(reverse("region-report", args=["xlsx"])).status_code == 404


def test_the_regional_report_ranks_the_districts_in_every_format(region, client):
    _strong, _weak, coordinator = region
    client.force_login(coordinator)

    sheet = load_workbook(io.BytesIO(client.get(reverse("region-report", args=["xlsx"])).content)).active
    docx = client.get(reverse("region-report", args=["docx"])).content
    pdf = client.get(reverse("region-report", args=["pdf"]))

    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["Кущевский район", "Ейский район"]
    assert sheet.cell(row=2, column=4).value == 0.75
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        assert "Кущевский район" in archive.read("word/document.xml").decode()
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_the_overview_costs_the_same_queries_for_2_or_12_districts(region, client):
    _strong, _weak, coordinator = region
    client.force_login(coordinator)
    client.get(reverse("region-overview"))

    cache.clear()  # the computation is measured, not a kept answer
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("region-overview"))
    for number in range(10):
        district(f"Район {number:02d}", 2, in_order=1)
    cache.clear()
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("region-overview"))

    assert len(many) == len(few)
    assert len(re.findall(r"<tr data-district=", page.content.decode())) == 12
