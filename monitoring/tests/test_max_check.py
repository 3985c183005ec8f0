"""«Проверить канал» (issue 12, item 3): staff who have just added the district bot to their
MAX channel read it now, from the organization page, and see the new verdict there; nobody
else's channel can be read that way."""

from __future__ import annotations

import copy
import re
from html import unescape

import pytest
from django.urls import reverse

from monitoring.models import PageState, SweepRun
from monitoring.tests.sweeping import point_settings, register, world_scenario

pytestmark = pytest.mark.django_db

BOT_TOKEN = "f9LHodD0cOKx-CHECKbotTOKEN-0123456789abcdef"
CHANNEL = {
    "chat_id": -70000000000009,
    "name": "sosh9_gos",
    "title": "МБОУ СОШ №9",
    "description": "Официальный канал. 353020, ул. Школьная, 9; +7 861 000-00-09; sosh9@example.ru; "
                   "https://sosh9.example.ru",
    "message_series": [{"text": "Новости ({n})", "per_week": [3, 3, 3, 3]}],
}


@pytest.fixture
def serve(actors, settings, run_simulator):
    """The school's channel served with the bot in the given role; returns the actors."""
    register(actors.org_a, "max", "https://max.ru/sosh9_gos")
    base = world_scenario()
    base["vk"]["groups"], base["ok"]["groups"] = [], []

    def with_bot(role: str | None):
        scenario = copy.deepcopy(base)
        scenario["max"] = {"tokens": [BOT_TOKEN], "channels": [{**CHANNEL, "bot": role}]}
        simulator = run_simulator(scenario)
        point_settings(settings, simulator, MAX_API_URL=simulator.url_max, MAX_BOT_TOKEN=BOT_TOKEN,
                       MAX_RATE_LIMIT="50/second")
        return simulator

    return with_bot


def press(client, organization) -> str:
    response = client.post(reverse("channel-check", args=[organization.pk]), follow=True)
    assert response.status_code == 200
    return unescape(response.content.decode())


def test_staff_see_the_bot_missing_then_the_channel_read_once_the_bot_is_added(actors, serve):
    client = actors.client_for(actors.staff_a)
    serve(None)

    page = press(client, actors.org_a)

    assert "Канал проверен: нет данных. бот района не добавлен в канал администратором" in page
    serve("admin")

    page = press(client, actors.org_a)

    assert "Канал проверен: в порядке." in page
    state = PageState.objects.get(page__organization=actors.org_a, page__network="max")
    assert state.status == "ok" and state.verdict["weekly_posts"] == [
        {"week_start": week["week_start"], "posts": 3} for week in state.verdict["weekly_posts"]
    ]
    run = SweepRun.objects.order_by("-pk").first()
    assert (run.networks, run.organization_ids, run.started_by) == (["max"], [actors.org_a.pk], actors.staff_a)


def test_a_check_reads_only_that_channel(actors, serve):
    register(actors.org_b, "max", "https://max.ru/ds10_gos")
    simulator = serve("admin")

    press(actors.client_for(actors.staff_a), actors.org_a)

    assert len(simulator.requests("max", "getChatByLink")) == 1  # the neighbour's channel waits for the night
    assert PageState.objects.filter(page__network="max").count() == 1


def test_staff_cannot_check_another_organizations_channel(actors, serve):
    serve("admin")

    response = actors.client_for(actors.staff_b).post(reverse("channel-check", args=[actors.org_a.pk]))

    assert response.status_code == 404
    assert not SweepRun.objects.exists()


def test_the_methodologist_may_check_a_schools_channel(actors, serve):
    serve("admin")

    assert "Канал проверен: в порядке." in press(actors.client_for(actors.methodologist), actors.org_a)


def test_without_a_bot_token_the_check_says_why_and_reads_nothing(actors, serve, settings):
    serve("admin")
    settings.MAX_BOT_TOKEN = ""

    page = press(actors.client_for(actors.staff_a), actors.org_a)

    assert "Каналы MAX не проверяются: в портале не задан токен бота района." in page
    assert not SweepRun.objects.exists()


def test_a_check_is_a_post_only(actors, serve):
    serve("admin")

    response = actors.client_for(actors.staff_a).get(reverse("channel-check", args=[actors.org_a.pk]))

    assert response.status_code == 405


def test_the_organization_page_shows_the_three_steps_and_the_button_while_the_bot_is_missing(actors, serve):
    client = actors.client_for(actors.staff_a)
    serve(None)
    press(client, actors.org_a)

    page = unescape(client.get(reverse("organization-detail", args=[actors.org_a.pk])).content.decode())

    assert "Как добавить бота района в канал — три шага:" in page
    assert page.count("data-channel-check") == 1
    serve("admin")
    press(client, actors.org_a)

    page = unescape(client.get(reverse("organization-detail", args=[actors.org_a.pk])).content.decode())

    assert "три шага" not in page and "data-channel-check" in page


def test_what_to_fix_speaks_of_the_channel_and_is_advice_while_max_is_not_required(actors, serve):
    client = actors.client_for(actors.staff_a)
    serve(None)
    press(client, actors.org_a)

    page = unescape(client.get(reverse("organization-detail", args=[actors.org_a.pk])).content.decode())

    todo = re.search(r'<li[^>]*data-todo="(\w+)"[^>]*>\s*<div><strong>MAX: бот района[^<]*</strong><br><span class="small">([^<]*)', page)
    assert todo and todo.groups() == ("unknown", "Три шага — в карточке MAX ниже.")


def test_a_channel_not_found_is_advice_unless_the_district_requires_max(actors, serve):
    from monitoring.models import RuleSettings

    client = actors.client_for(actors.staff_a)
    serve("admin")
    register(actors.org_a, "max", "https://max.ru/nosuch_gos")
    press(client, actors.org_a)

    def todo() -> str:
        page = unescape(client.get(reverse("organization-detail", args=[actors.org_a.pk])).content.decode())
        return re.search(r'data-todo="(\w+)"[^>]*>\s*<div><strong>MAX: канал не найден по ссылке или не публичный.', page).group(1)

    assert todo() == "warning"
    RuleSettings.objects.update_or_create(pk=RuleSettings.load().pk, defaults={"max_required": True})

    assert todo() == "fail"


def test_the_steps_name_the_bot_as_max_knows_it(actors, serve):
    client = actors.client_for(actors.staff_a)
    serve(None)
    press(client, actors.org_a)

    page = unescape(client.get(reverse("organization-detail", args=[actors.org_a.pk])).content.decode())

    assert "найдите бота @district_bot и добавьте его" in re.sub(r"<[^>]+>", "", page)


def test_a_night_does_not_ask_again_a_channel_that_refused_the_bot_until_the_bot_is_added(actors, serve):
    from monitoring.tests.sweeping import run_sweep

    serve(None)
    run_sweep("--network", "max")
    simulator = serve(None)

    run_sweep("--network", "max")

    assert len(simulator.requests("max", "getMessages")) == 0  # MAX said 403 last night: nothing new to ask
    assert PageState.objects.get(page__network="max").verdict["error"] == "бот района не добавлен в канал администратором"
    simulator = serve("admin")
    chat_id = CHANNEL["chat_id"]
    simulator.max_push({"update_type": "bot_added", "chat_id": chat_id, "is_channel": True, "user": {"user_id": 1}})

    run_sweep("--network", "max")  # its start takes the bot_added event from /updates

    assert len(simulator.requests("max", "getMessages")) == 1
    assert PageState.objects.get(page__network="max").status == "ok"
