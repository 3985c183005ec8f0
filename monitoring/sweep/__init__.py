"""The sweep pipeline: start a run → read and judge each batch → finish.

Every step is idempotent, so a rerun after a crash duplicates nothing: a batch is
claimed once (`done_at`), snapshots are keyed by run + page, posts by page + post id,
change events by run + page + kind. The "previous" state a page is compared with is
its latest snapshot from *another* run, so reprocessing a batch judges it the same way.

The package, by stage: `clients` (API clients and thresholds from the settings), `plan` (the
day's VK quota), `run` (start, the run in this process, finish), `batch` (prepare, fetch, store
one batch), `store` (what a batch read, written in bulk).
"""

from monitoring.sweep.batch import FETCHED, fetch_batch, prepare_batch, store_works, sweep_batch
from monitoring.sweep.clients import SweepConfigurationError, _limiters, build_clients
from monitoring.sweep.plan import DAILY_PLAN_SHARE, plan_vk_day
from monitoring.sweep.run import (
    is_stalled,
    pending_batches,
    sweep_advance,
    sweep_finish,
    sweep_run_inline,
    sweep_start,
)
from monitoring.sweep.store import persist_pages, post_from_row

__all__ = [
    "DAILY_PLAN_SHARE", "FETCHED", "SweepConfigurationError", "_limiters", "build_clients", "fetch_batch",
    "is_stalled", "pending_batches", "persist_pages", "plan_vk_day", "post_from_row", "prepare_batch",
    "store_works", "sweep_advance", "sweep_batch", "sweep_finish", "sweep_run_inline", "sweep_start",
]
