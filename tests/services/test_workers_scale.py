"""Scaling, item 2: Celery worker processes on Redis sweeping 1,000 VK pages together.
They share the work and each token's limit through Redis: the simulator never counts more
than the rate per token in any sliding second. How much sooner two processes finish than one
is a measurement, not a test: `make bench` (workers_two_over_one)."""

from __future__ import annotations

import pytest

from monitoring.models import Snapshot, SweepRun
from monitoring.simulator import token_hash
from tests.services.scale import PAGES, RATE, TOKENS, batches_done, build_registry, sweep_with_workers

# The `services` fixture (PostgreSQL, Redis, Celery on the test broker) is in conftest.py.
pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_two_worker_processes_share_the_work_and_both_token_limits(services, tmp_path):
    build_registry()

    run, _seconds, simulator, workers = sweep_with_workers(2, tmp_path, "two")

    assert run.status == SweepRun.Status.FINISHED
    assert run.pages_done == run.pages_total == PAGES
    assert run.faults == 0
    snapshots = Snapshot.objects.filter(run=run)
    assert snapshots.count() == snapshots.values("page").distinct().count() == PAGES  # each page exactly once
    assert snapshots.filter(wall_read=True, info_read=True).count() == PAGES
    for token in TOKENS:
        peak = simulator.max_per_window("vk", token=token_hash(token))
        assert 0 < peak <= RATE, (token, peak)  # both tokens drawn on, neither above its rate
    # The simulator's own window (the one that answers error 6, as VK would) refused nothing.
    refused = [record for record in simulator.requests("vk") if record.outcome == "error:6"]
    assert not refused, refused[:3]
    # Both processes took batches: the work was shared, not done by whichever started first.
    assert all(batches_done(worker) > 0 for worker in workers), [batches_done(worker) for worker in workers]
