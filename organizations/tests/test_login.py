"""Logging in: a Russian page, and django-axes throttling of password guessing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from django.urls import reverse

from tests.factories import UserFactory

URL = reverse("login")
PASSWORD = "pass-1234-word"  # the factories' password


def log_in(client, username: str, password: str):
    return client.post(URL, {"username": username, "password": password})


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_the_login_page_is_in_russian(db, client):
    response = client.get(URL)

    assert response.status_code == 200
    content = response.content.decode()
    assert '<html lang="ru">' in content
    assert "Вход в портал «Госпаблики»" in content
    assert "Имя пользователя" in content and "Пароль" in content
    assert ">Войти<" in content


def test_the_right_password_logs_in_and_leads_home(actors, client):
    response = log_in(client, "staff_a", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert is_logged_in(client)


def test_a_wrong_password_is_refused_in_russian(actors, client):
    response = log_in(client, "staff_a", "wrong")

    assert response.status_code == 200
    assert "Пожалуйста, введите правильные имя пользователя и пароль" in response.content.decode()
    assert not is_logged_in(client)


def test_after_the_failure_limit_even_the_right_password_is_refused(actors, client, settings):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "staff_a", "guess")

    response = log_in(client, "staff_a", PASSWORD)

    assert not is_logged_in(client)
    assert response.status_code == 429
    assert "Вход временно заблокирован" in response.content.decode()


def test_the_lock_page_says_how_long_the_lock_lasts(actors, client, settings):
    settings.AXES_COOLOFF_TIME = 3
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "staff_a", "guess")

    response = log_in(client, "staff_a", PASSWORD)

    assert response.status_code == 429
    assert "Вход снова откроется через 3 ч" in response.content.decode()


def test_one_attempt_short_of_the_limit_the_right_password_still_works(actors, client, settings):
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, "staff_a", "guess")

    log_in(client, "staff_a", PASSWORD)

    assert is_logged_in(client)


def test_a_locked_out_name_does_not_lock_out_a_colleague(actors, client, settings):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "staff_a", "guess")

    log_in(client, "staff_b", PASSWORD)

    assert is_logged_in(client)


def test_an_inactive_user_cannot_log_in(db, client):
    UserFactory(username="left", is_active=False)

    log_in(client, "left", PASSWORD)

    assert not is_logged_in(client)


def test_a_login_link_cannot_send_the_user_to_another_site(actors, client):
    response = client.post(URL + "?next=https://evil.example/", {"username": "staff_a", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_a_logged_in_user_opening_the_login_page_goes_home(actors):
    response = actors.client_for(actors.staff_a).get(URL)

    assert response.status_code == 302
    assert response["Location"] == reverse("home")


# Behind the reverse proxy every request arrives from the proxy's address (here 10.0.0.1),
# and the proxy appends the address it received the request from to X-Forwarded-For.
PROXY = "10.0.0.1"


def log_in_through_proxy(client, username: str, password: str, forwarded_for: str):
    return client.post(URL, {"username": username, "password": password},
                       REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for)


def test_behind_a_trusted_proxy_one_guessing_client_does_not_lock_the_user_out_elsewhere(actors, client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in_through_proxy(client, "staff_a", "guess", "203.0.113.5")

    locked = log_in_through_proxy(client, "staff_a", PASSWORD, "203.0.113.5")
    assert locked.status_code == 429

    log_in_through_proxy(client, "staff_a", PASSWORD, "198.51.100.7")
    assert is_logged_in(client)


def test_behind_a_trusted_proxy_an_address_the_client_writes_itself_does_not_unlock_it(actors, client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in_through_proxy(client, "staff_a", "guess", f"192.0.2.{attempt}, 203.0.113.5")

    response = log_in_through_proxy(client, "staff_a", PASSWORD, "198.51.100.7, 203.0.113.5")

    assert response.status_code == 429
    assert not is_logged_in(client)


def test_with_no_trusted_proxy_a_spoofed_forwarded_for_does_not_escape_the_lock(actors, client, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in_through_proxy(client, "staff_a", "guess", f"192.0.2.{attempt}")

    response = log_in_through_proxy(client, "staff_a", PASSWORD, "198.51.100.7")

    assert response.status_code == 429
    assert not is_logged_in(client)


def test_the_lock_ends_after_the_cool_off_however_many_tries_were_made_during_it(actors, client, settings):
    cool_off = timedelta(hours=settings.AXES_COOLOFF_TIME)
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False) as clock:
        for _attempt in range(settings.AXES_FAILURE_LIMIT):
            log_in(client, "staff_a", "guess")
        for _try in range(10):  # every few minutes, up to 50 minutes into an hour's lock
            clock.shift(cool_off / 12)
            assert log_in(client, "staff_a", "guess").status_code == 429

        clock.shift(cool_off * 2 / 12 + timedelta(seconds=1))
        response = log_in(client, "staff_a", PASSWORD)

        assert response.status_code == 302
        assert is_logged_in(client)
