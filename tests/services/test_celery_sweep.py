"""The nightly sweep on its real parts: Celery workers on Redis, PostgreSQL, and the VK/OK
simulator over HTTP serving the demo scenario. Also: a worker killed mid-sweep, a rerun,
and nothing duplicated."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command

from monitoring import tasks
from monitoring.demo import DEMO_RATE, build_scenario
from monitoring.models import ChangeEvent, Notification, PagePost, Snapshot, SweepRun
from monitoring.simulator import SimulatorProcess
from organizations.demo_facts import VK_IRREGULAR
from organizations.models import OfficialPage
from tests.services.briefing import briefing_picture
from tests.services.helpers import Worker, first_night_then_school_9_renamed, wait_for, watchdog_every, worker_env

# The `services` fixture (PostgreSQL, Redis, Celery on the test broker) is in conftest.py.
pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def latest_run() -> SweepRun | None:
    return SweepRun.objects.order_by("-pk").first()


# Django's file backend ends every message with this line. One file may hold several messages:
# a file is named by the second and the backend's id(), so two backends that live in the same
# second at the same address append to one file.
MESSAGE_END = "\n" + "-" * 79 + "\n"


def sent_messages(mail_dir: Path) -> list[str]:
    if not mail_dir.exists():
        return []
    texts = (path.read_text(errors="replace") for path in sorted(mail_dir.iterdir()))
    return [message for text in texts for message in text.split(MESSAGE_END) if message.strip()]


def test_nightly_sweep_on_celery_workers_gives_the_briefings_picture(services, tmp_path):
    call_command("demo_setup", stdout=open(os.devnull, "w"))
    simulator = SimulatorProcess(build_scenario())
    worker = Worker(worker_env(simulator, tmp_path / "mail", batch_size=20), tmp_path / "worker.log")
    try:
        tasks.sweep_nightly.delay()
        wait_for(lambda: (run := latest_run()) is not None and run.finished_at is not None, 180, "the run to finish")
    finally:
        worker.stop()
        simulator.stop()
    run = latest_run()
    assert run.status == SweepRun.Status.FINISHED
    assert run.pages_done == run.pages_total == OfficialPage.objects.filter(network__in=("vk", "ok")).count() == 104
    assert run.faults == 0
    picture = briefing_picture()
    assert picture["vk_marks"] == 52 and picture["ok_marks"] == 23
    assert picture["vk_irregular"] == VK_IRREGULAR
    assert picture["few_posts"] == {"СОШ №26"}
    assert picture["personal_reposts"] == {"СОШ №6"}
    assert picture["posts_by_others"] == {"д/с №10"}
    assert picture["errors"] == []
    # Two workers shared one limit through Redis: never above the configured rate.
    for network in ("vk", "ok"):
        assert 0 < simulator.max_per_window(network) <= DEMO_RATE, (worker.log.name, network)


def test_a_worker_killed_mid_sweep_is_finished_by_the_watchdog_and_duplicates_nothing(services, tmp_path, settings):
    # Staff of СОШ №9 get the digest; the methodologist gets the district one.
    changed = first_night_then_school_9_renamed(settings)
    simulator = SimulatorProcess(changed)
    mail_dir = tmp_path / "mail"
    env = worker_env(simulator, mail_dir, batch_size=5) | {"SWEEP_STALL_SECONDS": "3"}
    worker = Worker(env, tmp_path / "worker1.log")
    try:
        tasks.sweep_nightly.delay()
        wait_for(lambda: (run := latest_run()) is not None and run.trigger == "schedule" and run.pages_done >= 15,
                 120, "the sweep to get going")
        worker.kill()
        run = latest_run()
        assert run.finished_at is None, "the worker was killed too late to test a crash"
        done_before = run.pages_done
        assert done_before < run.pages_total

        # What production does: the watchdog (beat) finds the run stalled, sends its batches
        # again, and the run finishes and sends its alerts with nobody calling anything.
        watchdog_every(2)
        worker = Worker(env, tmp_path / "worker2.log", beat=True)
        wait_for(lambda: SweepRun.objects.get(pk=run.pk).notified_at is not None, 180, "the watchdog to finish the run")
    finally:
        worker.stop()
        simulator.stop()

    run.refresh_from_db()
    pages = OfficialPage.objects.filter(network__in=("vk", "ok")).count()
    assert run.pages_done == run.pages_total == pages
    assert Snapshot.objects.filter(run=run).count() == pages  # each page judged exactly once in this run
    assert PagePost.objects.values("page_id", "external_id").distinct().count() == PagePost.objects.count()
    assert run.status == SweepRun.Status.FINISHED
    events = ChangeEvent.objects.filter(run=run)
    kinds = set(events.values_list("kind", flat=True))
    assert {"gov_mark_lost", "renamed"} <= kinds
    assert events.count() == events.values("page_id", "kind").distinct().count()
    messages = sent_messages(mail_dir)
    staff = [m for m in messages if "sosh9@kush.edu.example" in m]
    district = [m for m in messages if "metodist@kush.edu.example" in m]
    assert len(staff) == 1 and len(district) == 1, [m[:200] for m in messages]
    assert "Госуслуги" in staff[0]
    assert Notification.objects.filter(run=run).count() == len(messages)
    assert not mail.outbox  # nothing was sent from the test process itself
