"""Scaling, item 2: Celery worker processes on Redis sweeping 1,000 VK pages together.
They share each token's limit through Redis (the simulator never counts more than the
rate per token in any sliding second), and with two tokens two processes finish sooner
than one."""

from __future__ import annotations

import time
from datetime import datetime

import pytest
from django.utils import timezone

from checklist.services import entries_ensure
from monitoring import tasks
from monitoring.models import PagePost, PageState, Snapshot, SweepRun
from monitoring.simulator import SimulatorProcess, token_hash
from monitoring.sweep import sweep_start
from organizations.models import District, OfficialPage, Organization
from tests.services.helpers import Worker, wait_for, worker_env

# The `services` fixture (PostgreSQL, Redis, Celery on the test broker) is in conftest.py.
pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

PAGES = 1000
TOKENS = ["scale-vk-service-1", "scale-vk-service-2"]
RATE = 20  # requests per second per token, in the simulator and in VK_RATE_LIMIT
LATENCY_MS = 10  # far below 1/RATE: the limiter, not the wire, sets a token's pace
BATCH_SIZE = 100  # ten batches: enough to keep two workers busy to the end
FIRST_ID = 310_000_000
# Two processes on two tokens against one. One process reads a batch's two shards one
# after the other, so it only ever draws on one token's budget: ≈1,020 requests (1,000
# wall.get, 20 groups.getById) at ≤RATE/s plus storing ≈ 53 s here. Two processes take
# batches of opposite parity, whose shards start on opposite tokens, so they mostly draw on
# both budgets at once: the physics allows about half (≈0.5), and measured 0.54–0.59
# (29–33 s against 53–60 s on a 2-core machine running both workers, PostgreSQL and the
# simulator). 0.75 leaves room for the processes meeting on one token now and then, the last
# batch having one worker to itself, and a slower CI machine, while one process could never
# reach it (it never has more than RATE/s), nor could two processes on ONE token (≥ 51 s).
SPEEDUP_MARGIN = 0.75


def build_registry() -> None:
    """1,000 schools, each with one VK community given by a /club<id> link."""
    district, _created = District.objects.get_or_create(name="Масштаб")
    Organization.objects.bulk_create(
        [Organization(district=district, short_name=f"ОО №{i + 1}", name=f"Образовательная организация №{i + 1}",
                      kind="school", sort_name=f"ОО №{i + 1:04d}") for i in range(PAGES)]
    )
    by_name = {org.short_name: org for org in Organization.objects.filter(district=district)}
    OfficialPage.objects.bulk_create(
        [OfficialPage(organization=by_name[f"ОО №{i + 1}"], network="vk", url=f"https://vk.com/club{FIRST_ID + i}",
                      link_kind="club", link_value=str(FIRST_ID + i)) for i in range(PAGES)]
    )
    entries_ensure()


def build_scenario() -> dict:
    """VK only: two service tokens, RATE per token, walls closed to others (one wall.get a page)."""
    groups = [
        {
            "id": FIRST_ID + i,
            "name": f"Образовательная организация №{i + 1}",
            "is_government_organization": True,
            "wall": 2,
            "members_count": 500,
            "description": "Школа. 352030, ст. Кущёвская. +7 (86168) 1-23-45, shkola@example.org",
            "post_series": [
                {"per_week": [1, 2, 1, 2], "first_week": -4, "text": "Новость {n} #школа",
                 "attachments": [{"type": "photo", "width": 1280, "height": 960}], "likes": 5, "views": 100},
            ],
        }
        for i in range(PAGES)
    ]
    return {
        "vk": {"tokens": [{"token": token, "type": "service"} for token in TOKENS], "requests_per_second": RATE,
               "groups": groups},
        "latency_ms": LATENCY_MS,
    }


def reset_monitoring() -> None:
    """Forget every run, so the second run reads every wall from scratch, as the first did."""
    SweepRun.objects.all().delete()  # batches, snapshots, change events, notifications with it
    PagePost.objects.all().delete()
    PageState.objects.all().delete()
    OfficialPage.objects.update(external_id="", external_kind="")


def sweep_with_workers(processes: int, tmp_path, label: str) -> tuple[SweepRun, float, SimulatorProcess, list[Worker]]:
    """Start `processes` workers (one task at a time each), sweep VK, return the run and its seconds."""
    simulator = SimulatorProcess(build_scenario())
    workers: list[Worker] = []
    try:
        env = worker_env(simulator, tmp_path / f"mail-{label}", batch_size=BATCH_SIZE)
        env.update(VK_ACCESS_TOKENS=",".join(TOKENS), VK_TOKEN_TYPE="service", VK_RATE_LIMIT=f"{RATE}/second")
        for number in range(processes):
            workers.append(Worker(env, tmp_path / f"{label}-worker{number + 1}.log", concurrency=1))
        # Timed from dispatch: a worker's start-up (a few seconds of imports) is no part of the sweep.
        wait_for(lambda: all(worker.ready() for worker in workers), 60, "the workers to start")
        # The batches are cut here, in the test process: its SWEEP_BATCH_SIZE is not the workers'.
        run, _started = sweep_start(trigger=SweepRun.Trigger.COMMAND, networks=["vk"], batch_size=BATCH_SIZE)
        dispatched: datetime = timezone.now()
        tasks.dispatch(run)  # autocommit: the batches go out at once
        wait_for(lambda: SweepRun.objects.get(pk=run.pk).notified_at is not None, 150, f"the {label} run to finish")
    finally:
        for worker in workers:
            worker.stop()
        simulator.stop()
    run.refresh_from_db()
    return run, (run.finished_at - dispatched).total_seconds(), simulator, workers


def assert_judged_once_within_limits(run: SweepRun, simulator: SimulatorProcess) -> dict[str, int]:
    assert run.status == SweepRun.Status.FINISHED
    assert run.pages_done == run.pages_total == PAGES
    assert run.faults == 0
    snapshots = Snapshot.objects.filter(run=run)
    assert snapshots.count() == snapshots.values("page").distinct().count() == PAGES  # each page exactly once
    assert snapshots.filter(wall_read=True, info_read=True).count() == PAGES
    peaks = {}
    for token in TOKENS:
        key = token_hash(token)
        peaks[token] = simulator.max_per_window("vk", token=key)
        assert 0 < peaks[token] <= RATE, (token, peaks[token])
    # The simulator's own window (the one that answers error 6, as VK would) refused nothing.
    refused = [record for record in simulator.requests("vk") if record.outcome == "error:6"]
    assert not refused, refused[:3]
    return peaks


def batches_done(worker: Worker) -> int:
    lines = worker.log_path.read_text(errors="replace").splitlines()
    return sum("Task monitoring.sweep_batch[" in line and "succeeded" in line for line in lines)


def test_two_worker_processes_share_the_token_limits_and_finish_sooner(services, tmp_path):
    build_registry()
    started = time.monotonic()

    one_run, one_seconds, one_simulator, _workers = sweep_with_workers(1, tmp_path, "one")
    one_peaks = assert_judged_once_within_limits(one_run, one_simulator)
    one_requests = one_simulator.count("vk")

    reset_monitoring()
    two_run, two_seconds, two_simulator, two_workers = sweep_with_workers(2, tmp_path, "two")
    two_peaks = assert_judged_once_within_limits(two_run, two_simulator)
    two_requests = two_simulator.count("vk")

    report = (
        f"one worker: {one_seconds:.1f} s, {one_requests} requests, peaks {one_peaks}; "
        f"two workers: {two_seconds:.1f} s, {two_requests} requests, peaks {two_peaks}; "
        f"ratio {two_seconds / one_seconds:.2f}; whole test {time.monotonic() - started:.0f} s"
    )
    print(report)
    # Both processes took batches: the work was shared, not done by whichever started first.
    assert all(batches_done(worker) > 0 for worker in two_workers), report
    assert two_seconds <= SPEEDUP_MARGIN * one_seconds, report
