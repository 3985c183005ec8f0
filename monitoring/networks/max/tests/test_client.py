"""MaxClient at the HTTP edge: what each answer of the MAX Bot API makes the sweep do (the
fault matrix of DESIGN §3.2 «Retries»), the token kept to the `Authorization` header, paging
back through a channel, and messages split to MAX's 4,000 characters."""

from __future__ import annotations

import json
import logging
import pickle
from datetime import timedelta

import pytest
import requests
import responses

from monitoring.clients import ConfigurationError, PageUnavailable, RateLimited, RateLimiter, TransportError
from monitoring.clients.http import RATE_WAITS
from monitoring.clients.ratelimit import fingerprint
from monitoring.networks.max.client import BotNotAdmin, MaxClient, channel_name, split_message

from .helpers import API, CHAT_ID, TOKEN, Channel, chat, message, ms, utc

BACKOFF = 0.5
SINCE = utc(2025, 1, 1)


@pytest.fixture
def api():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def pauses() -> list[float]:
    """The pauses the client took between tries (its `sleep`), none really waited."""
    return []


@pytest.fixture
def client(pauses: list[float]) -> MaxClient:
    return MaxClient(API, TOKEN, RateLimiter("50/second"), timeout=5, backoff=BACKOFF, sleep=pauses.append)


class FakeTime:
    """The limiter's clock; its sleeps pass at once and are recorded."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.waits: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


def error_body(code: str, text: str) -> dict:
    return {"code": code, "message": text}


# --- the token -------------------------------------------------------------------------


def test_the_token_goes_in_the_authorization_header_and_never_in_a_url(api, client):
    api.get(f"{API}/me", json={"user_id": 1, "first_name": "Бот района", "username": "district_bot"})
    api.get(f"{API}/chats/school5_gos", json=chat())
    api.get(f"{API}/messages", json={"messages": []})
    api.post(f"{API}/messages", json={"message": message("m1", 1)})

    assert client.me()["username"] == "district_bot"
    client.chat("https://max.ru/school5_gos")
    client.channel_posts(CHAT_ID, SINCE)
    client.send_message(user_id=42, text="Сводка за неделю")

    assert len(api.calls) == 4
    for call in api.calls:
        assert TOKEN not in call.request.url
        assert "access_token" not in call.request.url
        assert call.request.headers["Authorization"] == TOKEN


@pytest.mark.parametrize(
    "answer",
    [
        {"status": 401, "json": error_body("verify.token", f"Invalid access_token: {TOKEN}")},
        {"status": 503, "json": error_body("service.unavailable", f"try later, {TOKEN}")},
        {"status": 200, "body": f"<html>proxy error for {TOKEN}</html>", "content_type": "text/html"},
        {"body": requests.ConnectionError(f"refused: Authorization: {TOKEN}")},
    ],
    ids=["401-echoing-the-token", "503-echoing-the-token", "html-echoing-the-token", "refused-connection"],
)
def test_no_error_text_nor_log_line_carries_the_token(api, client, caplog, answer):
    api.get(f"{API}/chats/school5_gos", **answer)
    caplog.set_level(logging.DEBUG)

    with pytest.raises((ConfigurationError, TransportError)) as caught:
        client.chat("school5_gos")

    texts = [str(caught.value), repr(caught.value), caught.value.message, caplog.text, repr(client)]
    assert not any(TOKEN in text for text in texts)
    assert TOKEN not in str(pickle.loads(pickle.dumps(caught.value)))


def test_clients_of_one_bot_share_its_rate_window_keyed_by_the_tokens_hash(api):
    """Every worker builds its own client; the limiter (Redis in production) keeps one window
    per bot token, named by the token's hash."""
    time = FakeTime()
    limiter = RateLimiter("2/second", clock=time.clock, sleep=time.sleep)
    workers = [MaxClient(API, TOKEN, limiter) for _ in range(2)]
    other_bot = MaxClient(API, "another-bot-token-0000000000000000", limiter)
    api.get(f"{API}/me", json={"user_id": 1})

    workers[0].me(), workers[1].me(), other_bot.me()
    assert time.waits == []  # the other bot's request is in a window of its own
    workers[1].me()
    assert time.waits == [pytest.approx(1.0)]

    assert f"/window/max/{fingerprint(TOKEN)}" in " ".join(limiter._local)
    assert not any(TOKEN in key for key in limiter._local)


# --- the fault matrix ------------------------------------------------------------------


def test_a_refused_token_is_a_configuration_error_at_once(api, client, pauses):
    api.get(f"{API}/chats/school5_gos", status=401, json=error_body("verify.token", "Invalid access_token"))

    with pytest.raises(ConfigurationError) as caught:
        client.chat("school5_gos")

    assert "MAX_BOT_TOKEN" in str(caught.value)
    assert len(api.calls) == 1 and pauses == []


def test_a_channel_without_the_bot_is_told_apart_from_a_fault(api, client, pauses):
    api.get(f"{API}/messages", status=403, json=error_body("chat.denied", "Bot is not admin"))

    with pytest.raises(BotNotAdmin):
        client.channel_posts(CHAT_ID, SINCE)

    assert len(api.calls) == 1 and pauses == []  # not retried: the bot must be added first


def test_a_channel_that_is_not_public_or_gone_is_unavailable(api, client):
    api.get(f"{API}/chats/school5_gos", status=404, json=error_body("not.found", "Chat not found"))

    with pytest.raises(PageUnavailable) as caught:
        client.chat("@school5_gos")

    assert caught.value.kind == "not_found"
    assert len(api.calls) == 1


def test_rate_answers_are_waited_out_without_using_up_an_attempt(api, client, pauses):
    api.get(f"{API}/chats/school5_gos", status=429, json=error_body("too.many.requests", "Slow down"))
    api.get(f"{API}/chats/school5_gos", status=429, json=error_body("too.many.requests", "Slow down"))
    api.get(f"{API}/chats/school5_gos", status=503, json=error_body("unavailable", "later"))
    api.get(f"{API}/chats/school5_gos", status=503, json=error_body("unavailable", "later"))
    api.get(f"{API}/chats/school5_gos", json=chat())

    assert client.chat("school5_gos")["chat_id"] == CHAT_ID
    # Two waits of the limiter's window, then two faults (of three attempts) with growing pauses.
    assert pauses == [client.transport.limiter.window] * 2 + [BACKOFF, 2 * BACKOFF]
    assert len(api.calls) == 5


def test_a_rate_answer_that_never_clears_gives_up_after_ten_waits(api, client, pauses):
    api.get(f"{API}/chats/school5_gos", status=429, json=error_body("too.many.requests", "Slow down"))

    with pytest.raises(RateLimited):
        client.chat("school5_gos")

    assert len(api.calls) == RATE_WAITS + 1
    assert len(pauses) == RATE_WAITS


@pytest.mark.parametrize(
    "fault",
    [
        {"status": 503, "json": error_body("service.unavailable", "Service unavailable")},
        {"status": 500, "body": "Internal Server Error", "content_type": "text/plain"},
        {"body": requests.ReadTimeout("read timed out")},
        {"body": requests.ConnectionError("Connection refused")},
        {"status": 200, "body": "<html>Bad gateway</html>", "content_type": "text/html"},
        {"status": 200, "json": ["not", "an", "object"]},
    ],
    ids=["503", "500", "timeout", "refused", "not-json", "json-not-an-object"],
)
def test_a_fault_gets_three_attempts_with_growing_pauses_then_fails(api, client, pauses, fault):
    api.get(f"{API}/chats/school5_gos", **fault)

    with pytest.raises(TransportError) as caught:
        client.chat("school5_gos")

    assert len(api.calls) == 3
    assert caught.value.attempts == 3
    assert pauses == [BACKOFF, 2 * BACKOFF]


def test_a_fault_that_clears_is_survived(api, client, pauses):
    api.get(f"{API}/chats/school5_gos", body=requests.ReadTimeout("read timed out"))
    api.get(f"{API}/chats/school5_gos", json=chat())

    assert client.chat("school5_gos")["title"] == "МБОУ СОШ №5"
    assert pauses == [BACKOFF]


def test_a_long_poll_waits_longer_than_an_ordinary_request(api, client):
    api.get(f"{API}/updates", json={"updates": [], "marker": 7})

    client.updates(marker=6, timeout=30, types=["bot_started", "bot_added"])

    assert api.calls[0].request.req_kwargs["timeout"] == 5 + 30
    assert "types=bot_started%2Cbot_added" in api.calls[0].request.url
    assert "marker=6" in api.calls[0].request.url


# --- reading a channel -----------------------------------------------------------------


@pytest.mark.parametrize("inclusive", [True, False], ids=["bounds-inclusive", "bounds-exclusive"])
def test_paging_back_past_100_messages_loses_and_repeats_none(api, client, inclusive):
    start = utc(2025, 2, 1)
    # 250 posts, several sharing a millisecond at each page's edge, and 5 older than `since`.
    stamps = [ms(start) + 60_000 * (i // 3) for i in range(250)]
    posts = [message(f"mid.{i:04d}", stamp) for i, stamp in enumerate(stamps)]
    older = [message(f"old.{i}", ms(start) - 1000 * (i + 1)) for i in range(5)]
    channel = Channel(posts + older, inclusive=inclusive)
    api.add_callback(responses.GET, f"{API}/messages", callback=channel)

    read = client.channel_posts(CHAT_ID, start)

    assert sorted(post.external_id for post in read) == sorted(m["body"]["mid"] for m in posts)
    assert [post.date for post in read] == sorted((post.date for post in read), reverse=True)
    assert len(channel.asked) <= 4
    assert all(asked["count"] == 100 and asked["chat_id"] == CHAT_ID for asked in channel.asked)


def test_a_short_channel_costs_one_request_and_asks_from_the_window(api, client):
    channel = Channel([message("m1", ms(SINCE + timedelta(days=3))), message("m0", ms(SINCE - timedelta(days=1)))])
    api.add_callback(responses.GET, f"{API}/messages", callback=channel)

    read = client.channel_posts(CHAT_ID, SINCE)

    assert [post.external_id for post in read] == ["m1"]
    assert channel.asked == [{"chat_id": CHAT_ID, "count": 100, "to": ms(SINCE) - 1}]


def test_a_message_is_a_post_of_the_channel_in_utc(api, client):
    posted = utc(2025, 3, 2, 23, 30)
    api.get(f"{API}/messages", json={"messages": [message("m1", ms(posted), "Линейка #школа5")]})

    [post] = client.channel_posts(CHAT_ID, SINCE)

    assert post.network == "max"
    assert post.date == posted and post.date.utcoffset() == timedelta(0)
    assert post.from_community is True
    assert post.text == "Линейка #школа5" and post.hashtags == ("#школа5",)
    assert post.attachment_kinds == ("photo",)
    assert post.views == 40


def test_messages_bounds_follow_the_schema(api, client):
    api.get(f"{API}/messages", json={"messages": []})

    client.messages(CHAT_ID, newer_than_ms=1000, older_than_ms=5000, count=10)

    assert api.calls[0].request.params == {"chat_id": str(CHAT_ID), "count": "10", "from": "5000", "to": "1000"}


def test_a_chat_is_asked_for_by_name_or_by_id(api, client):
    api.get(f"{API}/chats/school5_gos", json=chat())
    api.get(f"{API}/chats/{CHAT_ID}", json=chat())

    for link in ("https://max.ru/school5_gos", "max.ru/school5_gos/", "http://www.max.ru/school5_gos?x=1", "@school5_gos"):
        assert client.chat(link)["chat_id"] == CHAT_ID
    client.chat(CHAT_ID)

    assert [call.request.path_url for call in api.calls] == ["/chats/school5_gos"] * 4 + [f"/chats/{CHAT_ID}"]


def test_an_invitation_link_is_never_sent(api, client):
    with pytest.raises(ValueError):
        client.chat("https://max.ru/join/AbCdEf")
    assert channel_name("https://max.ru/join/AbCdEf") == "join/AbCdEf"
    assert len(api.calls) == 0


# --- sending and the webhook -----------------------------------------------------------


def test_a_long_alert_goes_as_several_messages_of_at_most_4000_characters(api, client):
    api.post(f"{API}/messages", json={"message": message("m1", 1)})
    paragraphs = [(f"Школа №{n}: " + "нет постов на этой неделе. " * 40).strip() for n in range(1, 10)]
    text = "\n\n".join(paragraphs)
    assert len(text) > 8000

    client.send_message(user_id=42, text=text)

    sent = [json.loads(call.request.body)["text"] for call in api.calls]
    assert len(sent) == 3
    assert all(len(part) <= 4000 for part in sent)
    assert "\n\n".join(sent) == text  # cut between paragraphs only
    assert all(call.request.params == {"user_id": "42"} for call in api.calls)


def test_a_message_goes_to_exactly_one_recipient(client):
    with pytest.raises(ValueError):
        client.send_message(text="Привет")
    with pytest.raises(ValueError):
        client.send_message(user_id=1, chat_id=2, text="Привет")


def test_subscribing_sends_the_secret_in_the_body_and_unsubscribing_names_the_url(api, client):
    api.post(f"{API}/subscriptions", json={"success": True})
    api.delete(f"{API}/subscriptions", json={"success": True})

    client.subscribe("https://portal.example.ru/max/webhook/", ["bot_started", "bot_added"], "s3cret-hook")
    client.unsubscribe("https://portal.example.ru/max/webhook/")

    assert json.loads(api.calls[0].request.body) == {
        "url": "https://portal.example.ru/max/webhook/",
        "update_types": ["bot_started", "bot_added"],
        "secret": "s3cret-hook",
    }
    assert api.calls[1].request.params == {"url": "https://portal.example.ru/max/webhook/"}


# --- split_message ---------------------------------------------------------------------


def test_a_text_within_the_limit_is_one_message():
    text = "Сводка: " + "x" * 3992
    assert split_message(text) == [text]


def test_a_text_is_cut_at_a_line_break_before_a_space():
    lines = [("строка " * 100).strip() for _ in range(12)]  # 699 characters each, spaces inside
    parts = split_message("\n".join(lines))
    assert all(len(part) <= 4000 for part in parts)
    assert "\n".join(parts) == "\n".join(lines)


def test_a_text_without_line_breaks_is_cut_between_words():
    words = [f"слово{n}" for n in range(1500)]
    parts = split_message(" ".join(words))
    assert len(parts) > 1 and all(len(part) <= 4000 for part in parts)
    assert " ".join(parts).split(" ") == words


def test_a_word_longer_than_the_limit_is_cut_at_the_limit():
    assert [len(part) for part in split_message("я" * 9000)] == [4000, 4000, 1000]
