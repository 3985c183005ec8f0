"""Fixtures for the API clients and the simulator: a running simulator over real HTTP.

The scenario's clock is fixed (``NOW``) so relative post dates are the same on
every run; tokens look like real ones so a leak would be visible in any message.
"""

from __future__ import annotations

import copy
import os
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import Any

import pytest

from monitoring.clients import RateLimiter
from monitoring.networks.ok.client import OkClient
from monitoring.networks.vk.client import VkClient
from monitoring.simulator import SimulatorHandle, SimulatorProcess, start_simulator

NOW = datetime(2025, 3, 12, 6, 0, tzinfo=timezone.utc)  # a Wednesday, 09:00 in Moscow

VK_SERVICE_TOKEN = "vk1.a.SERVICEtokenSECRETaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1"
VK_USER_TOKEN = "vk1.a.USERtokenSECRETbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb2"
VK_COMMUNITY_TOKEN = "vk1.a.COMMUNITYtokenSECRETcccccccccccccccccccccccccccccc3"
OK_APP_KEY = "CBAFJIICABABABABA"
OK_SECRET_KEY = "0A1B2C3D4E5F6A7B8C9D0E1F2A3B4C5D"
OK_ACCESS_TOKEN = "tkn1OKaccessTOKENsecretddddddddddddddddddddddddddddd4"
OK_EXPIRED_TOKEN = "tkn1OKexpiredTOKENeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee5"
SECRETS = (VK_SERVICE_TOKEN, VK_USER_TOKEN, VK_COMMUNITY_TOKEN, OK_SECRET_KEY, OK_ACCESS_TOKEN)

FAST_BACKOFF = 0.01
# A slow answer on a loaded machine must not become a transport fault that changes what a test
# counts; the tests of timeouts pass their own, short one.
CLIENT_TIMEOUT = 10.0


def no_wait(seconds: float) -> None:
    """A client's `sleep` where a test needs no real pause (rate waits are a second each)."""


def base_scenario() -> dict[str, Any]:
    """A small world: one full school community, a personal profile, one OK group."""
    return {
        "now": NOW.isoformat(),
        "vk": {
            "tokens": {VK_SERVICE_TOKEN: "service", VK_USER_TOKEN: "user", VK_COMMUNITY_TOKEN: "community"},
            "requests_per_second": None,
            "wall_get_daily_limit": None,
            "groups": [
                {
                    "id": 5,
                    "screen_name": "school5",
                    "name": " МБОУ СОШ №5 ",
                    "type": "group",
                    "description": "Официальная страница школы №5",
                    "site": "https://school5.example.ru",
                    "links": [{"id": 1, "url": "https://vk.com/uo_district"}, {"id": 2, "url": "https://school5.example.ru/news"}],
                    "contacts": [
                        {"user_id": 77, "desc": "Директор", "email": "school5@example.ru", "phone": "+7 (861) 000-00-01"},
                        {"user_id": 78, "desc": "Секретарь"},
                    ],
                    "addresses": {"is_enabled": True, "main_address_id": 1,
                                  "main_address": {"id": 1, "address": "ул. Школьная, 5", "phone": "8 861 000-00-02"}},
                    "phone": "+7 861 000-00-03",
                    "members_count": 321,
                    "verified": 0,
                    "wall": 1,
                    "is_government_organization": True,
                    "trust_mark": 1,
                    "posts": [],
                },
            ],
            "users": [{"id": 77, "screen_name": "ivan.petrov", "first_name": "Иван", "last_name": "Петров"}],
        },
        "ok": {
            "applications": [{
                "application_key": OK_APP_KEY,
                "application_secret_key": OK_SECRET_KEY,
                "access_tokens": [OK_ACCESS_TOKEN],
                "expired_tokens": [OK_EXPIRED_TOKEN],
            }],
            "groups": [
                {
                    "uid": "5100",
                    "shortname": "school5",
                    "name": "МБОУ СОШ №5",
                    "description": "Официальная группа школы",
                    "address": "ул. Школьная, 5",
                    "phone": "+7 861 000-00-03",
                    "homepage_url": "https://school5.example.ru",
                    "access_type": "OPEN",
                    "gos_org": True,
                    "admin_id": "600",
                    "members_count": 120,
                },
            ],
            "profiles": [{"uid": "600", "shortname": "ivan.petrov"}],
        },
        "faults": [],
    }


@pytest.fixture
def scenario() -> dict[str, Any]:
    """A fresh copy of the base scenario for the test to edit before starting."""
    return copy.deepcopy(base_scenario())


@pytest.fixture
def run_simulator() -> Iterator[Callable[..., SimulatorHandle | SimulatorProcess]]:
    """Start simulators on free ports; all are stopped after the test. `own_process=True`
    for tests of what the server counts per second: a simulator in this process stamps an
    arrival when its thread gets the interpreter lock, which the sweep's threads also want."""
    handles: list[SimulatorHandle | SimulatorProcess] = []

    def start(scenario: dict[str, Any], *, own_process: bool = False) -> SimulatorHandle | SimulatorProcess:
        handle = SimulatorProcess(scenario) if own_process else start_simulator(scenario)
        handles.append(handle)
        return handle

    yield start
    for handle in handles:
        handle.stop()


@pytest.fixture
def fast_limiter() -> RateLimiter:
    """Generous enough not to slow tests that are not about the limit."""
    return RateLimiter("50/second")


@pytest.fixture
def vk_client(fast_limiter: RateLimiter) -> Callable[..., VkClient]:
    def make(handle: SimulatorHandle, **kwargs: Any) -> VkClient:
        options: dict[str, Any] = {
            "version": "5.199", "token": VK_SERVICE_TOKEN, "token_type": "service",
            "limiter": fast_limiter, "backoff": FAST_BACKOFF, "timeout": CLIENT_TIMEOUT,
        }
        options.update(kwargs)
        return VkClient(handle.url_vk, **options)

    return make


@pytest.fixture
def ok_client(fast_limiter: RateLimiter) -> Callable[..., OkClient]:
    def make(handle: SimulatorHandle, **kwargs: Any) -> OkClient:
        options: dict[str, Any] = {
            "application_key": OK_APP_KEY, "application_secret_key": OK_SECRET_KEY,
            "access_token": OK_ACCESS_TOKEN, "limiter": fast_limiter, "backoff": FAST_BACKOFF,
            "timeout": CLIENT_TIMEOUT,
        }
        options.update(kwargs)
        return OkClient(handle.url_ok, **options)

    return make


@pytest.fixture
def redis_url() -> str:
    """Redis at 127.0.0.1:6379, or a skip (a failure with GOVPUBLIC_REQUIRE_SERVICES=1)."""
    url = os.environ.get("GOVPUBLIC_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception as exc:  # noqa: BLE001 (any failure means "no Redis here")
        if os.environ.get("GOVPUBLIC_REQUIRE_SERVICES") == "1":
            pytest.fail(f"Redis is required (GOVPUBLIC_REQUIRE_SERVICES=1) but unreachable at {url}: {exc}")
        pytest.skip(f"Redis unreachable at {url}: {exc}")
    return url


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test run alone; its keys are deleted afterwards."""
    import redis

    prefix = f"govpublic-test-{uuid.uuid4().hex}"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)
