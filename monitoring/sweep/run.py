"""A run from start to finish: batches planned, run in this process or on workers, closed."""

from __future__ import annotations

import hashlib
import logging
import queue
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from monitoring import compliance
from monitoring.models import RuleSettings, Snapshot, SweepBatch, SweepRun
from monitoring.networks import swept_networks
from monitoring.networks.max.bot import drain_updates
from monitoring.notify import notify_run
from monitoring.rating import record_rating
from monitoring.sweep.batch import (
    FetchControl,
    _config_error,
    _prompt_fetch_threads,
    fetch_batch,
    lease_batch,
    lease_time,
    prepare_batch,
    record_config_error,
    store_works,
    with_database_retry,
)
from monitoring.sweep.clients import SweepConfigurationError, build_clients
from monitoring.sweep.plan import DAILY_PLAN_SHARE, plan_vk_day
from monitoring.types import MAX, OK, VK
from organizations.models import OfficialPage, Organization

logger = logging.getLogger(__name__)
# Sent once per run, when it is closed: the reports app records the day's totals for the
# dashboard's weekly change (monitoring knows nothing of the dashboard).
run_finished = Signal()


# --- start ---------------------------------------------------------------------------------


def run_scope(organizations: list[Organization] | None, district=None) -> str:
    """The run's scope: one unfinished run at a time per scope, guaranteed by the database."""
    if district is not None:
        return f"district:{district.pk}"
    if organizations is None:
        return "all"
    ids = ",".join(str(pk) for pk in sorted({org.pk for org in organizations}))
    return "orgs:" + hashlib.sha256(ids.encode()).hexdigest()[:32]


def sweep_start(
    *,
    trigger: str,
    user=None,
    networks: Iterable[str] | None = None,
    organizations: Iterable[Organization] | None = None,
    district=None,
    batch_size: int | None = None,
) -> tuple[SweepRun, bool]:
    """Plan a run: its batches, a network's pages in slices. Returns `(run, True)`, or the
    unfinished run of the same scope and False: the database holds one at a time (a button
    pressed twice, a second beat), so a second start joins the first instead of doubling it."""
    wanted = set(swept_networks() if networks is None else networks)
    networks = [network for network in (VK, OK, MAX) if network in wanted]
    if MAX in networks:
        _drain_bot_events()
    batch_size = batch_size or settings.SWEEP_BATCH_SIZE
    if organizations is not None:
        organizations = list(organizations)
    scope = run_scope(organizations, district)
    pages = OfficialPage.objects.filter(network__in=networks).order_by("network", "pk")
    organization_ids = None
    if organizations is not None:
        organization_ids = sorted({org.pk for org in organizations})
        pages = pages.filter(organization_id__in=organization_ids)
    running = unfinished_run(scope)
    if running is not None:
        return running, False
    now = timezone.now()
    try:
        with transaction.atomic():
            run = SweepRun.objects.create(
                started_at=now, progressed_at=now, trigger=trigger, started_by=user, networks=networks,
                organization_ids=organization_ids, scope=scope,
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
    except IntegrityError:
        running = unfinished_run(scope)  # another start won the race
        if running is None:
            raise
        return running, False
    if run.pages_deferred:
        logger.warning("sweep %s: %s VK pages deferred to the next night (daily wall.get quota)", run.pk, run.pages_deferred)
    return run, True


def _drain_bot_events() -> None:
    """The bot's waiting events first (accounts to bind, chats it joined or left), so tonight's
    messages reach those who linked MAX today. A MAX fault never stops the sweep."""
    try:
        drain_updates()
    except Exception as error:  # noqa: BLE001 — whatever MAX or the network did, the sweep goes on
        logger.warning("MAX updates not drained: %s", type(error).__name__)


def unfinished_run(scope: str) -> SweepRun | None:
    return SweepRun.objects.filter(scope=scope, finished_at=None).first()


def is_stalled(run: SweepRun) -> bool:
    """Nothing stored for SWEEP_STALL_SECONDS and no batch held by a live worker (or it broke
    off in this process and said so): nobody is going to move the run on."""
    now = timezone.now()
    if SweepBatch.objects.filter(run=run, done_at=None, leased_until__gt=now).exists():
        return False
    return run.progressed_at is None or run.progressed_at < now - timedelta(seconds=settings.SWEEP_STALL_SECONDS)


def pending_batches(run: SweepRun):
    """The run's unfinished batches, the networks' slices taken in turn (VK 0, OK 0, VK 1, …),
    so workers read every network at once."""
    return SweepBatch.objects.filter(run=run, done_at=None).order_by("attempt", "index", "network")


# --- moving a run on -----------------------------------------------------------------------


def sweep_advance(run: SweepRun) -> list[SweepBatch]:
    """Called whenever a batch ends (and by the watchdog): once every batch is done, plan the
    second reading of the pages whose first read failed (returned, to be run), else finish and
    send the alerts. Safe to call from several processes at once: each step is claimed."""
    if pending_batches(run).exists():
        return []
    with transaction.atomic():
        if SweepRun.objects.filter(pk=run.pk, retry_planned_at=None).update(retry_planned_at=timezone.now()):
            retry = _plan_retry(run)
            if retry:
                return retry
    if not pending_batches(run).exists():
        _check_reachability(run)
        sweep_finish(run)
        run.refresh_from_db()
        if run.finished_at is not None:
            notify_run(run)  # each digest written and sent once, whoever gets here
    return []


def _plan_retry(run: SweepRun) -> list[SweepBatch]:
    batch_size = settings.SWEEP_BATCH_SIZE
    batches = []
    for network in run.networks:
        failed = [
            pk
            for ids in SweepBatch.objects.filter(run=run, network=network, attempt=1).values_list("failed_ids", flat=True)
            for pk in ids
        ]
        for index, start in enumerate(range(0, len(failed), batch_size)):
            batches.append(SweepBatch(run=run, network=network, attempt=2, index=index, page_ids=failed[start : start + batch_size]))
    if batches:
        SweepBatch.objects.bulk_create(batches)
        logger.info("sweep %s: %s pages read again", run.pk, sum(len(batch.page_ids) for batch in batches))
    return batches


def _check_reachability(run: SweepRun) -> None:
    """A network whose API server no request of the run could get to (both readings) is wrongly
    configured (an API URL no one can reach), not a night of «unknown»: the administrators hear."""
    hosts = {VK: settings.VK_API_URL, OK: settings.OK_API_URL}
    for network in run.networks:
        reached = set(
            SweepBatch.objects.filter(run=run, network=network).exclude(reached=None).values_list("reached", flat=True)
        )
        if reached == {False}:
            record_config_error(
                run, network,
                _("сервер API %(host)s недоступен: ни один запрос до него не дошёл; проверьте адрес API и доступ к сети.")
                % {"host": urlsplit(hosts[network]).netloc or hosts[network]},
            )


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
    record_rating()  # the month's row, so next month's rating can tell each organization's change
    # A listener's failure (the dashboard's history) must not keep the run's alerts from going.
    for receiver, error in run_finished.send_robust(sender=SweepRun, run=run):
        if isinstance(error, Exception):
            logger.error("sweep %s: %s failed: %r", run.pk, getattr(receiver, "__name__", receiver), error)
    prune_raw_payloads()
    return True


def prune_raw_payloads() -> int:
    """Drop raw API answers past the retention (152-ФЗ: keep only what the work needs)."""
    cutoff = timezone.now() - timedelta(days=RuleSettings.load().raw_retention_days)
    return Snapshot.objects.filter(taken_at__lt=cutoff).exclude(raw=None).update(raw=None)


# --- in this process -----------------------------------------------------------------------


def sweep_run_inline(run: SweepRun, *, progress: Callable[[SweepRun], None] | None = None) -> SweepRun:
    """The same pipeline in this process (manage.py sweep, the embedded demo, a stalled run
    taken over): every network is fetched in a thread of its own at once, and this thread
    stores what arrives from any of them, so the slowest network's budget sets the pace.

    Batches another process holds are left to it. If this one breaks off (an unexpected error,
    Ctrl+C, a database gone for good) the fetches stop, its batches are let go and the run stays
    unfinished: the watchdog or the next start finishes it, so its alerts are still sent."""
    _prompt_fetch_threads()
    holder = f"inline-{uuid.uuid4().hex}"
    clients: dict[str, list] = {}
    try:
        while True:
            batches = [batch for batch in pending_batches(run) if lease_batch(batch, holder)]
            if batches:
                _run_batches(run, batches, clients, holder, progress)
            elif pending_batches(run).exists():
                break  # held by a live worker elsewhere: it moves the run on
            if not with_database_retry(lambda: sweep_advance(run)) and not pending_batches(run).exists():
                break
    except BaseException:
        _let_go(run, holder)
        raise
    run.refresh_from_db()
    return run


def _run_batches(run: SweepRun, batches: list[SweepBatch], clients: dict[str, list], holder: str, progress) -> None:
    arrivals: queue.Queue = queue.Queue()
    control = FetchControl()
    networks = list(dict.fromkeys(batch.network for batch in batches))
    for network in networks:
        if network not in clients and not _config_error(run, network):
            try:
                clients[network] = build_clients(network)
            except SweepConfigurationError as error:
                record_config_error(run, network, str(error))
    pools = {network: ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"sweep-{run.pk}-{network}") for network in networks}
    try:
        works = []
        for batch in batches:  # each network's fetches queue up behind each other in its own thread
            work = with_database_retry(
                lambda: prepare_batch(batch, clients.get(batch.network), control, holder=holder, arrivals=arrivals)
            )
            works.append(work)
            if work.pages and work.clients:
                pools[batch.network].submit(fetch_batch, work)

        def report() -> None:
            SweepBatch.objects.filter(pk__in=[batch.pk for batch in batches], done_at=None, leased_by=holder).update(
                leased_until=lease_time()
            )
            if progress:
                run.refresh_from_db(fields=["pages_done", "faults"])
                progress(run)

        store_works(works, progress=report)
    except BaseException:
        control.cancel()
        raise
    finally:
        for pool in pools.values():
            pool.shutdown(wait=True)


def _let_go(run: SweepRun, holder: str) -> None:
    """The run broke off here: free its batches and say so, so the next start or the watchdog
    takes it over at once instead of waiting for the leases to run out."""
    try:
        SweepBatch.objects.filter(run=run, leased_by=holder).update(leased_until=None)
        SweepRun.objects.filter(pk=run.pk).update(progressed_at=None)
    except DatabaseError:
        logger.warning("sweep %s: could not let its batches go (database unavailable)", run.pk)
