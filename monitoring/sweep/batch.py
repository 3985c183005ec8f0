"""One batch: prepare (database), fetch (HTTP, another thread), store (database)."""

from __future__ import annotations

import logging
import queue
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from monitoring import compliance
from monitoring.clients import ConfigurationError
from monitoring.models import SweepBatch, SweepRun
from monitoring.reading import READERS, PageRead, PageRef
from monitoring.rules import MOSCOW, Thresholds, Window, window_for
from monitoring.sweep.clients import SweepConfigurationError, build_clients, thresholds_now
from monitoring.sweep.store import persist_pages, stored_lists
from organizations.models import OfficialPage, Organization

logger = logging.getLogger(__name__)


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
    # The first read goes back far enough for the organization page's 12-week chart (one
    # wall.get of 100 posts covers that for any school); later reads only ask for what is new.
    horizon = window.current_week_start - timedelta(weeks=HISTORY_WEEKS - 1)
    horizon = min(window.start, datetime.combine(horizon, time.min, MOSCOW))
    stored = stored_lists([page.pk for page in pages], horizon)
    # Pages are dealt to the tokens in turn, so each token's daily quota carries its share.
    # (Not by id: a registry imported row by row gives every VK page an odd id.) Each batch
    # starts at the next token, so the remainders of small batches even out too.
    for position, page in enumerate(pages):
        wall, others = stored[page.pk]
        ref = PageRef(
            page_id=page.pk, network=batch.network, url=page.url, link_kind=page.link_kind,
            link_value=page.link_value, external_id=page.external_id, external_kind=page.external_kind,
            horizon=horizon, wall=wall, others=others,
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
