"""OK read for one batch of pages: `group.getCounters` (topics, members) and `mediatopic.getTopics` per group,
after the groups' info in one call."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime

from django.utils.translation import gettext as _

from monitoring.clients import ApiError, ConfigurationError
from monitoring.networks.ok.client import OkClient
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
        communities = read_communities(client, groups, reads)
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
    """The group's counters and feed, each kept when the other fails. The feed carries
    members' topics too: one read gives both lists, checked together against the topic
    counter. The members counter is the page's subscribers (§3.6); without it, group.getInfo's
    `members_count` stands."""
    try:
        counters = client.get_counters(group_id)
    except ConfigurationError:
        raise
    except ApiError as error:
        note_fault(read, error)
    else:
        read.posts_total = counters.themes
        if counters.members is not None and read.community is not None:
            read.community = replace(read.community, members_count=counters.members)
    start = horizon(ref, window_start)
    stored = None
    if ref.wall is not None and read.posts_total is not None:  # else a read from the horizon: nothing to check
        stored = replace(ref.wall, ids=ref.wall.ids | (ref.others.ids if ref.others else frozenset()))
    since = list_start(stored, start)
    try:
        posts = client.get_topics(group_id, since, page_size(since, window_start))
        if since > start and not unchanged(stored, read.posts_total, posts):
            since = start
            posts = client.get_topics(group_id, since, page_size(since, window_start))
    except ConfigurationError:
        raise
    except ApiError as error:
        note_fault(read, error)
        return
    read.posts = posts
    read.wall_from = read.others_from = since
