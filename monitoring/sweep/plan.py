"""Which VK pages a run reads when the day's wall.get quota is short."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings

from monitoring.models import Snapshot
from monitoring.rules import MOSCOW
from monitoring.types import VK


# --- the day's VK quota --------------------------------------------------------------------
#
# VK allows each token about VK_DAILY_WALL_CALLS wall.get calls a Moscow day (calls inside
# `execute` count one by one). A page costs one `filter=owner` call, plus one `filter=others`
# where its wall is open to others' posts. When the run's VK pages need more than is left of
# the day, the most urgent go first and the rest wait for the next night:
#   1. pages whose posts were never read (new in the registry, or never got through);
#   2. flagged pages (status fail, unknown or warning): a school fixing its page wants to see it;
#   3. the rest, longest unread first.
# Within each group the page read longest ago goes first. The day's allowance is
# tokens × VK_DAILY_WALL_CALLS × DAILY_PLAN_SHARE (the rest is the margin for retries, a wall
# that needs a second page, a wall read again because a post was deleted (`read_vk`), and
# «Проверить сейчас», which may use all of it), minus what the runs started earlier the same
# Moscow day already spent (`vk_wall_calls_spent`).

# The share of the day's quota a nightly or `manage.py sweep` run plans to spend.
DAILY_PLAN_SHARE = 0.9
FLAGGED_STATUSES = frozenset({"fail", "unknown", "warning"})


@dataclass(frozen=True)
class _PlannedPage:
    pk: int
    external_kind: str
    link_kind: str
    status: str | None
    wall_read_at: datetime | None
    info_read: bool | None  # of the page's last snapshot; None: no snapshot yet
    closed: bool | None
    deactivated: bool | None
    wall_open_to_others: bool | None

    @property
    def wall_calls(self) -> int:
        """wall.get calls a read of this page is expected to cost (what `read_vk` will ask)."""
        if self.external_kind == "user" or self.link_kind == "id":
            return 0  # a personal page: no wall is read
        if not self.info_read:
            return 2  # nothing known yet: assume a wall open to others
        if self.closed or self.deactivated:
            return 0  # read_vk skips the wall of a closed or deleted community
        return 1 + (self.wall_open_to_others is not False)

    @property
    def priority(self) -> tuple:
        group = 0 if self.wall_read_at is None else 1 if (self.status or "unknown") in FLAGGED_STATUSES else 2
        return (group, self.wall_read_at.timestamp() if self.wall_read_at else 0.0, self.pk)


def _moscow_day(now: datetime) -> tuple[datetime, datetime]:
    start = datetime.combine(now.astimezone(MOSCOW).date(), time.min, MOSCOW)
    return start, start + timedelta(days=1)


def vk_wall_calls_spent(now: datetime) -> int:
    """wall.get calls the VK runs started this Moscow day have made so far, counted from what
    they stored: each snapshot whose community was read open (so its wall was asked for) cost
    one call, two where the wall is open to others. Counted whether the wall answered or not;
    retries are not counted (the plan's margin is for them). A run belongs to the day it started."""
    start, end = _moscow_day(now)
    asked = (
        Snapshot.objects.filter(run__started_at__gte=start, run__started_at__lt=end, page__network=VK, info_read=True)
        .exclude(closed=True)
        .exclude(deactivated=True)
    )
    return asked.count() + asked.filter(wall_open_to_others=True).count()


def plan_vk_day(pages, *, now: datetime, share: float = DAILY_PLAN_SHARE) -> tuple[list[int], int]:
    """The ids (by pk, as the batches want them) of the VK `pages` this run reads, and how many
    it defers. All of them when they fit in what is left of the day (or no token is set: then
    prepare_batch reports the configuration error as before)."""
    rows = [
        _PlannedPage(*row)
        for row in pages.order_by("pk").values_list(
            "pk", "external_kind", "link_kind", "state__status", "state__wall_read_at",
            "state__last_snapshot__info_read", "state__last_snapshot__closed",
            "state__last_snapshot__deactivated", "state__last_snapshot__wall_open_to_others",
        )
    ]
    tokens = len(settings.VK_ACCESS_TOKENS)
    if not rows or not tokens:
        return [row.pk for row in rows], 0
    left = int(tokens * settings.VK_DAILY_WALL_CALLS * share) - vk_wall_calls_spent(now)
    if sum(row.wall_calls for row in rows) <= left:
        return [row.pk for row in rows], 0
    chosen: set[int] = set()
    full = False
    for row in sorted(rows, key=lambda row: row.priority):
        cost = row.wall_calls
        if cost == 0:
            chosen.add(row.pk)  # costs no wall.get: never deferred
        elif not full and cost <= left:
            chosen.add(row.pk)
            left -= cost
        else:
            full = True  # strictly in order: a cheaper page further down does not jump the queue
    ids = [row.pk for row in rows if row.pk in chosen]
    return ids, len(rows) - len(ids)
