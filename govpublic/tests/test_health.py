"""`/healthz` answers anyone without touching the database (issue 14, item 6)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_an_anonymous_visitor_gets_ok_without_a_single_query():
    with CaptureQueriesContext(connection) as queries:
        response = Client().get(reverse("healthz"))

    assert response.status_code == 200 and response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")
    assert len(queries) == 0


def test_it_is_not_a_login_redirect_for_a_logged_in_user_either(actors):
    response = actors.client_for(actors.staff_a).get(reverse("healthz"))

    assert response.status_code == 200 and response.content == b"ok"


def test_it_only_answers_reads():
    assert Client().post(reverse("healthz")).status_code == 405
