"""Thin Celery tasks: load by id, call the sweep service. Every task is idempotent
(batches are claimed, rows are keyed), so a redelivery after a killed worker is harmless."""

from celery import shared_task
from django.db import transaction

from monitoring import sweep
from monitoring.models import SweepBatch, SweepRun
from monitoring.notify import notify_run


@shared_task(name="monitoring.sweep_nightly")
def sweep_nightly() -> int:
    """The beat entry (django-celery-beat, Europe/Moscow): start a run and fan it out."""
    run = sweep.sweep_start(trigger=SweepRun.Trigger.SCHEDULE)
    dispatch(run)
    return run.pk


def dispatch(run: SweepRun) -> None:
    """Queue every unfinished batch of the run (after the creating transaction commits)."""
    batch_ids = list(sweep.pending_batches(run).values_list("pk", flat=True))

    def enqueue() -> None:
        if not batch_ids:
            sweep_finish_task.delay(run.pk)
        for batch_id in batch_ids:
            sweep_batch_task.delay(batch_id)

    transaction.on_commit(enqueue)


@shared_task(name="monitoring.sweep_batch", acks_late=True, reject_on_worker_lost=True)
def sweep_batch_task(batch_id: int) -> int:
    batch = SweepBatch.objects.select_related("run").get(pk=batch_id)
    judged = sweep.sweep_batch(batch)
    if not sweep.pending_batches(batch.run).exists():
        sweep_finish_task.delay(batch.run_id)
    return judged


@shared_task(name="monitoring.sweep_finish", acks_late=True)
def sweep_finish_task(run_id: int) -> None:
    run = SweepRun.objects.get(pk=run_id)
    sweep.sweep_finish(run)
    run.refresh_from_db()
    if run.finished_at is not None:
        notify_run(run)  # idempotent: each digest is written and sent once
