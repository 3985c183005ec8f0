"""VK read for one batch of pages with the fewest requests the API allows.

Request budget: links in `/club<id>` form need no request; a screen name goes straight into
`groups.getById` (which accepts names) and only one that VK does not return as a community
costs a `utils.resolveScreenName`, once: the answer is kept on the page. Then one
`groups.getById` per 500 pages, one `wall.get filter=owner` per page (its `count` is the total,
its items the new posts), and a second `filter=others` only where the wall is open to others'
posts. With a user token the `wall.get` calls travel 25 to an `execute`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime

from django.utils.translation import gettext as _

from monitoring.clients import ApiError, ConfigurationError
from monitoring.audience import posts_to_read
from monitoring.clients.results import VK_COMMUNITY_KINDS, WallPosts, WallRequest
from monitoring.networks.vk.client import VkClient
from monitoring.types import Post
from monitoring.reading import (
    PageRead,
    PageRef,
    describe,
    horizon,
    list_start,
    note_fault,
    page_size,
    read_communities,
    unchanged,
)

VK_LINK_KINDS = {"club": "group", "public": "page", "event": "event"}


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
        communities = read_communities(client, lookup, reads)
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
            since = list_start(stored, horizon(ref, window_start))
            size = page_size(since, window_start)
            if size and wall_filter == "owner" and stored is not None:
                # The last 14 days come back whole (§3.6 comment counts): one page sized to
                # the posts stored since then, and room for what is new.
                size = min(size + len(stored.ids), client.MAX_WALL_COUNT)
            wall_requests.append((page_id, WallRequest.for_community(community.external_id, since, wall_filter, size)))
    waiting = Counter(page_id for page_id, _request in wall_requests)
    for page_id, read in reads.items():
        if page_id not in waiting:
            yield page_id, read  # nothing more to read (a personal page, a closed wall, a fault)
    # One call for the whole batch: a user token packs all of it 25 to an execute. A list
    # whose count shows a deletion is read again from the horizon, in a second such call.
    # A page whose recent posts have new comments waits for them: the batch's posts are read
    # together at its end, so a user token fills every execute but the last.
    commented: list[int] = []
    while wall_requests:
        again: list[tuple[int, WallRequest]] = []
        for index, answer in client.iter_walls([request for _page_id, request in wall_requests]):
            page_id, request = wall_requests[index]
            ref = by_id[page_id]
            start = horizon(ref, window_start)
            if _apply_wall(reads[page_id], ref, request, answer, start):
                again.append((page_id, replace(request, since=start, count=page_size(start, window_start))))
                continue
            waiting[page_id] -= 1
            if waiting[page_id]:
                continue
            if not _comments_wanted(reads[page_id], ref):
                yield page_id, reads[page_id]
                continue
            commented.append(page_id)
        wall_requests = again
    yield from _read_comments(client, [(p, reads[p], by_id[p]) for p in commented])


def _comments_wanted(read: PageRead, ref: PageRef) -> list[Post]:
    """The page's recent community posts whose comments are to be read this night (§3.6)."""
    if ref.replies_from is None or not read.wall_read:
        return []
    return posts_to_read(read.posts or [], ref.replies_from, ref.comments_read)


def _read_comments(client: VkClient, pages: list[tuple[int, PageRead, PageRef]]) -> Iterator[tuple[int, PageRead]]:
    """Read the wanted posts' comments of `pages` in one go, then give each page its read. A post
    whose comments failed keeps its earlier judgement and is asked again the next night (its
    count is not marked read); replies are an advisory, so the page's verdict does not suffer."""
    wanted = {page_id: _comments_wanted(read, ref) for page_id, read, ref in pages}
    keys = {post.external_id: _post_key(post) for posts in wanted.values() for post in posts}
    answers = client.get_comments(list(keys.values())) if keys else {}
    for page_id, read, _ref in pages:
        read.comments = {}
        for post in wanted[page_id]:
            answer = answers[keys[post.external_id]]
            if not isinstance(answer, ApiError):
                read.comments[post.external_id] = answer
        yield page_id, read


def _post_key(post: Post) -> tuple[int, int]:
    owner, _sep, number = post.external_id.partition("_")
    return int(owner), int(number)


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
    read: PageRead, ref: PageRef, request: WallRequest, answer: WallPosts | ApiError, start: datetime
) -> bool:
    """Take one wall.get answer into the read. True when the list must be read again from
    the horizon: its count shows that a post older than this read was deleted."""
    if isinstance(answer, ApiError):
        note_fault(read, answer)
        return False
    owner = request.filter == "owner"
    if owner:
        read.posts_total = answer.total
    else:
        read.others_total = answer.total
    if request.since > start and not unchanged(ref.wall if owner else ref.others, answer.total, answer.posts):
        return True  # its posts wait for the full read, which alone shows what is gone
    read.posts = (read.posts or []) + answer.posts
    if owner:
        read.wall_from = request.since
    else:
        read.others_from = request.since
    return False
