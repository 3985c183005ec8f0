"""The verdict of a MAX channel (DESIGN §3.5), built on the shared rules of §3.2.

What differs from VK and OK: there is no mark (`gov_mark` is always null), no posts by others
and no reposts from personal pages (both null, so never needed for a verdict); a max.ru
address is not a site either; and when the district bot is not an administrator of the channel
its posts cannot be read: the post fields are null and `error` is exactly
«бот района не добавлен в канал администратором», while a failure the Chat alone shows
(deactivated, not a channel, closed, fewer than 2 posts in all) still fails.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from monitoring.rules import (
    INFO_ITEMS,
    POST_FIELDS,
    STATUS_FAIL,
    STATUS_OK,
    STATUS_UNKNOWN,
    STATUS_WARNING,
    FreshRead,
    PageObservation,
    Thresholds,
    Window,
    current_week,
    is_regular,
    merge_with_previous,
    missing_info,
    site_host,
    sites_in_text,
    weekly_counts,
)
from monitoring.types import MAX, Community

# Null on MAX whatever was read (the API has no such thing).
NEVER_READ = ("gov_mark", "posts_not_from_community", "reposts_from_personal_pages")
# Read from the channel's messages: null when the bot may not read them.
MESSAGE_FIELDS = ("weekly_posts", "current_week", "regular")
NEEDED = ("is_community", "closed", "deactivated", "missing_info", "posts_total", "weekly_posts", "regular")


def bot_missing_error() -> str:
    """The verdict's `error` when MAX refused the channel's messages with 403."""
    return _("бот района не добавлен в канал администратором")


def max_missing_info(community: Community) -> list[str]:
    """§3.2's missing info, where only the description can hold an address, e-mail, phone or
    site, and a site on max.ru (or a subdomain) does not count either."""
    missing = missing_info(community)
    if "site" not in missing and not any(_counts_on_max(site) for site in sites_in_text(community.description)):
        missing.append("site")
    return [item for item in INFO_ITEMS if item in missing]


def read_max_observation(
    observation: PageObservation, window: Window, thresholds: Thresholds | None = None
) -> FreshRead:
    """What this sweep read of a channel, as the verdict fields it establishes."""
    thresholds = thresholds or Thresholds()

    def fresh(values: dict[str, Any], error: str | None = None) -> FreshRead:
        return FreshRead(network=MAX, values=values, error=error, thresholds=thresholds)

    community = observation.community
    if observation.is_community is False:
        return fresh({"is_community": False})
    if observation.deactivated or (community is not None and community.deactivated):
        return fresh({"is_community": True, "deactivated": True})
    if community is None:
        return fresh({}, _part_error(_("Не удалось прочитать сведения о канале"), observation.info_error))
    values: dict[str, Any] = {
        "is_community": True,
        "missing_info": max_missing_info(community),
        "closed": community.closed,
        "deactivated": False,
        **dict.fromkeys(NEVER_READ),
    }
    if community.closed:
        return fresh({**values, **dict.fromkeys(POST_FIELDS)})
    problems = []
    if observation.posts_total is None:
        problems.append(_("MAX не сообщил число сообщений канала"))
    else:
        values["posts_total"] = observation.posts_total
    if observation.window_posts is not None:
        posts = list(observation.window_posts)
        weekly = weekly_counts(posts, window)
        values.update(
            weekly_posts=[_json_week(week) for week in weekly],
            current_week=_json_week(current_week(posts, window)),
            regular=is_regular(weekly, thresholds.posts_per_week_min),
        )
    elif observation.wall_error == bot_missing_error():
        values.update(dict.fromkeys(MESSAGE_FIELDS))
        problems.append(bot_missing_error())
    else:
        problems.append(_part_error(_("Не удалось прочитать сообщения канала"), observation.wall_error))
    return fresh(values, ". ".join(problems) or None)


def merge_max_with_previous(previous: Mapping[str, Any] | None, fresh: FreshRead) -> dict[str, Any]:
    """The full verdict of a channel: the shared merge (fields not read now keep their last
    known values; the null rules), then the MAX status."""
    verdict = merge_with_previous(previous, fresh)
    verdict.update(dict.fromkeys(NEVER_READ))
    verdict["error"] = fresh.error
    verdict["status"] = max_status(verdict, fresh.thresholds.posts_total_min)
    if verdict["status"] == STATUS_UNKNOWN and not verdict["error"]:
        verdict["error"] = _("Сведения о канале прочитаны не полностью")
    return verdict


def evaluate_max(
    observation: PageObservation,
    window: Window,
    thresholds: Thresholds | None = None,
    previous: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The verdict of one channel for one sweep."""
    return merge_max_with_previous(previous, read_max_observation(observation, window, thresholds))


def max_status(verdict: Mapping[str, Any], posts_total_min: int = 2) -> str:
    """fail if not a channel, deactivated, closed or fewer than `posts_total_min` messages in
    all (whether or not the bot can read them); else unknown if something needed is not read;
    else warning if not regular or info missing; else ok."""
    posts_total = verdict.get("posts_total")
    if (
        verdict.get("is_community") is False
        or verdict.get("deactivated") is True
        or verdict.get("closed") is True
        or (posts_total is not None and posts_total < posts_total_min)
    ):
        return STATUS_FAIL
    if verdict.get("error") or any(verdict.get(key) is None for key in NEEDED):
        return STATUS_UNKNOWN
    if verdict.get("regular") is False or verdict.get("missing_info"):
        return STATUS_WARNING
    return STATUS_OK


def _counts_on_max(site: str) -> bool:
    host = site_host(site)
    return not (host == "max.ru" or host.endswith(".max.ru"))


def _part_error(what: str, reason: str | None) -> str:
    reason = (reason or "").strip()
    return f"{what}: {reason}" if reason else what


def _json_week(week: Mapping[str, Any]) -> dict[str, Any]:
    return {"week_start": week["week_start"].isoformat(), "posts": week["posts"]}
