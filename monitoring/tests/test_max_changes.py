"""A MAX channel's change signals (DESIGN §3.3, §3.5): renamed, description changed, closed,
deactivated and bot removed, each seen by two sweeps of `manage.py sweep` through the
simulator over real HTTP, in a channel's words, and never on the first sweep."""

from __future__ import annotations

import copy

import pytest

from monitoring.changes import detect_changes
from monitoring.models import ChangeEvent
from monitoring.tests.sweeping import point_settings, register, run_sweep, world_scenario
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

BOT_TOKEN = "f9LHodD0cOKx-CHANGESbotTOKEN-0123456789abcdef"
CHAT_ID = -70000000000101


def channel(**fields) -> dict:
    return {
        "chat_id": CHAT_ID,
        "name": "sosh101_gos",
        "title": "МБОУ СОШ №101",
        "description": "Официальный канал школы. 353020, ул. Школьная, 5; +7 861 000-00-01; "
                       "school101@example.ru; https://school101.example.ru",
        "participants_count": 240,
        "message_series": [{"text": "Новости школы ({n})", "per_week": [3, 3, 3, 3]}],
        **fields,
    }


@pytest.fixture
def night(settings, run_simulator):
    """One sweep of a school's MAX channel; `night(**changes)` sweeps again with the channel
    changed and returns the kinds of the events the second sweep wrote."""
    school = OrganizationFactory(short_name="СОШ №101", name="МБОУ СОШ №101")
    page = register(school, "max", "https://max.ru/sosh101_gos")
    base = world_scenario()
    base["vk"]["groups"], base["ok"]["groups"] = [], []
    base["max"] = {"tokens": [BOT_TOKEN], "channels": [channel()]}

    def sweep(**changes) -> dict[str, ChangeEvent]:
        scenario = copy.deepcopy(base)
        scenario["max"]["channels"] = [channel(**changes)]
        simulator = run_simulator(scenario)
        point_settings(settings, simulator, MAX_API_URL=simulator.url_max, MAX_BOT_TOKEN=BOT_TOKEN,
                       MAX_RATE_LIMIT="50/second")
        run = run_sweep("--network", "max")
        return {event.kind: event for event in ChangeEvent.objects.filter(run=run, page=page)}

    assert sweep() == {}  # the first sweep has nothing to compare with
    return sweep


def test_a_renamed_channel_is_an_event_in_a_channels_words(night):
    events = night(title="Школа №101 — новости")

    assert set(events) == {"renamed"}
    assert events["renamed"].message == "Изменено название канала: «МБОУ СОШ №101» → «Школа №101 — новости»."
    assert events["renamed"].severity == "info"  # MAX has no mark that a rename could cost


def test_a_changed_description_is_an_event(night):
    events = night(description="Канал школы №101.")

    assert set(events) == {"description_changed"}
    assert events["description_changed"].message == "Изменено описание канала."


def test_a_channel_made_private_is_no_longer_found_by_its_link(night):
    # A private channel is no longer found by its public name: the link leads nowhere (§3.5).
    events = night(is_public=False, invite_link="https://max.ru/join/AbCdEf123")

    assert set(events) == {"deactivated"}
    assert events["deactivated"].severity == "critical"
    assert "ссылка больше не ведёт на канал" in events["deactivated"].message


def test_a_removed_bot_is_an_event_that_says_how_to_fix_it(night):
    events = night(bot="removed")

    assert set(events) == {"bot_removed"}
    assert events["bot_removed"].severity == "warning"
    assert events["bot_removed"].message.startswith("Бот района больше не администратор канала")


def test_a_channel_that_was_without_the_bot_and_still_is_raises_nothing(night):
    night(bot="removed")

    assert night(bot="removed") == {}


def test_a_group_chat_in_place_of_the_channel_raises_no_false_changes(night):
    events = night(type="chat", title="Чат родителей")

    assert "renamed" not in events and "bot_removed" not in events


def test_a_channel_the_api_still_serves_but_no_longer_public_is_closed_in_a_channels_words():
    # Another server may answer the public name with `is_public: false` (§3.5 closed).
    before = {"is_community": True, "closed": False, "deactivated": False, "weekly_posts": [], "error": None}
    after = {**before, "closed": True, "weekly_posts": None}

    [change] = detect_changes(None, None, before, after, network="max")

    assert (change.kind, change.severity) == ("closed", "critical")
    assert change.message == "Канал стал закрытым: официальный канал должен быть публичным."
