"""The monitoring pages: what the sweep saw on an organization's pages (with stale values
when a night could not read them), acknowledging an alert, «Проверить сейчас» and its
progress. Each view is tried by the allowed and the forbidden actor."""

from __future__ import annotations

import copy
import threading
import time
from datetime import timedelta
from html import unescape

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from monitoring.compliance import compliance_export
from monitoring.models import ChangeEvent, SweepBatch, SweepRun
from monitoring.sweep import sweep_batch, sweep_start
from monitoring.tests.sweeping import SCHOOL_VK, point_settings, register, run_sweep, world_scenario
from organizations.models import Organization
from tests.factories import DistrictFactory, OrganizationFactory, methodologist

pytestmark = pytest.mark.django_db


def register_pages(actors) -> None:
    register(actors.org_a, "vk", "https://vk.com/club101")
    register(actors.org_a, "ok", "https://ok.ru/group/5101")
    register(actors.org_b, "vk", "https://vk.com/club102")
    register(actors.org_b, "ok", "https://ok.ru/group/5102")


@pytest.fixture
def swept(actors, settings, run_simulator):
    """The actors' organizations registered on both networks and swept once."""
    register_pages(actors)
    actors.scenario = world_scenario()
    point_settings(settings, run_simulator(actors.scenario))
    run_sweep()
    return actors


def sweep_again(actors, settings, run_simulator, *, faults=(), edit=None) -> SweepRun:
    scenario = copy.deepcopy(actors.scenario)
    scenario["faults"] = list(faults)
    if edit:
        edit(scenario)
    point_settings(settings, run_simulator(scenario))
    return run_sweep()


WALL_FAULT = {"network": "vk", "method": "wall.get", "owner_id": str(-SCHOOL_VK), "error_code": 10}


def mark_lost(scenario) -> None:
    next(g for g in scenario["vk"]["groups"] if g["id"] == SCHOOL_VK)["is_government_organization"] = False


def pages_url(organization) -> str:
    return reverse("organization-alerts", args=[organization.pk])


# --- the organization's pages ------------------------------------------------------------


def test_staff_see_what_the_sweep_found_on_their_pages(swept):
    response = swept.client_for(swept.staff_a).get(pages_url(swept.org_a))

    assert response.status_code == 200
    text = response.content.decode()
    assert "https://vk.com/club101" in text and "https://ok.ru/group/5101" in text
    assert 'data-status="ok"' in text
    assert "Изменений пока не было." in text


def test_staff_cannot_see_another_organizations_pages(swept):
    response = swept.client_for(swept.staff_a).get(pages_url(swept.org_b))

    assert response.status_code == 404


def test_the_methodologist_sees_every_organizations_pages(swept):
    client = swept.client_for(swept.methodologist)

    assert client.get(pages_url(swept.org_a)).status_code == 200
    assert client.get(pages_url(swept.org_b)).status_code == 200


def test_an_anonymous_visitor_is_sent_to_log_in(swept):
    response = swept.client_for(None).get(pages_url(swept.org_a))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    "fault",
    [WALL_FAULT, {"network": "vk", "method": "groups.getById", "error_code": 10}],
    ids=["wall-unread", "nothing-read"],
)
def test_a_night_that_could_not_read_a_page_shows_the_last_known_values_with_the_reason(
    swept, settings, run_simulator, fault
):
    first = SweepRun.objects.get()
    sweep_again(swept, settings, run_simulator, faults=[fault])

    response = swept.client_for(swept.staff_a).get(pages_url(swept.org_a))

    text = response.content.decode()
    assert 'data-status="unknown"' in text
    assert "ошибка API 10" in text
    # Marked stale, with the date they were read.
    first_read = timezone.localtime(first.started_at).strftime("%d.%m.%Y %H:%M")
    notice = text[text.index('role="note">'):]
    notice = notice[: notice.index("</div>")]
    assert "Показаны прежние данные:" in notice and "публикаций всего" in notice and f"— на {first_read}." in notice
    assert '<dd class="col-5">46</dd>' in text  # the posts total the first night read


def test_the_page_and_the_export_name_the_same_stale_values_and_date(swept, settings, run_simulator):
    first = SweepRun.objects.get()
    sweep_again(swept, settings, run_simulator, faults=[WALL_FAULT])

    text = unescape(swept.client_for(swept.staff_a).get(pages_url(swept.org_a)).content.decode())

    [exported] = compliance_export(Organization.objects.filter(pk=swept.org_a.pk))["organizations"]
    assert exported["communities"][0]["stale"] == {
        "fields": ["posts_total", "weekly_posts", "current_week", "regular", "posts_not_from_community",
                   "reposts_from_personal_pages"],
        "read_at": timezone.localtime(first.started_at).isoformat(),
    }
    words = ("публикаций всего, по неделям, текущая неделя, регулярность, публикации не от имени сообщества, "
             "репосты с личных страниц")
    assert f"Показаны прежние данные: {words} — на {timezone.localtime(first.started_at):%d.%m.%Y %H:%M}." in text
    assert exported["communities"][1]["stale"] is None and "Показаны прежние данные" not in text.split("net-ok")[1]


def test_a_page_not_registered_is_shown_as_missing(actors):
    register(actors.org_a, "vk", "https://vk.com/club101")

    response = actors.client_for(actors.staff_a).get(pages_url(actors.org_a))

    text = response.content.decode()
    assert "Официальная страница не зарегистрирована." in text
    assert 'data-status="fail"' in text


# --- acknowledging an alert ----------------------------------------------------------------


@pytest.fixture
def alert(swept, settings, run_simulator) -> ChangeEvent:
    run = sweep_again(swept, settings, run_simulator, edit=mark_lost)
    return ChangeEvent.objects.get(run=run, kind="gov_mark_lost")


def acknowledge_url(event) -> str:
    return reverse("alert-acknowledge", args=[event.pk])


def test_the_lost_mark_alert_is_shown_to_staff(swept, alert):
    text = swept.client_for(swept.staff_a).get(pages_url(swept.org_a)).content.decode()

    assert "Метка «Госорганизация» снята" in text
    assert acknowledge_url(alert) in text


def test_staff_acknowledge_an_alert_of_their_organization(swept, alert):
    response = swept.client_for(swept.staff_a).post(acknowledge_url(alert))

    assert response.status_code == 302
    assert response["Location"] == pages_url(swept.org_a) + "#events"
    alert.refresh_from_db()
    assert alert.acknowledged_at is not None and alert.acknowledged_by == swept.staff_a
    text = swept.client_for(swept.staff_a).get(pages_url(swept.org_a)).content.decode()
    assert acknowledge_url(alert) not in text and "Принято" in text


def test_an_acknowledgement_is_in_the_audit_log_once_with_who_made_it(swept, alert):
    client = swept.client_for(swept.staff_a)
    client.post(acknowledge_url(alert))
    client.post(acknowledge_url(alert))

    [entry] = LogEntry.objects.get_for_object(alert)
    alert.refresh_from_db()
    assert (entry.action, entry.actor) == (LogEntry.Action.UPDATE, swept.staff_a)
    assert "Метка «Госорганизация» снята" in entry.object_repr
    assert entry.changes_dict == {
        "acknowledged_at": ["None", str(alert.acknowledged_at)], "acknowledged_by": ["None", str(swept.staff_a)]
    }


def test_the_methodologist_may_acknowledge_an_alert(swept, alert):
    assert swept.client_for(swept.methodologist).post(acknowledge_url(alert)).status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_by == swept.methodologist


def test_staff_cannot_acknowledge_another_organizations_alert(swept, alert):
    response = swept.client_for(swept.staff_b).post(acknowledge_url(alert))

    assert response.status_code == 404
    alert.refresh_from_db()
    assert alert.acknowledged_at is None


def test_acknowledging_needs_a_post(swept, alert):
    response = swept.client_for(swept.staff_a).get(acknowledge_url(alert))

    assert response.status_code == 405
    alert.refresh_from_db()
    assert alert.acknowledged_at is None


def test_an_anonymous_visitor_cannot_acknowledge(swept, alert):
    response = swept.client_for(None).post(acknowledge_url(alert))

    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    alert.refresh_from_db()
    assert alert.acknowledged_at is None


# --- «Проверить сейчас» and its progress ---------------------------------------------------


def wait_for_run(run_id: int, timeout: float = 30.0) -> SweepRun:
    """Poll the database as the progress page does, then let the sweep's thread end."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = SweepRun.objects.get(pk=run_id)
        if run.finished_at is not None:
            break
        time.sleep(0.1)
    else:
        raise AssertionError(f"sweep #{run_id} did not finish within {timeout} s")
    join_sweep_thread(run_id, timeout)
    return SweepRun.objects.get(pk=run_id)


def join_sweep_thread(run_id: int, timeout: float = 30.0) -> None:
    for thread in threading.enumerate():
        if thread.name == f"sweep-{run_id}":
            thread.join(timeout)


@pytest.mark.django_db(transaction=True)
def test_the_methodologist_starts_a_sweep_that_runs_in_the_background_and_finishes(actors, settings, run_simulator):
    register_pages(actors)
    point_settings(settings, run_simulator(world_scenario()))
    client = actors.client_for(actors.methodologist)

    response = client.post(reverse("sweep-now"))

    run = SweepRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("sweep-detail", args=[run.pk])
    assert run.trigger == SweepRun.Trigger.MANUAL and run.started_by == actors.methodologist
    run = wait_for_run(run.pk)
    assert run.status == SweepRun.Status.FINISHED and run.pages_done == run.pages_total == 4
    progress = client.get(reverse("sweep-detail", args=[run.pk]), HTTP_ACCEPT="application/json").json()
    assert progress == {"status": "finished", "pages_done": 4, "pages_total": 4, "faults": 0,
                        "finished": True, "config_errors": {}, "seconds_left": None, "time_left": ""}


@pytest.mark.django_db(transaction=True)
def test_a_second_start_while_a_sweep_runs_joins_the_running_one(actors, settings, run_simulator):
    point_settings(settings, run_simulator(world_scenario()))
    running = SweepRun.objects.create(started_at=timezone.now(), progressed_at=timezone.now(), trigger=SweepRun.Trigger.SCHEDULE)

    response = actors.client_for(actors.methodologist).post(reverse("sweep-now"), follow=True)

    assert SweepRun.objects.count() == 1
    assert response.redirect_chain[-1][0] == reverse("sweep-detail", args=[running.pk])
    assert "Проверка уже идёт." in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_sweep_that_breaks_in_the_background_is_taken_over_and_finished_by_the_next_start(
    actors, settings, run_simulator
):
    register_pages(actors)
    point_settings(settings, run_simulator(world_scenario()), VK_RATE_LIMIT="as fast as you can")
    client = actors.client_for(actors.methodologist)

    client.post(reverse("sweep-now"))
    run = SweepRun.objects.get()
    join_sweep_thread(run.pk)

    progress = client.get(reverse("sweep-detail", args=[run.pk]), HTTP_ACCEPT="application/json").json()
    assert progress["finished"] is False and progress["status"] == "running"  # its alerts are still to come
    settings.VK_RATE_LIMIT = "50/second"
    response = client.post(reverse("sweep-now"), follow=True)
    assert "Прерванная проверка продолжена." in response.content.decode()
    again = wait_for_run(run.pk)
    assert again.status == SweepRun.Status.FINISHED and again.pages_done == again.pages_total == 4
    assert SweepRun.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_district_methodologist_sweeps_only_their_district(actors, settings, run_simulator):
    register_pages(actors)
    elsewhere = OrganizationFactory(short_name="СОШ №201", district=DistrictFactory(name="Ейский район"))
    register(elsewhere, "vk", "https://vk.com/club103")
    local = methodologist(district=actors.org_a.district, username="metodist_kush")
    point_settings(settings, run_simulator(world_scenario()))

    actors.client_for(local).post(reverse("sweep-now"))

    run = wait_for_run(SweepRun.objects.get().pk)
    assert sorted(run.organization_ids) == sorted([actors.org_a.pk, actors.org_b.pk])
    assert run.pages_done == run.pages_total == 4 and run.status == SweepRun.Status.FINISHED


def test_staff_cannot_start_a_sweep(actors):
    response = actors.client_for(actors.staff_a).post(reverse("sweep-now"))

    assert response.status_code == 403
    assert not SweepRun.objects.exists()


def test_starting_a_sweep_needs_a_post(actors):
    response = actors.client_for(actors.methodologist).get(reverse("sweep-now"))

    assert response.status_code == 405
    assert not SweepRun.objects.exists()


def test_an_anonymous_visitor_cannot_start_a_sweep(actors):
    response = actors.client_for(None).post(reverse("sweep-now"))

    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert not SweepRun.objects.exists()


def test_the_progress_page_shows_the_run_to_the_methodologist(swept):
    run = SweepRun.objects.get()

    response = swept.client_for(swept.methodologist).get(reverse("sweep-detail", args=[run.pk]))

    assert response.status_code == 200
    text = response.content.decode()
    assert f"Проверка страниц #{run.pk}" in text
    assert 'data-finished="1"' in text and "<span data-done>4</span>" in text


def test_the_progress_json_counts_a_run_under_way(swept):
    run, _started = sweep_start(trigger=SweepRun.Trigger.MANUAL, batch_size=2)
    sweep_batch(run.batches.order_by("network", "index").first())

    progress = swept.client_for(swept.methodologist).get(
        reverse("sweep-detail", args=[run.pk]), HTTP_ACCEPT="application/json"
    ).json()

    assert progress["status"] == "running" and progress["finished"] is False
    assert (progress["pages_done"], progress["pages_total"]) == (2, 4)


def test_staff_cannot_see_sweep_progress(swept):
    run = SweepRun.objects.get()

    url = reverse("sweep-detail", args=[run.pk])
    response = swept.client_for(swept.staff_a).get(url, HTTP_ACCEPT="application/json")

    assert response.status_code == 403


@pytest.mark.django_db(transaction=True)  # the run goes on in a thread, which needs committed rows
def test_a_run_left_running_by_a_killed_process_is_taken_over_and_finished_by_check_now(actors, settings):
    settings.VK_ACCESS_TOKENS = []  # the run stops at once: no keys
    settings.OK_APPLICATION_KEY = ""
    stalled = timezone.now() - timedelta(seconds=settings.SWEEP_STALL_SECONDS + 60)
    dead = SweepRun.objects.create(started_at=stalled, progressed_at=stalled, trigger=SweepRun.Trigger.SCHEDULE, networks=["vk"])
    SweepBatch.objects.create(run=dead, network="vk", index=0, page_ids=[])

    response = actors.client_for(actors.methodologist).post(reverse("sweep-now"))

    assert response.status_code == 302
    assert response["Location"] == reverse("sweep-detail", args=[dead.pk])
    assert wait_for_run(dead.pk).status == SweepRun.Status.FINISHED  # the thread is done before the test ends
    assert SweepRun.objects.count() == 1
