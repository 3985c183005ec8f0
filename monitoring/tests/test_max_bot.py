"""The district bot (issue 12, item 4): a person binds their MAX account through a one-time deep
link and `bot_started`, events come by the webhook (only with the right secret) or by draining
`GET /updates`, and digests and alerts go to MAX too, each exactly once, even across a crash."""

from __future__ import annotations

import copy
import io
import json
import re
import uuid
from datetime import timedelta

import pytest
import responses
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from monitoring import notify
from monitoring.models import MaxAccount, MaxBotChat, MaxBotState, MaxLinkCode, Notification, SweepRun
from monitoring.networks.max.bot import bot_username, drain_updates, handle_update, link_code_create
from monitoring.notify import notify_run
from monitoring.tests.sweeping import SCHOOL_VK, point_settings, register, run_sweep, world_scenario

pytestmark = pytest.mark.django_db

BOT_TOKEN = "f9LHodD0cOKx-BOTbotTOKEN-0123456789abcdef"
SECRET = "webhook-secret-0123456789"
PARENT_MAX_ID = 4_000_123
BLOCKED = 4_000_999


def started(code: str, user_id: int = PARENT_MAX_ID) -> dict:
    return {"update_type": "bot_started", "timestamp": 1_765_000_000_000, "chat_id": 90_000 + user_id,
            "user": {"user_id": user_id, "first_name": "Иван", "is_bot": False}, "payload": code}


@pytest.fixture
def bot(actors, settings, run_simulator):
    """A simulator with the district bot; `bot.simulator` serves it, `bot.scenario` is its world."""
    scenario = world_scenario()
    scenario["max"] = {"tokens": [BOT_TOKEN], "bot": {"user_id": 900001, "first_name": "Бот района",
                                                      "username": "kush_edu_bot"}, "blocked_users": [BLOCKED]}
    actors.scenario = scenario
    actors.simulator = run_simulator(scenario)
    point_settings(settings, actors.simulator, MAX_API_URL=actors.simulator.url_max, MAX_BOT_TOKEN=BOT_TOKEN,
                   MAX_RATE_LIMIT="50/second", MAX_WEBHOOK_SECRET="")
    return actors


# --- binding ------------------------------------------------------------------------------------


def test_a_bot_started_event_drained_from_updates_binds_the_account_and_is_answered(bot):
    code = link_code_create(bot.staff_a)
    bot.simulator.max_push(started(code))

    assert drain_updates() == 1

    account = MaxAccount.objects.get(user=bot.staff_a)
    assert (account.max_user_id, account.deliver) == (PARENT_MAX_ID, "both")
    [reply] = bot.simulator.max_sent()
    assert reply["user_id"] == PARENT_MAX_ID and reply["text"].startswith("Готово")
    assert MaxBotState.load().marker is not None
    assert drain_updates() == 0  # the marker confirmed what was handled


def test_the_same_event_twice_binds_once_and_answers_once(bot):
    code = link_code_create(bot.staff_a)

    handle_update(started(code))
    handle_update(started(code))

    assert MaxAccount.objects.filter(user=bot.staff_a).count() == 1
    assert len(bot.simulator.max_sent()) == 1


def test_a_spent_or_stale_code_binds_nobody(bot):
    spent = link_code_create(bot.staff_a)
    handle_update(started(spent))
    stale = link_code_create(bot.staff_b)
    MaxLinkCode.objects.filter(code=stale).update(created_at=timezone.now() - timedelta(days=2))

    handle_update(started(spent, user_id=5_555))
    handle_update(started(stale, user_id=6_666))

    assert not MaxAccount.objects.filter(max_user_id__in=(5_555, 6_666)).exists()
    assert "Ссылка устарела" in bot.simulator.max_sent()[-1]["text"]


def test_a_code_that_was_never_made_is_ignored(bot):
    handle_update(started("A" * 32))

    assert not MaxAccount.objects.exists() and bot.simulator.max_sent() == []


def test_the_bot_keeps_the_chats_it_was_added_to_and_removed_from(bot):
    handle_update({"update_type": "bot_added", "chat_id": -7001, "is_channel": True, "timestamp": 1_765_000_000_000,
                   "user": {"user_id": 1}})
    handle_update({"update_type": "bot_added", "chat_id": -7001, "is_channel": True, "timestamp": 1_765_000_000_000,
                   "user": {"user_id": 1}})
    handle_update({"update_type": "bot_removed", "chat_id": -7001, "timestamp": 1_765_000_100_000, "user": {"user_id": 1}})

    chat = MaxBotChat.objects.get()
    assert chat.is_channel and chat.removed_at is not None


# --- the webhook ---------------------------------------------------------------------------------


def post_webhook(client, update: dict, **headers):
    return client.post(reverse("max-webhook"), json.dumps(update), content_type="application/json", headers=headers)


@pytest.mark.parametrize("header", [None, "", "wrong-secret", SECRET + "x"])
def test_the_webhook_refuses_a_delivery_without_the_secret_and_processes_nothing(bot, client, settings, header):
    settings.MAX_WEBHOOK_SECRET = SECRET
    code = link_code_create(bot.staff_a)
    headers = {} if header is None else {"X-Max-Bot-Api-Secret": header}

    assert post_webhook(client, started(code), **headers).status_code == 403
    assert not MaxAccount.objects.exists()


def test_without_a_secret_configured_the_webhook_takes_nothing(bot, client, settings):
    settings.MAX_WEBHOOK_SECRET = ""

    assert post_webhook(client, started(link_code_create(bot.staff_a)), **{"X-Max-Bot-Api-Secret": ""}).status_code == 403
    assert not MaxAccount.objects.exists()


def test_the_webhook_with_the_secret_binds_the_account(bot, client, settings):
    settings.MAX_WEBHOOK_SECRET = SECRET

    response = post_webhook(client, started(link_code_create(bot.staff_a)), **{"X-Max-Bot-Api-Secret": SECRET})

    assert response.status_code == 200
    assert MaxAccount.objects.get(user=bot.staff_a).max_user_id == PARENT_MAX_ID
    assert drain_updates() == 0  # with a webhook there is nothing to poll


def test_the_webhook_answers_400_to_a_body_that_is_not_json(bot, client, settings):
    settings.MAX_WEBHOOK_SECRET = SECRET

    response = client.post(reverse("max-webhook"), b"{not json", content_type="application/json",
                           headers={"X-Max-Bot-Api-Secret": SECRET})

    assert response.status_code == 400


# --- messages -----------------------------------------------------------------------------------


@pytest.fixture
def linked_night(bot, settings, run_simulator):
    """Staff A linked MAX and chose both ways; the school's pages swept once, quietly."""
    register(bot.org_a, "vk", "https://vk.com/club101")
    register(bot.org_a, "ok", "https://ok.ru/group/5101")
    bot.staff_a.email = "sosh9@kush.edu.example"
    bot.staff_a.save()
    handle_update(started(link_code_create(bot.staff_a)))
    run_sweep()
    bot.first_sent = len(bot.simulator.max_sent())
    return bot


def lose_the_mark(night, settings, run_simulator):
    scenario = copy.deepcopy(night.scenario)
    next(g for g in scenario["vk"]["groups"] if g["id"] == SCHOOL_VK)["is_government_organization"] = False
    night.simulator = run_simulator(scenario)
    point_settings(settings, night.simulator, MAX_API_URL=night.simulator.url_max, MAX_BOT_TOKEN=BOT_TOKEN,
                   MAX_RATE_LIMIT="50/second", MAX_WEBHOOK_SECRET="")


def test_a_lost_mark_reaches_max_and_e_mail_once_each(linked_night, settings, run_simulator):
    lose_the_mark(linked_night, settings, run_simulator)

    run = run_sweep()
    notify_run(run)  # the notify step again, as a rerun would

    texts = [m["text"] for m in linked_night.simulator.max_sent() if m.get("user_id") == PARENT_MAX_ID]
    assert len(texts) == 1 and "Метка «Госорганизация» снята" in texts[0] and "Госуслуги" in texts[0]
    assert len([m for m in mail.outbox if "sosh9@kush.edu.example" in m.to]) == 1


def test_a_crash_in_the_middle_of_sending_sends_nothing_twice(linked_night, settings, run_simulator, monkeypatch):
    lose_the_mark(linked_night, settings, run_simulator)

    def crash(*args, **kwargs):
        raise SystemExit("the worker died while talking to the mail server")

    monkeypatch.setattr(notify, "send_mail", crash)
    with pytest.raises(SystemExit):
        run_sweep()
    monkeypatch.undo()
    run = SweepRun.objects.latest("pk")
    notify_run(run)
    notify_run(run)

    to_max = [m for m in linked_night.simulator.max_sent() if m.get("user_id") == PARENT_MAX_ID]
    assert len(to_max) == 1
    assert Notification.objects.filter(run=run, recipient=linked_night.staff_a).count() == 1


def test_max_only_sends_no_e_mail(linked_night, settings, run_simulator):
    MaxAccount.objects.filter(user=linked_night.staff_a).update(deliver="max")
    lose_the_mark(linked_night, settings, run_simulator)

    run_sweep()

    assert [m for m in mail.outbox if "sosh9@kush.edu.example" in m.to] == []
    assert any(m.get("user_id") == PARENT_MAX_ID for m in linked_night.simulator.max_sent())


def test_a_long_digest_is_split_into_messages_of_at_most_4000_characters(linked_night):
    notification = Notification.objects.create(recipient=linked_night.staff_a, kind="staff_reminder", period="2026-W49",
                                               subject="Напоминание", body="Новости школы. " * 700)

    notify.send_pending()

    parts = [m["text"] for m in linked_night.simulator.max_sent()[linked_night.first_sent:]]
    # Cut at a paragraph or a word, never inside one: the subject, then the body in three.
    assert parts[0] == "Напоминание" and len(parts) == 4 and all(len(part) <= 4000 for part in parts)
    assert "".join(parts).replace("\n", "").replace(" ", "") == f"{notification.subject}{notification.body}".replace(" ", "")


def test_a_person_who_blocked_the_bot_is_recorded_and_not_retried(linked_night):
    MaxAccount.objects.filter(user=linked_night.staff_a).update(max_user_id=BLOCKED)
    notification = Notification.objects.create(recipient=linked_night.staff_a, kind="staff_reminder", period="2026-W50",
                                               subject="Напоминание", body="Текст")

    notify.send_pending()
    notify.send_pending()

    notification.refresh_from_db()
    assert notification.max_sent_at is not None and notification.max_error
    assert [m for m in linked_night.simulator.max_sent() if m.get("user_id") == BLOCKED] == []


# --- the page -----------------------------------------------------------------------------------


def test_each_person_sees_and_changes_only_their_own_link(bot):
    handle_update(started(link_code_create(bot.staff_a)))
    other = bot.client_for(bot.staff_b)

    page = other.get(reverse("notifications")).content.decode()
    other.post(reverse("max-unlink"))

    assert "Привязать MAX" in page and "data-max-linked" not in page
    assert MaxAccount.objects.filter(user=bot.staff_a).exists()


def test_the_page_says_when_max_is_not_configured(bot, settings):
    settings.MAX_BOT_TOKEN = ""

    page = bot.client_for(bot.staff_a).get(reverse("notifications")).content.decode()

    assert "MAX в этом портале не подключён" in page


# --- manage.py max_updates ------------------------------------------------------------------------


def max_updates(*args: str) -> str:
    out = io.StringIO()
    call_command("max_updates", *args, stdout=out)
    return out.getvalue()


def test_the_command_drains_the_waiting_events(bot):
    bot.simulator.max_push(started(link_code_create(bot.staff_a)))

    assert "Обработано событий: 1." in max_updates()
    assert MaxAccount.objects.filter(user=bot.staff_a, max_user_id=PARENT_MAX_ID).exists()


def test_the_command_subscribes_the_portal_webhook_with_the_secret_and_unsubscribes_it(bot, settings):
    settings.MAX_WEBHOOK_SECRET = SECRET
    url = "https://portal.example/max/webhook/"

    assert "подписан" in max_updates("--subscribe", url)
    assert [s["url"] for s in bot.simulator.simulator.max.subscriptions()] == [url]
    assert "опрашивать нечего" in max_updates()  # with the webhook on, polling is not the way

    max_updates("--unsubscribe", url)
    assert bot.simulator.simulator.max.subscriptions() == []


@pytest.mark.parametrize(("secret", "url", "said"), [
    ("", "https://portal.example/max/webhook/", "Задайте MAX_WEBHOOK_SECRET"),
    (SECRET, "http://portal.example/max/webhook/", "только на адрес https://"),
])
def test_the_command_refuses_a_webhook_the_portal_could_not_take(bot, settings, secret, url, said):
    settings.MAX_WEBHOOK_SECRET = secret

    with pytest.raises(CommandError, match=said):
        max_updates("--subscribe", url)
    assert bot.simulator.simulator.max.subscriptions() == []


def test_when_max_does_not_answer_me_pages_stop_asking_for_a_while(settings):
    """A page that offers the link asks MAX for the bot's name; while MAX is down, one page waits
    through the retries, and the next pages do not ask again (nor wait)."""
    settings.MAX_API_URL, settings.MAX_BOT_TOKEN = "https://max.invalid", f"token-{uuid.uuid4().hex}"
    settings.API_RETRY_BACKOFF_SECONDS = 0
    with responses.RequestsMock() as mock:
        mock.add(responses.GET, re.compile(r"https://max\.invalid/me.*"), status=503)
        assert bot_username() is None
        asked = len(mock.calls)
        assert bot_username() is None
        assert asked > 0 and len(mock.calls) == asked
