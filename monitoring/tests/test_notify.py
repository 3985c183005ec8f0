"""The notify step after a sweep: one digest per person per run, in Russian, never twice;
administrators hear about configuration errors without ever seeing a token."""

from __future__ import annotations

import copy

import pytest
from django.core import mail

from monitoring.models import ChangeEvent, Notification, SweepRun
from monitoring.notify import notify_run
from monitoring.tests.sweeping import (
    OK_ACCESS_TOKEN,
    OK_SECRET_KEY,
    SCHOOL_VK,
    VK_TOKEN,
    point_settings,
    ok_school,
    register,
    run_sweep,
    sweep_exit_code,
    vk_school,
    world_scenario,
)
from tests.factories import DistrictFactory, OrganizationFactory, UserFactory, methodologist, staff_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def night(actors, settings, run_simulator):
    """The actors' two organizations on both networks, swept once with nothing to report."""
    scenario = world_scenario()
    register(actors.org_a, "vk", "https://vk.com/club101")
    register(actors.org_a, "ok", "https://ok.ru/group/5101")
    register(actors.org_b, "vk", "https://vk.com/club102")
    register(actors.org_b, "ok", "https://ok.ru/group/5102")
    for user in (actors.methodologist, actors.staff_a, actors.staff_b):
        user.email = f"{user.username}@kush.edu.example"
        user.save()
    point_settings(settings, run_simulator(scenario))
    first = run_sweep()
    assert not ChangeEvent.objects.filter(run=first).exists()
    assert mail.outbox == []
    actors.scenario = scenario
    return actors


def run_sweep_on(scenario, settings, run_simulator) -> SweepRun:
    point_settings(settings, run_simulator(copy.deepcopy(scenario)))
    return run_sweep()


def lose_the_mark(night, settings, run_simulator) -> SweepRun:
    """Overnight org A's VK community was renamed and lost its mark."""
    scenario = copy.deepcopy(night.scenario)
    group = next(g for g in scenario["vk"]["groups"] if g["id"] == SCHOOL_VK)
    group.update(name="Школа — новости", is_government_organization=False)
    point_settings(settings, run_simulator(scenario))
    return run_sweep()


def test_staff_get_one_digest_in_russian_with_the_gosuslugi_instructions(night, settings, run_simulator):
    run = lose_the_mark(night, settings, run_simulator)

    to_staff = [m for m in mail.outbox if m.to == [night.staff_a.email]]
    assert len(to_staff) == 1
    message = to_staff[0]
    assert "СОШ №9" in message.subject and "Госпаблики" in message.subject
    assert "Метка «Госорганизация» снята" in message.body
    assert "Подтвердить статус через Госуслуги" in message.body
    assert "Школа — новости" in message.body  # the rename is named too
    assert f"/org/{night.org_a.pk}/pages/" in message.body
    assert Notification.objects.get(run=run, recipient=night.staff_a).sent_at is not None


def test_staff_of_an_organization_without_changes_get_nothing(night, settings, run_simulator):
    lose_the_mark(night, settings, run_simulator)

    assert not [m for m in mail.outbox if night.staff_b.email in m.to]


def test_the_methodologist_gets_one_district_digest(night, settings, run_simulator):
    lose_the_mark(night, settings, run_simulator)

    digests = [m for m in mail.outbox if m.to == [night.methodologist.email]]
    assert len(digests) == 1
    assert "сводка ночной проверки" in digests[0].subject
    assert "СОШ №9" in digests[0].body and "д/с №10" not in digests[0].body
    assert len(mail.outbox) == 2  # the staff digest and the district digest, nothing else


def test_notifying_a_run_again_sends_nothing_more(night, settings, run_simulator):
    run = lose_the_mark(night, settings, run_simulator)
    sent = len(mail.outbox)
    assert sent == 2

    assert notify_run(run) == 0
    assert notify_run(run) == 0

    assert len(mail.outbox) == sent
    assert Notification.objects.filter(run=run).count() == sent


def test_a_quiet_night_after_the_change_sends_nothing(night, settings, run_simulator):
    lose_the_mark(night, settings, run_simulator)
    sent = len(mail.outbox)

    run_sweep()  # the same world again: nothing new happened

    assert len(mail.outbox) == sent


def test_people_without_an_e_mail_or_inactive_are_skipped(night, settings, run_simulator):
    night.staff_a.email = ""
    night.staff_a.save()
    colleague = staff_of(night.org_a, username="retired", email="retired@kush.edu.example", is_active=False)
    methodologist(username="metodist2", email="")

    lose_the_mark(night, settings, run_simulator)

    recipients = {address for m in mail.outbox for address in m.to}
    assert recipients == {night.methodologist.email}
    assert colleague.email not in recipients


def test_administrators_get_a_config_alert_that_never_shows_the_token(night, settings, run_simulator):
    admin = UserFactory(username="admin", email="admin@kush.edu.example", is_superuser=True, is_staff=True)
    scenario = copy.deepcopy(night.scenario)
    # VK repeats what it was sent; a careless client would mail the token on.
    scenario["faults"] = [
        {"network": "vk", "error_code": 5, "error_msg": f"User authorization failed: invalid access_token {VK_TOKEN}"},
        {"network": "ok", "error_code": 104, "error_msg": f"Invalid signature for {OK_SECRET_KEY} {OK_ACCESS_TOKEN}"},
    ]
    point_settings(settings, run_simulator(scenario))

    assert sweep_exit_code() == 2

    alerts = [m for m in mail.outbox if m.to == [admin.email]]
    assert len(alerts) == 1
    body = alerts[0].subject + alerts[0].body
    assert "ошибки настройки" in body and "vk" in body and "ok" in body
    for secret in (VK_TOKEN, OK_SECRET_KEY, OK_ACCESS_TOKEN):
        assert secret not in body
        assert not Notification.objects.filter(body__contains=secret).exists()
        assert secret not in str(SweepRun.objects.order_by("-pk").first().config_errors)
    # Staff and the methodologist are not the ones to fix keys.
    assert not [m for m in mail.outbox if m.to != [admin.email]]


def test_a_district_methodologist_reads_only_their_districts_numbers(night, settings, run_simulator):
    other = DistrictFactory(name="Ейский район")
    school = OrganizationFactory(short_name="СОШ №201", district=other)
    register(school, "vk", "https://vk.com/club103")
    register(school, "ok", "https://ok.ru/group/5103")
    night.scenario["vk"]["groups"].append(vk_school(103, "МБОУ СОШ №201"))
    night.scenario["ok"]["groups"].append(ok_school("5103", "МБОУ СОШ №201"))
    run_sweep_on(night.scenario, settings, run_simulator)  # the new pages' first night: nothing to report
    local = methodologist(district=night.org_a.district, username="metodist_kush", email="kush@kush.edu.example")
    elsewhere = methodologist(district=other, username="metodist_eysk", email="eysk@eysk.edu.example")

    lose_the_mark(night, settings, run_simulator)

    assert not [m for m in mail.outbox if elsewhere.email in m.to]  # nothing changed in their district
    (digest,) = [m for m in mail.outbox if m.to == [local.email]]
    # Four pages in the district: one failing now, three in order; the other district's two are not counted.
    assert "в порядке — 3" in digest.body and "нарушение — 1" in digest.body
    assert "СОШ №201" not in digest.body
    (regional,) = [m for m in mail.outbox if m.to == [night.methodologist.email]]
    assert "в порядке — 5" in regional.body and "нарушение — 1" in regional.body
