"""The read-only REST API: scoped exactly like the pages, in the export's shape."""

from __future__ import annotations

import datetime
import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from drf_spectacular.validation import validate_schema
from knox.models import AuthToken

from checklist import services
from checklist.models import ChecklistEntry, Verdict, WorkStatus
from checklist.tests.documents import entry_of, submit
from monitoring.compliance import compliance_export
from monitoring.models import PageState, RuleSettings
from organizations.models import District, OfficialPage, Organization
from reports.tests import world
from tests.factories import OrganizationFactory, UserFactory, methodologist

ORGANIZATIONS = reverse("api-organization-list")
PAGES = reverse("api-page-list")
CHECKLIST = reverse("api-checklist-list")
SCHEMA = reverse("api-schema")
LISTS = [ORGANIZATIONS, PAGES, CHECKLIST]

CHECKED_AT = datetime.datetime(2025, 3, 12, 3, 0, tzinfo=datetime.UTC)  # 06:00 in Moscow
VERDICT = {
    "status": "warning",
    "is_community": True,
    "gov_mark": True,
    "posts_total": 120,
    "weekly_posts": [{"week_start": f"2025-02-{day:02d}", "posts": 4} for day in (10, 17, 24)]
    + [{"week_start": "2025-03-03", "posts": 1}],
    "current_week": {"week_start": "2025-03-10", "posts": 2},
    "regular": False,
    "posts_not_from_community": 3,
    "reposts_from_personal_pages": 0,
    "missing_info": ["email", "site"],
    "closed": False,
    "deactivated": False,
    "error": None,
}


def detail(organization) -> str:
    return reverse("api-organization-detail", args=[organization.pk])


def token_client(user) -> Client:
    _instance, token = AuthToken.objects.create(user=user)
    return Client(headers={"Authorization": f"Token {token}"})


def vk_page(organization, *, checked: bool = True) -> OfficialPage:
    page = OfficialPage.objects.create(
        organization=organization,
        network="vk",
        url=f"https://vk.com/club{organization.pk}",
        link_kind="club",
        link_value=str(organization.pk),
        external_id=str(organization.pk),
        external_kind="group",
    )
    if checked:
        PageState.objects.create(page=page, status=VERDICT["status"], verdict=VERDICT, checked_at=CHECKED_AT)
    return page


def short_names(response) -> set[str]:
    assert response.status_code == 200, response.content
    rows = response.json()["results"]
    return {row.get("short_name") or row["organization_short_name"] for row in rows}


@pytest.fixture
def pages(actors):
    return vk_page(actors.org_a), vk_page(actors.org_b)


@pytest.fixture
def other_district(actors):
    """An organization in a second district, and the methodologist of the first one."""
    far = OrganizationFactory(short_name="СОШ №1 (соседи)", district=District.objects.create(name="Соседний район"))
    vk_page(far)
    return far, methodologist(district=actors.org_a.district, username="district_metodist")


# --- authentication ------------------------------------------------------------------------


@pytest.mark.parametrize("url", LISTS)
def test_a_visitor_without_credentials_gets_401_and_no_data(actors, pages, url):
    response = Client().get(url)

    assert response.status_code == 401
    assert "СОШ №9" not in response.content.decode()


def test_a_visitor_without_credentials_cannot_probe_an_organization(actors):
    response = Client().get(detail(actors.org_b))

    assert response.status_code == 401


def test_a_wrong_token_is_refused(actors):
    response = Client(headers={"Authorization": "Token " + "0" * 40}).get(ORGANIZATIONS)

    assert response.status_code == 401


def test_a_token_made_for_staff_opens_their_organization(actors):
    response = token_client(actors.staff_a).get(ORGANIZATIONS)

    assert short_names(response) == {"СОШ №9"}
    assert response.json()["results"][0]["id"] == actors.org_a.pk


def test_a_logged_in_session_works_as_well_as_a_token(actors):
    response = actors.client_for(actors.staff_b).get(ORGANIZATIONS)

    assert short_names(response) == {"д/с №10"}


def test_a_user_without_a_role_sees_nothing(actors, pages):
    client = token_client(UserFactory(username="nobody"))

    for url in LISTS:
        assert client.get(url).json()["results"] == []
    assert client.get(detail(actors.org_a)).status_code == 404


@pytest.mark.parametrize("url", [*LISTS, "detail"])
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_api_refuses_every_write(actors, url, method):
    url = detail(actors.org_a) if url == "detail" else url

    response = getattr(token_client(actors.methodologist), method)(url, data={}, content_type="application/json")

    assert response.status_code == 405
    assert Organization.objects.filter(pk=actors.org_a.pk).exists()


# --- scope ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "own", "other"), [("staff_a", "СОШ №9", "д/с №10"), ("staff_b", "д/с №10", "СОШ №9")])
@pytest.mark.parametrize("url", LISTS)
def test_staff_never_see_another_organization_in_a_list(actors, pages, who, own, other, url):
    response = token_client(getattr(actors, who)).get(url)

    assert short_names(response) == {own}
    assert other not in response.content.decode()


@pytest.mark.parametrize(("who", "other"), [("staff_a", "org_b"), ("staff_b", "org_a")])
def test_staff_get_404_for_another_organization(actors, pages, who, other):
    organization = getattr(actors, other)

    response = token_client(getattr(actors, who)).get(detail(organization))

    assert response.status_code == 404
    assert organization.short_name not in response.content.decode()


@pytest.mark.parametrize("pk", [999999, 10**30])
def test_staff_get_404_for_an_organization_that_does_not_exist(actors, pk):
    response = token_client(actors.staff_a).get(reverse("api-organization-detail", args=[pk]))

    assert response.status_code == 404


def test_staff_read_their_own_organization(actors, pages):
    response = token_client(actors.staff_a).get(detail(actors.org_a))

    assert response.status_code == 200
    assert response.json()["short_name"] == "СОШ №9"


@pytest.mark.parametrize("url", [PAGES, CHECKLIST])
def test_a_filter_by_another_organization_returns_nothing(actors, pages, url):
    response = token_client(actors.staff_a).get(url, {"organization": actors.org_b.pk})

    assert response.status_code == 200
    assert response.json()["results"] == []


@pytest.mark.parametrize("url", LISTS)
def test_a_district_methodologist_sees_only_their_district(actors, pages, other_district, url):
    far, district_methodologist = other_district

    response = token_client(district_methodologist).get(url)

    assert short_names(response) == {"СОШ №9", "д/с №10"}
    assert token_client(district_methodologist).get(detail(far)).status_code == 404


@pytest.mark.parametrize("url", LISTS)
def test_a_regional_methodologist_sees_every_district(actors, pages, other_district, url):
    far, _district_methodologist = other_district

    response = token_client(actors.methodologist).get(url)

    assert short_names(response) == {"СОШ №9", "д/с №10", far.short_name}


# --- what the API says ---------------------------------------------------------------------


def test_an_organization_reads_exactly_as_in_the_json_export(actors, pages):
    submit(entry_of(actors.org_a, "order_responsible"), actors.staff_a)

    row = token_client(actors.staff_a).get(detail(actors.org_a)).json()

    # A page of the API is not the district: it carries the rating's score but no place in it.
    [exported] = compliance_export(Organization.objects.filter(pk=actors.org_a.pk), ranked=False)["organizations"]
    assert "rank" not in row["rating"]
    assert row.pop("id") == actors.org_a.pk
    titles = {item["code"]: item.pop("title") for item in row["checklist"]}
    assert row == exported
    assert titles["order_responsible"].startswith("Приказ о назначении ответственных")


def test_an_organization_shows_its_pages_and_the_missing_one(actors, pages):
    row = token_client(actors.staff_a).get(detail(actors.org_a)).json()

    vk, ok = row["communities"]
    assert vk["network"] == "vk" and vk["url"] == f"https://vk.com/club{actors.org_a.pk}"
    assert vk["status"] == "warning" and vk["gov_mark"] is True
    assert vk["missing_info"] == ["email", "site"] and vk["posts_not_from_community"] == 3
    assert ok == {"network": "ok", "url": None, "missing": True, "status": "fail", "stale": None}
    assert row["status"] == "fail"  # no OK page


def test_a_page_reads_as_its_export_entry_with_the_organization_id(actors, pages):
    response = token_client(actors.staff_a).get(PAGES)

    [page] = response.json()["results"]
    vk = compliance_export(Organization.objects.filter(pk=actors.org_a.pk))["organizations"][0]["communities"][0]
    assert page == {
        "id": pages[0].pk,
        "organization": actors.org_a.pk,
        "organization_short_name": "СОШ №9",
        **vk,
    }


def test_a_page_never_checked_says_so(actors):
    vk_page(actors.org_a, checked=False)

    [page] = token_client(actors.staff_a).get(PAGES).json()["results"]

    assert page["status"] == "unknown"
    assert page["checked_at"] is None and page["gov_mark"] is None
    assert page["error"] == "Страница ещё не проверялась."


def test_a_page_says_which_values_are_kept_from_an_earlier_sweep_and_since_when(actors):
    world.wall_unread_tonight(actors.org_a)

    [page] = token_client(actors.staff_a).get(PAGES).json()["results"]
    [organization] = token_client(actors.staff_a).get(ORGANIZATIONS).json()["results"]

    stale = {"fields": list(world.WALL_FIELDS), "read_at": "2025-03-11T06:00:00+03:00"}
    assert page["status"] == "unknown" and page["posts_total"] == 120
    assert page["stale"] == stale
    assert organization["communities"][0]["stale"] == stale
    assert organization["communities"][1] == {"network": "ok", "url": None, "missing": True, "status": "fail", "stale": None}


def test_pages_filter_by_network(actors, pages):
    client = token_client(actors.methodologist)

    assert client.get(PAGES, {"network": "ok"}).json()["results"] == []
    assert len(client.get(PAGES, {"network": "vk"}).json()["results"]) == 2
    assert client.get(PAGES, {"network": "facebook"}).status_code == 400


@pytest.mark.parametrize("value", ["abc", "-1", "9" * 30])
def test_an_organization_filter_that_is_not_an_id_is_refused(actors, value):
    response = token_client(actors.staff_a).get(PAGES, {"organization": value})

    assert response.status_code == 400


def test_dates_are_given_in_moscow_time(actors, pages):
    client = token_client(actors.staff_a)

    [page] = client.get(PAGES).json()["results"]
    entry = client.get(CHECKLIST).json()["results"][0]

    assert page["checked_at"] == "2025-03-12T06:00:00+03:00"
    assert entry["updated_at"].endswith("+03:00")
    updated = datetime.datetime.fromisoformat(entry["updated_at"])
    assert updated == ChecklistEntry.objects.get(pk=entry["id"]).updated_at


def test_the_checklist_lists_status_and_verdict_of_each_entry(actors):
    entry = entry_of(actors.org_a, "order_responsible")
    submit(entry, actors.staff_a)
    services.entry_approve(entry=entry, user=actors.methodologist)

    rows = token_client(actors.staff_a).get(CHECKLIST, {"code": "order_responsible"}).json()["results"]

    assert rows == [
        {
            "id": entry.pk,
            "organization": actors.org_a.pk,
            "organization_short_name": "СОШ №9",
            "code": "order_responsible",
            "title": entry.item.title,
            "status": "approved",
            "verdict": entry.verdict,
            "verdict_note": "",
            "due_date": entry.effective_due_date.isoformat() if entry.effective_due_date else None,
            "updated_at": rows[0]["updated_at"],
        }
    ]


def test_the_checklist_filters_by_status_and_verdict(actors):
    submit(entry_of(actors.org_a, "instruction"), actors.staff_a)
    submit(entry_of(actors.org_b, "password_policy"), actors.staff_b)
    services.entry_set_verdict(entry=entry_of(actors.org_b, "vk_gov_mark"), verdict=Verdict.COMPLIANT, note="Метка есть")
    client = token_client(actors.methodologist)

    submitted = client.get(CHECKLIST, {"status": WorkStatus.SUBMITTED}).json()["results"]
    compliant = client.get(CHECKLIST, {"verdict": Verdict.COMPLIANT}).json()["results"]

    assert {(row["organization_short_name"], row["code"]) for row in submitted} == {
        ("СОШ №9", "instruction"),
        ("д/с №10", "password_policy"),
    }
    assert [(row["organization_short_name"], row["code"]) for row in compliant] == [("д/с №10", "vk_gov_mark")]


def test_an_unknown_status_filter_is_refused_with_the_allowed_values(actors):
    response = token_client(actors.methodologist).get(CHECKLIST, {"status": "done"})

    assert response.status_code == 400
    assert "approved" in response.json()["status"][0]


def test_lists_are_paginated_with_limit_and_offset(actors):
    client = token_client(actors.methodologist)

    first = client.get(ORGANIZATIONS, {"limit": 1}).json()
    second = client.get(ORGANIZATIONS, {"limit": 1, "offset": 1}).json()

    assert first["count"] == 2 and first["next"] and first["previous"] is None
    assert [row["short_name"] for row in first["results"] + second["results"]] == ["д/с №10", "СОШ №9"]  # kind, then name
    assert second["next"] is None


# --- cost ----------------------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", LISTS)
def test_a_list_costs_the_same_queries_for_2_or_20_organizations(actors, pages, url, django_assert_max_num_queries):
    RuleSettings.load()  # created once, on the first read of the thresholds
    client = token_client(actors.methodologist)
    with_two = _queries(client, url)

    for _n in range(18):
        vk_page(OrganizationFactory())
    with django_assert_max_num_queries(with_two):
        response = client.get(url)

    assert response.json()["count"] == (ChecklistEntry.objects.count() if url == CHECKLIST else 20)
    assert with_two <= 11, with_two  # 11: the district settings (is a MAX channel required?) are read once


# --- schema --------------------------------------------------------------------------------


def test_the_schema_is_public_valid_openapi_with_every_endpoint(actors):
    response = Client().get(SCHEMA, {"format": "json"})

    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)
    ours = {"/api/organizations/", "/api/organizations/{id}/", "/api/pages/", "/api/checklist/"}
    assert ours <= set(schema["paths"])
    assert all(set(schema["paths"][path]) == {"get"} for path in ours)  # read-only, documented as such


def test_two_districts_each_with_a_school_no_1_read_apart(db):
    for name, mark in (("Ейский район", True), ("Кущевский район", False)):
        school = OrganizationFactory(short_name="СОШ №1", district=District.objects.create(name=name))
        world.page(school, "vk", world.verdict(gov_mark=mark))

    rows = token_client(methodologist(username="region")).get("/api/organizations/").json()["results"]

    marks = {row["district"]: row["communities"][0]["gov_mark"] for row in rows if row["short_name"] == "СОШ №1"}
    assert marks == {"Ейский район": True, "Кущевский район": False}
