"""The page of one sweep («Проверить сейчас»): the bar moves page by page with the time left,
and the finished run says what changed, by organization, and who started it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from monitoring.models import ChangeEvent, SweepRun
from monitoring.sweep import sweep_run_inline, sweep_start
from monitoring.tests.sweeping import point_settings, register, world_scenario
from tests.factories import DistrictFactory, OrganizationFactory, methodologist

pytestmark = pytest.mark.django_db


def url(run) -> str:
    return reverse("sweep-detail", args=[run.pk])


def finished_run(user=None) -> SweepRun:
    now = timezone.now()
    return SweepRun.objects.create(
        started_at=now - timedelta(minutes=2, seconds=13), finished_at=now, status=SweepRun.Status.FINISHED,
        trigger=SweepRun.Trigger.MANUAL, started_by=user, pages_total=4, pages_done=4,
    )


def event(run, page, message, severity="warning") -> ChangeEvent:
    return ChangeEvent.objects.create(
        page=page, organization=page.organization, run=run, kind="name_changed", severity=severity, message=message,
    )


def test_a_finished_run_lists_its_changes_by_organization_with_links_and_who_started_it(actors):
    actors.methodologist.first_name, actors.methodologist.last_name = "Ирина", "Иванова"
    actors.methodologist.save()
    run = finished_run(actors.methodologist)
    page_a, page_b = register(actors.org_a, "vk", "https://vk.com/club101"), register(actors.org_b, "ok", "https://ok.ru/group/5102")
    event(run, page_a, "Снята метка «Госорганизация».", severity="critical")
    event(run, page_a, "Изменено название сообщества.")
    event(run, page_b, "Изменён телефон в сведениях сообщества.")
    event(finished_run(), page_b, "Событие другой проверки.")

    content = actors.client_for(actors.methodologist).get(url(run)).content.decode()

    assert "Кто запустил: <strong" in content and "Ирина Иванова" in content
    assert "шла 2 мин 13 с" in content
    school, kindergarten = content.index(actors.org_a.short_name + "</a>"), content.index(actors.org_b.short_name + "</a>")
    assert school < content.index("Снята метка") < content.index("Изменено название") < kindergarten
    assert kindergarten < content.index("Изменён телефон")
    assert "Событие другой проверки." not in content
    for organization in (actors.org_a, actors.org_b):
        assert reverse("organization-detail", args=[organization.pk]) in content
        assert reverse("organization-alerts", args=[organization.pk]) + "#events" in content


def test_a_finished_run_without_changes_says_so(actors):
    content = actors.client_for(actors.methodologist).get(url(finished_run())).content.decode()

    assert "На страницах ничего не изменилось" in content


def test_a_district_methodologist_sees_only_their_districts_changes(actors):
    run = finished_run()
    elsewhere = OrganizationFactory(short_name="СОШ №201", district=DistrictFactory(name="Ейский район"))
    event(run, register(elsewhere, "vk", "https://vk.com/club103"), "Чужое событие.")
    event(run, register(actors.org_a, "vk", "https://vk.com/club101"), "Своё событие.")
    local = methodologist(district=actors.org_a.district, username="metodist_kush")

    content = actors.client_for(local).get(url(run)).content.decode()

    assert "Своё событие." in content and "Чужое событие." not in content and "СОШ №201" not in content


def test_the_progress_json_reports_pages_done_and_the_time_left_at_the_pace_so_far(actors):
    started = timezone.now()
    run = SweepRun.objects.create(started_at=started, trigger=SweepRun.Trigger.MANUAL, pages_total=40, pages_done=10)
    client = actors.client_for(actors.methodologist)

    with time_machine.travel(started + timedelta(seconds=60), tick=False):
        progress = client.get(url(run), HTTP_ACCEPT="application/json").json()
        page = client.get(url(run)).content.decode()

    # 10 pages a minute, 30 to go.
    assert (progress["pages_done"], progress["pages_total"]) == (10, 40)
    assert progress["seconds_left"] == 180 and progress["time_left"] == "осталось около 3 мин"
    assert "осталось около 3 мин" in page


def test_before_the_first_page_no_time_left_is_guessed(actors):
    run = SweepRun.objects.create(started_at=timezone.now(), trigger=SweepRun.Trigger.MANUAL, pages_total=40)

    progress = actors.client_for(actors.methodologist).get(url(run), HTTP_ACCEPT="application/json").json()

    assert progress["pages_done"] == 0 and progress["seconds_left"] is None and progress["time_left"] == ""


def test_a_run_from_the_portal_shows_its_first_page_at_once_rather_than_a_network_at_a_time(actors, settings, run_simulator):
    for organization, number in ((actors.org_a, 1), (actors.org_b, 2)):
        register(organization, "vk", f"https://vk.com/club10{number}")
        register(organization, "ok", f"https://ok.ru/group/510{number}")
    point_settings(settings, run_simulator(world_scenario()))
    run, _started = sweep_start(trigger=SweepRun.Trigger.MANUAL, user=actors.methodologist)
    seen = []

    sweep_run_inline(run, progress=lambda run: seen.append(run.pages_done))

    assert seen[0] == 1 and seen[-1] == run.pages_total == 4
