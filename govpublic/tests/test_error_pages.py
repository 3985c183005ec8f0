"""Error pages in Russian, inside the site's layout, with the way back (issue 11, item 6)."""

from __future__ import annotations

import pytest
from django.core.exceptions import SuspiciousOperation
from django.test import RequestFactory
from django.urls import reverse
from django.views import defaults

pytestmark = pytest.mark.django_db


def test_a_missing_page_says_so_in_russian_inside_the_layout_with_the_way_back(actors):
    response = actors.client_for(actors.staff_a).get("/нет-такой-страницы/")

    text = response.content.decode()
    assert response.status_code == 404
    assert "Страница не найдена" in text and "Not Found" not in text
    assert 'class="navbar' in text and f'href="{reverse("home")}"' in text and "Мои задачи" in text


def test_another_organizations_page_is_a_russian_404_for_staff(actors):
    response = actors.client_for(actors.staff_a).get(reverse("organization-detail", args=[actors.org_b.pk]))

    assert response.status_code == 404 and "Страница не найдена" in response.content.decode()


def test_a_forbidden_page_says_who_may_see_it(actors):
    response = actors.client_for(actors.staff_a).get(reverse("review-queue"))

    assert response.status_code == 403
    assert "Нет доступа" in response.content.decode() and "методист" in response.content.decode()


def test_a_bad_request_and_a_server_fault_are_russian_pages_too(rf: RequestFactory):
    bad = defaults.bad_request(rf.get("/"), SuspiciousOperation("broken"))
    fault = defaults.server_error(rf.get("/"))  # rendered with no request context, as Django does

    assert bad.status_code == 400 and "Неверный запрос" in bad.content.decode()
    assert fault.status_code == 500 and "Сбой на портале" in fault.content.decode()
    assert "Server Error" not in fault.content.decode()


def test_a_stale_form_is_explained_not_django_csrf_english(actors):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(actors.methodologist)

    response = client.post(reverse("sweep-now"))

    assert response.status_code == 403 and "Форма устарела" in response.content.decode()


def test_the_portal_has_a_favicon(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 301 and response["Location"].endswith("favicon.svg")


def test_a_request_for_a_host_the_portal_does_not_serve_gets_the_russian_400(client):
    response = client.get("/", HTTP_HOST="portal.evil.example")

    assert response.status_code == 400 and "Неверный запрос" in response.content.decode()
