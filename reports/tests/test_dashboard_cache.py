"""The dashboard keeps what it computed (reports.cache, issue 14 item 6): the next request of the
same scope costs fewer queries, yet a review, a finished sweep or another district's scope is
never answered from a stale or foreign copy, and nothing personal is kept."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from checklist.models import ChecklistEntry, WorkStatus
from monitoring.models import PageState, SweepRun
from reports import cache as data_cache
from reports.tests import world
from tests.factories import DistrictFactory, OrganizationFactory, methodologist

URL = reverse("dashboard")

pytestmark = pytest.mark.django_db


def _cell(response, short_name: str, column: str) -> str:
    html = response.content.decode()
    row = re.search(r'<tr data-org="%s">(.*?)</tr>' % re.escape(short_name), html, re.S)
    assert row, f"no row for {short_name}"
    found = re.search(r'<td class="(?:text-center )?([\w-]+)(?: col-total)?" tabindex="0" data-tip title="([^"]*)" '
                      r'data-column="%s">' % re.escape(column), row.group(1))
    return f"{found.group(1)} {unescape(found.group(2))}"


def _waiting(response) -> str:
    found = re.search(r'data-agenda="waiting">(.*?)</a>', response.content.decode(), re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split()) if found else ""


@pytest.fixture
def submitted(actors):
    world.compliant(actors.org_a)
    world.paperwork(actors.org_a, WorkStatus.SUBMITTED, codes=["instruction"])
    return ChecklistEntry.objects.get(organization=actors.org_a, item__code="instruction")


def test_the_second_look_costs_fewer_queries_and_shows_the_same(actors, submitted):
    client = actors.client_for(actors.methodologist)
    client.get(URL)  # the session, the content types and the cache warmed

    cache.clear()
    with CaptureQueriesContext(connection) as computed:
        first = client.get(URL)
    with CaptureQueriesContext(connection) as kept:
        second = client.get(URL)

    assert len(kept) < len(computed) - 4, (len(kept), len(computed))
    assert _cell(second, "СОШ №9", "item_instruction") == _cell(first, "СОШ №9", "item_instruction")
    assert _waiting(second) == _waiting(first) == "Документов ждут проверки: 1 →"


def test_an_approval_shows_at_once_on_the_next_look(actors, submitted):
    client = actors.client_for(actors.methodologist)
    before = client.get(URL)
    assert _cell(before, "СОШ №9", "item_instruction").startswith("cell-warning")

    assert client.post(reverse("entry-approve", args=[submitted.pk])).status_code == 302
    after = client.get(URL)

    assert _cell(after, "СОШ №9", "item_instruction").startswith("cell-ok")
    assert "Документов ждут проверки" not in _waiting(after)


def test_an_approval_in_another_worker_is_seen_though_this_one_missed_its_signal(actors, submitted):
    """Each gunicorn worker keeps its own memory cache unless CACHE_URL names a Redis: the rows'
    version read from the database is what tells a worker that another one changed them."""
    client = actors.client_for(actors.methodologist)
    client.get(URL)
    generation = data_cache.generation()

    assert client.post(reverse("entry-approve", args=[submitted.pk])).status_code == 302
    cache.set(data_cache.GENERATION_KEY, generation)  # as the other worker's memory still says
    after = client.get(URL)

    assert _cell(after, "СОШ №9", "item_instruction").startswith("cell-ok")


def test_a_sweep_finishing_shows_what_it_found(actors):
    world.compliant(actors.org_a)
    client = actors.client_for(actors.methodologist)
    assert _cell(client.get(URL), "СОШ №9", "vk_page").startswith("cell-ok")

    # Written in bulk as the sweep writes: no signal, and checked_at as it was.
    PageState.objects.filter(page__organization=actors.org_a, page__network="vk").update(status="fail")
    assert _cell(client.get(URL), "СОШ №9", "vk_page").startswith("cell-ok")  # mid-sweep: the last finished one
    SweepRun.objects.create(started_at=world.CHECKED_AT, finished_at=timezone.now(), trigger=SweepRun.Trigger.SCHEDULE)

    assert _cell(client.get(URL), "СОШ №9", "vk_page").startswith("cell-fail")


def test_methodologists_of_one_district_share_the_rows_but_each_sees_their_own_name(actors, submitted):
    colleague = methodologist(username="colleague", first_name="Вера", last_name="Коллегова")
    actors.client_for(actors.methodologist).get(URL)

    client = actors.client_for(colleague)
    client.get(URL)  # the colleague's session warmed; the rows kept from the first look
    with CaptureQueriesContext(connection) as kept:
        response = client.get(URL)

    html = response.content.decode()
    assert "Вера Коллегова" in html and "metodist" not in html
    assert not any("organizations_organization" in query["sql"] and "CASE" in query["sql"] for query in kept)


def test_another_districts_methodologist_never_gets_these_rows(actors, submitted):
    other = DistrictFactory(name="Другой район")
    OrganizationFactory(short_name="СОШ другого района", district=other)
    actors.client_for(actors.methodologist).get(URL)

    response = actors.client_for(methodologist(other, username="other")).get(URL)

    shown = re.findall(r'<tr data-org="([^"]+)"', response.content.decode())
    assert [unescape(name) for name in shown] == ["СОШ другого района"]
