"""Shared pieces of the sweep's integration tests: a small world of two schools served by
the simulator over real HTTP, settings that point the sweep at it, and a way to run the
`sweep` command and get its run back.

Nothing here stands in for our own code: the simulator is the outside world's edge, and
every test drives the real pipeline through `manage.py sweep` or the views.
"""

from __future__ import annotations

import copy
import io
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.management import CommandError, call_command
from django.utils import timezone

from monitoring.models import PageState, SweepRun
from organizations.links import parse_page_link
from organizations.models import OfficialPage, Organization
from organizations.services import page_set
from tests.factories import OrganizationFactory

# Secrets that look like real ones, so a leak would be visible in any message.
VK_TOKEN = "vk1.a.SWEEPtokenSECRETaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
OK_APP_KEY = "CBASWEEPAPPKEY"
OK_SECRET_KEY = "SWEEPsecretKEY0123456789ABCDEF"
OK_ACCESS_TOKEN = "tkn1SWEEPaccessTOKENbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
FAST_RATE = 50  # where a test is not about the rate limit
CYRILLIC = re.compile(r"[А-Яа-яЁё]")

SCHOOL_VK, NEIGHBOUR_VK = 101, 102
SCHOOL_OK, NEIGHBOUR_OK = "5101", "5102"
PERSON_VK = 123
PERSON_OK = "600"
WINDOW_POSTS_VK = 16  # four weeks of four
HISTORY_VK = 30
WINDOW_POSTS_OK = 12  # four weeks of three
HISTORY_OK = 20


def point_settings(settings, simulator, *, rate: int = FAST_RATE, **overrides: Any) -> None:
    """Every API setting of DESIGN §5 aimed at `simulator`, with an in-process limiter."""
    values = {
        "VK_API_URL": simulator.url_vk,
        "VK_API_VERSION": "5.199",
        "VK_ACCESS_TOKENS": [VK_TOKEN],
        "VK_TOKEN_TYPE": "service",
        "VK_RATE_LIMIT": f"{rate}/second",
        "OK_API_URL": simulator.url_ok,
        "OK_APPLICATION_KEY": OK_APP_KEY,
        "OK_APPLICATION_SECRET_KEY": OK_SECRET_KEY,
        "OK_ACCESS_TOKEN": OK_ACCESS_TOKEN,
        "OK_RATE_LIMIT": f"{rate}/second",
        "RATE_LIMIT_STORAGE_URL": "",
        "API_TIMEOUT_SECONDS": 5,
        "API_RETRY_BACKOFF_SECONDS": 0.01,
        "CELERY_BROKER_URL": "",
    }
    values.update(overrides)
    for name, value in values.items():
        setattr(settings, name, value)


def vk_school(gid: int, name: str, *, mark: Any = True, wall: int = 1, per_week=(4, 4, 4, 4)) -> dict[str, Any]:
    """A VK community with everything the briefing asks for, and a regular wall."""
    group: dict[str, Any] = {
        "id": gid,
        "name": name,
        "type": "group",
        "is_closed": 0,
        "description": f"Официальная страница: {name}.",
        "site": f"https://school{gid}.example.ru",
        "contacts": [{"user_id": 900 + gid, "desc": "Приёмная", "email": f"school{gid}@example.ru",
                      "phone": "+7 (861) 000-00-01"}],
        "addresses": {"is_enabled": True, "main_address": {"address": "ст. Кущёвская, ул. Школьная, 5"}},
        "members_count": 300,
        "wall": wall,
        "post_series": [
            {"text": "Новости школы ({n}) #школа", "attachments": ["photo"], "per_week": list(per_week)},
            {"text": "Архив ({n})", "count": HISTORY_VK, "start_days_ago": 40, "every_days": 2},
        ],
    }
    if mark is not None:
        group["is_government_organization"] = mark
    return group


def ok_school(uid: str, name: str, *, mark: Any = True, per_week=(3, 3, 3, 3)) -> dict[str, Any]:
    group: dict[str, Any] = {
        "uid": uid,
        "name": name,
        "access_type": "OPEN",
        "description": f"Официальная группа: {name}. Пишите: school{uid}@example.ru",
        "address": "ст. Кущёвская, ул. Школьная, 5",
        "phone": "+7 861 000-00-01",
        "homepage_url": f"https://school{uid}.example.ru",
        "members_count": 120,
        "topic_series": [
            {"text": "Новости ({n})", "attachments": ["photo"], "per_week": list(per_week)},
            {"text": "Архив ({n})", "count": HISTORY_OK, "start_days_ago": 40, "every_days": 2},
        ],
    }
    if mark is not None:
        group["gos_org"] = mark
    return group


def world_scenario(now: datetime | None = None, *, rate: int = FAST_RATE) -> dict[str, Any]:
    """Two schools on both networks, a personal VK profile and a personal OK profile."""
    now = now or timezone.now()
    return {
        "now": now.isoformat(),
        "vk": {
            "tokens": {VK_TOKEN: "service"},
            "requests_per_second": rate,
            "wall_get_daily_limit": None,
            "groups": [vk_school(SCHOOL_VK, "МБОУ СОШ №101"), vk_school(NEIGHBOUR_VK, "МБОУ СОШ №102", wall=2)],
            "users": [{"id": PERSON_VK, "screen_name": "ivan.petrov.school", "first_name": "Сотрудник",
                       "last_name": "Школы"}],
        },
        "ok": {
            "applications": [{"application_key": OK_APP_KEY, "application_secret_key": OK_SECRET_KEY,
                              "access_tokens": [OK_ACCESS_TOKEN]}],
            "requests_per_second": rate,
            "groups": [ok_school(SCHOOL_OK, "МБОУ СОШ №101"), ok_school(NEIGHBOUR_OK, "МБОУ СОШ №102")],
            "profiles": [{"uid": PERSON_OK, "shortname": "petrova.school"}],
        },
        "faults": [],
    }


def register(organization: Organization, network: str, link: str) -> OfficialPage:
    return page_set(organization=organization, network=network, link=parse_page_link(network, link))


@dataclass
class World:
    """The registry side of `world_scenario`: two organizations with both pages each."""

    scenario: dict[str, Any]
    school: Organization
    neighbour: Organization
    pages: dict[str, OfficialPage] = field(default_factory=dict)

    def scenario_copy(self) -> dict[str, Any]:
        return copy.deepcopy(self.scenario)

    def state(self, key: str) -> PageState:
        return PageState.objects.get(page=self.pages[key])


def make_world(now: datetime | None = None) -> World:
    school = OrganizationFactory(short_name="СОШ №101", name="МБОУ СОШ №101")
    neighbour = OrganizationFactory(short_name="СОШ №102", name="МБОУ СОШ №102")
    world = World(world_scenario(now), school, neighbour)
    world.pages = {
        "school_vk": register(school, "vk", f"https://vk.com/club{SCHOOL_VK}"),
        "school_ok": register(school, "ok", f"https://ok.ru/group/{SCHOOL_OK}"),
        "neighbour_vk": register(neighbour, "vk", f"https://vk.com/club{NEIGHBOUR_VK}"),
        "neighbour_ok": register(neighbour, "ok", f"https://ok.ru/group/{NEIGHBOUR_OK}"),
    }
    return world


def run_sweep(*args: str) -> SweepRun:
    """`manage.py sweep` as an operator runs it; returns the run it made."""
    call_command("sweep", *args, stdout=io.StringIO(), stderr=io.StringIO())
    return SweepRun.objects.order_by("-pk").first()


def sweep_exit_code(*args: str) -> int:
    """The exit code `manage.py sweep` would end with (CommandError carries it)."""
    try:
        call_command("sweep", *args, stdout=io.StringIO(), stderr=io.StringIO())
    except CommandError as error:
        return error.returncode
    return 0


def post_items(simulator, network: str | None = None) -> int:
    """Posts and topics the simulator sent back (wall.get, execute, mediatopic.getTopics)."""
    methods = {"wall.get", "execute", "mediatopic.getTopics"}
    return sum(r.items for r in simulator.requests(network) if r.method in methods)
