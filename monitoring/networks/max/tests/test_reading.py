"""What one read of a MAX channel becomes, and the verdict DESIGN §3.5 gives it, case by case:
the read at the HTTP edge (`responses`), judged by the MAX rules as the sweep judges a page."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import requests
import responses

from monitoring.clients import ConfigurationError, RateLimiter
from monitoring.networks.max.client import MaxClient
from monitoring.networks.max.reading import read_max
from monitoring.networks.max.rules import evaluate_max, max_missing_info
from monitoring.reading import PageRead, PageRef
from monitoring.rules import PageObservation, window_for
from monitoring.types import MAX, Community

from .helpers import API, CHAT_ID, TOKEN, Channel, chat, message, ms, utc

NOW = utc(2025, 3, 12, 6, 0)  # a Wednesday, 09:00 in Moscow
WINDOW = window_for(NOW, 4)  # weeks of 10, 17, 24 February and 3 March; current: 10 March
BOT_MISSING = "бот района не добавлен в канал администратором"
REF = PageRef(page_id=1, network=MAX, url="https://max.ru/school5_gos", link_kind="name", link_value="school5_gos")


@pytest.fixture
def api():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def client() -> MaxClient:
    return MaxClient(API, TOKEN, RateLimiter("50/second"), timeout=5, backoff=0.01, sleep=lambda seconds: None)


def regular_posts(per_week: int = 3) -> list[dict]:
    """`per_week` posts on Tuesdays to Thursdays noon (Moscow) of each judged week, and one in
    the current week."""
    posts = []
    for week_start in WINDOW.week_starts:
        for day in range(1, per_week + 1):
            posts.append(_at(week_start + timedelta(days=day), 9))
    posts.append(_at(WINDOW.current_week_start + timedelta(days=1), 9))
    return [message(f"mid.{n}", stamp) for n, stamp in enumerate(posts)]


def _at(day: date, utc_hour: int) -> int:
    return ms(datetime(day.year, day.month, day.day, utc_hour, tzinfo=NOW.tzinfo))


def read_one(client: MaxClient, ref: PageRef = REF) -> PageRead:
    [(page_id, read)] = list(read_max(client, [ref], WINDOW.start))
    assert page_id == ref.page_id
    return read


def verdict(read: PageRead, previous: dict | None = None) -> dict:
    """Judged as the sweep judges a page: its community posts of the window, when read."""
    observation = PageObservation(
        network=MAX,
        is_community=read.is_community,
        community=read.community,
        info_error=read.info_error,
        deactivated=read.deactivated,
        posts_total=read.posts_total,
        window_posts=[post for post in read.posts or [] if post.from_community] if read.wall_read else None,
        others_posts=None,
        wall_error=read.wall_error,
    )
    return evaluate_max(observation, WINDOW, previous=previous)


def serve(api, chat_answer: dict, messages: list[dict] | None = None) -> Channel:
    api.get(f"{API}/chats/school5_gos", **chat_answer)
    channel = Channel(messages or [])
    api.add_callback(responses.GET, f"{API}/messages", callback=channel)
    return channel


# --- a channel read in full --------------------------------------------------------------


def test_a_regular_channel_with_its_information_is_ok(api, client):
    serve(api, {"json": chat()}, regular_posts())

    read = read_one(client)
    result = verdict(read)

    assert result["status"] == "ok", result
    assert result["error"] is None
    assert result["is_community"] is True and result["closed"] is False and result["deactivated"] is False
    assert result["gov_mark"] is None  # MAX has no mark: never judged
    assert result["posts_total"] == 250  # the Chat's messages_count
    assert [week["posts"] for week in result["weekly_posts"]] == [3, 3, 3, 3]
    assert result["current_week"] == {"week_start": "2025-03-10", "posts": 1}
    assert result["regular"] is True
    assert result["missing_info"] == []
    assert result["posts_not_from_community"] is None
    assert result["reposts_from_personal_pages"] is None
    assert read.external_id == str(CHAT_ID) and read.external_kind == "channel"
    assert read.wall_from == WINDOW.start and read.faults == 0


def test_a_message_late_on_sunday_in_utc_belongs_to_mondays_moscow_week(api, client):
    serve(api, {"json": chat()}, [
        message("sun-2330-utc", ms(utc(2025, 3, 2, 23, 30))),  # Monday 3 March 02:30 in Moscow
        message("sun-2030-utc", ms(utc(2025, 3, 2, 20, 30))),  # Sunday 2 March 23:30 in Moscow
        message("sun-2130-utc", ms(utc(2025, 3, 9, 21, 30))),  # Monday 10 March 00:30: the current week
        message("before-window", ms(utc(2025, 2, 9, 20, 59))),  # Sunday 9 February 23:59 in Moscow
    ])

    result = verdict(read_one(client))

    assert result["weekly_posts"] == [
        {"week_start": "2025-02-10", "posts": 0},
        {"week_start": "2025-02-17", "posts": 0},
        {"week_start": "2025-02-24", "posts": 1},
        {"week_start": "2025-03-03", "posts": 1},
    ]
    assert result["current_week"] == {"week_start": "2025-03-10", "posts": 1}
    assert result["regular"] is False
    assert result["status"] == "warning"


def test_a_busy_channel_is_read_past_100_messages_without_loss_or_duplicates(api, client):
    stamps = [ms(WINDOW.start) + 3_600_000 * n for n in range(230)]  # one an hour from the window's start
    channel = serve(api, {"json": chat()}, [message(f"mid.{n}", stamp) for n, stamp in enumerate(stamps)])

    read = read_one(client)

    assert len(read.posts) == len({post.external_id for post in read.posts}) == 230
    assert len(channel.asked) == 3
    assert sum(week["posts"] for week in verdict(read)["weekly_posts"]) == 230


def test_missing_information_is_looked_for_in_the_description_and_a_max_site_is_no_site(api, client):
    serve(api, {"json": chat(description="Канал школы: https://max.ru/school5_gos и https://vk.com/school5")}, regular_posts())

    result = verdict(read_one(client))

    assert result["missing_info"] == ["address", "email", "phone", "site"]
    assert result["status"] == "warning"


def test_fewer_than_two_messages_in_all_fail(api, client):
    serve(api, {"json": chat(messages_count=1)}, [message("only", ms(utc(2025, 3, 4, 9)))])

    assert verdict(read_one(client))["status"] == "fail"


# --- findings the Chat alone shows ---------------------------------------------------------


def test_a_channel_that_is_gone_or_not_public_is_deactivated(api, client):
    channel = serve(api, {"status": 404, "json": {"code": "not.found", "message": "Chat not found"}})

    read = read_one(client)
    result = verdict(read)

    assert result["deactivated"] is True and result["is_community"] is True
    assert result["status"] == "fail"
    assert all(result[key] is None for key in ("closed", "posts_total", "weekly_posts", "missing_info", "error"))
    assert read.faults == 0 and channel.asked == []


def test_a_private_channel_is_closed_and_its_messages_are_not_asked_for(api, client):
    channel = serve(api, {"json": chat(is_public=False)}, regular_posts())

    result = verdict(read_one(client))

    assert result["closed"] is True and result["status"] == "fail"
    assert result["posts_total"] is None and result["weekly_posts"] is None and result["regular"] is None
    assert result["missing_info"] == []  # its information is still judged
    assert channel.asked == []


def test_a_group_chat_is_not_an_official_channel(api, client):
    channel = serve(api, {"json": chat(type="chat")}, regular_posts())

    read = read_one(client)
    result = verdict(read)

    assert result["is_community"] is False and result["status"] == "fail"
    assert all(result[key] is None for key in ("closed", "deactivated", "posts_total", "missing_info", "error"))
    assert read.external_kind == "chat" and channel.asked == []


# --- the bot not in the channel ------------------------------------------------------------


def test_a_channel_without_the_bot_is_unknown_with_the_exact_reason(api, client):
    serve(api, {"json": chat()})
    api.replace(responses.GET, f"{API}/messages", status=403, json={"code": "chat.denied", "message": "Not admin"})
    previous = verdict(_read_of_regular_channel(client))

    read = read_one(client)
    result = verdict(read, previous=previous)

    assert result["status"] == "unknown"
    assert result["error"] == BOT_MISSING
    assert result["posts_total"] == 250
    # The post fields are null, not last week's figures.
    assert result["weekly_posts"] is None and result["current_week"] is None and result["regular"] is None
    assert read.faults == 0  # nothing to read again at the end of the run


def test_a_channel_without_the_bot_still_fails_what_the_chat_shows(api, client):
    serve(api, {"json": chat(messages_count=1)})
    api.replace(responses.GET, f"{API}/messages", status=403, json={"code": "chat.denied", "message": "Not admin"})

    result = verdict(read_one(client))

    assert result["status"] == "fail"
    assert result["error"] == BOT_MISSING


def _read_of_regular_channel(client: MaxClient) -> PageRead:
    with responses.RequestsMock() as other:
        serve(other, {"json": chat()}, regular_posts())
        return read_one(client)


# --- faults ------------------------------------------------------------------------------------


def test_a_refused_token_stops_the_network(api, client):
    serve(api, {"status": 401, "json": {"code": "verify.token", "message": "Invalid access_token"}})

    with pytest.raises(ConfigurationError):
        read_one(client)


def test_a_rate_answer_then_success_is_a_normal_read(api, client):
    api.get(f"{API}/chats/school5_gos", status=429, json={"code": "too.many.requests", "message": "Slow down"})
    serve(api, {"json": chat()}, regular_posts())

    read = read_one(client)

    assert read.faults == 0 and verdict(read)["status"] == "ok"


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ({"status": 503, "json": {"code": "unavailable", "message": "later"}}, "API вернул некорректный ответ"),
        ({"body": requests.ReadTimeout("read timed out")}, "API не ответил вовремя"),
        ({"status": 200, "body": "<html>Bad gateway</html>", "content_type": "text/html"}, "API вернул некорректный ответ"),
    ],
    ids=["5xx-thrice", "timeout", "not-json"],
)
def test_messages_that_cannot_be_read_leave_the_channel_unknown_not_failed(api, client, fault, reason):
    previous = verdict(_read_of_regular_channel(client))
    serve(api, {"json": chat()})
    api.replace(responses.GET, f"{API}/messages", **fault)

    read = read_one(client)
    result = verdict(read, previous=previous)

    assert read.faults == 1  # read once more at the end of the run
    assert result["status"] == "unknown"
    assert result["error"] == f"Не удалось прочитать сообщения канала: {reason}"
    assert result["weekly_posts"] == previous["weekly_posts"]  # last known, shown as stale


def test_a_chat_that_cannot_be_read_leaves_the_channel_unknown(api, client):
    serve(api, {"status": 502, "body": "Bad gateway", "content_type": "text/plain"})

    read = read_one(client)
    result = verdict(read)

    assert read.faults == 1 and len(api.calls) == 3
    assert result["status"] == "unknown"
    assert result["error"] == "Не удалось прочитать сведения о канале: API вернул некорректный ответ"


def test_one_broken_channel_does_not_cost_the_others_their_read(api, client):
    api.get(f"{API}/chats/broken", status=503, json={"code": "unavailable", "message": "later"})
    serve(api, {"json": chat()}, regular_posts())
    broken = PageRef(page_id=2, network=MAX, url="https://max.ru/broken", link_kind="name", link_value="broken")

    reads = dict(read_max(client, [broken, REF], WINDOW.start))

    assert reads[2].faults == 1
    assert verdict(reads[1])["status"] == "ok"


# --- missing information (pure) --------------------------------------------------------------


@pytest.mark.parametrize(
    ("description", "site_missing"),
    [
        ("Сайт: https://school5.example.ru.", False),
        ("Сайт: www.school5.example.ru", False),
        ("Канал: https://max.ru/school5_gos", True),
        ("Канал: https://web.max.ru/school5_gos", True),
        ("ВК: https://vk.com/school5, ОК: https://ok.ru/school5", True),
        ("Пишите на school5@school5.example.ru", True),
        ("https://max.ru/school5_gos и https://school5.example.ru", False),
    ],
)
def test_a_site_counts_only_off_the_social_networks_and_max(description, site_missing):
    community = Community(network=MAX, external_id="1", name="Школа", description=description)
    assert ("site" in max_missing_info(community)) is site_missing
