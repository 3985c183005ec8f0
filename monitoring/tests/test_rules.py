"""DESIGN §3.2 rule by rule. Pure functions: no database, no HTTP.

The reference run starts on Wednesday 2025-03-12 10:00 Moscow time: the judged weeks begin
on Mondays 10, 17, 24 February and 3 March; the current week begins on 10 March.
"""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from itertools import count
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from monitoring.rules import (
    POST_FIELDS,
    VERDICT_FIELDS,
    PageObservation,
    PaperworkItem,
    Thresholds,
    Window,
    community_status,
    current_week,
    evaluate,
    is_regular,
    merge_with_previous,
    missing_info,
    missing_page_entry,
    organization_status,
    paperwork_status,
    read_observation,
    sites_in_text,
    weekly_counts,
    window_for,
    worst_status,
)
from monitoring.types import OK, VK, Community, Post

MSK = ZoneInfo("Europe/Moscow")
RUN = datetime(2025, 3, 12, 10, 0, tzinfo=MSK)
WEEKS = [date(2025, 2, 10), date(2025, 2, 17), date(2025, 2, 24), date(2025, 3, 3)]
CURRENT = date(2025, 3, 10)
_ids = count(1)


def msk(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=MSK)


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def post(when: datetime, network: str = VK, **kwargs: Any) -> Post:
    kwargs.setdefault("from_community", True)
    return Post(network=network, external_id=str(next(_ids)), date=when, **kwargs)


def posts_per_week(*counts: int, network: str = VK) -> list[Post]:
    """`counts[i]` community posts on the Wednesday of judged week i."""
    return [
        post(msk(week.year, week.month, week.day + 2, 12), network)
        for week, n in zip(WEEKS, counts, strict=True)
        for _ in range(n)
    ]


def community(network: str = VK, **overrides: Any) -> Community:
    """A page with everything the briefing asks for, marked, open."""
    values: dict[str, Any] = {
        "network": network,
        "external_id": "101",
        "name": "МБОУ СОШ №9",
        "description": "Официальная страница школы.",
        "address": "352030, ст. Кущевская, ул. Школьная, 1",
        "emails": ("school9@example.ru",) if network == VK else (),
        "phones": ("+7 (861) 681-23-45",),
        "sites": ("https://school9.example.ru",),
        "gov_mark": True,
    }
    if network == OK:
        values["description"] += " Почта: school9@example.ru"
    values.update(overrides)
    return Community(**values)


def observation(network: str = VK, **overrides: Any) -> PageObservation:
    """A page read whole in this sweep: compliant in every respect."""
    values: dict[str, Any] = {
        "network": network,
        "is_community": True,
        "community": community(network),
        "posts_total": 120,
        "window_posts": posts_per_week(4, 3, 3, 4, network=network),
        "others_posts": [],
    }
    values.update(overrides)
    return PageObservation(**values)


def window() -> Window:
    return window_for(RUN, 4)


# --- window -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("run_started_at", "week_starts", "current"),
    [
        pytest.param(RUN, WEEKS, CURRENT, id="wednesday"),
        pytest.param(msk(2025, 3, 10, 0, 0, 0), WEEKS, CURRENT, id="exactly-monday-midnight"),
        pytest.param(msk(2025, 3, 16, 21, 0), WEEKS, CURRENT, id="sunday-evening"),
        pytest.param(
            msk(2025, 3, 9, 23, 59, 59),
            [date(2025, 2, 3), *WEEKS[:3]],
            date(2025, 3, 3),
            id="one-second-before-monday",
        ),
        pytest.param(utc(2025, 3, 9, 21, 30), WEEKS, CURRENT, id="utc-sunday-is-moscow-monday"),
    ],
)
def test_window_is_the_complete_moscow_weeks_before_the_run(
    run_started_at: datetime, week_starts: list[date], current: date
) -> None:
    result = window_for(run_started_at, 4)
    assert result.week_starts == week_starts
    assert result.current_week_start == current
    assert result.start == datetime(*week_starts[0].timetuple()[:3], tzinfo=MSK)
    assert result.end == datetime(*current.timetuple()[:3], tzinfo=MSK)


def test_window_length_follows_the_weeks_setting() -> None:
    assert window_for(RUN, 1).week_starts == [date(2025, 3, 3)]
    assert len(window_for(RUN, 8).week_starts) == 8


@pytest.mark.parametrize("bad", [0, -1])
def test_window_refuses_fewer_than_one_week(bad: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        window_for(RUN, bad)


def test_window_refuses_a_naive_run_start() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        window_for(datetime(2025, 3, 12, 10, 0), 4)


# --- counting posts into weeks ------------------------------------------------------


@pytest.mark.parametrize(
    ("when", "weekly", "in_current"),
    [
        pytest.param(msk(2025, 3, 9, 23, 59, 59), [0, 0, 0, 1], 0, id="sunday-235959-last-week"),
        pytest.param(msk(2025, 3, 10, 0, 0, 0), [0, 0, 0, 0], 1, id="monday-000000-current"),
        pytest.param(msk(2025, 3, 2, 23, 59, 59), [0, 0, 1, 0], 0, id="inner-sunday"),
        pytest.param(msk(2025, 3, 3, 0, 0, 0), [0, 0, 0, 1], 0, id="inner-monday"),
        pytest.param(msk(2025, 2, 10, 0, 0, 0), [1, 0, 0, 0], 0, id="first-moment-of-window"),
        pytest.param(msk(2025, 2, 9, 23, 59, 59), [0, 0, 0, 0], 0, id="just-before-window"),
        pytest.param(utc(2025, 3, 2, 21, 30), [0, 0, 0, 1], 0, id="utc-sunday-moscow-monday"),
        pytest.param(utc(2025, 3, 9, 20, 59, 59), [0, 0, 0, 1], 0, id="utc-moscow-sunday-end"),
        pytest.param(utc(2025, 3, 9, 21, 0, 0), [0, 0, 0, 0], 1, id="utc-moscow-monday-start"),
        pytest.param(RUN, [0, 0, 0, 0], 1, id="exactly-at-run-start"),
        pytest.param(msk(2025, 3, 12, 10, 0, 1), [0, 0, 0, 0], 0, id="after-run-start"),
    ],
)
def test_a_post_lands_in_the_week_of_its_moscow_date(
    when: datetime, weekly: list[int], in_current: int
) -> None:
    posts = [post(when)]
    assert [week["posts"] for week in weekly_counts(posts, window())] == weekly
    assert current_week(posts, window()) == {"week_start": CURRENT, "posts": in_current}


def test_weekly_counts_name_every_judged_week_oldest_first() -> None:
    counts = weekly_counts(posts_per_week(1, 2, 3, 4), window())
    assert counts == [
        {"week_start": w, "posts": n} for w, n in zip(WEEKS, [1, 2, 3, 4], strict=True)
    ]


def test_a_run_exactly_at_monday_midnight_judges_the_week_that_just_ended() -> None:
    run = msk(2025, 3, 10, 0, 0, 0)
    posts = [post(msk(2025, 3, 9, 23, 59, 59)), post(msk(2025, 3, 10, 0, 0, 0))]
    result = window_for(run, 4)
    assert [w["posts"] for w in weekly_counts(posts, result)] == [0, 0, 0, 1]
    # The post stamped at the very moment the run starts was there when it read the wall.
    assert current_week(posts, result) == {"week_start": CURRENT, "posts": 1}


def test_a_sunday_evening_run_keeps_its_own_week_apart() -> None:
    result = window_for(msk(2025, 3, 16, 21, 0), 4)
    posts = [post(msk(2025, 3, 16, 20, 0)), post(msk(2025, 3, 11, 9, 0))]
    assert [w["posts"] for w in weekly_counts(posts, result)] == [0, 0, 0, 0]
    assert current_week(posts, result)["posts"] == 2


def test_posts_by_others_are_not_counted_as_community_posts() -> None:
    posts = [
        post(msk(2025, 3, 4, 12), from_community=False),
        post(msk(2025, 3, 11, 9), from_community=False),
    ]
    assert [w["posts"] for w in weekly_counts(posts, window())] == [0, 0, 0, 0]
    assert current_week(posts, window())["posts"] == 0


def test_a_pinned_old_post_counts_by_its_own_date_not_its_place() -> None:
    old_pinned = post(msk(2023, 9, 1, 8, 0), is_pinned=True)
    pinned_in_window = post(msk(2025, 2, 11, 8, 0), is_pinned=True)
    posts = [old_pinned, pinned_in_window, *posts_per_week(0, 3, 3, 3)]
    assert [w["posts"] for w in weekly_counts(posts, window())] == [1, 3, 3, 3]


def test_a_naive_post_date_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        weekly_counts([post(datetime(2025, 3, 4, 12, 0))], window())


@pytest.mark.parametrize(
    ("counts", "minimum", "expected"),
    [
        ((3, 3, 3, 3), 3, True),
        ((4, 4, 4, 4), 3, True),
        ((3, 3, 2, 3), 3, False),
        ((0, 9, 9, 9), 3, False),
        ((2, 2, 2, 2), 2, True),
    ],
)
def test_regular_means_every_judged_week_reaches_the_minimum(
    counts: tuple[int, ...], minimum: int, expected: bool
) -> None:
    assert is_regular(weekly_counts(posts_per_week(*counts), window()), minimum) is expected


def test_the_current_week_is_never_judged() -> None:
    busy_now = [post(msk(2025, 3, 11, h)) for h in range(8, 18)]
    irregular = evaluate(observation(window_posts=posts_per_week(3, 3, 2, 3) + busy_now), window())
    assert irregular["regular"] is False
    assert irregular["current_week"] == {"week_start": "2025-03-10", "posts": 10}
    quiet_now = evaluate(observation(window_posts=posts_per_week(3, 3, 3, 3)), window())
    assert quiet_now["regular"] is True
    assert quiet_now["current_week"]["posts"] == 0
    assert quiet_now["status"] == "ok"


# --- mandatory information ----------------------------------------------------------

EMPTY: dict[str, Any] = {
    "name": "",
    "description": "",
    "address": "",
    "emails": (),
    "phones": (),
    "sites": (),
}
ALL = ["name", "address", "email", "phone", "site", "description"]


def only_description(text: str, network: str = VK) -> Community:
    return Community(
        network=network, external_id="1", **{**EMPTY, "name": "Школа", "description": text}
    )


def test_an_empty_page_misses_everything_in_the_briefing_order() -> None:
    assert missing_info(Community(network=VK, external_id="1")) == ALL


def test_a_complete_page_misses_nothing() -> None:
    assert missing_info(community(VK)) == []
    assert missing_info(community(OK)) == []


@pytest.mark.parametrize(
    ("overrides", "missing"),
    [
        ({"name": "  \t"}, ["name"]),
        ({"address": "   "}, ["address"]),
        ({"emails": ("  ",)}, ["email"]),
        ({"phones": ("", " ")}, ["phone"]),
        ({"sites": ("  ",)}, ["site"]),
        ({"description": "\n  "}, ["description"]),
        ({"sites": ("https://vk.com/school9",)}, ["site"]),
        ({"sites": ("m.vk.com/club1",)}, ["site"]),
        ({"sites": ("https://www.vk.ru/school9",)}, ["site"]),
        ({"sites": ("ok.ru/group/555",)}, ["site"]),
        ({"sites": ("https://sub.ok.ru/x",)}, ["site"]),
        ({"sites": (" HTTPS://VK.COM/club1 ",)}, ["site"]),
        ({"sites": ("https://vk.com/school9", "https://school9.ru")}, []),
        # A structured site field says it is a site: no scheme needed there.
        ({"sites": ("school9.ru",)}, []),
        ({"sites": ("  https://school9.ru/  ",)}, []),
        ({"emails": ("", "school9@example.ru")}, []),
    ],
)
def test_structured_fields_count_when_filled_after_trimming(
    overrides: dict[str, Any], missing: list[str]
) -> None:
    assert missing_info(community(VK, **overrides)) == missing


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Адрес: 352030, ст. Кущевская", {"address"}),
        ("Индекс 3520301 не настоящий", set()),
        ("Код 35203 короткий", set()),
        ("Почта: school9@kush.edu.ru", {"email"}),
        ("Почта: school9@localhost", set()),
        ("Тел. +7 (861) 681-23-45", {"phone"}),
        ("Тел. 8-861-681-23-45", {"phone"}),
        ("Тел. 8 (86168) 1-23-45", {"phone"}),
        ("Тел. 88616812345", {"phone"}),
        ("Тел. +7 861 681 23 4", set()),
        ("Счёт 4081886168123456 в банке", set()),
        ("Номер 788616812345", set()),
        ("Номер 886168123456", set()),
        ("Сайт: https://school9.ru", {"site"}),
        ("Сайт: http://school9.ru/about.", {"site"}),
        ("Сайт www.school9.ru, звоните", {"site"}),
        ("САЙТ: HTTPS://SCHOOL9.RU", {"site"}),
        ("Сайт: school9.ru", set()),
        ("Пишите: info@school9.ru", {"email"}),
        ("Пишите: info@www.school9.ru", {"email"}),
        ("Мы ВКонтакте: https://vk.com/school9", set()),
        ("Мобильная: https://m.vk.com/school9", set()),
        ("Зеркало: www.vk.ru/school9", set()),
        ("Группа: https://sub.ok.ru/group/1", set()),
        ("Похоже, но не то: https://vk.com.school9.ru", {"site"}),
        ("Другой домен: https://notvk.com", {"site"}),
        ("Только схема: https:// и всё", set()),
        ("Только www. и всё", set()),
        ("Обрыв: www., и всё", set()),
    ],
)
def test_values_recognised_in_the_description(text: str, found: set[str]) -> None:
    expected = [item for item in ALL if item not in found | {"name", "description"}]
    assert missing_info(only_description(text)) == expected


def test_ok_email_can_only_come_from_the_description() -> None:
    page = community(OK, description="Официальная группа школы.")
    assert missing_info(page) == ["email"]


@pytest.mark.parametrize(
    ("text", "sites"),
    [
        ("Сайт: www.school9.ru).", ["www.school9.ru"]),
        ("(см. https://school9.ru/news?id=1),", ["https://school9.ru/news?id=1"]),
        ("«https://school9.ru/»", ["https://school9.ru/"]),
        ("https://vk.com/a и https://school9.ru!", ["https://school9.ru"]),
    ],
)
def test_a_site_in_text_drops_trailing_punctuation(text: str, sites: list[str]) -> None:
    assert sites_in_text(text) == sites


# --- one community's verdict --------------------------------------------------------


def test_a_compliant_vk_page_is_ok_with_every_export_key() -> None:
    verdict = evaluate(observation(), window())
    assert tuple(verdict) == VERDICT_FIELDS
    assert verdict == {
        "status": "ok",
        "is_community": True,
        "gov_mark": True,
        "posts_total": 120,
        "weekly_posts": [
            {"week_start": "2025-02-10", "posts": 4},
            {"week_start": "2025-02-17", "posts": 3},
            {"week_start": "2025-02-24", "posts": 3},
            {"week_start": "2025-03-03", "posts": 4},
        ],
        "current_week": {"week_start": "2025-03-10", "posts": 0},
        "regular": True,
        "posts_not_from_community": 0,
        "reposts_from_personal_pages": 0,
        "missing_info": [],
        "closed": False,
        "deactivated": False,
        "error": None,
    }


def test_a_personal_profile_fails_and_every_other_field_is_null() -> None:
    previous = evaluate(observation(), window())
    verdict = evaluate(observation(is_community=False, community=None), window(), previous=previous)
    assert verdict["status"] == "fail"
    assert verdict["is_community"] is False
    assert all(
        verdict[key] is None for key in VERDICT_FIELDS if key not in ("status", "is_community")
    )


@pytest.mark.parametrize(
    "obs",
    [
        pytest.param(observation(community=community(VK, deactivated=True)), id="vk-deactivated"),
        pytest.param(
            observation(OK, community=None, deactivated=True, posts_total=None, window_posts=None),
            id="ok-group-no-longer-returned",
        ),
    ],
)
def test_a_deactivated_page_fails_with_only_two_fields_left(obs: PageObservation) -> None:
    previous = evaluate(observation(obs.network), window())
    verdict = evaluate(obs, window(), previous=previous)
    assert verdict["status"] == "fail"
    assert (verdict["is_community"], verdict["deactivated"]) == (True, True)
    kept = ("status", "is_community", "deactivated")
    assert all(verdict[key] is None for key in VERDICT_FIELDS if key not in kept)


@pytest.mark.parametrize("network", [VK, OK])
def test_a_closed_page_fails_with_post_fields_null_but_info_judged(network: str) -> None:
    obs = observation(network, community=community(network, closed=True, phones=()))
    verdict = evaluate(obs, window())
    assert verdict["status"] == "fail"
    assert verdict["closed"] is True
    assert all(verdict[key] is None for key in POST_FIELDS)
    assert verdict["missing_info"] == ["phone"]
    assert verdict["gov_mark"] is True
    assert verdict["error"] is None


def test_a_closed_page_whose_wall_was_not_read_has_no_fault() -> None:
    obs = observation(
        community=community(VK, closed=True), posts_total=None, window_posts=None, others_posts=None
    )
    verdict = evaluate(obs, window())
    assert (verdict["status"], verdict["error"]) == ("fail", None)


def test_a_page_still_known_as_closed_keeps_its_post_fields_null() -> None:
    previous = evaluate(observation(community=community(VK, closed=True)), window())
    obs = observation(is_community=None, community=None, info_error="таймаут")
    verdict = evaluate(obs, window(), previous=previous)
    assert verdict["closed"] is True
    assert all(verdict[key] is None for key in POST_FIELDS)
    assert verdict["status"] == "fail"


def test_community_info_read_means_the_link_is_a_community() -> None:
    verdict = evaluate(observation(is_community=None), window())
    assert verdict["is_community"] is True
    assert verdict["status"] == "ok"


def test_ok_has_no_reposts_from_personal_pages() -> None:
    posts = posts_per_week(3, 3, 3, 3, network=OK)
    posts.append(post(msk(2025, 3, 4, 9), OK, repost_of_personal=True))
    verdict = evaluate(observation(OK, window_posts=posts), window())
    assert verdict["reposts_from_personal_pages"] is None
    assert verdict["status"] == "ok"
    # Not even a stale value survives: the field is not judged on OK at all.
    stale = {**verdict, "reposts_from_personal_pages": 3}
    again = evaluate(
        observation(OK, window_posts=None, wall_error="таймаут"), window(), previous=stale
    )
    assert again["reposts_from_personal_pages"] is None


def test_vk_counts_window_reposts_from_personal_pages_as_a_warning() -> None:
    posts = posts_per_week(3, 3, 3, 3)
    posts += [
        post(msk(2025, 3, 4, 9), repost_of_personal=True, is_repost=True),
        post(msk(2025, 2, 11, 9), repost_of_personal=True, is_repost=True),
        post(msk(2025, 3, 11, 9), repost_of_personal=True, is_repost=True),  # current week
    ]
    verdict = evaluate(observation(window_posts=posts), window())
    assert verdict["reposts_from_personal_pages"] == 2
    assert verdict["status"] == "warning"


def test_posts_by_others_count_only_inside_the_judged_weeks() -> None:
    others = [
        post(msk(2025, 2, 20, 15), from_community=False),
        post(msk(2025, 3, 9, 23, 59, 59), from_community=False),
        post(msk(2025, 3, 10, 0, 0), from_community=False),  # current week
        post(msk(2025, 2, 9, 23, 0), from_community=False),  # before the window
    ]
    verdict = evaluate(observation(others_posts=others), window())
    assert verdict["posts_not_from_community"] == 2
    assert verdict["status"] == "warning"


def test_a_vk_wall_closed_to_others_carries_no_posts_by_others_without_a_look() -> None:
    page = community(VK, wall_open_to_others=False)
    verdict = evaluate(observation(community=page, others_posts=None), window())
    assert verdict["posts_not_from_community"] == 0
    assert verdict["status"] == "ok"


@pytest.mark.parametrize("network", [VK, OK])
def test_an_open_wall_whose_others_were_not_read_is_unknown(network: str) -> None:
    verdict = evaluate(observation(network, others_posts=None, wall_error="таймаут"), window())
    assert verdict["status"] == "unknown"
    assert verdict["posts_not_from_community"] is None
    assert "таймаут" in verdict["error"]


@pytest.mark.parametrize(
    ("overrides", "status"),
    [
        pytest.param({}, "ok", id="all-good"),
        pytest.param(
            {"community": community(VK, gov_mark=None)}, "ok", id="mark-unknown-never-fails"
        ),
        pytest.param({"community": community(VK, gov_mark=False)}, "fail", id="mark-false"),
        pytest.param({"posts_total": 1}, "fail", id="one-post"),
        pytest.param(
            {"posts_total": 2, "window_posts": posts_per_week(3, 3, 3, 3)}, "ok", id="two-posts"
        ),
        pytest.param({"window_posts": posts_per_week(3, 2, 3, 3)}, "warning", id="irregular"),
        pytest.param({"community": community(VK, sites=())}, "warning", id="info-missing"),
        pytest.param(
            {
                "community": community(VK, gov_mark=False),
                "posts_total": None,
                "window_posts": None,
                "others_posts": None,
                "wall_error": "таймаут",
            },
            "fail",
            id="known-failure-outranks-a-wall-fault",
        ),
        pytest.param(
            {"posts_total": 1, "window_posts": None, "wall_error": "ошибка API 10"},
            "fail",
            id="too-few-posts-read-outranks-a-fault",
        ),
        pytest.param({"window_posts": None, "wall_error": "таймаут"}, "unknown", id="wall-fault"),
        pytest.param(
            {"community": None, "is_community": None, "info_error": "таймаут"},
            "unknown",
            id="info-fault",
        ),
        pytest.param(
            {"community": community(VK, sites=()), "window_posts": None, "wall_error": "таймаут"},
            "unknown",
            id="fault-outranks-a-warning",
        ),
    ],
)
def test_status_precedence(overrides: dict[str, Any], status: str) -> None:
    assert evaluate(observation(**overrides), window())["status"] == status


@pytest.mark.parametrize(
    ("obs", "error"),
    [
        (
            observation(window_posts=None, wall_error="таймаут"),
            "Не удалось прочитать стену: таймаут",
        ),
        (
            observation(OK, posts_total=None, wall_error="ошибка API 2"),
            "Не удалось прочитать ленту группы: ошибка API 2",
        ),
        (observation(posts_total=None), "Не удалось прочитать стену"),
        (
            observation(
                community=None, info_error="таймаут", window_posts=None, wall_error="таймаут"
            ),
            (
                "Не удалось прочитать сведения о странице: таймаут. "
                "Не удалось прочитать стену: таймаут"
            ),
        ),
    ],
)
def test_a_fault_is_told_in_a_short_russian_sentence(obs: PageObservation, error: str) -> None:
    assert evaluate(obs, window())["error"] == error


def test_a_fault_free_read_carries_no_error() -> None:
    assert evaluate(observation(), window())["error"] is None


# --- merging with the last known verdict --------------------------------------------


def test_a_failed_wall_keeps_the_last_known_post_fields() -> None:
    previous = evaluate(observation(posts_total=90), window())
    fresh_info = community(VK, emails=())
    obs = observation(
        community=fresh_info,
        posts_total=None,
        window_posts=None,
        others_posts=None,
        wall_error="таймаут",
    )
    verdict = evaluate(obs, window(), previous=previous)
    assert verdict["status"] == "unknown"
    assert verdict["missing_info"] == ["email"]  # read now
    assert verdict["posts_total"] == 90  # last known
    assert verdict["weekly_posts"] == previous["weekly_posts"]
    assert verdict["posts_not_from_community"] == 0
    assert verdict["error"] == "Не удалось прочитать стену: таймаут"


def test_fields_never_read_stay_null() -> None:
    obs = observation(posts_total=None, window_posts=None, others_posts=None, wall_error="таймаут")
    verdict = evaluate(obs, window(), previous=None)
    assert all(verdict[key] is None for key in POST_FIELDS)
    assert verdict["gov_mark"] is True


def test_fresh_read_tells_which_fields_are_fresh_so_the_rest_can_be_marked_stale() -> None:
    obs = observation(posts_total=None, window_posts=None, others_posts=None, wall_error="x")
    fresh = read_observation(obs, window())
    assert fresh.fields == {"is_community", "gov_mark", "missing_info", "closed", "deactivated"}


def test_a_failure_known_from_before_stays_while_a_fault_hides_the_page() -> None:
    previous = evaluate(observation(community=community(VK, gov_mark=False)), window())
    obs = observation(is_community=None, community=None, info_error="таймаут")
    verdict = evaluate(obs, window(), previous=previous)
    assert verdict["gov_mark"] is False
    assert verdict["status"] == "fail"
    assert verdict["error"] == "Не удалось прочитать сведения о странице: таймаут"


def test_the_previous_fault_does_not_linger_after_a_clean_read() -> None:
    previous = evaluate(observation(window_posts=None, wall_error="таймаут"), window())
    assert previous["status"] == "unknown"
    verdict = evaluate(observation(), window(), previous=previous)
    assert verdict["status"] == "ok"
    assert verdict["error"] is None


def test_a_page_opened_again_gets_its_post_fields_back() -> None:
    previous = evaluate(observation(community=community(VK, closed=True)), window())
    verdict = evaluate(observation(), window(), previous=previous)
    assert verdict["closed"] is False
    assert verdict["posts_total"] == 120
    assert verdict["status"] == "ok"


def test_merging_leaves_the_previous_verdict_untouched() -> None:
    previous = evaluate(observation(), window())
    snapshot = copy.deepcopy(previous)
    obs = observation(window_posts=None, wall_error="таймаут")
    verdict = merge_with_previous(previous, read_observation(obs, window()))
    verdict["weekly_posts"][0]["posts"] = 99
    verdict["missing_info"].append("site")
    assert previous == snapshot


def test_merge_applies_the_thresholds_the_read_was_made_with() -> None:
    strict = Thresholds(posts_total_min=200)
    fresh = read_observation(observation(), window(), strict)
    assert merge_with_previous(None, fresh)["status"] == "fail"


def test_a_verdict_missing_a_needed_field_without_error_is_unknown() -> None:
    verdict = evaluate(observation(), window())
    verdict["regular"] = None
    assert community_status(verdict) == "unknown"


# --- organizations ------------------------------------------------------------------

TODAY = date(2025, 3, 12)


@pytest.mark.parametrize(
    ("pages", "expected"),
    [
        ({VK: "ok", OK: "ok"}, "ok"),
        ({VK: "ok", OK: "warning"}, "warning"),
        ({VK: "unknown", OK: "warning"}, "unknown"),
        ({VK: "unknown", OK: "fail"}, "fail"),
        ({VK: "ok"}, "fail"),
        ({VK: "ok", OK: None}, "fail"),
    ],
)
def test_organization_takes_its_worst_page_and_a_missing_page_fails(
    pages: dict[str, str | None], expected: str
) -> None:
    assert organization_status(pages, [], TODAY) == expected


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        (PaperworkItem("instruction", approved=True, due_date=date(2025, 1, 1)), "ok"),
        (PaperworkItem("instruction", approved=False, due_date=date(2025, 3, 13)), "warning"),
        (PaperworkItem("instruction", approved=False, due_date=TODAY), "warning"),
        (PaperworkItem("instruction", approved=False, due_date=date(2025, 3, 11)), "fail"),
        (PaperworkItem("instruction", approved=False, due_date=None), "warning"),
    ],
)
def test_unapproved_paperwork_warns_until_its_due_date_and_fails_after(
    item: PaperworkItem, expected: str
) -> None:
    assert paperwork_status(item, TODAY) == expected
    assert organization_status({VK: "ok", OK: "ok"}, [item], TODAY) == expected


def test_overdue_paperwork_outranks_an_unknown_page() -> None:
    overdue = PaperworkItem("order_responsible", approved=False, due_date=date(2022, 12, 1))
    assert organization_status({VK: "unknown", OK: "ok"}, [overdue], TODAY) == "fail"


def test_worst_status_refuses_an_unknown_word() -> None:
    assert worst_status([]) == "ok"
    with pytest.raises(ValueError, match="bad"):
        worst_status(["ok", "bad"])


def test_a_missing_page_is_exported_as_a_failing_entry() -> None:
    assert missing_page_entry(OK) == {
        "network": "ok",
        "url": None,
        "missing": True,
        "status": "fail",
    }


@pytest.mark.parametrize(
    "kwargs", [{"weeks": 0}, {"posts_per_week_min": -1}, {"posts_total_min": -2}]
)
def test_thresholds_refuse_impossible_values(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError, match=r"weeks|negative"):
        Thresholds(**kwargs)


def test_regularity_follows_the_weekly_minimum_setting() -> None:
    lenient = Thresholds(posts_per_week_min=2)
    obs = observation(window_posts=posts_per_week(2, 2, 2, 2))
    assert evaluate(obs, window(), lenient)["regular"] is True
    assert evaluate(obs, window())["regular"] is False
