"""MAX's part of `make bench` (issue 12, item 7): requests a night's sweep of MAX channels spends
against the bound of DESIGN §3.5 — one Chat read per channel, plus ⌈window messages ÷ 100⌉
message pages per channel the district bot may read — over a district-sized mix of quiet
channels, busy ones (past 100 messages in the window) and channels without the bot.

The first night also asks each channel without the bot for its messages once: MAX's 403 is the
only way to learn the bot is missing. Later nights do not ask such a channel again until a
`bot_added` event for it arrives, so a night costs the bound; both figures are written."""

from __future__ import annotations

import math

BOT_TOKEN = "bench-max-bot-token"
WINDOW_WEEKS = 4
# Every tenth channel posts 40 a week (160 in the window: two pages of messages); every seventh
# has not added the bot (its messages are refused: no page is asked twice).
BUSY_EVERY, NO_BOT_EVERY = 10, 7


def channel_name(row: dict) -> str:
    return f"bench{row['vk_id']}_gos"


def max_channel(row: dict, index: int) -> dict:
    busy = index % BUSY_EVERY == 0
    per_week = [40] * 12 if busy else [3, 4, 3, 4, 3, 3, 4, 3, 4, 3, 4, 3]
    return {
        "chat_id": -71_000_000_000_000 - index,
        "name": channel_name(row),
        "title": row["short_name"],
        "description": "Школа. 352030, ст. Кущёвская. +7 (86168) 1-23-45, shkola@example.org, https://school.example.org",
        "participants_count": 300,
        "bot": None if index % NO_BOT_EVERY == 0 else "admin",
        "message_series": [{"per_week": per_week, "first_week": -12, "text": "Новость {n}", "views": 80}],
    }


def max_section(rows: list[dict], rate: int) -> dict:
    return {"tokens": [BOT_TOKEN], "requests_per_second": rate,
            "channels": [max_channel(row, index) for index, row in enumerate(rows)]}


def max_bound(rows: list[dict]) -> int:
    """One Chat a channel, and ⌈window messages ÷ 100⌉ pages a channel with the bot."""
    pages = 0
    for index, row in enumerate(rows):
        channel = max_channel(row, index)
        if channel["bot"] is None:
            continue
        in_window = sum(channel["message_series"][0]["per_week"][-WINDOW_WEEKS:])
        pages += math.ceil(in_window / 100)
    return len(rows) + pages


def add_max_pages(rows: list[dict]) -> None:
    from organizations.models import OfficialPage, Organization

    by_name = {org.short_name: org for org in Organization.objects.filter(short_name__in=[r["short_name"] for r in rows])}
    OfficialPage.objects.bulk_create(
        [OfficialPage(organization=by_name[row["short_name"]], network="max", url=f"https://max.ru/{channel_name(row)}",
                      link_kind="name", link_value=channel_name(row)) for row in rows]
    )


def use_max(sim, rate: int) -> None:
    from django.conf import settings

    settings.MAX_API_URL, settings.MAX_BOT_TOKEN, settings.MAX_RATE_LIMIT = sim.url_max, BOT_TOKEN, f"{rate}/second"


def measure_max(results: dict, rows: list[dict], timed_sweep) -> None:
    """The MAX sweep of `rows` (already registered) at a rate that never binds."""
    from monitoring.simulator import SimulatorProcess

    add_max_pages(rows)
    rate = 200
    sim = SimulatorProcess({"max": max_section(rows, rate)})
    try:
        use_max(sim, rate)
        expected = max_bound(rows)
        nights = []
        for _night in range(2):
            _seconds, run = timed_sweep(sim, ["max"])
            nights.append((sim.count("max"), {m: sim.count("max", m) for m in ("getChatByLink", "getMessages")}, run))
        (first, first_by_method, _run), (requests, by_method, run) = nights
        results["max_requests_over_bound"] = {
            "value": round(requests / expected, 4), "target": "<= 1.05", "requests": requests, "bound": expected,
            "bound_formula": "channels + sum over channels with the bot of ceil(window messages / 100)",
            "by_method": by_method, "channels": len(rows), "busy_channels": math.ceil(len(rows) / BUSY_EVERY),
            "channels_without_bot": math.ceil(len(rows) / NO_BOT_EVERY), "simulator_rate": rate, "faults": run.faults,
            "night": "second (every later night is the same)",
        }
        results["max_first_night_over_bound"] = {
            "value": round(first / expected, 4), "target": "bound + one refused read per channel without the bot",
            "requests": first, "by_method": first_by_method, "bound": expected,
        }
    finally:
        sim.stop()
