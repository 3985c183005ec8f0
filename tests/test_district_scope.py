"""Every URL of the URLconf walked as the methodologists of two districts and as the regional
coordinator (issue 14, item 3): a district's methodologist reaches nothing of the other
district — an object of it answers 404, a list, report or export never names it — and the
region's coordinator reaches both. New URLs are walked without being listed here; one that
takes an argument this test cannot supply fails it, so nobody forgets to decide its scope."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from openpyxl import load_workbook

from checklist.tests.documents import entry_of, submit
from monitoring.models import ChangeEvent, Snapshot, SweepRun
from organizations.models import OfficialPage
from reports.tests import world
from tests.factories import DistrictFactory, OrganizationFactory, methodologist, staff_of

pytestmark = pytest.mark.django_db

OURS, THEIRS = "Школа Альфа", "Школа Бета"
# Nothing of a district in them, or they act on the person, not on a district.
PERSONAL = {"login", "logout", "password_change", "api-tokens", "notifications", "max-link", "max-unlink",
            "max-webhook", "api-schema", "home", None}
# Starting work (a sweep, a channel read) is checked on another district's object only.
SIDE_EFFECTS = {"sweep-now"}
OBJECTS = {"pk", "entry_id", "revision_id", "event_id", "run_id"}  # what belongs to one district
# Pages that list the organizations of the district looked at.
LISTS = ("dashboard", "rating", "checklist-matrix", "dashboard-export", "rating-export", "review-queue",
         "district-report-pdf", "district-report-xlsx", "api-organization-list", "qr-posters-zip")


def patterns(resolver: URLResolver | None = None, prefix: str = ""):
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            if str(pattern.pattern) in ("admin/", "i18n/"):
                continue
            yield from patterns(pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield pattern.name, list(pattern.pattern.converters)


class District:
    def __init__(self, name: str, school: str):
        self.district = DistrictFactory(name=name)
        self.org = OrganizationFactory(short_name=school, name=f"МБОУ {school}", district=self.district)
        self.methodologist = methodologist(district=self.district, username=f"met-{self.district.pk}")
        staff = staff_of(self.org, username=f"staff-{self.district.pk}")
        self.page = world.page(self.org, "vk", world.verdict())
        world.page(self.org, "ok", world.verdict())
        self.entry = entry_of(self.org, "order_responsible")
        self.revision = submit(self.entry, staff)
        self.run = SweepRun.objects.create(started_at=world.CHECKED_AT, finished_at=world.CHECKED_AT,
                                           status=SweepRun.Status.FINISHED, trigger=SweepRun.Trigger.MANUAL,
                                           scope=f"district:{self.district.pk}", networks=["vk"])
        self.event = ChangeEvent.objects.create(page=self.page, organization=self.org, run=self.run, kind="renamed",
                                                severity=ChangeEvent.Severity.WARNING, message=f"{school}: переименована")

    def kwargs(self, name: str, converters: list[str]) -> dict:
        values = {"pk": self.org.pk, "entry_id": self.entry.pk, "revision_id": self.revision.pk,
                  "event_id": self.event.pk, "run_id": self.run.pk, "network": "vk",
                  "fmt": "csv" if name == "dashboard-export" else "pdf"}
        missing = set(converters) - set(values)
        assert not missing, f"{name}: decide how this test reaches {missing} of a district"
        return {key: values[key] for key in converters}


@pytest.fixture(params=["first", "second"])
def region(request, db, settings, tmp_path):
    """The two districts, the one whose methodologist walks first: each district's view is
    walked (a mistake can hide in which district has the lower id)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    first, second = District("Кущевский район", OURS), District("Ейский район", THEIRS)
    ours, theirs = (first, second) if request.param == "first" else (second, first)
    return ours, theirs, methodologist(username="region")


def names(district: District) -> tuple[str, str]:
    return district.org.short_name, district.district.name


def text_of(response) -> str:
    """What a person would read in the answer, whatever its format."""
    kind = response.get("Content-Type", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if "spreadsheetml" in kind:
        book = load_workbook(io.BytesIO(body))
        return " ".join(str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row if c)
    if "zip" in kind or "wordprocessingml" in kind:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return " ".join(archive.namelist()).replace("_", " ") + " ".join(
                archive.read(name).decode("utf-8", "replace") for name in archive.namelist() if name.endswith(".xml"))
    if "pdf" in kind:
        if not shutil.which("pdftotext"):
            pytest.skip("pdftotext (Debian poppler-utils) reads the PDFs")
        return subprocess.run(["pdftotext", "-", "-"], input=body, capture_output=True, check=True).stdout.decode()
    if kind.startswith("image/"):
        return ""
    return body.decode("utf-8", "replace")


def ask(client, url: str):
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url)
    return response


def walked():
    return [(name, converters) for name, converters in patterns() if name not in PERSONAL]


@pytest.mark.parametrize(("name", "converters"), walked(), ids=[name for name, _c in walked()])
def test_a_district_methodologist_reaches_nothing_of_another_district(region, name, converters):
    ours, theirs, _region = region
    school, _district = names(ours)
    their_school, their_district = names(theirs)
    client = Client()
    client.force_login(ours.methodologist)

    if OBJECTS & set(converters):
        assert client.get(reverse(name, kwargs=ours.kwargs(name, converters))).status_code != 404, f"{name}: own object"
        response = ask(client, reverse(name, kwargs=theirs.kwargs(name, converters)))
        assert response.status_code == 404, f"{name}: {response.status_code}"
        assert not ChangeEvent.objects.filter(pk=theirs.event.pk, acknowledged_at__isnull=False).exists()
        return
    if name in SIDE_EFFECTS:
        return
    url = reverse(name, kwargs=ours.kwargs(name, converters))
    response = ask(client, url)
    assert response.status_code < 500
    text = text_of(response)
    assert their_school not in text, f"{name} names the other district's school"
    if name in LISTS:
        assert school in text, f"{name} should list the district's own school"
    # Drilling into the other district by hand (the coordinator's ?district=) shows nothing of it.
    drilled = ask(client, f"{url}?district={theirs.district.pk}")
    assert drilled.status_code in (200, 302, 404, 405), f"{name}?district=: {drilled.status_code}"
    assert their_school not in text_of(drilled) and their_district not in text_of(drilled), f"{name}?district="



@pytest.mark.parametrize(("name", "converters"), [(n, c) for n, c in walked() if OBJECTS & set(c)],
                         ids=[n for n, c in walked() if OBJECTS & set(c)])
def test_the_regional_coordinator_reaches_every_district(region, name, converters):
    ours, theirs, coordinator = region
    client = Client()
    client.force_login(coordinator)

    for district in (ours, theirs):
        # GET only: a write's own tests (the staff's, the reviewer's) say what it does.
        response = client.get(reverse(name, kwargs=district.kwargs(name, converters)))
        assert response.status_code in (200, 302, 405), f"{name}: {response.status_code}"


@pytest.mark.parametrize("name", [n for n, c in walked() if not OBJECTS & set(c) and n not in SIDE_EFFECTS])
def test_the_regional_coordinator_lists_both_districts(region, name):
    ours, theirs, coordinator = region
    client = Client()
    client.force_login(coordinator)
    converters = next(c for n, c in walked() if n == name)

    response = ask(client, reverse(name, kwargs=ours.kwargs(name, converters)))
    assert response.status_code < 400, f"{name}: {response.status_code}"
    if name in LISTS:
        text = text_of(response)
        assert OURS in text and THEIRS in text, name


def test_a_run_of_the_region_shows_a_district_only_its_own_pages(region):
    ours, theirs, coordinator = region
    run = SweepRun.objects.create(started_at=world.CHECKED_AT, finished_at=world.CHECKED_AT, pages_total=4, pages_done=4,
                                  status=SweepRun.Status.FINISHED, trigger=SweepRun.Trigger.SCHEDULE, scope="all",
                                  networks=["vk", "ok"])

    for page in OfficialPage.objects.filter(organization=ours.org):
        Snapshot.objects.create(run=run, page=page, taken_at=world.CHECKED_AT)
    client = Client()
    client.force_login(ours.methodologist)

    progress = client.get(reverse("sweep-detail", args=[run.pk]), HTTP_ACCEPT="application/json").json()

    assert (progress["pages_done"], progress["pages_total"]) == (2, 2)
    client.force_login(coordinator)
    assert client.get(reverse("sweep-detail", args=[run.pk]), HTTP_ACCEPT="application/json").json()["pages_total"] == 4


def test_the_latest_runs_list_a_districts_channel_checks_not_the_others_in_two_queries(region):
    ours, theirs, _coordinator = region
    from monitoring.selectors import recent_runs

    for district in (ours, theirs):
        for _n in range(3):  # «Проверить канал», pressed three times
            SweepRun.objects.create(started_at=world.CHECKED_AT, finished_at=world.CHECKED_AT, networks=["max"],
                                    status=SweepRun.Status.FINISHED, trigger=SweepRun.Trigger.MANUAL,
                                    scope=f"orgs:{district.org.pk}", organization_ids=[district.org.pk])

    with CaptureQueriesContext(connection) as queries:
        runs = recent_runs(ours.district.pk)

    assert len(queries) == 2
    assert {run.scope for run in runs} == {f"district:{ours.district.pk}", f"orgs:{ours.org.pk}"}
