"""Runs always end, once (issue 9): one unfinished run per scope, a page whose read failed
read once more after every other page, the watchdog moving a stalled run on, an API server
no request reached named as a configuration error, and networks read at the same time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from monitoring.models import Notification, Snapshot, SweepBatch, SweepRun
from monitoring.sweep import sweep_start
from monitoring.sweep.watchdog import MAX_DISPATCHES, watch_runs
from monitoring.tasks import sweep_batch_task
from monitoring.tests.sweeping import SCHOOL_VK, make_world, point_settings, run_sweep, sweep_exit_code
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_database_holds_one_unfinished_run_per_scope(db):
    SweepRun.objects.create(started_at=timezone.now(), trigger=SweepRun.Trigger.SCHEDULE, scope="all")

    with pytest.raises(IntegrityError), transaction.atomic():
        SweepRun.objects.create(started_at=timezone.now(), trigger=SweepRun.Trigger.MANUAL, scope="all")
    SweepRun.objects.create(started_at=timezone.now(), trigger=SweepRun.Trigger.MANUAL, scope="district:7")


def test_a_second_start_joins_the_unfinished_run_of_its_scope(db):
    first, started = sweep_start(trigger=SweepRun.Trigger.SCHEDULE)
    again, started_again = sweep_start(trigger=SweepRun.Trigger.MANUAL)

    assert started and not started_again and again.pk == first.pk
    assert SweepRun.objects.count() == 1


def test_the_sweep_command_reports_a_run_under_way_instead_of_starting_another(db, settings, run_simulator):
    world = make_world()
    point_settings(settings, run_simulator(world.scenario))
    going, _started = sweep_start(trigger=SweepRun.Trigger.SCHEDULE)

    assert sweep_exit_code() == 0

    assert SweepRun.objects.count() == 1 and SweepRun.objects.get().finished_at is None
    assert not Snapshot.objects.exists()  # nothing read twice: the running one carries on


def test_a_page_whose_read_failed_is_read_again_after_every_other_page_and_then_judged(db, settings, run_simulator):
    world = make_world()
    scenario = world.scenario_copy()
    # The school's wall fails three times (every attempt of its first read), then answers.
    scenario["faults"] = [{"network": "vk", "method": "wall.get", "owner_id": str(-SCHOOL_VK), "filter": "owner",
                           "error_code": 10, "times": 3}]
    simulator = run_simulator(scenario)
    point_settings(settings, simulator)

    run = run_sweep("--network", "vk")

    assert world.state("school_vk").status == "ok" and world.state("school_vk").verdict["error"] is None
    assert run.pages_done == run.pages_total == 2 and run.finished_at is not None
    assert run.faults == 1  # the fault it met, though the page was read in the end
    walls = [(r.outcome, r.items) for r in simulator.requests("vk", "wall.get")]
    failed = [index for index, (outcome, _items) in enumerate(walls) if outcome == "error:10"]
    # The retry comes after the neighbour's walls were read, not in the middle of the first reading.
    neighbour_reads = [index for index, (outcome, items) in enumerate(walls) if outcome == "ok" and index > failed[-1]]
    assert len(failed) == 3 and neighbour_reads, walls
    assert Snapshot.objects.filter(run=run).count() == 2  # the school's page judged once, after the retry


def test_a_page_that_fails_its_second_reading_too_is_unknown_with_its_last_values(db, settings, run_simulator):
    world = make_world()
    point_settings(settings, run_simulator(world.scenario))
    run_sweep("--network", "vk")
    scenario = world.scenario_copy()
    # Both of its wall reads (its own posts and others') fail every time.
    scenario["faults"] = [{"network": "vk", "method": "wall.get", "owner_id": str(-SCHOOL_VK), "error_code": 10}]
    simulator = run_simulator(scenario)
    point_settings(settings, simulator)

    run = run_sweep("--network", "vk")

    state = world.state("school_vk")
    assert state.status == "unknown" and "ошибка API 10" in state.verdict["error"]
    assert state.verdict["gov_mark"] is True
    assert len([r for r in simulator.requests("vk", "wall.get") if r.outcome == "error:10"]) == 12  # 2 walls × (3 + 3)
    assert run.faults == 4  # each failed read counted, in the first reading as in the second


def test_an_api_server_no_request_reached_is_a_configuration_error(db, settings, run_simulator):
    from tests.redis_server import free_port

    world = make_world()
    point_settings(settings, run_simulator(world.scenario), VK_API_URL=f"http://127.0.0.1:{free_port()}/method")

    code = sweep_exit_code("--network", "vk")

    run = SweepRun.objects.get()
    assert code == 2
    assert "недоступен" in run.config_errors["vk"] and "127.0.0.1" in run.config_errors["vk"]
    assert world.state("school_vk").status == "unknown"  # never a false «non-compliant»


def test_networks_are_read_at_the_same_time(db, settings, run_simulator):
    world = make_world()
    simulator = run_simulator(world.scenario, own_process=True)
    point_settings(settings, simulator, rate=2)  # each network needs seconds: reading in turn would show

    run_sweep()

    vk = [r.at for r in simulator.requests("vk")]
    ok = [r.at for r in simulator.requests("ok")]
    # Read in turn, one network's requests would all come before the other's first.
    assert min(ok) < max(vk) and min(vk) < max(ok)


# --- the watchdog ------------------------------------------------------------------------


def stalled_run(settings, batch_size: int = 10) -> SweepRun:
    """A run whose worker died: its batch leased by a holder that is gone, no progress since."""
    run, _started = sweep_start(trigger=SweepRun.Trigger.SCHEDULE, batch_size=batch_size)
    long_ago = timezone.now() - timedelta(seconds=settings.SWEEP_STALL_SECONDS + 60)
    SweepRun.objects.filter(pk=run.pk).update(progressed_at=long_ago)
    SweepBatch.objects.filter(run=run).update(leased_by="dead-worker", leased_until=long_ago)
    return run


def test_the_watchdog_sends_a_stalled_runs_batches_again_and_they_finish_it(db, settings, run_simulator):
    world = make_world()
    point_settings(settings, run_simulator(world.scenario))
    admin = UserFactory(is_superuser=True, email="admin@example.org")
    run = stalled_run(settings)
    sent = []

    watch_runs(lambda stalled, batches: sent.extend(batches))
    for batch in sent:  # what the workers do with what the watchdog sent
        sweep_batch_task.apply(args=(batch.pk,))

    run.refresh_from_db()
    assert {batch.network for batch in sent} == {"vk", "ok"}
    assert run.status == SweepRun.Status.FINISHED and run.pages_done == run.pages_total == 4
    assert run.notified_at is not None
    assert world.state("school_vk").status == "ok"
    assert not Notification.objects.filter(recipient=admin).exists()  # no configuration error


def test_the_watchdog_leaves_a_run_that_is_progressing_alone(db, settings):
    run, _started = sweep_start(trigger=SweepRun.Trigger.SCHEDULE)
    sent = []

    assert watch_runs(lambda stalled, batches: sent.extend(batches)) == []
    assert sent == [] and SweepRun.objects.get(pk=run.pk).finished_at is None


def test_a_batch_that_never_ends_is_given_up_and_the_run_finished_with_its_pages_unknown(db, settings, run_simulator):
    world = make_world()
    point_settings(settings, run_simulator(world.scenario))
    run_sweep()
    run = stalled_run(settings)
    SweepBatch.objects.filter(run=run).update(dispatches=MAX_DISPATCHES)

    watch_runs(lambda stalled, batches: pytest.fail("a batch sent too often is not sent again"))

    run.refresh_from_db()
    assert run.status == SweepRun.Status.FINISHED and run.notified_at is not None
    state = world.state("school_vk")
    assert state.status == "unknown" and "не завершилась" in state.verdict["error"]
    assert state.verdict["gov_mark"] is True  # the last known values stay


def test_a_finished_run_whose_alerts_were_never_sent_gets_them_sent(db):
    now = timezone.now()
    run = SweepRun.objects.create(started_at=now, finished_at=now, status=SweepRun.Status.FINISHED,
                                  trigger=SweepRun.Trigger.SCHEDULE, config_errors={"vk": "ключ отозван"})
    admin = UserFactory(is_superuser=True, email="admin@example.org")

    watch_runs(lambda stalled, batches: None)
    watch_runs(lambda stalled, batches: None)

    run.refresh_from_db()
    assert run.notified_at is not None
    assert Notification.objects.filter(recipient=admin, kind=Notification.Kind.CONFIG_ALERT).count() == 1
