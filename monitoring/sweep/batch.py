"""One batch: prepare (database), fetch (HTTP, another thread), store (database)."""

from __future__ import annotations

import logging
import queue
import sys
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from time import monotonic, sleep
from typing import TypeVar

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from monitoring import compliance
from monitoring.audience import REPLY_WINDOW
from monitoring.clients import ConfigurationError
from monitoring.models import RuleSettings, RulesBook, SweepBatch, SweepRun
from monitoring.networks import READERS
from monitoring.reading import PageRead, PageRef
from monitoring.rules import MOSCOW, Window, window_for
from monitoring.sweep.clients import SweepConfigurationError, build_clients
from monitoring.sweep.replies import channels_without_bot, comment_counts_read
from monitoring.sweep.store import persist_pages, stored_lists
from monitoring.types import MAX, VK
from organizations.models import OfficialPage, Organization

logger = logging.getLogger(__name__)
T = TypeVar("T")


HISTORY_WEEKS = 12
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
    store (database). Fetch hands each page over on `arrivals` as soon as its read is final,
    and store persists it while the rest is still on the wire, so the API budget, not the
    database, sets the pace. Several works may share one `arrivals` queue: `sweep_run_inline`
    fetches each network in its own thread and stores what comes from any of them."""

    batch: SweepBatch
    pages: list[OfficialPage]
    window: Window  # the widest of the districts' windows: what is read
    book: RulesBook  # each district's thresholds: what each page is judged by
    control: FetchControl
    holder: str  # who leases the batch
    arrivals: queue.Queue  # (work, page id, PageRead) …, then (work, FETCHED, None)
    clients: list = field(default_factory=list)
    shards: dict[int, list[PageRef]] = field(default_factory=dict)
    stopped: str | None = None  # the network's configuration error, known before fetching or met
    given_up: bool = False  # the watchdog closes the batch without reading it
    lost: bool = False  # another holder took the batch over (this one was taken for dead): stop
    failure: Exception | None = None  # an unexpected error while fetching, raised again by store
    reached: bool | None = None  # did any request of this fetch get to the API server (None: none sent)
    faults: int = 0


class LeaseLost(Exception):
    """The batch is held by another worker now: what this one read is not stored."""


STOPPED = gettext_lazy("сбой настройки API: проверка этой соцсети остановлена")
GIVEN_UP = gettext_lazy("проверка страницы не завершилась: обработчик не отвечал")
FETCHED = None  # the last thing a work puts on its arrivals
PERSIST_CHUNK = 100  # pages per transaction at most: fewer commits, and a crash loses little
# A run started from the portal has someone watching its bar, polled every second. When storing
# falls behind reading, whatever had piled up was stored as one chunk and the bar jumped
# 0 → 52 → 104. Such a run sizes its chunks to take about this long to store: the bar moves at
# every poll, and a chunk's fixed cost (a transaction, some ten queries, ~20 ms) stays a few per
# cent. Fixed small chunks cost more: 5 pages a chunk doubled the storing time of a fast
# 1000-page sweep (8 s → 16 s on SQLite).
WATCHED_CHUNK_SECONDS = 0.5


class ChunkSize:
    """How many arrived pages one transaction stores at most."""

    def __init__(self, run: SweepRun) -> None:
        self.watched = run.trigger == SweepRun.Trigger.MANUAL
        self.limit = 1 if self.watched else PERSIST_CHUNK  # the first page shows at once

    def stored(self, pages: int, seconds: float) -> None:
        if self.watched and pages:
            self.limit = max(1, min(PERSIST_CHUNK, round(pages * WATCHED_CHUNK_SECONDS / max(seconds, 0.001))))


# The interpreter hands its lock to a waiting thread after this long. The fetch threads
# mostly wait on the limiter and the wire while the main thread stores; each time one
# wakes it waits for the lock, and a request holds its place in the window until a second
# after it finished. Python's 5 ms default, met a few times a request, stretches each
# request and so slows the sweep; 0.5 ms keeps them prompt at a small cost to the storing thread.
FETCH_SWITCH_INTERVAL = 0.0005


def _prompt_fetch_threads() -> None:
    sys.setswitchinterval(min(sys.getswitchinterval(), FETCH_SWITCH_INTERVAL))


# A database or Redis that restarts is back within seconds to a minute: the sweep waits for it
# (0.5 + 1 + … + 32 s ≈ a minute) rather than leave a batch half done.
RETRY_DELAYS = (0.5, 1, 2, 4, 8, 16, 32)
TRANSIENT_DATABASE_ERRORS = (OperationalError, InterfaceError)


def with_database_retry(action: Callable[[], T]) -> T:
    """Run `action` (one transaction or a few idempotent queries), again after a lost or busy
    database connection. Inside an outer transaction nothing can be retried: it fails as is."""
    for delay in RETRY_DELAYS:
        try:
            return action()
        except TRANSIENT_DATABASE_ERRORS as error:
            if connection.in_atomic_block:
                raise
            logger.warning("database unavailable (%s); trying again in %s s", type(error).__name__, delay)
            connection.close()
            sleep(delay)
    return action()


def lease_time() -> datetime:
    return timezone.now() + timedelta(seconds=settings.SWEEP_STALL_SECONDS)


def lease_batch(batch: SweepBatch, holder: str) -> bool:
    """Take the batch for `holder` unless it is done or another holder's lease still runs."""
    now = timezone.now()
    taken = (
        SweepBatch.objects.filter(pk=batch.pk, done_at=None)
        .filter(Q(leased_until=None) | Q(leased_until__lt=now) | Q(leased_by=holder))
        .update(leased_by=holder, leased_until=lease_time())
    )
    if taken:
        batch.refresh_from_db()
    return bool(taken)


def sweep_batch(batch: SweepBatch, *, clients: list | None = None, holder: str = "") -> int:
    """Read and judge one batch; returns how many pages it judged (0 if it is done, or another
    worker holds it)."""
    holder = holder or uuid.uuid4().hex
    if not with_database_retry(lambda: lease_batch(batch, holder)):
        return 0
    _prompt_fetch_threads()
    work = with_database_retry(lambda: prepare_batch(batch, clients, holder=holder))
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"sweep-batch-{batch.pk}") as pool:
        if work.pages and work.clients:
            pool.submit(fetch_batch, work)
        try:
            return store_works([work])
        except BaseException:
            work.control.cancel()
            raise


def prepare_batch(
    batch: SweepBatch,
    clients: list | None,
    control: FetchControl | None = None,
    *,
    holder: str,
    arrivals: queue.Queue | None = None,
    given_up: bool = False,
) -> BatchWork:
    """What the batch still has to read: its pages but those already stored (or, on the first
    attempt, left for the second) by an earlier try of it; none when it is `given_up`."""
    run = batch.run
    book = RuleSettings.book()
    window = window_for(run.started_at, book.widest_weeks())
    handled = set(batch.stored_ids) | set(batch.failed_ids)
    wanted = [pk for pk in batch.page_ids if pk not in handled]
    pages = list(OfficialPage.objects.filter(pk__in=wanted).select_related("organization").order_by("pk"))
    work = BatchWork(
        batch=batch, pages=pages, window=window, book=book, control=control or FetchControl(),
        holder=holder, arrivals=arrivals or queue.Queue(), given_up=given_up,
    )
    if given_up:
        return work
    work.stopped = _config_error(run, batch.network)
    if work.stopped is None and clients is None:
        try:
            clients = build_clients(batch.network)
        except SweepConfigurationError as error:
            work.stopped = record_config_error(run, batch.network, str(error))
    if work.stopped is not None or not pages:
        return work
    work.clients = clients
    # The first read goes back far enough for the organization page's 12-week chart (one
    # wall.get of 100 posts covers that for any school); later reads only ask for what is new.
    horizon = window.current_week_start - timedelta(weeks=HISTORY_WEEKS - 1)
    horizon = min(window.start, datetime.combine(horizon, time.min, MOSCOW))
    # VK's community wall is read again over the last 14 days every night (one wall.get of up
    # to 100 posts, as a night's read costs anyway): the comment counts of recent posts are
    # fresh, so only posts with new comments get theirs read (§3.6), and views settle.
    recent_from = run.started_at - REPLY_WINDOW if batch.network == VK else None
    stored = stored_lists([page.pk for page in pages], horizon, recent_from)
    counts_read = comment_counts_read([page.pk for page in pages], recent_from) if recent_from else {}
    # A MAX channel that refused the bot last night and has not added it since (no bot_added)
    # is not asked again at night (§3.5 budget); «Проверить канал» and «Проверить сейчас» ask.
    without_bot = channels_without_bot(pages) if batch.network == MAX and run.trigger != SweepRun.Trigger.MANUAL else set()
    # Pages are dealt to the tokens in turn, so each token's daily quota carries its share.
    # (Not by id: a registry imported row by row gives every VK page an odd id.) Each batch
    # starts at the next token, so the remainders of small batches even out too.
    for position, page in enumerate(pages):
        wall, others = stored[page.pk]
        ref = PageRef(
            page_id=page.pk, network=batch.network, url=page.url, link_kind=page.link_kind,
            link_value=page.link_value, external_id=page.external_id, external_kind=page.external_kind,
            horizon=horizon, wall=wall, others=others, replies_from=recent_from,
            comments_read=counts_read.get(page.pk, {}), bot_absent=page.pk in without_bot,
        )
        work.shards.setdefault((batch.index + position) % len(clients), []).append(ref)
    return work


def fetch_batch(work: BatchWork) -> None:
    """The HTTP part: no database access here, so it runs in another thread. The tokens'
    shards are read one after the other: a worker process draws on one token's budget at a
    time, and more processes (taking batches that start on other tokens) draw on the rest.
    Always ends with FETCHED on `arrivals`."""
    network = work.batch.network
    before = [(client.transport.requests_sent, client.transport.reached) for client in work.clients]
    try:
        for index, refs in work.shards.items():  # none when the network was stopped before
            if work.control.stops(network):
                return
            for page_id, read in READERS[network](work.clients[index], refs, work.window.start):
                work.arrivals.put((work, page_id, read))
                if work.control.stops(network) or work.lost:
                    return
    except ConfigurationError as error:
        work.control.halted.setdefault(network, str(error))
    except Exception as error:  # a bug, not a fault of the API: store raises it again
        work.failure = error
    finally:
        sent = sum(client.transport.requests_sent - was for client, (was, _a) in zip(work.clients, before))
        reached = sum(client.transport.reached - had for client, (_s, had) in zip(work.clients, before))
        work.reached = (reached > 0) if sent else None
        work.arrivals.put((work, FETCHED, None))


def store_works(works: list[BatchWork], *, progress: Callable[[], None] | None = None) -> int:
    """Persist pages as they arrive from any of `works` (all on one arrivals queue), each work's
    in chunks of its own, then finish each work when its fetch has ended. Returns the pages judged."""
    if not works:
        return 0
    arrivals = works[0].arrivals
    fetching = {id(work) for work in works if work.pages and work.clients}
    judged = sum(_finish_work(work) for work in works if id(work) not in fetching)
    chunk = ChunkSize(works[0].batch.run)
    while fetching:
        items = [arrivals.get()]
        while len(items) < chunk.limit:  # and whatever else has come meanwhile
            try:
                items.append(arrivals.get_nowait())
            except queue.Empty:
                break
        chunks: dict[int, tuple[BatchWork, list[tuple[int, PageRead]]]] = {}
        ended = []
        for work, page_id, read in items:
            if id(work) not in fetching:
                continue  # a batch another holder took over
            if page_id is FETCHED:
                ended.append(work)
            else:
                chunks.setdefault(id(work), (work, []))[1].append((page_id, read))
        for work, reads in chunks.values():
            started = monotonic()
            try:
                _store_reads(work, reads)
                chunk.stored(len(reads), monotonic() - started)
            except LeaseLost:
                logger.warning("sweep batch %s was taken over by another worker: this one stops", work.batch.pk)
                work.lost = True
                fetching.discard(id(work))
        for work in ended:
            if id(work) in fetching:
                fetching.discard(id(work))
                judged += _finish_work(work)
        if progress:
            progress()
    return judged


def _store_reads(work: BatchWork, reads: list[tuple[int, PageRead]]) -> None:
    """A chunk of one work, in one transaction with the batch's record of it. On the first
    attempt a page whose read met a fault is not judged yet: it is read again after every
    other page of the run (DESIGN §3.2 «Retries»); on the second it is judged as it is."""
    by_id = {page.pk: page for page in work.pages}
    later = [page_id for page_id, read in reads if read.faults and work.batch.attempt == 1]
    now = [(by_id[page_id], read) for page_id, read in reads if page_id not in later]
    faults = sum(read.faults for _page_id, read in reads)  # met, whether the page is judged now or later
    with_database_retry(lambda: _persist_chunk(work, now, failed=later, faults=faults))


def _finish_work(work: BatchWork) -> int:
    """After the fetch: raise what broke it, judge the pages it never handed over, claim the batch."""
    batch, run = work.batch, work.batch.run
    if work.failure is not None:
        raise work.failure
    config_error = work.control.halted.get(batch.network)  # met by this fetch or one before it
    if config_error is not None and work.stopped is None:
        work.stopped = with_database_retry(lambda: record_config_error(run, batch.network, config_error))
    handled = set(batch.stored_ids) | set(batch.failed_ids)
    reason = GIVEN_UP if work.given_up else STOPPED if work.stopped else _("страница не прочитана")
    unread = PageRead(info_error=str(reason))
    rest = [(page, unread) for page in work.pages if page.pk not in handled]
    try:
        for start in range(0, len(rest), PERSIST_CHUNK):
            with_database_retry(lambda: _persist_chunk(work, rest[start : start + PERSIST_CHUNK], failed=[], faults=0))
    except LeaseLost:
        return 0

    def claim() -> None:
        SweepBatch.objects.filter(pk=batch.pk, done_at=None, leased_by=work.holder).update(
            done_at=timezone.now(), reached=work.reached
        )
        SweepRun.objects.filter(pk=run.pk).update(progressed_at=timezone.now())

    with_database_retry(claim)
    return len(work.pages)


def _persist_chunk(
    work: BatchWork, pages: list[tuple[OfficialPage, PageRead]], *, failed: list[int], faults: int
) -> None:
    """One transaction: the pages, their organizations' automatic checklist items, and the
    batch's record of what it has stored (so a retry of it reads only the rest).

    The items are judged here, while the next requests are on the wire, not all at once
    when the run ends. An organization's VK and OK pages may be stored by two workers at
    the same moment: its row is locked before its items are judged, so the second chunk
    waits for the first to commit and judges from both pages' new states."""
    batch, run = work.batch, work.batch.run
    stored = [page.pk for page, _read in pages]
    with transaction.atomic():
        # First, and so locking the batch's row: only its holder may store (a worker taken for
        # dead and still going must not count its pages twice).
        held = SweepBatch.objects.filter(pk=batch.pk, leased_by=work.holder).update(
            stored_ids=batch.stored_ids + stored, failed_ids=batch.failed_ids + failed, leased_until=lease_time()
        )
        if not held:
            raise LeaseLost(batch.pk)
        if pages:
            persist_pages(run=run, pages=pages, window=work.window, book=work.book)
            ids = sorted({page.organization_id for page, _read in pages})
            organizations = Organization.objects.filter(pk__in=ids)
            list(organizations.select_for_update().order_by("pk").values_list("pk", flat=True))  # one order: no deadlock
            compliance.update_checklists(organizations, book=work.book)
        # The second attempt re-reads pages the first already counted as done.
        done = len(stored) + len(failed) if batch.attempt == 1 else 0
        SweepRun.objects.filter(pk=run.pk).update(
            pages_done=F("pages_done") + done, faults=F("faults") + faults, progressed_at=timezone.now()
        )
    batch.stored_ids, batch.failed_ids = batch.stored_ids + stored, batch.failed_ids + failed


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
