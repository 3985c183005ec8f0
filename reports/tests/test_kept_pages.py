"""A page a reader opens again is served whole from what was kept for them (reports.cache,
KeptPagesMiddleware), without the view: yet it is theirs only, a minute old at most, and
anything that would change it — their password, their account, their role, the data behind
it, a message for them — makes the next look draw it anew."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from checklist.tests.documents import entry_of, pdf_upload
from monitoring.models import ChangeEvent, SweepRun
from organizations.models import Membership, Organization
from reports.tests.test_organization_cache import TOKEN, url, without_tokens
from tests.factories import staff_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True, params=["db", "cached_db"])
def sessions(request, settings):
    """Every test with sessions in the database only, and as with a shared cache (CACHE_URL),
    where the kept page is read together with the session."""
    settings.SESSION_ENGINE = f"django.contrib.sessions.backends.{request.param}"
    return request.param


def browser(user, **kwargs) -> Client:
    """A logged-in browser that has its CSRF cookie, as after the login form: a page is kept only
    for a request that brings one (its forms' tokens are made of it)."""
    client = Client(**kwargs)
    client.force_login(user)
    client.get(reverse("notifications"))
    assert "csrftoken" in client.cookies
    return client


def looked(client: Client, path: str) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.content.decode(), len(queries)


@pytest.mark.parametrize("who, path", [
    ("staff_a", "organization"), ("staff_a", "my-tasks"), ("methodologist", "organization"),
    ("methodologist", "my-tasks"), ("methodologist", "dashboard"), ("methodologist", "checklist-matrix"),
])
def test_a_second_look_is_the_same_page_for_one_query(actors, page_a, who, path, sessions):
    client = browser(getattr(actors, who))
    address = url(page_a) if path == "organization" else reverse(path)

    first, drawn = looked(client, address)
    second, kept = looked(client, address)

    # the reader's rows and the versions of what the page shows, in one query (and the session,
    # where it is not read from the cache with the page)
    assert kept == (1 if sessions == "cached_db" else 2) and drawn > 5, (kept, drawn)
    assert without_tokens(second) == without_tokens(first)
    assert "kept-csrf-token" not in first + second and "kept-hole" not in first + second


def test_the_first_look_sets_the_csrf_cookie_its_forms_carry(actors, page_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(actors.staff_a)

    html = client.get(url(page_a)).content.decode()  # no CSRF cookie yet: drawn, and it sets one

    assert "csrftoken" in client.cookies
    assert client.post(reverse("welcome-dismiss", args=[page_a.pk]),
                       {"csrfmiddlewaretoken": TOKEN.search(html).group(1)}).status_code == 302


def test_a_kept_page_gives_a_working_csrf_token(actors, page_a):
    client = browser(actors.staff_a, enforce_csrf_checks=True)
    client.get(url(page_a))
    run = SweepRun.objects.create(started_at=timezone.now(), trigger=SweepRun.Trigger.COMMAND)
    event = ChangeEvent.objects.create(page=page_a.pages.get(network="vk"), organization=page_a, run=run,
                                       kind="name_changed", severity="warning", message="Название изменилось")
    client.get(url(page_a))  # drawn with the alert

    html, queries = looked(client, url(page_a))
    form = re.search(r'action="%s">(.*?)</form>' % re.escape(reverse("alert-acknowledge", args=[event.pk])), html, re.S)

    assert queries <= 5
    assert client.post(reverse("alert-acknowledge", args=[event.pk]),
                       {"csrfmiddlewaretoken": TOKEN.search(form.group(1)).group(1)}).status_code == 302


def test_two_readers_of_one_organization_each_get_their_own_menu(actors, page_a):
    colleague = staff_of(page_a, username="kollega", first_name="Ольга", last_name="Колесова")
    actors.staff_a.first_name, actors.staff_a.last_name = "Иван", "Петров"
    actors.staff_a.save()
    mine = browser(actors.staff_a)
    mine.get(url(page_a))

    theirs = browser(colleague).get(url(page_a)).content.decode()
    mine_again = mine.get(url(page_a)).content.decode()

    assert "Ольга Колесова" in theirs and "Иван Петров" not in theirs
    assert "Иван Петров" in mine_again and "Ольга Колесова" not in mine_again


def test_a_password_changed_behind_the_portals_back_ends_the_kept_page(actors, page_a):
    """No signal, no counter: the reader's own row is read on every look."""
    client = browser(actors.staff_a)
    client.get(url(page_a))
    client.get(url(page_a))

    get_user_model().objects.filter(pk=actors.staff_a.pk).update(password=make_password("другой-пароль-2026"))
    answer = client.get(url(page_a))

    assert answer.status_code == 302 and reverse("login") in answer["Location"]


def test_a_deactivated_account_is_not_served_its_kept_page(actors, page_a):
    client = browser(actors.staff_a)
    client.get(url(page_a))

    get_user_model().objects.filter(pk=actors.staff_a.pk).update(is_active=False)
    answer = client.get(url(page_a))

    assert answer.status_code == 302 and reverse("login") in answer["Location"]


def test_staff_moved_to_another_organization_no_longer_see_the_old_one(actors, page_a):
    client = browser(actors.staff_a)
    assert "СОШ №9" in client.get(url(page_a)).content.decode()

    Membership.objects.filter(user=actors.staff_a).update(organization=actors.org_b)

    assert client.get(url(page_a)).status_code == 404
    assert "д/с №10" in client.get(reverse("my-tasks")).content.decode()


def test_a_rename_written_in_bulk_shows_at_once(actors, page_a):
    client = browser(actors.staff_a)
    client.get(url(page_a))

    Organization.objects.filter(pk=page_a.pk).update(short_name="СОШ №99")

    assert "СОШ №99" in client.get(url(page_a)).content.decode()


def test_a_message_is_shown_on_the_next_look_and_only_there(actors, page_a):
    client = browser(actors.staff_a)
    client.get(url(page_a))
    client.get(url(page_a))

    client.post(reverse("evidence-upload", args=[entry_of(page_a, "instruction").pk]),
                {"instruction-file": pdf_upload()})

    assert "data-item-message" in client.get(url(page_a)).content.decode()
    assert "data-item-message" not in client.get(url(page_a)).content.decode()


def test_a_kept_page_is_a_minute_old_at_most(actors, page_a):
    client = browser(actors.staff_a)
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        _html, drawn = looked(client, url(page_a))
    with time_machine.travel(now + timedelta(seconds=59), tick=False):
        _html, within = looked(client, url(page_a))
    with time_machine.travel(now + timedelta(seconds=61), tick=False):
        _html, after = looked(client, url(page_a))

    assert within <= 5 < after, (drawn, within, after)


def test_another_language_is_another_page(actors, page_a):
    client = browser(actors.staff_a)
    client.get(url(page_a))

    client.post(reverse("set_language"), {"language": "en", "next": url(page_a)})

    assert 'lang="en"' in client.get(url(page_a)).content.decode()


def test_after_logout_the_kept_page_is_not_served(actors, page_a):
    client = browser(actors.staff_a)
    client.get(url(page_a))
    client.get(url(page_a))

    client.post(reverse("logout"))
    answer = client.get(url(page_a))

    assert answer.status_code == 302 and reverse("login") in answer["Location"]


def test_another_browser_of_the_same_person_gets_tokens_of_its_own(actors, page_a):
    first, second = browser(actors.staff_a), browser(actors.staff_a, enforce_csrf_checks=True)
    first.get(url(page_a))
    first.get(url(page_a))

    second.get(url(page_a))
    second_again, queries = looked(second, url(page_a))

    assert queries <= 5
    assert second.post(reverse("welcome-dismiss", args=[page_a.pk]),
                       {"csrfmiddlewaretoken": TOKEN.search(second_again).group(1)}).status_code == 302
