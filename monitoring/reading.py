"""One batch of pages read from VK or OK with the fewest requests the APIs allow.

Knows the clients, not the database: the sweep hands in plain `PageRef`s and gets
back plain `PageRead`s, each page once, as soon as its read is final (so the sweep
stores one part while the next is on the wire). A `ConfigurationError` (bad token, bad signature) is raised
to the caller, which stops the network; every other fault lands on the page it
belongs to, so one broken page never costs the others their verdict.

Request budget (VK): links in `/club<id>` form need no request; a screen name goes
straight into `groups.getById` (which accepts names) and only one that VK does not
return as a community costs a `utils.resolveScreenName`, once: the answer is kept
on the page. Then one `groups.getById` per 500 pages, one `wall.get filter=owner` per
page (its `count` is the total, its items the new posts), and a second
`filter=others` only where the wall is open to others' posts. With a user token the
`wall.get` calls travel 25 to an `execute`. OK: `group.getCounters` and
`mediatopic.getTopics` per group.

What stands on the wall now (DESIGN §3.2): a later sweep reads a list only from its last
read on, so it checks the list's count: the count then, plus the posts new since, minus the
stored ones the read no longer returned. When that adds up, nothing older was deleted; when
not, the list is read once more from the horizon, so the store can mark what is gone. A
read records from where it is complete (`PageRead.wall_from`, `others_from`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime

from django.utils.translation import gettext as _

from monitoring.clients import (
    ApiError,
    ConfigurationError,
    OkClient,
    PageUnavailable,
    QuotaExhausted,
    RateLimited,
    VkClient,
)
from monitoring.clients.results import VK_COMMUNITY_KINDS, WallPosts, WallRequest
from monitoring.types import OK, VK, Community, Post

VK_LINK_KINDS = {"club": "group", "public": "page", "event": "event"}
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


def read_vk(client: VkClient, refs: list[PageRef], window_start: datetime) -> Iterator[tuple[int, PageRead]]:
    reads = {ref.page_id: PageRead(external_id=ref.external_id, external_kind=ref.external_kind) for ref in refs}
    lookup: dict[int, str] = {}  # page → what to ask groups.getById for
    for ref in refs:
        read = reads[ref.page_id]
        if ref.external_kind == "user" or ref.link_kind == "id":
            read.external_id, read.external_kind, read.is_community = ref.external_id or ref.link_value, "user", False
        elif ref.external_id and ref.external_kind in VK_COMMUNITY_KINDS:
            lookup[ref.page_id] = ref.external_id
        elif ref.link_kind in VK_LINK_KINDS:
            read.external_id, read.external_kind = ref.link_value, VK_LINK_KINDS[ref.link_kind]
            lookup[ref.page_id] = ref.link_value
        else:
            lookup[ref.page_id] = ref.link_value  # a screen name; getById resolves it
    if lookup:
        communities = _communities(client, lookup, reads)
        for page_id, key in lookup.items():
            read = reads[page_id]
            if read.info_error:
                continue
            community = communities.get(key)
            if community is not None:
                read.community, read.is_community = community, True
                read.external_id = community.external_id
                read.external_kind = read.external_kind if read.external_kind in VK_COMMUNITY_KINDS else "group"
                continue
            _resolve_vk_name(client, read, key)

    wall_requests: list[tuple[int, WallRequest]] = []
    by_id = {ref.page_id: ref for ref in refs}
    for page_id, read in reads.items():
        community = read.community
        if community is None or community.closed or community.deactivated:
            continue
        ref = by_id[page_id]
        lists = [("owner", ref.wall)] + ([("others", ref.others)] if community.wall_open_to_others else [])
        for wall_filter, stored in lists:
            since = _start(stored, _horizon(ref, window_start))
            size = _page_size(since, window_start)
            wall_requests.append((page_id, WallRequest.for_community(community.external_id, since, wall_filter, size)))
    waiting = Counter(page_id for page_id, _request in wall_requests)
    for page_id, read in reads.items():
        if page_id not in waiting:
            yield page_id, read  # nothing more to read (a personal page, a closed wall, a fault)
    # One call for the whole batch: a user token packs all of it 25 to an execute. A list
    # whose count shows a deletion is read again from the horizon, in a second such call.
    while wall_requests:
        again: list[tuple[int, WallRequest]] = []
        for index, answer in client.iter_walls([request for _page_id, request in wall_requests]):
            page_id, request = wall_requests[index]
            ref = by_id[page_id]
            horizon = _horizon(ref, window_start)
            if _apply_wall(reads[page_id], ref, request, answer, horizon):
                again.append((page_id, replace(request, since=horizon, count=_page_size(horizon, window_start))))
                continue
            waiting[page_id] -= 1
            if not waiting[page_id]:
                yield page_id, reads[page_id]
        wall_requests = again


def _communities(client: VkClient | OkClient, wanted: dict[int, str], reads: dict[int, PageRead]) -> dict:
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


def _resolve_vk_name(client: VkClient, read: PageRead, name: str) -> None:
    """A screen name getById did not return: a personal page, or nothing at all."""
    if not name or name.isdigit():
        read.info_error = _("ВКонтакте не вернул сообщество")
        return
    try:
        resolved = client.resolve_screen_name(name)
    except ConfigurationError:
        raise
    except ApiError as error:
        read.info_error, read.faults = describe(error), read.faults + 1
        return
    if resolved is None:
        read.info_error = _("страница не найдена")
    elif resolved.is_community:
        # VK knows the name as a community yet getById did not return it: ask again next time.
        read.external_id, read.external_kind = resolved.object_id, resolved.kind
        read.info_error = _("ВКонтакте не вернул сообщество")
    else:
        read.external_id, read.external_kind, read.is_community = resolved.object_id, "user", False


def _apply_wall(
    read: PageRead, ref: PageRef, request: WallRequest, answer: WallPosts | ApiError, horizon: datetime
) -> bool:
    """Take one wall.get answer into the read. True when the list must be read again from
    the horizon: its count shows that a post older than this read was deleted."""
    if isinstance(answer, ApiError):
        _note_fault(read, answer)
        return False
    owner = request.filter == "owner"
    if owner:
        read.posts_total = answer.total
    else:
        read.others_total = answer.total
    if request.since > horizon and not _unchanged(ref.wall if owner else ref.others, answer.total, answer.posts):
        return True  # its posts wait for the full read, which alone shows what is gone
    read.posts = (read.posts or []) + answer.posts
    if owner:
        read.wall_from = request.since
    else:
        read.others_from = request.since
    return False


def _horizon(ref: PageRef, window_start: datetime) -> datetime:
    return ref.horizon or window_start


def _start(stored: Stored | None, horizon: datetime) -> datetime:
    """Where a read of one list starts: after what is stored when the list's count then is
    known (so the read can be checked), else at the horizon."""
    if stored is None or stored.total is None:
        return horizon
    return max(stored.since, horizon)


def _page_size(since: datetime, window_start: datetime) -> int | None:
    return INCREMENTAL_PAGE_SIZE if since > window_start else None


def _unchanged(stored: Stored | None, total: int | None, posts: list[Post]) -> bool:
    """Whether a list's count proves that no post older than a read from `stored.since` was
    deleted since the last read: it must equal the count then, plus the posts new since,
    minus the stored ones the read no longer returned. Unknown counts prove nothing."""
    if stored is None or stored.total is None or total is None:
        return False
    seen = {post.external_id for post in posts}
    return total == stored.total + len(seen - stored.ids) - len(stored.ids - seen)


def _note_fault(read: PageRead, error: ApiError) -> None:
    read.faults += 0 if isinstance(error, PageUnavailable) else 1
    reason = describe(error)
    read.wall_error = f"{read.wall_error}; {reason}" if read.wall_error and reason not in read.wall_error else reason


def read_ok(client: OkClient, refs: list[PageRef], window_start: datetime) -> Iterator[tuple[int, PageRead]]:
    reads = {ref.page_id: PageRead(external_id=ref.external_id, external_kind=ref.external_kind) for ref in refs}
    groups: dict[int, str] = {}
    for ref in refs:
        read = reads[ref.page_id]
        if ref.external_kind == "user" or ref.link_kind == "profile":
            read.external_id, read.external_kind, read.is_community = ref.external_id or ref.link_value, "user", False
        elif ref.external_id and ref.external_kind == "group":
            groups[ref.page_id] = ref.external_id
        elif ref.link_kind == "group":
            read.external_id, read.external_kind = ref.link_value, "group"
            groups[ref.page_id] = ref.link_value
        else:
            try:
                resolved = client.resolve_link(ref.url)
            except ConfigurationError:
                raise
            except ApiError as error:
                read.info_error, read.faults = describe(error), 1
                continue
            if resolved is None:
                read.info_error = _("страница не найдена")
            elif resolved.is_community:
                read.external_id, read.external_kind = resolved.object_id, "group"
                groups[ref.page_id] = resolved.object_id
            else:
                read.external_id, read.external_kind, read.is_community = resolved.object_id, "user", False
    if groups:
        communities = _communities(client, groups, reads)
        for page_id, gid in groups.items():
            read = reads[page_id]
            community = communities.get(gid)
            if read.info_error or community is None:
                continue
            read.is_community = True
            if community.deactivated:
                read.deactivated = True
                continue
            read.community = community
    for ref in refs:
        read = reads[ref.page_id]
        community = read.community
        if community is not None and not community.closed:
            _read_ok_feed(client, read, ref, community.external_id, window_start)
        yield ref.page_id, read


def _read_ok_feed(client: OkClient, read: PageRead, ref: PageRef, group_id: str, window_start: datetime) -> None:
    """The group's topic counter and feed, each kept when the other fails. The feed carries
    members' topics too: one read gives both lists, checked together against the counter."""
    try:
        read.posts_total = client.get_topics_count(group_id)
    except ConfigurationError:
        raise
    except ApiError as error:
        _note_fault(read, error)
    horizon = _horizon(ref, window_start)
    stored = None
    if ref.wall is not None and read.posts_total is not None:  # else a read from the horizon: nothing to check
        stored = replace(ref.wall, ids=ref.wall.ids | (ref.others.ids if ref.others else frozenset()))
    since = _start(stored, horizon)
    try:
        posts = client.get_topics(group_id, since, _page_size(since, window_start))
        if since > horizon and not _unchanged(stored, read.posts_total, posts):
            since = horizon
            posts = client.get_topics(group_id, since, _page_size(since, window_start))
    except ConfigurationError:
        raise
    except ApiError as error:
        _note_fault(read, error)
        return
    read.posts = posts
    read.wall_from = read.others_from = since


READERS = {VK: read_vk, OK: read_ok}
