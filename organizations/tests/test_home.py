"""The start page sends each role to where its work is."""

from __future__ import annotations

from django.urls import reverse

from tests.factories import UserFactory

URL = reverse("home")


def test_methodologist_lands_on_the_district_dashboard(actors):
    response = actors.client_for(actors.methodologist).get(URL)

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")


def test_staff_land_on_their_own_organization(actors):
    response = actors.client_for(actors.staff_b).get(URL)

    assert response.status_code == 302
    assert response["Location"] == reverse("organization-detail", args=[actors.org_b.pk])


def test_an_administrator_lands_on_the_district_dashboard(actors):
    admin = UserFactory(username="admin", is_superuser=True, is_staff=True)

    response = actors.client_for(admin).get(URL)

    assert response["Location"] == reverse("dashboard")


def test_a_user_without_a_role_is_told_to_ask_for_one(actors):
    response = actors.client_for(UserFactory(username="newcomer")).get(URL)

    assert response.status_code == 403
    content = response.content.decode()
    assert "Вам ещё не назначена роль" in content
    assert "Попросите администратора портала" in content
    # and the menu offers nothing to open
    assert reverse("checklist-matrix") not in content
    assert reverse("organization-detail", args=[actors.org_a.pk]) not in content


def test_a_user_without_a_role_cannot_open_an_organization(actors):
    response = actors.client_for(UserFactory(username="newcomer")).get(
        reverse("organization-detail", args=[actors.org_a.pk])
    )

    assert response.status_code == 404


def test_anonymous_visitor_is_sent_to_the_login_page(actors):
    response = actors.client_for(None).get(URL)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/"


def test_the_menu_shows_each_role_its_own_places(actors):
    methodologist_page = actors.client_for(actors.methodologist).get(reverse("checklist-matrix")).content.decode()
    staff_page = actors.client_for(actors.staff_a).get(
        reverse("organization-detail", args=[actors.org_a.pk])
    ).content.decode()

    assert "Документы на проверке" in methodologist_page
    assert "Документы на проверке" not in staff_page
    assert f'href="{reverse("organization-detail", args=[actors.org_a.pk])}">СОШ №9</a>' in staff_page
