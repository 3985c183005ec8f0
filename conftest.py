"""The shared actors every view test uses: a methodologist, staff of organization A,
staff of organization B and an anonymous visitor (healthchecks' alice/bob/charlie)."""

import os
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
from django.test import Client
from django.utils.crypto import get_random_string

from tests.factories import OrganizationFactory, methodologist, staff_of

REQUIRE_SERVICES = os.environ.get("GOVPUBLIC_REQUIRE_SERVICES") == "1"


def service_unavailable(reason: str) -> None:
    """Skip a service test, or fail it when CI says the services are there."""
    if REQUIRE_SERVICES:
        pytest.fail(f"required service unavailable: {reason}")
    pytest.skip(f"service unavailable: {reason}")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2 at production strength costs a third of a second per user; tests make many."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Actors:
    org_a: object
    org_b: object
    methodologist: object
    staff_a: object
    staff_b: object

    def client_for(self, user) -> Client:
        """A browser logged in as `user`, with the CSRF cookie the login form leaves (the pages
        kept whole for their reader, reports.cache, are kept only for a browser that has one)."""
        client = Client()
        if user is not None:
            client.force_login(user)
            client.cookies[settings.CSRF_COOKIE_NAME] = get_random_string(CSRF_SECRET_LENGTH, CSRF_ALLOWED_CHARS)
        return client


@pytest.fixture
def actors(db, settings, tmp_path) -> Actors:
    settings.MEDIA_ROOT = tmp_path / "media"
    org_a = OrganizationFactory(short_name="СОШ №9")
    org_b = OrganizationFactory(short_name="д/с №10", kind="kindergarten")
    return Actors(
        org_a=org_a,
        org_b=org_b,
        methodologist=methodologist(username="metodist"),
        staff_a=staff_of(org_a, username="staff_a"),
        staff_b=staff_of(org_b, username="staff_b"),
    )


@pytest.fixture(autouse=True)
def _fresh_rate_limiters():
    """The sweep keeps one limiter per process (and with it any parked daily quota);
    each test starts with none, as a fresh process would."""
    from monitoring import sweep

    sweep._limiters.clear()
    yield
    sweep._limiters.clear()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with nothing kept from another's pages (reports.cache), as after a deploy."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
