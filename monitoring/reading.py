"""What a read of one batch of pages is, whatever the network: the sweep hands each network's
reader (`monitoring.networks.<network>.reading`) plain `PageRef`s and gets back plain
`PageRead`s, each page once, as soon as its read is final (so the sweep stores one part while
the next is on the wire). Knows the clients' failures, not the database. A `ConfigurationError`
(bad token, bad signature) is raised to the caller, which stops the network; every other fault
lands on the page it belongs to, so one broken page never costs the others their verdict.

What stands on the wall now (DESIGN §3.2): a later sweep reads a list only from its last
read on, so it checks the list's count: the count then, plus the posts new since, minus the
stored ones the read no longer returned. When that adds up, nothing older was deleted; when
not, the list is read once more from the horizon, so the store can mark what is gone. A
read records from where it is complete (`PageRead.wall_from`, `others_from`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext as _

from monitoring.clients import (
    ApiError,
    ConfigurationError,
    PageUnavailable,
    QuotaExhausted,
    RateLimited,
)
from monitoring.types import Comment, Community, Post

# A later sweep needs only the posts since its last read (a night or two: a few posts),
# so it asks for a small first page; the client pages on while posts are still new.
# A first read asks for the client's full page: the whole window in one request.
INCREMENTAL_PAGE_SIZE = 3


@dataclass(frozen=True)
class Stored:
    """What the store holds of one list of a wall (community posts, or posts by others) after
    the list's last complete read."""

    since: datetime  # a read of what is new starts here (that read's start, less an overlap)
    total: int | None = None  # the list's count at that read; None: unknown, a read from `since` cannot be checked
    ids: frozenset[str] = frozenset()  # the stored posts dated at or after `since`, on the wall at that read


@dataclass(frozen=True)
class PageRef:
    page_id: int
    network: str
    url: str
    link_kind: str
    link_value: str
    external_id: str = ""
    external_kind: str = ""  # "group"/"page"/"event" (VK), "group" (OK), "user", or "" when unresolved
    horizon: datetime | None = None  # a full read starts here (None: at the window's start)
    wall: Stored | None = None  # community posts; None: none stored, read from the horizon
    others: Stored | None = None  # posts by others (on OK read with the rest of the feed)
    # VK: comments of the community's posts since here are judged (§3.6); None: not read.
    replies_from: datetime | None = None
    comments_read: Mapping[str, int | None] = field(default_factory=dict)  # post id → its count at the last read
    bot_absent: bool = False  # MAX: refused for want of the bot last time, and not added since


@dataclass
class PageRead:
    external_id: str = ""
    external_kind: str = ""
    is_community: bool | None = None
    community: Community | None = None
    info_error: str | None = None
    deactivated: bool = False
    posts_total: int | None = None  # VK filter=owner `count`, OK group.getCounters `themes`
    others_total: int | None = None  # VK filter=others `count`
    posts: list[Post] | None = None  # community posts and, where read, posts by others
    # The community's own posts (VK filter=owner, OK the feed) were read completely from here
    # up to now; None: not read. The same for posts by others (VK filter=others, OK the feed).
    wall_from: datetime | None = None
    others_from: datetime | None = None
    # VK: post id → its comments, for the recent posts whose comment count moved (§3.6).
    comments: dict[str, list[Comment]] | None = None
    wall_error: str | None = None
    faults: int = 0

    @property
    def wall_read(self) -> bool:
        return self.wall_from is not None

    @property
    def others_read(self) -> bool:
        return self.others_from is not None


def describe(error: ApiError) -> str:
    """A few Russian words for a fault, quoted in the verdict's `error` sentence."""
    if isinstance(error, QuotaExhausted):
        return _("исчерпан дневной лимит запросов к API")
    if isinstance(error, RateLimited):
        return _("API просит отправлять запросы реже")
    if isinstance(error, PageUnavailable):
        return {
            "closed": _("доступ закрыт"),
            "private": _("страница приватная"),
            "deleted": _("страница удалена или заблокирована"),
            "not_found": _("страница не найдена"),
        }.get(error.kind, _("страница недоступна"))
    fault = getattr(error, "fault", "")
    if fault == "timeout":
        return _("API не ответил вовремя")
    if fault == "connection":
        return _("нет соединения с API")
    if fault in ("http_status", "malformed"):
        return _("API вернул некорректный ответ")
    if error.code is not None:
        return _("ошибка API %(code)s") % {"code": error.code}
    return _("сбой API")


def read_communities(client, wanted: dict[int, str], reads: dict[int, PageRead]) -> dict:
    """The communities of `wanted` (page → id or name) by the client's key; a fault of the
    call lands on every page it was for."""
    try:
        return client.get_communities(wanted.values())
    except ConfigurationError:
        raise
    except ApiError as error:
        for page_id in wanted:
            reads[page_id].info_error, reads[page_id].faults = describe(error), 1
        return {}


def horizon(ref: PageRef, window_start: datetime) -> datetime:
    return ref.horizon or window_start


def list_start(stored: Stored | None, start: datetime) -> datetime:
    """Where a read of one list starts: after what is stored when the list's count then is
    known (so the read can be checked), else at the horizon `start`."""
    if stored is None or stored.total is None:
        return start
    return max(stored.since, start)


def page_size(since: datetime, window_start: datetime) -> int | None:
    return INCREMENTAL_PAGE_SIZE if since > window_start else None


def unchanged(stored: Stored | None, total: int | None, posts: list[Post]) -> bool:
    """Whether a list's count proves that no post older than a read from `stored.since` was
    deleted since the last read: it must equal the count then, plus the posts new since,
    minus the stored ones the read no longer returned. Unknown counts prove nothing."""
    if stored is None or stored.total is None or total is None:
        return False
    seen = {post.external_id for post in posts}
    return total == stored.total + len(seen - stored.ids) - len(stored.ids - seen)


def note_fault(read: PageRead, error: ApiError) -> None:
    read.faults += 0 if isinstance(error, PageUnavailable) else 1
    reason = describe(error)
    read.wall_error = f"{read.wall_error}; {reason}" if read.wall_error and reason not in read.wall_error else reason
