"""Logging in: a Russian page, and django-axes throttling of password guessing."""

from __future__ import annotations

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
