"""The demo district swept through the simulator over real HTTP, as `make run` does:
the briefing's picture comes out exactly, the automatic checklist items follow it, and a
second night with nothing new costs a fraction of the first and changes no verdict."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from checklist.models import ChecklistEntry, Verdict
from monitoring.demo import build_scenario, demo_settings
from monitoring.models import ChangeEvent, PagePost, PageState, SweepRun
from monitoring.tests.sweeping import CYRILLIC, FAST_RATE, post_items, run_sweep
from organizations.demo_facts import OK_MARKED_TOTAL, ORGANIZATIONS_TOTAL, VK_IRREGULAR
from organizations.models import OfficialPage, Organization
from tests.services.briefing import briefing_picture

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo_now():
    return timezone.now()


@pytest.fixture
def demo(db, settings, run_simulator, demo_now):
    """The demo registry; `demo(rate)` starts the simulator serving the demo scenario."""
    call_command("demo_setup", stdout=io.StringIO())

    def start(rate: int = FAST_RATE):
        scenario = build_scenario(now=demo_now)
        scenario["vk"]["requests_per_second"] = scenario["ok"]["requests_per_second"] = rate
        simulator = run_simulator(scenario, own_process=True)  # its per-second counts are checked
        for name, value in demo_settings(simulator.url_vk, simulator.url_ok, simulator.url_max).items():
            setattr(settings, name, value)
        settings.VK_RATE_LIMIT = settings.OK_RATE_LIMIT = f"{rate}/second"
        settings.RATE_LIMIT_STORAGE_URL = ""
        settings.API_RETRY_BACKOFF_SECONDS = 0.01
        return simulator

    return start


def test_the_demo_sweep_shows_the_briefings_picture_in_pages_and_checklist(demo):
    simulator = demo(FAST_RATE)

    run = run_sweep()

    assert run.status == SweepRun.Status.FINISHED
    max_channels = OfficialPage.objects.filter(network="max").count()
    assert 30 <= max_channels <= 36  # about two thirds of the district registered a MAX channel
    assert run.pages_done == run.pages_total == OfficialPage.objects.count() == 2 * ORGANIZATIONS_TOTAL + max_channels
    assert run.faults == 0 and run.config_errors == {}
    # MAX read through the district bot: a channel without the bot says so, none is judged by a fault.
    max_states = PageState.objects.filter(page__network="max")
    assert max_states.count() == max_channels
    bot_missing = [state for state in max_states if state.verdict.get("error") == "бот района не добавлен в канал администратором"]
    assert len(bot_missing) == 4 and all(state.status in ("unknown", "fail") for state in bot_missing)
    assert max_states.filter(status="ok").count() >= 15  # the rest: no bot, private, irregular, contacts missing
    picture = briefing_picture()
    assert picture["errors"] == []
    assert picture["vk_marks"] == ORGANIZATIONS_TOTAL == 52
    assert picture["ok_marks"] == OK_MARKED_TOTAL == 23
    assert picture["vk_irregular"] == VK_IRREGULAR and len(VK_IRREGULAR) == 16
    all_names = set(Organization.objects.values_list("short_name", flat=True))
    assert picture["vk_regular"] == all_names - VK_IRREGULAR
    assert len(picture["vk_regular"]) == 36
    assert picture["few_posts"] == {"СОШ №26"}
    assert picture["personal_reposts"] == {"СОШ №6"}
    assert picture["posts_by_others"] == {"д/с №10"}

    vk_mark = ChecklistEntry.objects.filter(item__code="vk_gov_mark")
    assert vk_mark.count() == ORGANIZATIONS_TOTAL
    assert set(vk_mark.values_list("verdict", flat=True)) == {Verdict.COMPLIANT}
    ok_mark = ChecklistEntry.objects.filter(item__code="ok_gov_mark")
    assert ok_mark.filter(verdict=Verdict.COMPLIANT).count() == 23
    unmarked = ok_mark.filter(verdict=Verdict.NON_COMPLIANT)
    assert unmarked.count() == 29
    for entry in unmarked:
        assert CYRILLIC.search(entry.verdict_note) and "Госорганизация" in entry.verdict_note, entry.verdict_note
    few = ChecklistEntry.objects.get(item__code="min_two_posts", organization__short_name="СОШ №26")
    assert few.verdict == Verdict.NON_COMPLIANT
    regular = ChecklistEntry.objects.filter(item__code="regular_posting", verdict=Verdict.COMPLIANT)
    # Regular on VK is not enough: the item fails when either network is irregular.
    assert not set(regular.values_list("organization__short_name", flat=True)) & VK_IRREGULAR
    by_others = ChecklistEntry.objects.get(item__code="posts_from_community", organization__short_name="д/с №10")
    assert by_others.verdict == Verdict.NON_COMPLIANT
    reposts = ChecklistEntry.objects.get(item__code="posts_from_community", organization__short_name="СОШ №6")
    assert reposts.verdict == Verdict.NON_COMPLIANT and "личных" in reposts.verdict_note
    assert not ChecklistEntry.objects.filter(item__mode="automatic", verdict=Verdict.UNKNOWN).exists()

    # The limiter kept every token under its rate, as the API counts it: on arrival.
    for network in ("vk", "ok"):
        assert 0 < simulator.max_per_window(network) <= FAST_RATE, network


def test_a_second_night_with_no_new_posts_transfers_a_tenth_and_changes_no_verdict(demo):
    simulator = demo(4 * FAST_RATE)  # not about the rate: a quicker pair of nights
    first = run_sweep()
    first_items = post_items(simulator)
    first_verdicts = dict(PageState.objects.values_list("page_id", "verdict"))
    posts_before = PagePost.objects.count()
    simulator.clear_log()

    second = run_sweep()

    assert second.pk != first.pk and second.faults == 0
    second_items = post_items(simulator)
    assert first_items > 0
    assert second_items <= first_items * 0.1, (first_items, second_items)
    assert dict(PageState.objects.values_list("page_id", "verdict")) == first_verdicts
    assert PagePost.objects.count() == posts_before
    assert not ChangeEvent.objects.filter(run=second).exists()


def test_the_demo_shows_answered_and_waiting_comments_and_a_spread_of_audiences(demo):
    demo(FAST_RATE)

    run_sweep()

    vk = [state.verdict for state in PageState.objects.filter(page__network="vk")]
    waiting = [v for v in vk if v.get("comments_unanswered")]
    answered = [v for v in vk if v.get("comments_answered_share") == 1.0]
    assert 3 <= len(waiting) <= 8  # a handful of walls where a parent waits for days
    assert len(answered) >= 5  # and walls where every question got an answer
    shares = {v["audience_share"] for v in vk if v.get("audience_share") is not None}
    assert len(shares) >= 20 and sum(v.get("audience_share") is None for v in vk) == 3  # three did not state theirs
    assert len({v["engagement_rate"] for v in vk}) >= 20
