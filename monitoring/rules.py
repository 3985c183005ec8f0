"""The automatic compliance criteria of DESIGN §3.2 as pure functions.

Everything here takes plain data (monitoring/types.py) and returns plain data: no models,
no HTTP, no database. The sweep reads a page, fills a `PageObservation`, and calls
`evaluate()`; the result is the verdict part of one `communities[]` entry of the JSON
export (DESIGN §5), JSON-ready (dates as ISO strings) so it can be stored and merged with
the next sweep's read as it is.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from monitoring.types import OK, VK, Community, Post

MOSCOW = ZoneInfo("Europe/Moscow")

STATUS_OK = "ok"
STATUS_WARNING = "warning"
STATUS_UNKNOWN = "unknown"
STATUS_FAIL = "fail"
# Worst first: an organization takes the first of these that any of its parts has.
STATUS_SEVERITY = (STATUS_FAIL, STATUS_UNKNOWN, STATUS_WARNING, STATUS_OK)

# Read from the page's wall / feed; null on a closed page.
POST_FIELDS = (
    "posts_total",
    "weekly_posts",
    "current_week",
    "regular",
    "posts_not_from_community",
    "reposts_from_personal_pages",
)
# The verdict keys of a DESIGN §5 `communities[]` entry, in the export's order.
VERDICT_FIELDS = ("status", "is_community", "gov_mark", *POST_FIELDS, "missing_info", "closed", "deactivated", "error")
INFO_ITEMS = ("name", "address", "email", "phone", "site", "description")

EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
PHONE_RE = re.compile(r"(?<!\d)(?:\+7|8)(?:[\s()-]*\d){10}(?!\d)")
POSTAL_INDEX_RE = re.compile(r"(?<!\d)\d{6}(?!\d)")
# `www.` must start a word: inside an e-mail («info@www.school.ru») it is that e-mail's
# domain, which does not count as a site.
SITE_RE = re.compile(r"(?:https?://|(?<![\w@.-])www\.)[^\s<>\"'«»]+", re.IGNORECASE)
SITE_PREFIX_RE = re.compile(r"https?://|www\.", re.IGNORECASE)
TRAILING_PUNCTUATION = ".,;:!?)]}…"
SOCIAL_HOSTS = ("vk.com", "vk.ru", "ok.ru")


@dataclass(frozen=True)
class Thresholds:
    """The editable rule settings (one database row); defaults are the briefing's."""

    weeks: int = 4
    posts_per_week_min: int = 3
    posts_total_min: int = 2
    # Shown to people as the aim ("3–4 a week"); never judged.
    posts_per_week_target: int = 4

    def __post_init__(self) -> None:
        if self.weeks < 1:
            raise ValueError("weeks must be at least 1")
        if min(self.posts_per_week_min, self.posts_total_min, self.posts_per_week_target) < 0:
            raise ValueError("post thresholds cannot be negative")


@dataclass(frozen=True)
class Window:
    """The judged weeks of one sweep run, plus the unfinished week reported apart."""

    run_started_at: datetime
    week_starts: list[date]  # Mondays, oldest first
    start: datetime  # Monday 00:00 MSK of the oldest judged week
    end: datetime  # Monday 00:00 MSK of the current week: the judged weeks end here
    current_week_start: date

    def contains(self, moment: datetime) -> bool:
        """True for a moment inside the judged (complete) weeks."""
        return self.start <= _aware(moment) < self.end


@dataclass(frozen=True)
class PageObservation:
    """What one sweep read about one registered page, part by part.

    A part that was not read in this sweep is `None`; its `*_error` says why in a few
    words («таймаут», «ошибка API 10»), which the verdict's `error` sentence quotes.

    - `is_community`: the link resolved to a community (True) or to a personal profile
      (False); None when it could not be resolved. A given `community` implies True.
    - `community`: groups.getById / group.getInfo, read in this sweep.
    - `deactivated`: OK's group no longer returned (error 300, or absent from
      group.getInfo), where there is no `community` to carry the flag. VK's `deactivated`
      comes in `community.deactivated`.
    - `posts_total`: wall.get filter=owner `count` (VK), group.getCounters `themes` (OK).
    - `window_posts`: community posts from the window's start to the run's start. Posts
      outside it (a pinned old post, one published after the run started) are ignored, and
      so are posts by others in it.
    - `others_posts`: posts by non-community authors covering the window. On a VK wall
      closed to others (`community.wall_open_to_others` False) the sweep need not read
      them: such a wall cannot carry any, so the count is 0.
    """

    network: str
    is_community: bool | None = None
    community: Community | None = None
    info_error: str | None = None
    deactivated: bool = False
    posts_total: int | None = None
    window_posts: Sequence[Post] | None = None
    others_posts: Sequence[Post] | None = None
    wall_error: str | None = None


@dataclass(frozen=True)
class FreshRead:
    """The verdict fields this sweep established, before the previous verdict fills gaps.

    `values` holds only the fields read now (a field read as null, e.g. the post counts of
    a closed page, is present with None). `error` is set exactly when a part the verdict
    needs could not be read. `fields` tells the caller which values are fresh; the others
    in the merged verdict are stale (last known).
    """

    network: str
    values: dict[str, Any]
    error: str | None
    thresholds: Thresholds = field(default_factory=Thresholds)

    @property
    def fields(self) -> frozenset[str]:
        return frozenset(self.values)


@dataclass(frozen=True)
class PaperworkItem:
    """A checklist item a person satisfies with a document (order, instruction, …)."""

    code: str
    approved: bool
    due_date: date | None = None


# --- window and post counts ---------------------------------------------------------


def window_for(run_started_at: datetime, weeks: int) -> Window:
    """The last `weeks` complete ISO weeks (Moscow time) before the run start.

    A run that starts exactly at Monday 00:00 has the week that just ended as its last
    judged week and an empty current week.
    """
    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    local = _aware(run_started_at).astimezone(MOSCOW)
    current = local.date() - timedelta(days=local.weekday())
    week_starts = [current - timedelta(weeks=weeks - i) for i in range(weeks)]
    return Window(
        run_started_at=run_started_at,
        week_starts=week_starts,
        start=_moscow_midnight(week_starts[0]),
        end=_moscow_midnight(current),
        current_week_start=current,
    )


def moscow_week_start(moment: datetime) -> date:
    """The Monday (Moscow date) of the ISO week a moment falls in."""
    local_day = _aware(moment).astimezone(MOSCOW).date()
    return local_day - timedelta(days=local_day.weekday())


def weekly_counts(posts: Iterable[Post], window: Window) -> list[dict[str, Any]]:
    """Community posts per judged week, oldest first: `[{"week_start": date, "posts": n}]`.

    A pinned post counts by its own date like any other: the API lists it first whatever
    its age, so its position says nothing.
    """
    counts = dict.fromkeys(window.week_starts, 0)
    for post in posts:
        if post.from_community and window.contains(post.date):
            counts[moscow_week_start(post.date)] += 1
    return [{"week_start": week, "posts": n} for week, n in counts.items()]


def current_week(posts: Iterable[Post], window: Window) -> dict[str, Any]:
    """Community posts from the current Monday 00:00 up to and including the run start."""
    start = _moscow_midnight(window.current_week_start)
    count = sum(
        1
        for post in posts
        if post.from_community and start <= _aware(post.date) <= window.run_started_at
    )
    return {"week_start": window.current_week_start, "posts": count}


def is_regular(weekly: Sequence[Mapping[str, Any]], posts_per_week_min: int) -> bool:
    """Every judged week has at least the minimum of community posts."""
    return all(week["posts"] >= posts_per_week_min for week in weekly)


def count_posts_not_from_community(posts: Iterable[Post], window: Window) -> int:
    return sum(1 for post in posts if not post.from_community and window.contains(post.date))


def count_reposts_from_personal_pages(posts: Iterable[Post], window: Window) -> int:
    return sum(
        1
        for post in posts
        if post.from_community and post.repost_of_personal and window.contains(post.date)
    )


# --- mandatory information ----------------------------------------------------------


def missing_info(community: Community) -> list[str]:
    """Which of name, address, email, phone, site, description are absent, in that order.

    A structured field counts when it is non-empty after trimming. A structured site counts
    without a scheme too («school9.ru» typed into VK's `site`): the field says it is a
    site. Only in the description must a site look like an address (`http://`, `https://`
    or `www.`), since there a bare «school9.ru» may just as well be an e-mail's domain or
    a word. A site on vk.com, vk.ru or ok.ru (or a subdomain) never counts anywhere.
    """
    description = community.description.strip()
    present = {
        "name": bool(community.name.strip()),
        "address": bool(community.address.strip()) or bool(POSTAL_INDEX_RE.search(description)),
        "email": _any_filled(community.emails) or bool(EMAIL_RE.search(description)),
        "phone": _any_filled(community.phones) or bool(PHONE_RE.search(description)),
        "site": any(_structured_site_counts(site) for site in community.sites)
        or bool(sites_in_text(description)),
        "description": bool(description),
    }
    return [item for item in INFO_ITEMS if not present[item]]


def sites_in_text(text: str) -> list[str]:
    """The site addresses in free text that count, trailing punctuation dropped."""
    found = []
    for match in SITE_RE.finditer(text):
        candidate = match.group().rstrip(TRAILING_PUNCTUATION)
        if not SITE_PREFIX_RE.match(candidate):
            continue  # «www.» and nothing after it, its dot taken as punctuation
        host = site_host(candidate)
        if host and not is_social_host(host):
            found.append(candidate)
    return found


def site_host(value: str) -> str:
    """The lower-case host of a site value, with or without a scheme ("" if none)."""
    value = value.strip()
    if "://" not in value:
        value = "http://" + value
    try:
        host = urlsplit(value).hostname or ""
    except ValueError:  # e.g. an unbalanced "[" read as a broken IPv6 literal
        return ""
    return host.rstrip(".").lower()


def is_social_host(host: str) -> bool:
    """vk.com, vk.ru, ok.ru or any subdomain (m.vk.com, www.ok.ru, …)."""
    host = host.rstrip(".").lower()
    return any(host == social or host.endswith("." + social) for social in SOCIAL_HOSTS)


def _structured_site_counts(value: str) -> bool:
    return bool(value.strip()) and not is_social_host(site_host(value))


def _any_filled(values: Iterable[str]) -> bool:
    return any(value.strip() for value in values)


# --- one community's verdict --------------------------------------------------------


def read_observation(
    observation: PageObservation, window: Window, thresholds: Thresholds | None = None
) -> FreshRead:
    """Turn what this sweep read into the verdict fields it establishes."""
    thresholds = thresholds or Thresholds()
    network = observation.network
    community = observation.community
    is_community = observation.is_community
    if is_community is None and community is not None:
        is_community = True

    def fresh(values: dict[str, Any], problems: list[str]) -> FreshRead:
        error = ". ".join(problems) or None
        return FreshRead(network=network, values=values, error=error, thresholds=thresholds)

    if is_community is False:
        # A personal profile: nothing else is judged, so nothing else is needed.
        return fresh({"is_community": False}, [])

    values: dict[str, Any] = {}
    if is_community is True:
        values["is_community"] = True
    if observation.deactivated or (community is not None and community.deactivated):
        # Only a community can be found deactivated (a deleted profile resolves as one).
        return fresh({"is_community": True, "deactivated": True}, [])

    problems: list[str] = []
    if community is None:
        what = _("Не удалось прочитать сведения о странице")
        problems.append(_part_error(what, observation.info_error))
    else:
        values.update(
            gov_mark=community.gov_mark,
            missing_info=missing_info(community),
            closed=community.closed,
            deactivated=False,
        )
        if community.closed:
            # A closed page fails as it is; its wall is not for reading.
            values.update(dict.fromkeys(POST_FIELDS))
            return fresh(values, [])

    wall_unread = False
    if observation.posts_total is None:
        wall_unread = True
    else:
        values["posts_total"] = observation.posts_total

    if observation.window_posts is None:
        wall_unread = True
    else:
        posts = list(observation.window_posts)
        weekly = weekly_counts(posts, window)
        values["weekly_posts"] = [_json_week(week) for week in weekly]
        values["current_week"] = _json_week(current_week(posts, window))
        values["regular"] = is_regular(weekly, thresholds.posts_per_week_min)
        if network == VK:
            reposts = count_reposts_from_personal_pages(posts, window)
            values["reposts_from_personal_pages"] = reposts
    if observation.others_posts is not None:
        values["posts_not_from_community"] = count_posts_not_from_community(
            observation.others_posts, window
        )
    elif network == VK and community is not None and not community.wall_open_to_others:
        values["posts_not_from_community"] = 0
    elif community is not None:
        # Needed and not read. With the info unread we cannot tell whether it was needed;
        # the info error already makes the verdict unknown.
        wall_unread = True

    if wall_unread:
        if network == VK:
            what = _("Не удалось прочитать стену")
        else:
            what = _("Не удалось прочитать ленту группы")
        problems.append(_part_error(what, observation.wall_error))
    return fresh(values, problems)


def merge_with_previous(previous: Mapping[str, Any] | None, fresh: FreshRead) -> dict[str, Any]:
    """The full verdict: this sweep's fields over the last known ones, status recomputed.

    Fields not read now keep their previous values (null if never read); `error` is always
    this sweep's own. The null rules and the status are applied to the merged result, so a
    failure known from before (mark false, closed, …) stays a failure while a fault hides
    the page, and a fault alone never makes a failure.
    """
    verdict: dict[str, Any] = dict.fromkeys(VERDICT_FIELDS)
    if previous:
        for key in VERDICT_FIELDS:
            if key not in ("status", "error"):
                verdict[key] = copy.deepcopy(previous.get(key))
    for key, value in fresh.values.items():
        if key in VERDICT_FIELDS:
            verdict[key] = value
    verdict["error"] = fresh.error
    if fresh.network == OK:
        # Judged on VK only (copy_history shows whose post was reposted); null on OK.
        verdict["reposts_from_personal_pages"] = None
    _apply_null_rules(verdict)
    verdict["status"] = community_status(verdict, fresh.thresholds.posts_total_min)
    if verdict["status"] == STATUS_UNKNOWN and not verdict["error"]:
        verdict["error"] = _("Сведения о странице прочитаны не полностью")
    return verdict


def evaluate(
    observation: PageObservation,
    window: Window,
    thresholds: Thresholds | None = None,
    previous: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The verdict of one page for one sweep (see `merge_with_previous`)."""
    return merge_with_previous(previous, read_observation(observation, window, thresholds))


def community_status(verdict: Mapping[str, Any], posts_total_min: int = 2) -> str:
    """fail > unknown > warning > ok, from a full verdict.

    `gov_mark` None (the API did not say) never fails. The verdict is unknown when its
    `error` is set, or when a field it needs is null without a failure explaining why.
    """
    posts_total = verdict.get("posts_total")
    if (
        verdict.get("is_community") is False
        or verdict.get("deactivated") is True
        or verdict.get("closed") is True
        or verdict.get("gov_mark") is False
        or (posts_total is not None and posts_total < posts_total_min)
    ):
        return STATUS_FAIL
    needed = (
        "is_community",
        "closed",
        "deactivated",
        "missing_info",
        "posts_total",
        "weekly_posts",
        "regular",
        "posts_not_from_community",
    )
    if verdict.get("error") or any(verdict.get(key) is None for key in needed):
        return STATUS_UNKNOWN
    if (
        verdict.get("regular") is False
        or verdict.get("missing_info")
        or (verdict.get("posts_not_from_community") or 0) > 0
        or (verdict.get("reposts_from_personal_pages") or 0) > 0
    ):
        return STATUS_WARNING
    return STATUS_OK


def _apply_null_rules(verdict: dict[str, Any]) -> None:
    if verdict["is_community"] is False:
        for key in VERDICT_FIELDS:
            if key not in ("status", "is_community"):
                verdict[key] = None
    elif verdict["deactivated"] is True:
        for key in VERDICT_FIELDS:
            if key not in ("status", "is_community", "deactivated"):
                verdict[key] = None
    elif verdict["closed"] is True:
        for key in POST_FIELDS:
            verdict[key] = None


def _part_error(what: str, reason: str | None) -> str:
    reason = (reason or "").strip()
    return f"{what}: {reason}" if reason else what


def _json_week(week: Mapping[str, Any]) -> dict[str, Any]:
    return {"week_start": week["week_start"].isoformat(), "posts": week["posts"]}


# --- organizations ------------------------------------------------------------------


def worst_status(statuses: Iterable[str]) -> str:
    """The worst of the statuses; `ok` when there are none."""
    seen = set()
    for status in statuses:
        if status not in STATUS_SEVERITY:
            raise ValueError(f"unknown status {status!r}")
        seen.add(status)
    return next((status for status in STATUS_SEVERITY if status in seen), STATUS_OK)


def paperwork_status(item: PaperworkItem, today: date) -> str:
    """Approved is ok; otherwise a warning until the due date (inclusive), a failure after."""
    if item.approved:
        return STATUS_OK
    if item.due_date is not None and today > item.due_date:
        return STATUS_FAIL
    return STATUS_WARNING


def organization_status(
    community_statuses: Mapping[str, str | None],
    paperwork_items: Iterable[PaperworkItem],
    today: date,
    *,
    networks: Sequence[str] = (VK, OK),
) -> str:
    """The worst of an organization's pages and paperwork.

    `community_statuses` maps a network to its page's status; a network of `networks`
    that is absent or None has no page, which fails (DESIGN "No page on a network").
    """
    statuses = [community_statuses.get(network) or STATUS_FAIL for network in networks]
    statuses += [
        status
        for network, status in community_statuses.items()
        if network not in networks and status is not None
    ]
    statuses += [paperwork_status(item, today) for item in paperwork_items]
    return worst_status(statuses)


def missing_page_entry(network: str) -> dict[str, Any]:
    """The export's `communities[]` entry for a network with no registered page."""
    return {"network": network, "url": None, "missing": True, "status": STATUS_FAIL}


# --- time helpers -------------------------------------------------------------------


def _aware(moment: datetime) -> datetime:
    # A naive time would silently be read as the server's zone: refuse it instead.
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"timezone-aware datetime required, got {moment!r}")
    return moment


def _moscow_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=MOSCOW)
