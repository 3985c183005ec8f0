"""The watchdog (beat, every few minutes): no run stays «running» for good.

A run moves on by itself: each batch, when it ends, plans the next step (`sweep_advance`). What
stops it is outside the sweep: a worker killed mid-batch, a broker that lost its queue in a
restart, a database that was away when the last batch ended. A run with no progress for
SWEEP_STALL_SECONDS and no batch held by a live worker is stalled: its batches are sent again
(their stored pages are not read twice), and a batch sent MAX_DISPATCHES times without ending
is given up, its unread pages judged «unknown». A run whose batches are all done is finished,
and a finished run whose alerts were never sent gets them sent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from django.db.models import F
from django.utils import timezone

from monitoring.models import SweepBatch, SweepRun
from monitoring.notify import notify_run
from monitoring.sweep.batch import lease_batch, prepare_batch, store_works, with_database_retry
from monitoring.sweep.run import is_stalled, pending_batches, sweep_advance

logger = logging.getLogger(__name__)

MAX_DISPATCHES = 3
WATCHDOG_HOLDER = "watchdog"
# Finished runs whose digests are still unsent are looked at this far back.
NOTIFY_LOOKBACK = timedelta(days=2)


def watch_runs(dispatch: Callable[[SweepRun, list[SweepBatch]], None]) -> list[int]:
    """Move every stalled run on; `dispatch` sends batches to the workers. Returns the runs
    it touched (sent on, given up, finished or notified)."""
    touched = []
    for run in SweepRun.objects.filter(finished_at=None).order_by("started_at"):
        if is_stalled(run) and with_database_retry(lambda: revive(run, dispatch)):
            touched.append(run.pk)
    unsent = SweepRun.objects.filter(notified_at=None, finished_at__gte=timezone.now() - NOTIFY_LOOKBACK)
    for run in unsent.exclude(finished_at=None):
        notify_run(run)
        touched.append(run.pk)
    return touched


def revive(run: SweepRun, dispatch: Callable[[SweepRun, list[SweepBatch]], None]) -> bool:
    """Send a stalled run's batches again, give up those sent too often, or finish it."""
    again = []
    for batch in pending_batches(run):
        if batch.dispatches >= MAX_DISPATCHES:
            give_up(batch)
        else:
            again.append(batch)
    if not again:
        again = sweep_advance(run)  # everything done or given up: the retry reading, or the end
    if again:
        SweepBatch.objects.filter(pk__in=[batch.pk for batch in again]).update(dispatches=F("dispatches") + 1)
        SweepRun.objects.filter(pk=run.pk).update(progressed_at=timezone.now())
        logger.warning("sweep %s stalled: %s batches sent again", run.pk, len(again))
        dispatch(run, again)
    return True


def give_up(batch: SweepBatch) -> None:
    """Judge the pages a batch never got to as unread (no request is sent) and close it."""
    if not lease_batch(batch, WATCHDOG_HOLDER):
        return
    store_works([prepare_batch(batch, clients=None, holder=WATCHDOG_HOLDER, given_up=True)])
    logger.error("sweep %s: batch %s given up after %s dispatches", batch.run_id, batch.pk, batch.dispatches)
