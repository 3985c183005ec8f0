"""The organization page: who sees it, what each role can do there, and its query budget."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from checklist import services
from checklist.tests.documents import entry_of, submit
from organizations.models import OfficialPage


def url(organization) -> str:
    return reverse("organization-detail", args=[organization.pk])


def test_anonymous_visitor_is_sent_to_the_login_page(actors):
    response = actors.client_for(None).get(url(actors.org_a))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url(actors.org_a)}"


def test_staff_see_their_organization_with_upload_and_link_forms(actors):
    response = actors.client_for(actors.staff_a).get(url(actors.org_a))

    assert response.status_code == 200
    content = response.content.decode()
    assert "СОШ №9" in content
    assert "Приказ о назначении ответственных за ведение официальных страниц" in content
    assert reverse("evidence-upload", args=[entry_of(actors.org_a, "instruction").pk]) in content
    assert reverse("page-set", args=[actors.org_a.pk, "vk"]) in content
    assert reverse("page-set", args=[actors.org_a.pk, "ok"]) in content
    # No review buttons and no audit log for staff.
    assert "Утвердить" not in content
    assert reverse("organization-audit", args=[actors.org_a.pk]) not in content


def test_staff_cannot_see_another_organization(actors):
    response = actors.client_for(actors.staff_a).get(url(actors.org_b))

    assert response.status_code == 404


def test_an_organization_that_does_not_exist_is_not_found(actors):
    response = actors.client_for(actors.methodologist).get(reverse("organization-detail", args=[999_999]))

    assert response.status_code == 404


def test_staff_do_not_get_review_buttons_for_their_own_submitted_document(actors, submitted_a):
    response = actors.client_for(actors.staff_a).get(url(actors.org_a))

    content = response.content.decode()
    assert "instrukciya_A.pdf" in content
    assert reverse("entry-approve", args=[submitted_a.pk]) not in content
    assert reverse("entry-return", args=[submitted_a.pk]) not in content


def test_methodologist_sees_any_organization_with_review_buttons_but_no_upload_forms(actors, submitted_b):
    response = actors.client_for(actors.methodologist).get(url(actors.org_b))

    assert response.status_code == 200
    content = response.content.decode()
    assert "д/с №10" in content
    assert reverse("entry-approve", args=[submitted_b.pk]) in content
    assert reverse("entry-return", args=[submitted_b.pk]) in content
    assert reverse("organization-audit", args=[actors.org_b.pk]) in content
    assert reverse("evidence-upload", args=[submitted_b.pk]) not in content
    assert reverse("page-set", args=[actors.org_b.pk, "vk"]) not in content


def test_district_methodologist_sees_an_organization_of_their_district(actors, district_methodologist):
    response = actors.client_for(district_methodologist).get(url(actors.org_a))

    assert response.status_code == 200


def test_methodologist_of_another_district_cannot_see_the_organization(actors, outside_methodologist):
    response = actors.client_for(outside_methodologist).get(url(actors.org_a))

    assert response.status_code == 404


def test_the_page_shows_the_registered_links_and_warns_about_a_missing_one(actors):
    OfficialPage.objects.create(
        organization=actors.org_a, network="vk", url="https://vk.com/club123", link_kind="club", link_value="123"
    )

    content = actors.client_for(actors.staff_a).get(url(actors.org_a)).content.decode()

    assert 'href="https://vk.com/club123"' in content
    assert content.count("Страница не указана") == 1  # OK is missing, VK is there


def test_staff_read_the_methodologists_comment_on_a_returned_document(actors, submitted_a):
    services.entry_return(entry=submitted_a, user=actors.methodologist, comment="Нет подписи директора")

    content = actors.client_for(actors.staff_a).get(url(actors.org_a)).content.decode()

    assert "Нет подписи директора" in content
    assert "Возвращено на доработку" in content


def test_the_page_answers_only_get(actors):
    response = actors.client_for(actors.staff_a).post(url(actors.org_a))

    assert response.status_code == 405


def test_the_page_is_built_in_the_same_number_of_queries_with_one_or_five_revisions(
    actors, django_assert_max_num_queries
):
    client = actors.client_for(actors.methodologist)
    order = entry_of(actors.org_a, "order_responsible")
    instruction = entry_of(actors.org_a, "instruction")
    submit(order, actors.staff_a)
    submit(instruction, actors.staff_a)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url(actors.org_a))
        assert response.status_code == 200
        return len(captured)

    with_one = queries()
    for number in range(2, 6):
        submit(order, actors.staff_a, text=f"v{number}")
        submit(instruction, actors.staff_a, text=f"v{number}")
        services.entry_return(entry=instruction, user=actors.methodologist, comment=f"Исправьте {number}")
    with_five = queries()

    assert with_five == with_one
    content = client.get(url(actors.org_a)).content.decode()
    assert "Исправьте 5" in content and content.count("Версия") >= 10
    # The page also shows the sweep's verdicts, the chart and the timeline; 15 is the
    # budget the scaling issue sets for the organization page.
    with django_assert_max_num_queries(15):
        client.get(url(actors.org_a))
