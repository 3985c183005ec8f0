"""The review queue and the checklist matrix drilled into one district (issue 14): the region's
coordinator narrows them with `?district=`, a district's methodologist cannot reach another
district that way, and where one page lists several districts each school names its district,
for every district has its «СОШ №1»."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from checklist.tests.documents import entry_of, submit
from tests.factories import DistrictFactory, OrganizationFactory, methodologist, staff_of

pytestmark = pytest.mark.django_db

QUEUE, MATRIX = reverse("review-queue"), reverse("checklist-matrix")


def school(district, number: int = 1, *, document: str = ""):
    """A «СОШ №N» of the district; with `document`, its instruction sent for review."""
    org = OrganizationFactory(short_name=f"СОШ №{number}", name=f"МБОУ СОШ №{number} ({district.name})", district=district)
    if document:
        submit(entry_of(org, "instruction"), staff_of(org), name=document)
    return org


@pytest.fixture
def region(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    kush, eysk = DistrictFactory(name="Кущевский район"), DistrictFactory(name="Ейский район")
    school(kush, document="kush.pdf")
    school(eysk, document="eysk.pdf")
    return kush, eysk, methodologist(username="region")


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", unescape(response.content.decode())))


def shown_schools(response) -> list[str]:
    """Each school as the page names it: its short name, and its district where one is shown."""
    html = response.content.decode()
    found = re.findall(r'<a href="/org/\d+/">([^<]+)</a>\s*(?:<span[^>]*data-district>(?:·\s*)?([^<]+)</span>)?', html)
    return [f"{name} ({district})" if district else name for name, district in found]


@pytest.mark.parametrize("url", [QUEUE, MATRIX])
def test_the_coordinator_drilled_into_a_district_sees_only_its_schools_and_its_name(region, client, url):
    _kush, eysk, coordinator = region
    client.force_login(coordinator)

    response = client.get(f"{url}?district={eysk.pk}")

    assert response.status_code == 200
    assert shown_schools(response) == ["СОШ №1"]
    assert re.search(r"(Документы на проверке|Чек-лист района): Ейский район", text(response))
    assert f'href="/org/{eysk.organizations.get().pk}/"' in response.content.decode()


def test_the_drilled_queue_lists_only_the_districts_documents(region, client):
    _kush, eysk, coordinator = region
    client.force_login(coordinator)

    content = client.get(f"{QUEUE}?district={eysk.pk}").content.decode()

    assert "eysk.pdf" in content and "kush.pdf" not in content


def test_deciding_in_a_drilled_queue_returns_to_the_same_district(region, client):
    _kush, eysk, coordinator = region
    client.force_login(coordinator)
    entry = entry_of(eysk.organizations.get(), "instruction")

    content = client.get(f"{QUEUE}?district={eysk.pk}").content.decode()
    response = client.post(reverse("entry-approve", args=[entry.pk]),
                           {"next": "queue", "district": str(eysk.pk), "following": ""})

    assert f'<input type="hidden" name="district" value="{eysk.pk}">' in content
    assert response["Location"] == f"{QUEUE}?district={eysk.pk}"


@pytest.mark.parametrize("url", [QUEUE, MATRIX])
def test_a_district_methodologist_cannot_drill_into_another_district(region, client, url):
    kush, eysk, _coordinator = region
    client.force_login(methodologist(district=kush, username="kush"))

    assert client.get(f"{url}?district={eysk.pk}").status_code == 404
    assert client.get(f"{url}?district={kush.pk}").status_code == 200


@pytest.mark.parametrize("url", [QUEUE, MATRIX])
@pytest.mark.parametrize("asked", ["999999", "abc", "-1"])
def test_a_district_that_does_not_exist_is_not_found(region, client, url, asked):
    _kush, _eysk, coordinator = region
    client.force_login(coordinator)

    assert client.get(f"{url}?district={asked}").status_code == 404


@pytest.mark.parametrize("url", [QUEUE, MATRIX])
def test_the_coordinator_sees_each_schools_district_beside_its_name(region, client, url):
    _kush, _eysk, coordinator = region
    client.force_login(coordinator)

    shown = shown_schools(client.get(url))

    assert sorted(shown) == ["СОШ №1 (Ейский район)", "СОШ №1 (Кущевский район)"]


@pytest.mark.parametrize("url", [QUEUE, MATRIX])
def test_a_district_methodologist_sees_no_district_names(region, client, url):
    kush, _eysk, coordinator = region
    client.force_login(methodologist(district=kush, username="kush"))

    assert shown_schools(client.get(url)) == ["СОШ №1"]


@pytest.mark.parametrize("url", [QUEUE, MATRIX])
def test_an_install_of_one_district_names_no_district(db, settings, tmp_path, client, url):
    settings.MEDIA_ROOT = tmp_path / "media"
    school(DistrictFactory(name="Кущевский район"), document="kush.pdf")
    client.force_login(methodologist(username="region"))

    assert shown_schools(client.get(url)) == ["СОШ №1"]


@pytest.mark.parametrize("url", [QUEUE, MATRIX])
def test_the_pages_cost_the_same_queries_for_2_or_6_districts(region, client, url):
    _kush, _eysk, coordinator = region
    client.force_login(coordinator)

    def queries() -> int:
        cache.clear()  # the matrix's table is kept: the computation is measured
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    client.get(url)  # the first answer sets the CSRF cookie, which the next requests bring
    few = queries()
    for number in range(4):
        place = DistrictFactory(name=f"Район {number}")
        for n in (1, 2):
            school(place, n, document=f"doc-{number}-{n}.pdf")
    many = queries()

    assert many == few
    assert len(shown_schools(client.get(url))) == 10
