"""The status of a MAX channel (DESIGN §3.5) from a full verdict, case by case."""

from __future__ import annotations

import pytest

from monitoring.networks.max.rules import bot_missing_error, max_status

WEEKS = [{"week_start": "2025-02-10", "posts": 3}]
GOOD = {
    "is_community": True, "deactivated": False, "closed": False, "gov_mark": None,
    "posts_total": 40, "weekly_posts": WEEKS, "current_week": WEEKS[0], "regular": True,
    "posts_not_from_community": None, "reposts_from_personal_pages": None, "missing_info": [], "error": None,
}
BOT_MISSING = {"weekly_posts": None, "current_week": None, "regular": None, "error": "бот района не добавлен в канал администратором"}


@pytest.mark.parametrize(
    ("changes", "status"),
    [
        ({}, "ok"),
        ({"regular": False}, "warning"),
        ({"missing_info": ["phone"]}, "warning"),
        ({"is_community": False}, "fail"),
        ({"deactivated": True}, "fail"),
        ({"closed": True, "posts_total": None, "weekly_posts": None, "regular": None}, "fail"),
        ({"posts_total": 1}, "fail"),
        (BOT_MISSING, "unknown"),
        ({**BOT_MISSING, "posts_total": 1}, "fail"),
        ({**BOT_MISSING, "closed": True}, "fail"),
        ({"error": "Не удалось прочитать сообщения канала: API не ответил вовремя"}, "unknown"),
        ({"missing_info": None}, "unknown"),
    ],
    ids=[
        "regular-with-info", "not-regular", "info-missing", "not-a-channel", "deactivated", "closed",
        "one-message-in-all", "bot-missing", "bot-missing-and-one-message", "bot-missing-and-closed",
        "fault", "info-never-read",
    ],
)
def test_the_status_of_a_channel(changes, status):
    assert max_status({**GOOD, **changes}) == status


def test_the_bot_missing_error_is_the_exact_sentence_staff_are_shown():
    assert bot_missing_error() == "бот района не добавлен в канал администратором"
