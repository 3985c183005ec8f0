"""Celery worker processes on Redis sweeping 1,000 VK pages together with two tokens: the
set-up tests/services/test_workers_scale.py checks (shared limits, every page once) and
`make bench` times (two processes against one, bench/workers.py). Runs on the database of
the calling process, which must be PostgreSQL: the workers share it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from django.utils import timezone

from checklist.services import entries_ensure
from monitoring import tasks
from monitoring.models import PagePost, PageState, SweepRun
from monitoring.simulator import SimulatorProcess
from monitoring.sweep import sweep_start
from organizations.models import District, OfficialPage, Organization
from tests.services.helpers import Worker, wait_for, worker_env

PAGES = 1000
TOKENS = ["scale-vk-service-1", "scale-vk-service-2"]
RATE = 20  # requests per second per token, in the simulator and in VK_RATE_LIMIT
LATENCY_MS = 10  # far below 1/RATE: the limiter, not the wire, sets a token's pace
BATCH_SIZE = 100  # ten batches: enough to keep two workers busy to the end
FIRST_ID = 310_000_000


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
    """Forget every run, so the next run reads every wall from scratch, as the first did."""
    SweepRun.objects.all().delete()  # batches, snapshots, change events, notifications with it
    PagePost.objects.all().delete()
    PageState.objects.all().delete()
    OfficialPage.objects.update(external_id="", external_kind="")


def sweep_with_workers(
    processes: int, folder: Path, label: str
) -> tuple[SweepRun, float, SimulatorProcess, list[Worker]]:
    """Start `processes` workers (one task at a time each), sweep VK, return the run and its seconds."""
    simulator = SimulatorProcess(build_scenario())
    workers: list[Worker] = []
    try:
        env = worker_env(simulator, folder / f"mail-{label}", batch_size=BATCH_SIZE)
        env.update(VK_ACCESS_TOKENS=",".join(TOKENS), VK_TOKEN_TYPE="service", VK_RATE_LIMIT=f"{RATE}/second")
        for number in range(processes):
            workers.append(Worker(env, folder / f"{label}-worker{number + 1}.log", concurrency=1))
        # Timed from dispatch: a worker's start-up (a few seconds of imports) is no part of the sweep.
        wait_for(lambda: all(worker.ready() for worker in workers), 60, "the workers to start")
        # The batches are cut here, in the calling process: its SWEEP_BATCH_SIZE is not the workers'.
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


def batches_done(worker: Worker) -> int:
    lines = worker.log_path.read_text(errors="replace").splitlines()
    return sum("Task monitoring.sweep_batch[" in line and "succeeded" in line for line in lines)
