"""Storing what a batch read: snapshots, posts, change events and page states, in bulk; and
what the next read needs to know of what is stored."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from monitoring.audience import page_figures
from monitoring.changes import detect_changes
from monitoring.models import ChangeEvent, PagePost, PageState, RulesBook, Snapshot, SweepRun
from monitoring.networks import JUDGES
from monitoring.reading import PageRead, Stored
from monitoring.rules import PageObservation, Window, window_for
from monitoring.sweep.replies import replies_by_page, store_comments
from monitoring.types import VK, Community, Post
from organizations.models import OfficialPage


def persist_pages(*, run: SweepRun, pages: list[tuple[OfficialPage, PageRead]], window: Window, book: RulesBook) -> None:
    """Store what was read of these pages, judge each by its district's thresholds in `book`
    (`window` is the widest of their windows), write change events and the pages' states:
    about ten queries for the lot (a chunk of up to PERSIST_CHUNK pages), not ten a page, so
    storing keeps up with reading on PostgreSQL too."""
    ids = [page.pk for page, _read in pages]
    previous = _previous_snapshots(run, ids)
    _upsert_posts(run, [(page, read.posts) for page, read in pages if read.posts])
    _mark_removed(run, pages)
    store_comments(run, pages)
    answers = replies_by_page([page.pk for page, _read in pages if page.network == VK], run)
    stored = _window_posts(run, window, [page for page, read in pages if read.wall_read or read.others_read])
    states = {state.page_id: state for state in PageState.objects.filter(page_id__in=ids)}
    # A page is stored once per run; only a rerun after a crash finds its snapshot there already.
    rerun = dict(Snapshot.objects.filter(run=run, page_id__in=ids).values_list("page_id", "pk"))
    snapshots, new_states, renamed = [], [], []
    for page, read in pages:
        before, before_info = previous.get(page.pk, (None, None))
        thresholds = book.of(page.organization.district_id).thresholds()
        own = window_for(run.started_at, thresholds.weeks)
        page_posts = [post for post in stored.get(page.pk, []) if post.date >= own.start]
        observation = PageObservation(
            network=page.network,
            is_community=read.is_community,
            community=read.community,
            info_error=read.info_error,
            deactivated=read.deactivated,
            posts_total=read.posts_total,
            window_posts=[post for post in page_posts if post.from_community] if read.wall_read else None,
            others_posts=[post for post in page_posts if not post.from_community] if read.others_read else None,
            wall_error=read.wall_error,
        )
        read_fresh, merge = JUDGES[page.network]
        fresh = read_fresh(observation, own, thresholds)
        verdict = merge(before.verdict if before else None, fresh)
        verdict.update(page_figures(
            verdict, before.verdict if before else None,
            subscribers=read.community.members_count if read.community else None,
            window_posts=observation.window_posts, audience=page.organization.audience,
            replies_read=answers.get(page.pk),
        ))
        snapshot = Snapshot(pk=rerun.get(page.pk), run=run, page=page, **_snapshot_fields(run, read, verdict))
        snapshots.append(snapshot)
        community = read.community
        current = community or (Community(network=page.network, external_id=read.external_id, deactivated=True) if read.deactivated else None)
        for change in detect_changes(
            community_from_snapshot(before_info) if before_info else None,
            current,
            before.verdict if before else None,
            verdict,
            network=page.network,
            thresholds=thresholds,
        ):
            # Keyed by what the change is measured from, not by run: two runs that overlap
            # compare with the same snapshot and write the event once.
            ChangeEvent.objects.get_or_create(
                page=page,
                kind=change.kind,
                previous_snapshot=before,
                defaults=dict(
                    run=run, organization_id=page.organization_id, severity=change.severity, message=change.message,
                    old=_jsonable(change.old), new=_jsonable(change.new),
                ),
            )
        state = states.get(page.pk)
        if state is None:
            state = PageState(page=page)
            new_states.append(state)
        state.field_dates = {**(state.field_dates or {}), **dict.fromkeys(fresh.fields, run.started_at.isoformat())}
        state.status = verdict["status"]
        state.verdict = verdict
        state.last_run = run
        state.last_snapshot = snapshot
        if fresh.fields:  # anything read
            state.checked_at = run.started_at
        if read.wall_read:
            state.wall_read_at, state.wall_total = run.started_at, read.posts_total
        if read.others_read:
            state.others_read_at, state.others_total = run.started_at, read.others_total
        if (read.external_id, read.external_kind) != (page.external_id, page.external_kind) and read.external_id:
            page.external_id, page.external_kind = read.external_id, read.external_kind
            renamed.append(page)
    for snapshot in snapshots:
        if snapshot.pk is not None:
            snapshot.save(force_update=True)
    Snapshot.objects.bulk_create([snapshot for snapshot in snapshots if snapshot.pk is None])
    PageState.objects.bulk_create(new_states)
    PageState.objects.bulk_update(
        states.values(),
        [
            "field_dates", "status", "verdict", "last_run", "last_snapshot", "checked_at",
            "wall_read_at", "wall_total", "others_read_at", "others_total",
        ],
    )
    OfficialPage.objects.bulk_update(renamed, ["external_id", "external_kind"])


def _previous_snapshots(run: SweepRun, ids: list[int]) -> dict[int, tuple[Snapshot | None, Snapshot | None]]:
    """page id → (its latest snapshot from another run, the latest that read the info)."""
    earlier = Snapshot.objects.filter(page=OuterRef("pk")).exclude(run=run).order_by("-taken_at", "-pk").values("pk")
    latest = (
        OfficialPage.objects.filter(pk__in=ids)
        .annotate(before=Subquery(earlier[:1]), before_info=Subquery(earlier.filter(info_read=True)[:1]))
        .values_list("pk", "before", "before_info")
    )
    rows = [row for row in latest if row[1] is not None]  # pages seen before
    found = Snapshot.objects.select_related("page").defer("raw").in_bulk({pk for row in rows for pk in row[1:] if pk})
    return {page_id: (found[before], found.get(before_info)) for page_id, before, before_info in rows}


def _mark_removed(run: SweepRun, pages: list[tuple[OfficialPage, PageRead]]) -> None:
    """A stored post dated inside a range that a read covered completely, yet absent from
    that read, is gone from the wall: its row is marked (kept as history) and counts no more.
    Two queries for the lot."""
    reads = {page.pk: read for page, read in pages if read.wall_read or read.others_read}
    starts = [start for read in reads.values() for start in (read.wall_from, read.others_from) if start]
    if not starts:
        return
    seen = {page_id: {post.external_id for post in read.posts or []} for page_id, read in reads.items()}
    candidates = PagePost.objects.on_wall().filter(page_id__in=reads, date__gte=min(starts))
    gone = []
    for pk, page_id, external_id, from_community, date in candidates.values_list(
        "pk", "page_id", "external_id", "from_community", "date"
    ):
        read = reads[page_id]
        start = read.wall_from if from_community else read.others_from
        if start is not None and date >= start and external_id not in seen[page_id]:
            gone.append(pk)
    if gone:
        PagePost.objects.filter(pk__in=gone).update(removed_at=run.started_at)


# A later read asks only for posts newer than the last read, minus this overlap
# (late edits, clock skew); older posts are already stored.
READ_OVERLAP = timedelta(hours=1)


def stored_lists(
    page_ids: list[int], horizon: datetime, recent_from: datetime | None = None
) -> dict[int, tuple[Stored, Stored]]:
    """page id → what is stored of its community posts and of its posts by others, for a read
    of only what is new (`monitoring.reading.Stored`); a read of the community's posts starts
    no later than `recent_from` when given. Two queries for the lot."""

    def since(read_at: datetime | None, no_later_than: datetime | None = None) -> datetime:
        if not read_at:
            return horizon
        start = read_at - READ_OVERLAP
        return max(horizon, min(start, no_later_than) if no_later_than else start)

    lists = {page_id: (Stored(horizon), Stored(horizon)) for page_id in page_ids}
    for page_id, wall_at, wall_total, others_at, others_total in PageState.objects.filter(
        page_id__in=page_ids
    ).values_list("page_id", "wall_read_at", "wall_total", "others_read_at", "others_total"):
        lists[page_id] = (Stored(since(wall_at, recent_from), wall_total), Stored(since(others_at), others_total))
    # A read of what is new is checked against the posts stored since: where the count is known.
    checked = [stored.since for pair in lists.values() for stored in pair if stored.total is not None]
    if not checked:
        return lists
    posts: dict[tuple[int, bool], list[tuple[str, datetime]]] = defaultdict(list)
    rows = PagePost.objects.on_wall().filter(page_id__in=page_ids, date__gte=min(checked))
    for page_id, own, external_id, date in rows.values_list("page_id", "from_community", "external_id", "date"):
        posts[page_id, own].append((external_id, date))

    def with_ids(page_id: int, stored: Stored, own: bool) -> Stored:
        return replace(stored, ids=frozenset(post_id for post_id, date in posts[page_id, own] if date >= stored.since))

    return {
        page_id: (with_ids(page_id, wall, True), with_ids(page_id, others, False))
        for page_id, (wall, others) in lists.items()
    }


def _window_posts(run: SweepRun, window: Window, pages: list[OfficialPage]) -> dict[int, list[Post]]:
    """page id → its stored posts of the rules' window still on the wall (what was just read
    included)."""
    networks = {page.pk: page.network for page in pages}
    rows = PagePost.objects.on_wall().filter(page_id__in=networks, date__gte=window.start, date__lte=run.started_at)
    posts: dict[int, list[Post]] = {}
    for values in rows.order_by("page_id", "-date").values("page_id", *STORED_POST_FIELDS):
        page_id = values.pop("page_id")
        posts.setdefault(page_id, []).append(post_from_values(values, networks[page_id]))
    return posts


def _snapshot_fields(run: SweepRun, read: PageRead, verdict: dict) -> dict:
    community = read.community
    return dict(
        taken_at=run.started_at,
        info_read=community is not None,
        wall_read=read.wall_read,
        name=community.name if community else "",
        description=community.description if community else "",
        address=community.address if community else "",
        emails=list(community.emails) if community else [],
        phones=list(community.phones) if community else [],
        sites=list(community.sites) if community else [],
        contact_ids=list(community.contact_ids) if community else [],
        gov_mark=community.gov_mark if community else None,
        closed=community.closed if community else None,
        deactivated=(community.deactivated if community else None) or read.deactivated or None,
        wall_open_to_others=community.wall_open_to_others if community else None,
        members_count=community.members_count if community else None,
        verdict=verdict,
        error=(verdict.get("error") or "")[:500],
        raw={"community": community.raw} if community else None,
    )


# Post fields stored as they are, in both directions (Post ⇄ PagePost).
POST_COLUMNS = (
    "date", "from_community", "author_id", "is_repost", "repost_of_personal", "is_pinned", "text",
    "largest_photo_px", "views", "likes", "reposts", "comments",
)


# What a stored post is read back with (post_from_values).
STORED_POST_FIELDS = ("external_id", "attachment_kinds", *POST_COLUMNS)
# A post read again is on the wall: `removed_at` goes back to null (it was restored).
_UPDATED_ON_CONFLICT = (*POST_COLUMNS, "hashtags", "attachment_kinds", "updated_at", "removed_at")
_INSERTED = ("page_id", "external_id", "first_seen_run_id", *_UPDATED_ON_CONFLICT)


def _upsert_posts(run: SweepRun, pages: list[tuple[OfficialPage, list[Post]]]) -> None:
    """INSERT … ON CONFLICT (page, post) DO UPDATE, which PostgreSQL and SQLite both speak.
    It is written out rather than left to bulk_create(update_conflicts=True): the ORM prepares
    each value of a first night's ~40 posts a page one at a time, and storing fell behind
    reading at 3 requests/s (bench: sweep_time_over_bound). Values go through the backend's
    own adapters, as the ORM would send them."""
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    rows = {}
    for page, posts in pages:
        for post in posts:  # a post met twice (it moved across pages) is written once: the later copy
            columns = {name: getattr(post, name) for name in POST_COLUMNS}
            columns["date"] = ops.adapt_datetimefield_value(post.date)
            rows[page.pk, post.external_id] = (
                page.pk, post.external_id, run.pk, *columns.values(),
                ops.adapt_json_value(list(post.hashtags), None), ops.adapt_json_value(list(post.attachment_kinds), None), now,
                None,
            )
    quote = ops.quote_name
    row_sql = "(" + ", ".join(["%s"] * len(_INSERTED)) + ")"
    per_statement = max(1, (connection.features.max_query_params or 10_000) // len(_INSERTED))
    values = list(rows.values())
    with connection.cursor() as cursor:
        for start in range(0, len(values), per_statement):
            chunk = values[start : start + per_statement]
            cursor.execute(
                f"INSERT INTO {quote(PagePost._meta.db_table)} ({', '.join(map(quote, _INSERTED))}) "
                f"VALUES {', '.join([row_sql] * len(chunk))} "
                f"ON CONFLICT ({quote('page_id')}, {quote('external_id')}) DO UPDATE SET "
                + ", ".join(f"{quote(name)} = EXCLUDED.{quote(name)}" for name in _UPDATED_ON_CONFLICT),
                [value for row in chunk for value in row],
            )


def post_from_row(row: PagePost, network: str) -> Post:
    return post_from_values({name: getattr(row, name) for name in STORED_POST_FIELDS}, network)


def post_from_values(values: dict, network: str) -> Post:
    """A post from a stored row's STORED_POST_FIELDS (a model row's, or a .values() dict)."""
    return Post(network=network, **{**values, "attachment_kinds": tuple(values["attachment_kinds"])})


def community_from_snapshot(snapshot: Snapshot) -> Community:
    return Community(
        network=snapshot.page.network,
        external_id=snapshot.page.external_id,
        name=snapshot.name,
        description=snapshot.description,
        address=snapshot.address,
        emails=tuple(snapshot.emails),
        phones=tuple(snapshot.phones),
        sites=tuple(snapshot.sites),
        closed=bool(snapshot.closed),
        deactivated=bool(snapshot.deactivated),
        gov_mark=snapshot.gov_mark,
        wall_open_to_others=snapshot.wall_open_to_others is not False,
        contact_ids=tuple(snapshot.contact_ids),
        members_count=snapshot.members_count,
    )


def _jsonable(value):
    if isinstance(value, (tuple, set, frozenset)):
        return [_jsonable(item) for item in value]
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
