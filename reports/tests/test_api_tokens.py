"""API tokens (django-rest-knox): only a digest is stored, a token expires after
API_TOKEN_TTL_DAYS, and people make and revoke their own; administrators use `api_token`."""

from __future__ import annotations

import importlib
import io
import re
from datetime import timedelta
from types import SimpleNamespace

import time_machine
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken

ORGANIZATIONS = reverse("api-organization-list")
TOKENS = reverse("api-tokens")


def api(token: str) -> Client:
    return Client(headers={"Authorization": f"Token {token}"})


def test_a_token_opens_the_api_and_is_not_what_the_database_holds(actors):
    _instance, token = AuthToken.objects.create(user=actors.staff_a)

    assert api(token).get(ORGANIZATIONS).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT digest, token_key FROM knox_authtoken")
        stored = cursor.fetchall()
    assert len(stored) == 1
    assert token not in stored[0] and token not in "".join(stored[0])


def test_a_token_is_refused_after_api_token_ttl_days(actors, settings):
    _instance, token = AuthToken.objects.create(user=actors.staff_a)
    assert api(token).get(ORGANIZATIONS).status_code == 200

    with time_machine.travel(timezone.now() + timedelta(days=settings.API_TOKEN_TTL_DAYS, minutes=1)):
        response = api(token).get(ORGANIZATIONS)

    assert response.status_code == 401


def test_a_user_makes_a_token_on_their_page_sees_it_once_and_revokes_it(actors):
    client = actors.client_for(actors.staff_a)

    made = client.post(TOKENS, {"create": "1"}).content.decode()
    token = re.search(r"<code[^>]*data-token>([0-9a-f]+)</code>", made)[1]
    assert api(token).get(ORGANIZATIONS).status_code == 200
    assert token not in client.get(TOKENS).content.decode()

    digest = AuthToken.objects.get(user=actors.staff_a).digest
    client.post(TOKENS, {"revoke": digest})

    assert api(token).get(ORGANIZATIONS).status_code == 401


def test_a_user_cannot_revoke_a_colleagues_token(actors):
    instance, token = AuthToken.objects.create(user=actors.staff_b)

    actors.client_for(actors.staff_a).post(TOKENS, {"revoke": instance.digest})

    assert api(token).get(ORGANIZATIONS).status_code == 200


def test_an_administrator_makes_and_revokes_a_token_with_manage_py(actors):
    out = io.StringIO()
    call_command("api_token", "staff_a", stdout=out, stderr=io.StringIO())
    token = out.getvalue().strip()
    assert api(token).get(ORGANIZATIONS).status_code == 200

    call_command("api_token", "staff_a", "--revoke", stdout=io.StringIO())

    assert api(token).get(ORGANIZATIONS).status_code == 401


def test_an_existing_plain_token_is_carried_over_as_a_digest_and_the_plain_one_deleted(actors, settings):
    migration = importlib.import_module("reports.migrations.0002_api_tokens_hashed")
    old_key = "0123456789abcdef0123456789abcdef01234567"
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamp, user_id integer)")
        cursor.execute("INSERT INTO authtoken_token VALUES (%s, %s, %s)", [old_key, timezone.now(), actors.staff_a.pk])

    migration.carry_over(apps, SimpleNamespace(connection=connection))  # all it uses of a schema editor

    assert api(old_key).get(ORGANIZATIONS).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM authtoken_token")
        assert cursor.fetchone() == (0,)
    assert AuthToken.objects.get().expiry > timezone.now() + timedelta(days=settings.API_TOKEN_TTL_DAYS - 1)
