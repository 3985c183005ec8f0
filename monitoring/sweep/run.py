"""A run from start to finish: batches planned, run in this process or on workers, closed."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from monitoring import compliance
from monitoring.models import RuleSettings, Snapshot, SweepBatch, SweepRun
from monitoring.sweep.batch import (
    FetchControl,
    _config_error,
    _prompt_fetch_threads,
    fetch_batch,
    prepare_batch,
    record_config_error,
    store_batch,
)
from monitoring.sweep.clients import SweepConfigurationError, build_clients
from monitoring.sweep.plan import DAILY_PLAN_SHARE, plan_vk_day
from monitoring.types import OK, VK
from organizations.models import OfficialPage, Organization

logger = logging.getLogger(__name__)


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
