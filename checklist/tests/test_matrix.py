"""The district matrix: organization × item for the methodologist, with totals per item."""

from __future__ import annotations

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from checklist import services
from checklist.models import Verdict
from checklist.tests.documents import entry_of, submit
from tests.factories import DistrictFactory, OrganizationFactory

URL = reverse("checklist-matrix")


def total_of(content: str, code: str) -> str:
    """The «N из M» text of an item's total, as the methodologist reads it."""
    match = re.search(rf'<li [^>]*data-code="{code}"><strong>[^<]*</strong>\s*([^<]*?)\s*</li>', content)
    assert match, f"no total for {code}"
    return " ".join(match.group(1).split())


def test_methodologist_sees_every_organization_and_every_item(actors):
    response = actors.client_for(actors.methodologist).get(URL)

    assert response.status_code == 200
    content = response.content.decode()
    assert "СОШ №9" in content and "д/с №10" in content
    assert reverse("organization-detail", args=[actors.org_a.pk]) in content
    assert content.count('data-code="order_responsible" data-status=') == 2
    assert total_of(content, "order_responsible") == "0 из 2 утверждено"


def test_one_approval_shows_as_one_of_two(actors):
    entry = entry_of(actors.org_a, "order_responsible")
    submit(entry, actors.staff_a)
    services.entry_approve(entry=entry, user=actors.methodologist)

    content = actors.client_for(actors.methodologist).get(URL).content.decode()

    assert total_of(content, "order_responsible") == "1 из 2 утверждено"
    assert total_of(content, "instruction") == "0 из 2 утверждено"
    assert 'data-code="order_responsible" data-status="approved"' in content


def test_a_submitted_document_is_not_counted_as_done(actors, submitted_a):
    content = actors.client_for(actors.methodologist).get(URL).content.decode()

    assert total_of(content, "instruction") == "0 из 2 утверждено"
    assert 'data-code="instruction" data-status="submitted"' in content


def test_an_automatic_item_counts_compliant_verdicts(actors):
    services.entry_set_verdict(entry=entry_of(actors.org_b, "vk_gov_mark"), verdict=Verdict.COMPLIANT, note="Метка есть")

    content = actors.client_for(actors.methodologist).get(URL).content.decode()

    assert total_of(content, "vk_gov_mark") == "1 из 2"


def test_district_methodologist_sees_only_their_district(actors, district_methodologist):
    OrganizationFactory(district=DistrictFactory(name="Ейский район"), short_name="СОШ №1 Ейск")

    content = actors.client_for(district_methodologist).get(URL).content.decode()

    assert "СОШ №9" in content
    assert "СОШ №1 Ейск" not in content
    assert total_of(content, "order_responsible") == "0 из 2 утверждено"


def test_staff_cannot_open_the_matrix(actors):
    response = actors.client_for(actors.staff_a).get(URL)

    assert response.status_code == 403


def test_anonymous_visitor_is_sent_to_the_login_page(actors):
    response = actors.client_for(None).get(URL)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={URL}"


def test_the_matrix_answers_only_get(actors):
    response = actors.client_for(actors.methodologist).post(URL)

    assert response.status_code == 405


def test_the_matrix_is_built_in_the_same_number_of_queries_for_2_and_20_organizations(
    actors, django_assert_max_num_queries
):
    client = actors.client_for(actors.methodologist)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL).status_code == 200
        return len(captured)

    with_two = queries()
    OrganizationFactory.create_batch(18)
    with_twenty = queries()

    assert with_twenty == with_two
    assert total_of(client.get(URL).content.decode(), "instruction") == "0 из 20 утверждено"
    with django_assert_max_num_queries(7):  # the menu's count of documents waiting for review among them
        client.get(URL)


def test_the_table_is_kept_for_the_next_look_and_an_approval_shows_at_once(actors):
    """The table's HTML is kept per scope (reports.cache): the entries are not read again until
    one of them changes, here in another worker whose signal this process never saw."""
    from django.core.cache import cache

    from reports import cache as page_cache

    entry = entry_of(actors.org_a, "order_responsible")
    submit(entry, actors.staff_a)
    client = actors.client_for(actors.methodologist)
    client.get(URL)
    with CaptureQueriesContext(connection) as kept:
        assert total_of(client.get(URL).content.decode(), "order_responsible") == "0 из 2 утверждено"
    assert not any("checklist_checklistentry" in query["sql"] and "verdict_note" in query["sql"] for query in kept)

    generation = page_cache.generation()
    services.entry_approve(entry=entry, user=actors.methodologist)
    cache.set(page_cache.GENERATION_KEY, generation)

    assert total_of(client.get(URL).content.decode(), "order_responsible") == "1 из 2 утверждено"
