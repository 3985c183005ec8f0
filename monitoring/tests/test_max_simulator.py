"""The simulator speaks the MAX Bot API as reference/max_api.md describes it, to any HTTP client.

Plain ``requests`` over real HTTP, not the portal's client: the simulator must hold up on its
own, since the portal will also be pointed at a real server.
"""

from __future__ import annotations

import copy
import re
from datetime import datetime, timedelta
from typing import Any

import pytest
import requests

from monitoring.demo import MAX_BOT_TOKEN, build_scenario
from organizations.demo_facts import MAX_FACTS
from monitoring.simulator import ScenarioError, load_scenario
from monitoring.simulator.state import MOSCOW
from monitoring.tests.conftest import NOW

MAX_TOKEN = "f9LHodD0cOLmVc4w3kEuZ0SECRETmaxBOTtokenggggggggggggggggg6"
OTHER_TOKEN = "f9LHodD0cOLmVc4w3kEuZ0SECRETotherBOTtokenhhhhhhhhhhhhhh7"
SCHOOL, CLOSED, NO_BOT, GROUP, BUSY = -70000000000009, -70000000000018, -70000000000013, -70000000000100, -7000000000777


def max_scenario() -> dict[str, Any]:
    """A district bot, a school channel with it as administrator, a private one, one without it."""
    return {
        "now": NOW.isoformat(),
        "max": {
            "bot": {"user_id": 900001, "first_name": "Бот района", "username": "kush_edu_bot"},
            "tokens": [MAX_TOKEN, OTHER_TOKEN],
            "requests_per_second": None,
            "channels": [
                {"chat_id": SCHOOL, "name": "sosh9_gos", "title": "МБОУ СОШ №9", "participants_count": 412,
                 "owner_id": 5001, "description": "Официальный канал школы. Телефон: +7 (86168) 4-89-86",
                 "messages": [
                     {"days_ago": 1, "text": "Линейка ко Дню знаний", "attachments": ["image"], "views": 210},
                     {"days_ago": 2, "text": "Новости управления образования", "forward_from": -70000000000051,
                      "forward_text": "Приказ о каникулах"},
                     {"days_ago": 3, "text": "Удалённая новость", "deleted": True},
                 ]},
                {"chat_id": CLOSED, "name": "ds18_gos", "title": "Детский сад №18", "is_public": False,
                 "invite_link": "https://max.ru/join/AbCdEf123"},
                {"chat_id": NO_BOT, "name": "sosh13_gos", "title": "СОШ №13", "bot": None,
                 "messages": [{"days_ago": 1, "text": "Новость"}]},
                {"chat_id": GROUP, "name": "roditeli_sosh9", "type": "chat", "title": "Родители 9 школы"},
                {"chat_id": BUSY, "name": "uo_kush_gos", "title": "Управление образования",
                 "message_series": [{"count": 250, "start_days_ago": 0.2, "every_days": 0.1, "text": "Пост {n}"}]},
            ],
        },
    }


@pytest.fixture
def world() -> dict[str, Any]:
    return copy.deepcopy(max_scenario())


def call(handle, verb: str, path: str, token: str | None = MAX_TOKEN, **kwargs: Any) -> requests.Response:
    headers = {"Authorization": token} if token else {}
    return requests.request(verb, f"{handle.url_max}{path}", headers=headers, timeout=5, **kwargs)


def get(handle, path: str, **params: Any) -> requests.Response:
    return call(handle, "GET", path, params=params)


# --- authentication and the bot -------------------------------------------------------------


def test_me_names_the_bot_staff_must_add(world, run_simulator):
    handle = run_simulator(world)
    me = get(handle, "/me")
    assert me.status_code == 200
    assert {k: me.json()[k] for k in ("user_id", "first_name", "username", "is_bot")} == {
        "user_id": 900001, "first_name": "Бот района", "username": "kush_edu_bot", "is_bot": True}
    assert handle.requests("max", "getMyInfo")[0].outcome == "ok"


@pytest.mark.parametrize("token", [None, "not-the-bot-token"])
def test_a_missing_or_wrong_token_is_refused_with_verify_token(world, run_simulator, token):
    handle = run_simulator(world)
    response = call(handle, "GET", "/chats/sosh9_gos", token=token)
    assert response.status_code == 401
    assert response.json()["code"] == "verify.token" and response.json()["message"]


def test_a_token_in_the_url_is_refused_even_beside_a_good_header(world, run_simulator):
    handle = run_simulator(world)
    in_query = call(handle, "GET", "/me", token=None, params={"access_token": MAX_TOKEN})
    both = call(handle, "GET", "/me", params={"access_token": MAX_TOKEN})
    assert (in_query.status_code, both.status_code) == (401, 401)
    assert both.json()["code"] == "verify.token"


# --- chats ----------------------------------------------------------------------------------


def test_a_channel_is_read_by_its_public_name_with_or_without_at(world, run_simulator):
    handle = run_simulator(world)
    chat = get(handle, "/chats/sosh9_gos").json()
    assert get(handle, "/chats/@sosh9_gos").json() == get(handle, "/chats/%40SOSH9_gos").json() == chat
    assert chat["chat_id"] == SCHOOL and chat["type"] == "channel" and chat["status"] == "active"
    assert chat["title"] == "МБОУ СОШ №9" and chat["is_public"] is True
    assert chat["link"] == "https://max.ru/sosh9_gos" and chat["owner_id"] == 5001
    assert chat["participants_count"] == 412 and chat["messages_count"] == 2  # the deleted one is gone
    assert chat["description"].startswith("Официальный канал")
    newest = get(handle, "/messages", chat_id=SCHOOL).json()["messages"][0]["timestamp"]
    assert chat["last_event_time"] == newest > NOW.timestamp() * 1000 - 2 * 86_400_000  # milliseconds


def test_the_same_chat_is_read_by_its_numeric_id(world, run_simulator):
    handle = run_simulator(world)
    assert get(handle, f"/chats/{SCHOOL}").json() == get(handle, "/chats/sosh9_gos").json()
    assert [r.method for r in handle.requests("max")] == ["getChat", "getChatByLink"]


def test_an_unknown_name_is_not_found(world, run_simulator):
    handle = run_simulator(world)
    response = get(handle, "/chats/no_such_channel")
    assert response.status_code == 404
    assert response.json()["code"] == "not.found" and response.json()["message"]
    assert get(handle, "/chats/школа9").status_code == 404  # not a name the schema allows


def test_a_private_channel_is_found_by_id_only(world, run_simulator):
    handle = run_simulator(world)
    assert get(handle, "/chats/ds18_gos").status_code == 404
    chat = get(handle, f"/chats/{CLOSED}").json()
    assert chat["is_public"] is False and chat["link"] == "https://max.ru/join/AbCdEf123"


def test_a_group_chat_with_a_public_link_says_it_is_not_a_channel(world, run_simulator):
    handle = run_simulator(world)
    assert get(handle, "/chats/roditeli_sosh9").json()["type"] == "chat"


# --- messages -------------------------------------------------------------------------------


def test_channel_posts_come_newest_first_in_milliseconds_without_a_sender(world, run_simulator):
    handle = run_simulator(world)
    first, second = get(handle, "/messages", chat_id=SCHOOL).json()["messages"]
    assert first["timestamp"] > second["timestamp"]
    moscow_day = datetime.fromtimestamp(first["timestamp"] / 1000, MOSCOW).date()
    assert moscow_day == (NOW - timedelta(days=1)).astimezone(MOSCOW).date()
    assert "sender" not in first and first["recipient"] == {"chat_id": SCHOOL, "chat_type": "channel", "user_id": None}
    assert first["body"]["text"] == "Линейка ко Дню знаний" and first["body"]["attachments"][0]["type"] == "image"
    assert first["stat"] == {"views": 210} and first["url"].startswith("https://max.ru/sosh9_gos/")
    assert second["link"]["type"] == "forward" and second["link"]["chat_id"] == -70000000000051
    assert second["link"]["message"]["text"] == "Приказ о каникулах"
    assert first["body"]["mid"] != second["body"]["mid"] and first["body"]["seq"] > second["body"]["seq"]


def test_paging_back_by_from_reads_every_post_once(world, run_simulator):
    handle = run_simulator(world)
    seen: dict[str, int] = {}
    newer, pages = None, 0
    while True:
        params = {"chat_id": BUSY, "count": 100, **({"from": newer} if newer is not None else {})}
        batch = get(handle, "/messages", **params).json()["messages"]
        pages += 1
        fresh = [m for m in batch if m["body"]["mid"] not in seen]
        if not fresh:
            break
        seen.update((m["body"]["mid"], m["timestamp"]) for m in fresh)
        newer = min(m["timestamp"] for m in batch)
    assert len(seen) == 250 == get(handle, f"/chats/{BUSY}").json()["messages_count"]
    assert sorted(seen.values(), reverse=True) == list(seen.values())  # newest first, throughout
    assert pages == 4  # three pages, then one that brings back only the bound's own message


def test_to_is_the_older_bound(world, run_simulator):
    handle = run_simulator(world)
    everything = get(handle, "/messages", chat_id=BUSY, count=100).json()["messages"]
    older = everything[9]["timestamp"]
    recent = get(handle, "/messages", chat_id=BUSY, to=older, count=100).json()["messages"]
    assert [m["body"]["mid"] for m in recent] == [m["body"]["mid"] for m in everything[:10]]


@pytest.mark.parametrize("count", [0, 101, "many"])
def test_count_outside_one_to_a_hundred_is_refused(world, run_simulator, count):
    handle = run_simulator(world)
    response = get(handle, "/messages", chat_id=BUSY, count=count)
    assert response.status_code == 400 and response.json()["code"]


def test_count_defaults_to_fifty(world, run_simulator):
    handle = run_simulator(world)
    assert len(get(handle, "/messages", chat_id=BUSY).json()["messages"]) == 50


def test_a_channel_without_the_bot_as_administrator_is_forbidden(world, run_simulator):
    world["max"]["channels"].append({"chat_id": -1, "name": "member_only", "bot": "member"})
    handle = run_simulator(world)
    for chat_id in (NO_BOT, -1):
        response = get(handle, "/messages", chat_id=chat_id)
        assert response.status_code == 403
        assert response.json()["code"] == "chat.denied" and response.json()["message"]
    assert get(handle, "/chats/sosh13_gos").status_code == 200  # the channel itself is public


def test_a_removed_bot_shows_in_the_chat_status_and_cannot_read(world, run_simulator):
    world["max"]["channels"][0]["bot"] = "removed"
    handle = run_simulator(world)
    assert get(handle, "/chats/sosh9_gos").json()["status"] == "removed"
    assert get(handle, "/messages", chat_id=SCHOOL).status_code == 403


def test_sent_messages_are_kept_with_their_recipient(world, run_simulator):
    handle = run_simulator(world)
    text = "Сводка за неделю: 3 организации без публикаций."
    sent = call(handle, "POST", "/messages", params={"user_id": 4242}, json={"text": text})
    assert sent.status_code == 200
    message = sent.json()["message"]
    assert message["body"]["text"] == text and message["recipient"]["user_id"] == 4242
    assert message["sender"]["is_bot"] is True
    assert call(handle, "POST", "/messages", params={"chat_id": SCHOOL}, json={"text": "Проверка"}).status_code == 200
    assert [(m["user_id"], m["chat_id"], m["text"]) for m in handle.max_sent()] == [
        (4242, None, text), (None, SCHOOL, "Проверка")]


def test_a_message_longer_than_4000_characters_is_refused_and_not_sent(world, run_simulator):
    handle = run_simulator(world)
    assert call(handle, "POST", "/messages", params={"user_id": 1}, json={"text": "а" * 4000}).status_code == 200
    refused = call(handle, "POST", "/messages", params={"user_id": 1}, json={"text": "а" * 4001})
    assert refused.status_code == 400 and refused.json()["code"] == "proto.payload"
    assert [len(m["text"]) for m in handle.max_sent()] == [4000]


def test_a_user_who_stopped_the_bot_cannot_be_messaged(world, run_simulator):
    world["max"]["blocked_users"] = [777]
    handle = run_simulator(world)
    assert call(handle, "POST", "/messages", params={"user_id": 777}, json={"text": "Алерт"}).status_code == 403
    assert handle.max_sent() == []


# --- updates and subscriptions --------------------------------------------------------------


def bot_added(chat_id: int) -> dict[str, Any]:
    return {"update_type": "bot_added", "chat_id": chat_id, "is_channel": True,
            "user": {"user_id": 5001, "first_name": "Администратор", "is_bot": False}}


def test_updates_come_in_order_and_the_marker_confirms_them(world, run_simulator):
    world["max"]["updates"] = [bot_added(SCHOOL)]
    handle = run_simulator(world)
    first = get(handle, "/updates", timeout=0).json()
    assert [u["update_type"] for u in first["updates"]] == ["bot_added"]
    assert first["updates"][0]["chat_id"] == SCHOOL and isinstance(first["updates"][0]["timestamp"], int)
    handle.max_push({"update_type": "bot_started", "chat_id": 31337, "payload": "link-8f2c",
                     "user": {"user_id": 4242, "first_name": "Методист", "is_bot": False}})
    handle.max_push({"update_type": "bot_removed", "chat_id": SCHOOL, "is_channel": True,
                     "user": {"user_id": 5001, "first_name": "Администратор", "is_bot": False}})
    second = get(handle, "/updates", marker=first["marker"], timeout=0).json()
    assert [(u["update_type"], u.get("payload")) for u in second["updates"]] == [
        ("bot_started", "link-8f2c"), ("bot_removed", None)]
    third = get(handle, "/updates", marker=second["marker"], timeout=0).json()
    assert third == {"updates": [], "marker": second["marker"]}
    assert get(handle, "/updates", timeout=0).json()["updates"] == []  # all confirmed by the marker


def test_an_empty_queue_answers_even_when_asked_to_wait_long(world, run_simulator):
    handle = run_simulator(world)
    assert get(handle, "/updates", timeout=90).json() == {"updates": [], "marker": 1}


def test_a_simulator_in_its_own_process_takes_updates_and_shows_what_was_sent(world, run_simulator):
    handle = run_simulator(world, own_process=True)
    pushed = handle.max_push({"update_type": "bot_started", "chat_id": 31337, "payload": "link-1",
                              "user": {"user_id": 4242, "first_name": "Методист", "is_bot": False}})
    assert get(handle, "/updates", timeout=0).json()["updates"] == [pushed]
    call(handle, "POST", "/messages", params={"user_id": 4242}, json={"text": "Аккаунт MAX привязан."})
    assert [(m["user_id"], m["text"]) for m in handle.max_sent()] == [(4242, "Аккаунт MAX привязан.")]


def test_updates_respect_limit_and_types(world, run_simulator):
    world["max"]["updates"] = [bot_added(SCHOOL), bot_added(CLOSED), {"update_type": "message_created",
                                                                       "message": {"body": {"text": "Привет"}}}]
    handle = run_simulator(world)
    one = get(handle, "/updates", limit=1, timeout=0).json()
    assert [u["chat_id"] for u in one["updates"]] == [SCHOOL]
    rest = get(handle, "/updates", marker=one["marker"], types="message_created", timeout=0).json()
    assert [u["update_type"] for u in rest["updates"]] == ["message_created"]
    assert get(handle, "/updates", marker=rest["marker"], timeout=0).json()["updates"] == []


def test_a_payload_longer_than_512_characters_is_not_passed_to_the_bot(world, run_simulator):
    handle = run_simulator(world)
    handle.max_push({"update_type": "bot_started", "chat_id": 1, "payload": "x" * 513, "user": {"user_id": 1}})
    assert get(handle, "/updates", timeout=0).json()["updates"][0]["payload"] is None


def test_a_webhook_subscription_blocks_long_polling_until_removed(world, run_simulator):
    handle = run_simulator(world)
    hook = {"url": "https://portal.example.ru/max/webhook/", "update_types": ["bot_added", "bot_started"],
            "secret": "s3cret-Value_1"}
    assert call(handle, "POST", "/subscriptions", json=hook).json() == {"success": True}
    listed = get(handle, "/subscriptions").json()["subscriptions"]
    assert [(s["url"], s["update_types"]) for s in listed] == [(hook["url"], hook["update_types"])]
    assert "secret" not in listed[0]
    refused = get(handle, "/updates", timeout=0)
    assert refused.status_code == 405 and refused.json()["code"]
    assert call(handle, "DELETE", "/subscriptions", params={"url": hook["url"]}).json() == {"success": True}
    assert get(handle, "/updates", timeout=0).status_code == 200


@pytest.mark.parametrize("body", [{"url": "http://portal.example.ru/max/webhook/"}, {"url": "https://x.ru/", "secret": "no"}])
def test_a_webhook_must_be_https_with_a_valid_secret(world, run_simulator, body):
    handle = run_simulator(world)
    assert call(handle, "POST", "/subscriptions", json=body).status_code == 400
    assert get(handle, "/subscriptions").json() == {"subscriptions": []}


# --- rate and faults ------------------------------------------------------------------------


def test_requests_past_the_rate_get_429_per_token(world, run_simulator):
    world["max"]["requests_per_second"] = 3
    handle = run_simulator(world)
    statuses = [get(handle, "/me").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert call(handle, "GET", "/me", token=OTHER_TOKEN).status_code == 200
    assert handle.requests("max")[3].outcome == "error:429"


def test_the_rate_defaults_to_thirty_a_second():
    assert load_scenario({"max": {}}).max.requests_per_second == 30


@pytest.mark.parametrize("status", [503, 429, 500])
def test_an_injected_api_error_answers_json_with_its_status_for_that_channel_only(world, run_simulator, status):
    world["faults"] = [{"network": "max", "method": "getChatByLink", "chatLink": "sosh9_gos",
                        "error_code": status, "times": 1}]
    handle = run_simulator(world)
    failed = get(handle, "/chats/sosh9_gos")
    assert failed.status_code == status and failed.json()["code"]
    assert get(handle, "/chats/sosh13_gos").status_code == 200
    assert get(handle, "/chats/sosh9_gos").status_code == 200  # times: 1


def test_transport_faults_reach_max_routes(world, run_simulator):
    world["faults"] = [{"network": "max", "method": "getMessages", "chat_id": str(SCHOOL), "transport": "html",
                        "times": 1},
                       {"network": "max", "method": "getMessages", "transport": "truncated_json", "times": 1},
                       {"network": "max", "method": "getChat", "transport": "timeout", "delay": 0.5, "times": 1}]
    handle = run_simulator(world)
    html = get(handle, "/messages", chat_id=SCHOOL)
    assert html.status_code == 200 and html.headers["Content-Type"].startswith("text/html")
    with pytest.raises(ValueError):
        get(handle, "/messages", chat_id=SCHOOL).json()
    with pytest.raises(requests.Timeout):
        requests.get(f"{handle.url_max}/chats/{SCHOOL}", headers={"Authorization": MAX_TOKEN}, timeout=0.1)
    assert [r.outcome for r in handle.requests("max")] == ["fault:html", "fault:truncated_json", "fault:timeout"]


def test_max_paths_do_not_touch_vk_or_ok(world, run_simulator):
    handle = run_simulator(world)
    assert handle.url_max.endswith("/max")
    assert requests.get(f"{handle.url}/me", headers={"Authorization": MAX_TOKEN}, timeout=5).status_code == 404
    assert get(handle, "/nowhere").status_code == 404
    assert handle.count("vk") == handle.count("ok") == 0


@pytest.mark.parametrize(("section", "where"), [
    ({"channels": [{"name": "x"}]}, "max.channels[0].chat_id"),
    ({"channels": [{"chat_id": 1, "bot": "owner"}]}, "max.channels[0].bot"),
    ({"channels": [{"chat_id": 1, "messages": [{"days_ago": 1, "colour": "red"}]}]}, "max.channels[0].messages[0]"),
    ({"updates": [{"chat_id": 1}]}, "max.updates[0].update_type"),
])
def test_bad_max_sections_are_refused_with_the_path(section, where):
    with pytest.raises(ScenarioError, match="^" + re.escape(where)):
        load_scenario({"max": section})


# --- the demo -------------------------------------------------------------------------------


def test_the_demo_has_max_channels_for_about_two_thirds_of_the_organizations(run_simulator):
    scenario = build_scenario(now=NOW)
    channels = scenario["max"]["channels"]
    assert 32 <= len(channels) <= 36  # of 52; one more organization gave an invitation link
    assert sum(c["bot"] is None for c in channels) == 4
    assert [c["name"] for c in channels if not c["is_public"]] == ["ds18_gos"]
    added = {u["chat_id"] for u in scenario["max"]["updates"] if u["update_type"] == "bot_added"}
    assert added == {c["chat_id"] for c in channels if c["bot"] == "admin"}
    handle = run_simulator(scenario)
    school = call(handle, "GET", "/chats/sosh9_gos", token=MAX_BOT_TOKEN)
    assert school.status_code == 200 and school.json()["title"]
    assert call(handle, "GET", "/chats/ds18_gos", token=MAX_BOT_TOKEN).status_code == 404
    without_bot = next(c["chat_id"] for c in channels if c["bot"] is None)
    assert call(handle, "GET", "/messages", token=MAX_BOT_TOKEN, params={"chat_id": without_bot}).status_code == 403


def test_the_demo_channels_lack_in_their_description_exactly_the_contacts_the_facts_say():
    patterns = {"address": r"(?<!\d)\d{6}(?!\d)", "email": r"[\w.+-]+@[\w-]+(\.[\w-]+)+",
                "phone": r"(?<!\d)(?:\+7|8)(?:[\s()-]*\d){10}(?!\d)", "site": r"https?://|www\."}
    by_name = {f.name: f for f in MAX_FACTS.values()}
    lacking = 0
    for channel in build_scenario(now=NOW)["max"]["channels"]:
        absent = tuple(field for field, pattern in patterns.items() if not re.search(pattern, channel["description"]))
        assert absent == tuple(f for f in by_name[channel["name"]].missing_info if f in patterns), channel["name"]
        lacking += bool(absent)
    assert 3 <= lacking <= 8  # a few, not most
