"""The sweep pipeline: start a run → read and judge each batch → finish.

Every step is idempotent, so a rerun after a crash duplicates nothing: a batch is
claimed once (`done_at`), snapshots are keyed by run + page, posts by page + post id,
change events by run + page + kind. The "previous" state a page is compared with is
its latest snapshot from *another* run, so reprocessing a batch judges it the same way.
"""

from __future__ import annotations

import logging
import queue
import sys
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from monitoring import compliance
from monitoring.changes import detect_changes
from monitoring.clients import ConfigurationError, OkClient, RateLimiter, VkClient
from monitoring.models import ChangeEvent, PagePost, PageState, RuleSettings, Snapshot, SweepBatch, SweepRun
from monitoring.reading import READERS, PageRead, PageRef
from monitoring.rules import (
    MOSCOW,
    PageObservation,
    Thresholds,
    Window,
    merge_with_previous,
    read_observation,
    window_for,
)
from monitoring.types import OK, VK, Community, Post
from organizations.models import OfficialPage, Organization

logger = logging.getLogger(__name__)

# A later sweep asks only for posts newer than the last read, minus this overlap
# (late edits, clock skew); older window posts are already stored.
READ_OVERLAP = timedelta(hours=1)
HISTORY_WEEKS = 12
_limiters: dict[tuple[str, str], RateLimiter] = {}
# The limiter keeps each request in the window until a second after it finished, which covers
# any delay on its way (monitoring.clients.ratelimit). This margin is for workers on several
# machines, whose clocks (NTP) differ by a few milliseconds.
LIMITER_MARGIN = 0.01


class SweepConfigurationError(Exception):
    """A network cannot be swept with the current settings (missing or refused keys)."""


def _limiter(rate: str) -> RateLimiter:
    """One limiter per rate and storage per process, so every client in it shares the window
    (and, with Redis, every worker on every machine)."""
    url = settings.RATE_LIMIT_STORAGE_URL
    key = (rate, url)
    if key not in _limiters:
        _limiters[key] = RateLimiter(rate, url or None, margin=LIMITER_MARGIN)
    return _limiters[key]


def build_clients(network: str) -> list[VkClient] | list[OkClient]:
    """Clients from the environment (DESIGN §5); raises SweepConfigurationError if unset."""
    timeout = settings.API_TIMEOUT_SECONDS
    # The first wait between retries (doubling after it); settings may shorten it (tests).
    backoff = settings.API_RETRY_BACKOFF_SECONDS
    if network == VK:
        if not settings.VK_ACCESS_TOKENS:
            raise SweepConfigurationError(_("ВКонтакте: не задан VK_ACCESS_TOKEN (или VK_ACCESS_TOKENS)."))
        limiter = _limiter(settings.VK_RATE_LIMIT)
        return [
            VkClient(
                settings.VK_API_URL, settings.VK_API_VERSION, token, settings.VK_TOKEN_TYPE, limiter,
                timeout=timeout, backoff=backoff,
            )
            for token in settings.VK_ACCESS_TOKENS
        ]
    if not (settings.OK_APPLICATION_KEY and settings.OK_APPLICATION_SECRET_KEY):
        raise SweepConfigurationError(
            _("Одноклассники: не заданы OK_APPLICATION_KEY и OK_APPLICATION_SECRET_KEY.")
        )
    return [
        OkClient(
            settings.OK_API_URL,
            settings.OK_APPLICATION_KEY,
            settings.OK_APPLICATION_SECRET_KEY,
            settings.OK_ACCESS_TOKEN,
            _limiter(settings.OK_RATE_LIMIT),
            timeout=timeout,
            backoff=backoff,
        )
    ]


def thresholds_now() -> Thresholds:
    rules = RuleSettings.load()
    return Thresholds(
        weeks=rules.weeks,
        posts_per_week_min=rules.posts_per_week_min,
        posts_total_min=rules.posts_total_min,
        posts_per_week_target=rules.posts_per_week_target,
    )


# --- start ---------------------------------------------------------------------------------


def sweep_start(
    *,
    trigger: str,
    user=None,
    networks: Iterable[str] = (VK, OK),
    organizations: Iterable[Organization] | None = None,
    batch_size: int | None = None,
) -> SweepRun:
    networks = [network for network in (VK, OK) if network in set(networks)]
    batch_size = batch_size or settings.SWEEP_BATCH_SIZE
    pages = OfficialPage.objects.filter(network__in=networks).order_by("network", "pk")
    organization_ids = None
    if organizations is not None:
        organization_ids = sorted({org.pk for org in organizations})
        pages = pages.filter(organization_id__in=organization_ids)
    with transaction.atomic():
        run = SweepRun.objects.create(
            started_at=timezone.now(), trigger=trigger, started_by=user, networks=networks,
            organization_ids=organization_ids,
        )
        batches = []
        for network in networks:
            if network == VK:
                # «Проверить сейчас» may use the reserve the nightly plan leaves.
                share = 1.0 if trigger == SweepRun.Trigger.MANUAL else DAILY_PLAN_SHARE
                ids, run.pages_deferred = plan_vk_day(pages.filter(network=VK), now=run.started_at, share=share)
            else:
                ids = [pk for pk, page_network in pages.values_list("pk", "network") if page_network == network]
            for index, start in enumerate(range(0, len(ids), batch_size)):
                batches.append(SweepBatch(run=run, network=network, index=index, page_ids=ids[start : start + batch_size]))
        SweepBatch.objects.bulk_create(batches)
        run.pages_total = sum(len(batch.page_ids) for batch in batches)
        run.save(update_fields=["pages_total", "pages_deferred"])
    if run.pages_deferred:
        logger.warning("sweep %s: %s VK pages deferred to the next night (daily wall.get quota)", run.pk, run.pages_deferred)
    return run


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
# that needs a second page, and «Проверить сейчас», which may use all of it), minus what the
# runs started earlier the same Moscow day already spent (`vk_wall_calls_spent`).

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


# --- one batch -----------------------------------------------------------------------------


@dataclass
class FetchControl:
    """What stops fetches, shared by the batches of one run in this process: a configuration
    error met while fetching stops its network; `cancel()` stops them all (the run broke off)."""

    halted: dict[str, str] = field(default_factory=dict)  # network → configuration error
    cancelled: threading.Event = field(default_factory=threading.Event)

    def stops(self, network: str) -> bool:
        return network in self.halted or self.cancelled.is_set()

    def cancel(self) -> None:
        self.cancelled.set()


@dataclass
class BatchWork:
    """A batch in three phases: prepare (database), fetch (HTTP only, in another thread),
    store (database). Fetch hands each page over on `arrivals` as soon as its
    read is final, and store persists it while the rest is still on the wire, so the API
    budget, not the database, sets the pace; `sweep_run_inline` also fetches the next batch
    while this one's last pages are stored."""

    batch: SweepBatch
    pages: list[OfficialPage]
    window: Window
    thresholds: Thresholds
    control: FetchControl
    clients: list = field(default_factory=list)
    shards: dict[int, list[PageRef]] = field(default_factory=dict)
    stopped: str | None = None  # the network's configuration error, known before fetching
    arrivals: queue.Queue = field(default_factory=queue.Queue)  # (page id, PageRead) …, then FETCHED
    failure: Exception | None = None  # an unexpected error while fetching, raised again by store


STOPPED = gettext_lazy("сбой настройки API: проверка этой соцсети остановлена")
FETCHED = None  # the last thing on a work's arrivals
PERSIST_CHUNK = 100  # pages per transaction at most: fewer commits, and a crash loses little


# The interpreter hands its lock to a waiting thread after this long. The fetch threads
# mostly wait on the limiter and the wire while the main thread stores; each time one
# wakes it waits for the lock, and a request holds its place in the window until a second
# after it finished. Python's 5 ms default, met a few times a request, stretches each
# request and so slows the sweep; 0.5 ms keeps them prompt at a small cost to the storing thread.
FETCH_SWITCH_INTERVAL = 0.0005


def _prompt_fetch_threads() -> None:
    sys.setswitchinterval(min(sys.getswitchinterval(), FETCH_SWITCH_INTERVAL))


def sweep_batch(batch: SweepBatch, *, clients: list | None = None) -> int:
    """Read and judge one batch; returns how many pages it judged (0 if already done)."""
    if batch.done_at is not None:
        return 0
    _prompt_fetch_threads()
    work = prepare_batch(batch, clients)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"sweep-batch-{batch.pk}") as pool:
        pool.submit(fetch_batch, work)
        try:
            return store_batch(work)
        except BaseException:
            work.control.cancel()
            raise


def prepare_batch(batch: SweepBatch, clients: list | None, control: FetchControl | None = None) -> BatchWork:
    run = batch.run
    thresholds = thresholds_now()
    window = window_for(run.started_at, thresholds.weeks)
    pages = list(OfficialPage.objects.filter(pk__in=batch.page_ids).select_related("organization").order_by("pk"))
    work = BatchWork(batch=batch, pages=pages, window=window, thresholds=thresholds, control=control or FetchControl())
    work.stopped = _config_error(run, batch.network)
    if work.stopped is None and clients is None:
        try:
            clients = build_clients(batch.network)
        except SweepConfigurationError as error:
            work.stopped = record_config_error(run, batch.network, str(error))
    if work.stopped is not None:
        return work
    work.clients = clients
    last_reads = dict(PageState.objects.filter(page__in=pages).values_list("page_id", "wall_read_at"))
    # The first read goes back far enough for the organization page's 12-week chart (one
    # wall.get of 100 posts covers that for any school); later reads only ask for what is new.
    horizon = window.current_week_start - timedelta(weeks=HISTORY_WEEKS - 1)
    horizon = min(window.start, datetime.combine(horizon, time.min, MOSCOW))
    # Pages are dealt to the tokens in turn, so each token's daily quota carries its share.
    # (Not by id: a registry imported row by row gives every VK page an odd id.) Each batch
    # starts at the next token, so the remainders of small batches even out too.
    for position, page in enumerate(pages):
        last = last_reads.get(page.pk)
        since = max(horizon, last - READ_OVERLAP) if last else horizon
        ref = PageRef(
            page_id=page.pk, network=batch.network, url=page.url, link_kind=page.link_kind,
            link_value=page.link_value, external_id=page.external_id, external_kind=page.external_kind, since=since,
        )
        work.shards.setdefault((batch.index + position) % len(clients), []).append(ref)
    return work


def fetch_batch(work: BatchWork) -> None:
    """The HTTP part: no database access here, so it runs in another thread. The tokens'
    shards are read one after the other: a worker process draws on one token's budget at a
    time, and more processes (taking batches that start on other tokens) draw on the rest.
    Always ends `arrivals` with FETCHED."""
    network = work.batch.network
    try:
        for index, refs in work.shards.items():  # none when the network was stopped before
            if work.control.stops(network):
                return
            for page_id, read in READERS[network](work.clients[index], refs, work.window.start):
                work.arrivals.put((page_id, read))
                if work.control.stops(network):
                    return
    except ConfigurationError as error:
        work.control.halted.setdefault(network, str(error))
    except Exception as error:  # a bug, not a fault of the API: store_batch raises it again
        work.failure = error
    finally:
        work.arrivals.put(FETCHED)


def store_batch(work: BatchWork) -> int:
    """Persist the pages as they arrive, then those that never did; claim the batch."""
    batch, run = work.batch, work.batch.run
    by_id = {page.pk: page for page in work.pages}
    stored: set[int] = set()
    faults = 0
    fetched = False
    while not fetched:
        chunk = [work.arrivals.get()]
        while len(chunk) < PERSIST_CHUNK and chunk[-1] is not FETCHED:  # and what else has come
            try:
                chunk.append(work.arrivals.get_nowait())
            except queue.Empty:
                break
        if chunk[-1] is FETCHED:
            fetched = True
            chunk.pop()
        faults += _persist_chunk(work, [(by_id[page_id], read) for page_id, read in chunk])
        stored.update(page_id for page_id, _read in chunk)
    if work.failure is not None:
        raise work.failure
    config_error = work.control.halted.get(batch.network)  # met by this fetch or one before it
    if config_error is not None:
        work.stopped = record_config_error(run, batch.network, config_error)
    unread = PageRead(info_error=str(STOPPED) if work.stopped else _("страница не прочитана"))
    rest = [(page, unread) for page in work.pages if page.pk not in stored]
    for start in range(0, len(rest), PERSIST_CHUNK):
        faults += _persist_chunk(work, rest[start : start + PERSIST_CHUNK])
    claimed = SweepBatch.objects.filter(pk=batch.pk, done_at=None).update(done_at=timezone.now())
    if claimed:
        SweepRun.objects.filter(pk=run.pk).update(pages_done=F("pages_done") + len(work.pages), faults=F("faults") + faults)
    return len(work.pages)


def _persist_chunk(work: BatchWork, pages: list[tuple[OfficialPage, PageRead]]) -> int:
    """One transaction: the pages, then their organizations' automatic checklist items.
    Returns the faults the reads met.

    The items are judged here, while the next requests are on the wire, not all at once
    when the run ends. An organization's VK and OK pages may be stored by two workers at
    the same moment: its row is locked before its items are judged, so the second chunk
    waits for the first to commit and judges from both pages' new states."""
    if not pages:
        return 0
    with transaction.atomic():
        persist_pages(run=work.batch.run, pages=pages, window=work.window, thresholds=work.thresholds)
        ids = sorted({page.organization_id for page, _read in pages})
        organizations = Organization.objects.filter(pk__in=ids)
        list(organizations.select_for_update().order_by("pk").values_list("pk", flat=True))  # in one order: no deadlock
        compliance.update_checklists(organizations, thresholds=work.thresholds)
    return sum(read.faults for _page, read in pages)


def _config_error(run: SweepRun, network: str) -> str | None:
    run.refresh_from_db(fields=["config_errors"])
    return (run.config_errors or {}).get(network)


def record_config_error(run: SweepRun, network: str, message: str) -> str:
    with transaction.atomic():
        locked = SweepRun.objects.select_for_update().get(pk=run.pk)
        errors = dict(locked.config_errors or {})
        errors.setdefault(network, message)
        locked.config_errors = errors
        locked.save(update_fields=["config_errors"])
    run.config_errors = errors
    logger.error("sweep %s: %s stopped: %s", run.pk, network, message)
    return errors[network]


def persist_pages(*, run: SweepRun, pages: list[tuple[OfficialPage, PageRead]], window: Window, thresholds: Thresholds) -> None:
    """Store what was read of these pages, judge each, write change events and the pages'
    states: about ten queries for the lot (a chunk of up to PERSIST_CHUNK pages), not ten a
    page, so storing keeps up with reading on PostgreSQL too."""
    ids = [page.pk for page, _read in pages]
    previous = _previous_snapshots(run, ids)
    _upsert_posts(run, [(page, read.posts) for page, read in pages if read.posts])
    stored = _window_posts(run, window, [page for page, read in pages if read.wall_read])
    states = {state.page_id: state for state in PageState.objects.filter(page_id__in=ids)}
    # A page is stored once per run; only a rerun after a crash finds its snapshot there already.
    rerun = dict(Snapshot.objects.filter(run=run, page_id__in=ids).values_list("page_id", "pk"))
    snapshots, new_states, renamed = [], [], []
    for page, read in pages:
        before, before_info = previous.get(page.pk, (None, None))
        page_posts = stored.get(page.pk, [])
        observation = PageObservation(
            network=page.network,
            is_community=read.is_community,
            community=read.community,
            info_error=read.info_error,
            deactivated=read.deactivated,
            posts_total=read.posts_total,
            window_posts=[post for post in page_posts if post.from_community] if read.wall_read else None,
            others_posts=[post for post in page_posts if not post.from_community] if read.wall_read and read.others_read else None,
            wall_error=read.wall_error,
        )
        fresh = read_observation(observation, window, thresholds)
        verdict = merge_with_previous(before.verdict if before else None, fresh)
        snapshot = Snapshot(pk=rerun.get(page.pk), run=run, page=page, **_snapshot_fields(run, read, verdict))
        snapshots.append(snapshot)
        community = read.community
        current = community or (Community(network=page.network, external_id=read.external_id, deactivated=True) if read.deactivated else None)
        for change in detect_changes(
            community_from_snapshot(before_info) if before_info else None,
            current,
            before.verdict if before else None,
            verdict,
            thresholds=thresholds,
        ):
            ChangeEvent.objects.get_or_create(
                run=run,
                page=page,
                kind=change.kind,
                defaults=dict(
                    organization_id=page.organization_id, severity=change.severity, message=change.message,
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
            state.wall_read_at = run.started_at
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
        ["field_dates", "status", "verdict", "last_run", "last_snapshot", "checked_at", "wall_read_at"],
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


def _window_posts(run: SweepRun, window: Window, pages: list[OfficialPage]) -> dict[int, list[Post]]:
    """page id → its stored posts of the rules' window (what was just read included)."""
    networks = {page.pk: page.network for page in pages}
    rows = PagePost.objects.filter(page_id__in=networks, date__gte=window.start, date__lte=run.started_at)
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
_UPDATED_ON_CONFLICT = (*POST_COLUMNS, "hashtags", "attachment_kinds", "updated_at")
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


# --- finish --------------------------------------------------------------------------------


def sweep_finish(run: SweepRun) -> bool:
    """Close the run once (claimed), then the metrics. The automatic checklist items of
    organizations with pages were judged as their pages were stored (`_persist_chunk`);
    here only those of organizations with no page at all («не зарегистрирована»)."""
    if SweepBatch.objects.filter(run=run, done_at=None).exists():
        return False
    claimed = SweepRun.objects.filter(pk=run.pk, finished_at=None).update(
        finished_at=timezone.now(), status=SweepRun.Status.FINISHED
    )
    if not claimed:
        return False
    run.refresh_from_db()
    organizations = Organization.objects.all()
    if run.organization_ids is not None:
        organizations = organizations.filter(pk__in=run.organization_ids)
    compliance.update_checklists(organizations.filter(pages=None))
    compliance.record_daily_metric(run)
    prune_raw_payloads()
    return True


def sweep_fail(run: SweepRun) -> bool:
    """Close a run that broke off; the pages it judged keep their verdicts."""
    return bool(
        SweepRun.objects.filter(pk=run.pk, finished_at=None).update(
            finished_at=timezone.now(), status=SweepRun.Status.FAILED
        )
    )


def prune_raw_payloads() -> int:
    """Drop raw API answers past the retention (152-ФЗ: keep only what the work needs)."""
    cutoff = timezone.now() - timedelta(days=RuleSettings.load().raw_retention_days)
    return Snapshot.objects.filter(taken_at__lt=cutoff).exclude(raw=None).update(raw=None)


def pending_batches(run: SweepRun):
    return SweepBatch.objects.filter(run=run, done_at=None).order_by("network", "index")


def sweep_run_inline(run: SweepRun, *, progress: Callable[[SweepRun], None] | None = None) -> SweepRun:
    """The same pipeline in this process (manage.py sweep, the embedded demo): each batch is
    stored as it arrives, and the next one is prepared and queued behind it, so the wire
    never waits for the database.

    If it breaks off (an unexpected error, Ctrl+C) the fetches stop and the run is closed as
    failed: no worker will pick it up, and a run left «running» would block «Проверить сейчас»
    for good."""
    _prompt_fetch_threads()
    clients: dict[str, list] = {}
    control = FetchControl()
    try:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"sweep-{run.pk}-fetch") as pool:
            try:
                current = None  # the batch being fetched and stored
                for batch in list(pending_batches(run)) + [None]:
                    ahead = None
                    if batch is not None:
                        if batch.network not in clients and not _config_error(run, batch.network):
                            try:
                                clients[batch.network] = build_clients(batch.network)
                            except SweepConfigurationError as error:
                                record_config_error(run, batch.network, str(error))
                        ahead = prepare_batch(batch, clients.get(batch.network), control)
                        pool.submit(fetch_batch, ahead)  # starts when the current fetch ends
                    if current is not None:
                        store_batch(current)
                        if progress:
                            run.refresh_from_db(fields=["pages_done", "faults"])
                            progress(run)
                    current = ahead
            except BaseException:
                control.cancel()
                raise
        sweep_finish(run)
    except BaseException:
        sweep_fail(run)
        raise
    from monitoring.notify import notify_run

    notify_run(run)
    run.refresh_from_db()
    return run
