"""People's own accounts: a user changes their own password, and the change is audited."""

from __future__ import annotations

from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.urls import reverse

PASSWORD = "pass-1234-word"  # the factories' password
NEW = "Новый-пароль-2026"


def test_a_user_changes_their_own_password_from_the_navbar(actors):
    client = actors.client_for(actors.staff_a)
    home = client.get(reverse("home"), follow=True).content.decode()
    assert f'href="{reverse("password_change")}"' in home

    response = client.post(reverse("password_change"),
                           {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW}, follow=True)

    assert "Пароль изменён." in response.content.decode()
    assert get_user_model().objects.get(pk=actors.staff_a.pk).check_password(NEW)
    assert client.get(reverse("password_change")).status_code == 200  # still logged in here
    entry = LogEntry.objects.filter(object_pk=str(actors.staff_a.pk), changes__has_key="password").get()
    assert entry.actor == actors.staff_a
    assert PASSWORD not in str(entry.changes) and "pbkdf2" not in str(entry.changes)


def test_a_wrong_current_password_changes_nothing_and_says_so_in_russian(actors):
    client = actors.client_for(actors.staff_a)

    response = client.post(reverse("password_change"),
                           {"old_password": "guess", "new_password1": NEW, "new_password2": NEW})

    assert response.status_code == 200
    assert "Ваш старый пароль введен неправильно" in response.content.decode()
    assert get_user_model().objects.get(pk=actors.staff_a.pk).check_password(PASSWORD)
