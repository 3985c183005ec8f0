"""Thin Celery tasks: load by id, call the sweep service. Every task is idempotent (batches
are leased and remember what they stored, rows are keyed), so a redelivery after a killed
worker is harmless, and a run that stops moving is moved on by the watchdog."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from monitoring import retention, sweep
from monitoring.models import SweepBatch, SweepRun
from monitoring.sweep.batch import TRANSIENT_DATABASE_ERRORS
from monitoring.sweep.watchdog import watch_runs

logger = logging.getLogger(__name__)

# A database, broker or Redis that restarts: the task goes again with growing pauses
# (up to a minute apart) instead of failing the batch.
TRANSIENT = (*TRANSIENT_DATABASE_ERRORS, BrokerError, RedisConnectionError, RedisTimeoutError)
RETRYING = dict(autoretry_for=TRANSIENT, retry_backoff=2, retry_backoff_max=60, retry_jitter=True, max_retries=12)


@shared_task(name="monitoring.sweep_nightly", **RETRYING)
def sweep_nightly() -> int:
    """The beat entry (django-celery-beat, Europe/Moscow): start a run and fan it out. A run
    still going (a second beat, a run started by hand) is joined, not doubled."""
    run, started = sweep.sweep_start(trigger=SweepRun.Trigger.SCHEDULE)
    if started:
        dispatch(run)
    else:
        logger.info("sweep %s is still running: the scheduled start joins it", run.pk)
    return run.pk


def dispatch(run: SweepRun, batches: list[SweepBatch] | None = None) -> None:
    """Queue the run's unfinished batches (or these), after the current transaction commits;
    with none left, the step that moves the run on."""
    batch_ids = [batch.pk for batch in (batches if batches is not None else sweep.pending_batches(run))]

    def enqueue() -> None:
        if not batch_ids:
            sweep_finish_task.delay(run.pk)
        for batch_id in batch_ids:
            sweep_batch_task.delay(batch_id)

    transaction.on_commit(enqueue)


@shared_task(name="monitoring.sweep_batch", bind=True, acks_late=True, reject_on_worker_lost=True, **RETRYING)
def sweep_batch_task(self, batch_id: int) -> int:
    batch = SweepBatch.objects.select_related("run").get(pk=batch_id)
    # The task's id holds the lease: a retry of this task takes its own batch back at once.
    judged = sweep.sweep_batch(batch, holder=self.request.id or "")
    _advance(batch.run)
    return judged


@shared_task(name="monitoring.sweep_finish", acks_late=True, **RETRYING)
def sweep_finish_task(run_id: int) -> None:
    _advance(SweepRun.objects.get(pk=run_id))


def _advance(run: SweepRun) -> None:
    """The next step once a batch ended: the second reading of failed pages, or the end and
    its alerts."""
    again = sweep.sweep_advance(run)
    if again:
        dispatch(run, again)


@shared_task(name="monitoring.sweep_watchdog", **RETRYING)
def sweep_watchdog() -> list[int]:
    """Beat, every few minutes: stalled runs sent on or finished (monitoring.sweep.watchdog)."""
    return watch_runs(dispatch)


@shared_task(name="monitoring.retention_prune", **RETRYING)
def retention_prune() -> dict[str, int]:
    """Beat, nightly: personal data past its retention pruned (monitoring.retention)."""
    return retention.retention_prune()
