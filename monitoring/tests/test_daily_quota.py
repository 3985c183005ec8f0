"""The day's VK wall.get quota (DESIGN §8, reference §1.2): a registry that needs more calls
than the tokens' day allows is spread over several nights — never-read pages first, then
flagged ones, then the longest unread — and the rest wait, said plainly on the sweep page, in
`manage.py sweep` and on the dashboard.

Every night runs the real pipeline (`manage.py sweep`) against the simulator over HTTP; the
simulator enforces the same daily quota per token and per Moscow day, and "now" moves from
night to night with time-machine, so the simulator's day turns over with the portal's.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from monitoring.models import PageState, Snapshot, SweepBatch, SweepRun
from monitoring.rules import MOSCOW
from monitoring.simulator import token_hash
from monitoring.sweep import DAILY_PLAN_SHARE, sweep_run_inline, sweep_start
from monitoring.tests.sweeping import point_settings, register, vk_school, world_scenario
from organizations.models import OfficialPage, Organization
from tests.factories import OrganizationFactory, methodologist

pytestmark = pytest.mark.django_db

TOKEN_A = "vk1.a.QUOTAtokenSECRETaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
TOKEN_B = "vk1.a.QUOTAtokenSECRETbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
PAGES = 30
QUOTA = 10  # wall.get calls per token per day, in the settings and in the simulator alike
BIG_QUOTA = 5000
FIRST_GID = 1000
# A Monday at the nightly hour; the following nights stay in the same week, so the window
# (and with it every verdict) is the same each night.
NIGHT = datetime(2025, 3, 10, 3, 0, tzinfo=MOSCOW)


def opens_to_others(index: int) -> bool:
    """Every third wall takes others' posts: such a page costs two wall.get calls."""
    return index % 3 == 0


@dataclass
class Registry:
    """Thirty schools, one VK community each, in registry (pk) order."""

    organizations: list[Organization]
    pages: list[OfficialPage]
    simulator: object = None
    log_mark: int = 0
    runs: list[SweepRun] = field(default_factory=list)

    def ids(self, numbers) -> set[int]:
        """Page ids by school number (1-based, registry order)."""
        return {self.pages[number - 1].pk for number in numbers}


def quota_scenario(*, tokens=(TOKEN_A, TOKEN_B), daily_limit: int | None = QUOTA, no_mark: tuple[int, ...] = ()) -> dict:
    scenario = world_scenario(NIGHT)
    scenario["vk"]["tokens"] = {token: "service" for token in tokens}
    scenario["vk"]["wall_get_daily_limit"] = daily_limit
    scenario["vk"]["users"] = []
    scenario["vk"]["groups"] = [
        vk_school(
            FIRST_GID + index, f"МБОУ СОШ №{index + 1}",
            wall=1 if opens_to_others(index) else 2,
            mark=False if index + 1 in no_mark else True,
        )
        for index in range(PAGES)
    ]
    return scenario


@pytest.fixture
def registry(db) -> Registry:
    organizations, pages = [], []
    for index in range(PAGES):
        organization = OrganizationFactory(short_name=f"СОШ №{index + 1}", name=f"МБОУ СОШ №{index + 1}")
        organizations.append(organization)
        pages.append(register(organization, "vk", f"https://vk.com/club{FIRST_GID + index}"))
    return Registry(organizations, pages)


@pytest.fixture
def connect(registry, settings, run_simulator):
    """Aim the sweep at a (new) simulator: `tokens` in the settings and the scenario alike."""

    def start(*, quota: int = QUOTA, daily_limit: int | None = QUOTA, tokens=(TOKEN_A, TOKEN_B), no_mark=()) -> Registry:
        registry.simulator = run_simulator(quota_scenario(tokens=tokens, daily_limit=daily_limit, no_mark=no_mark))
        registry.log_mark = 0
        point_settings(settings, registry.simulator, VK_ACCESS_TOKENS=list(tokens), VK_DAILY_WALL_CALLS=quota)
        return registry

    return start


def sweep_on(registry: Registry, day: int, *args: str, hours: int = 0) -> tuple[SweepRun, str, list]:
    """`manage.py sweep` on night `day` (0 = the first); the run, its output, its VK requests."""
    out = io.StringIO()
    with time_machine.travel(NIGHT + timedelta(days=day, hours=hours), tick=True):
        call_command("sweep", *args, stdout=out, stderr=io.StringIO())
    run = SweepRun.objects.order_by("-pk").first()
    registry.runs.append(run)
    return run, out.getvalue(), new_requests(registry)


def new_requests(registry: Registry) -> list:
    requests = registry.simulator.requests("vk")
    fresh, registry.log_mark = requests[registry.log_mark :], len(requests)
    return fresh


def read_in(run: SweepRun) -> set[int]:
    """Pages whose posts the run read."""
    return set(Snapshot.objects.filter(run=run, wall_read=True).values_list("page_id", flat=True))


def wall_calls_per_token(requests) -> Counter:
    return Counter(record.token for record in requests if record.method == "wall.get")


def assert_within_quota(requests, tokens=(TOKEN_A, TOKEN_B)) -> None:
    """One day's requests: the simulator never refused one (error 29), no token over its quota."""
    assert not [record for record in requests if record.outcome == "error:29"]
    assert all(record.outcome == "ok" for record in requests)
    per_token = wall_calls_per_token(requests)
    assert set(per_token) <= {token_hash(token) for token in tokens}
    assert max(per_token.values()) <= QUOTA
    assert sum(per_token.values()) <= len(tokens) * QUOTA * DAILY_PLAN_SHARE


# --- spreading over nights -----------------------------------------------------------------


def test_the_first_night_reads_only_what_the_days_quota_allows_and_defers_the_rest(connect):
    registry = connect()

    run, out, requests = sweep_on(registry, 0)

    assert_within_quota(requests)
    # 2 tokens × 10 calls × 0.9 = 18; a page never read is reckoned at 2 calls: nine pages.
    assert (run.pages_total, run.pages_done, run.pages_deferred, run.faults) == (9, 9, 21, 0)
    assert read_in(run) == registry.ids(range(1, 10))
    assert PageState.objects.exclude(wall_read_at=None).count() == 9
    assert "Проверка #%d: страниц — 9" % run.pk in out
    assert "Отложено до следующей ночи: 21 страница — не хватает дневного лимита VK." in out


def test_each_next_night_reads_the_pages_never_read_before_those_already_read(connect):
    registry = connect()
    reads = []

    for day in range(4):
        run, _out, requests = sweep_on(registry, day)
        assert_within_quota(requests)  # the simulator's day turned over with the portal's
        reads.append(read_in(run))

    first, second, third, fourth = reads
    assert second == registry.ids(range(10, 19)) and third == registry.ids(range(19, 28))
    assert not second & first and not third & (first | second)
    # The fourth night: the last three never read, then the longest unread (the first night's),
    # as far as the 18 calls go: 3 × 2 reckoned + the first night's nine at 12 calls.
    assert fourth == registry.ids([28, 29, 30]) | first
    assert registry.runs[-1].pages_deferred == PAGES - len(fourth)
    assert PageState.objects.filter(wall_read_at=None).count() == 0  # all thirty read in four nights


def test_a_flagged_page_is_read_before_an_older_page_that_was_fine(connect):
    # Night 0 reads all thirty with a big quota; school 30 has lost its state mark (fail).
    registry = connect(quota=BIG_QUOTA, daily_limit=None, no_mark=(30,))
    sweep_on(registry, 0)
    # Day 1: its page alone is read again, so it is the most recently read of all.
    sweep_on(registry, 1, "--org", "СОШ №30")
    flagged = PageState.objects.get(page=registry.pages[29])
    assert flagged.status == "fail"
    assert flagged.wall_read_at > PageState.objects.get(page=registry.pages[0]).wall_read_at
    assert set(PageState.objects.exclude(page=registry.pages[29]).values_list("status", flat=True)) == {"ok"}

    registry = connect(no_mark=(30,))  # the small quota again
    run, _out, requests = sweep_on(registry, 2)

    assert_within_quota(requests)
    read = read_in(run)
    assert registry.pages[29].pk in read
    # Then the longest unread, oldest first, as far as the 17 calls left go (every third costs 2).
    assert read == registry.ids([30, *range(1, 13)])
    assert run.pages_deferred == 17


def test_runs_earlier_the_same_day_leave_less_for_a_later_run(connect):
    registry = connect()
    _night, _out, night_requests = sweep_on(registry, 0)

    run, out, requests = sweep_on(registry, 0, hours=5)

    # The night read nine pages, three of them open to others: 12 calls of the 18 are spent.
    assert_within_quota(night_requests + requests)
    assert read_in(run) == registry.ids([10, 11, 12])
    assert (run.pages_total, run.pages_deferred) == (3, 27)
    assert "Отложено до следующей ночи: 27 страниц" in out


def test_proverit_seychas_may_use_the_reserve_the_night_leaves(connect):
    registry = connect()
    _night, _out, night_requests = sweep_on(registry, 0)

    with time_machine.travel(NIGHT + timedelta(hours=6), tick=True):
        run = sweep_run_inline(sweep_start(trigger=SweepRun.Trigger.MANUAL, user=methodologist(username="metodist"))[0])
    requests = new_requests(registry)

    # The whole day is 20 calls; the night spent 12, so eight are left: four never-read pages.
    assert not [record for record in night_requests + requests if record.outcome == "error:29"]
    assert max(wall_calls_per_token(night_requests + requests).values()) <= QUOTA
    assert read_in(run) == registry.ids([10, 11, 12, 13])
    assert run.pages_deferred == 26


# --- as before when it fits ----------------------------------------------------------------


def test_with_a_big_enough_quota_every_page_is_swept_as_before(connect):
    registry = connect(quota=BIG_QUOTA, daily_limit=BIG_QUOTA)

    run, out, requests = sweep_on(registry, 0)

    assert (run.pages_total, run.pages_done, run.pages_deferred, run.faults) == (PAGES, PAGES, 0, 0)
    assert read_in(run) == {page.pk for page in registry.pages}
    [batch] = SweepBatch.objects.filter(run=run, network="vk")
    assert batch.page_ids == [page.pk for page in registry.pages]  # registry order, as before
    assert sum(wall_calls_per_token(requests).values()) == PAGES + sum(map(opens_to_others, range(PAGES)))
    assert "Отложено" not in out


def test_a_single_vk_access_token_still_works(connect):
    registry = connect(tokens=(TOKEN_A,))

    run, out, requests = sweep_on(registry, 0)

    assert_within_quota(requests, tokens=(TOKEN_A,))
    assert set(wall_calls_per_token(requests)) == {token_hash(TOKEN_A)}
    assert read_in(run) == registry.ids([1, 2, 3, 4])  # 10 × 0.9 = 9 calls: four pages at 2
    assert run.pages_deferred == 26
    assert "Отложено до следующей ночи: 26 страниц — не хватает дневного лимита VK." in out


# --- what the portal says ------------------------------------------------------------------


def test_the_sweep_page_says_how_many_pages_were_deferred(connect, client):
    registry = connect()
    run, _out, _requests = sweep_on(registry, 0)
    client.force_login(methodologist(username="metodist"))

    text = client.get(reverse("sweep-detail", args=[run.pk])).content.decode()

    assert "Отложено до следующей ночи: 21 страница — не хватает дневного лимита VK." in text
    assert "9/9 · отложено 21" in text


def vk_cell_title(html: str, short_name: str) -> str:
    row = re.search(rf'<tr data-org="{re.escape(short_name)}">(.*?)</tr>', html, re.S).group(1)
    return re.search(r'title="([^"]*)" data-column="vk_page"', row).group(1)


def test_a_deferred_pages_dashboard_cell_says_its_data_are_stale_and_when_it_was_read(connect, client):
    registry = connect()
    sweep_on(registry, 0)  # reads schools 1–9
    sweep_on(registry, 1)  # reads 10–18; 1–9 and 19–30 wait
    client.force_login(methodologist(username="metodist"))

    html = client.get(reverse("dashboard")).content.decode()

    assert vk_cell_title(html, "СОШ №1") == "нет данных — данные устарели, проверено 10.03.2025 03:00"
    assert vk_cell_title(html, "СОШ №10").endswith("проверено 11.03.2025 03:00")
    assert "устарели" not in vk_cell_title(html, "СОШ №10")
    assert vk_cell_title(html, "СОШ №30").endswith("ещё не проверялась")
