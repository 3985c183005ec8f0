"""Retention of personal data (152-ФЗ, DESIGN §8): the nightly prune deletes audit entries and
login records past their days, blanks the text and author of posts by other people and the
past contacts of a page, and keeps every row and count the figures are made of.

Two nights are swept through the simulator 200 days apart; people log in on both."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta

import pytest
import time_machine
from auditlog.models import LogEntry
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from monitoring import tasks
from monitoring.changes import PHONE_CHANGED
from monitoring.models import ChangeEvent, PagePost, PageState, RuleSettings, Snapshot, SweepRun
from monitoring.rules import MOSCOW
from monitoring.tests.sweeping import PERSON_VK, SCHOOL_VK, make_world, point_settings, run_sweep
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NIGHT = datetime(2025, 3, 12, 3, 0, tzinfo=MOSCOW)
SECOND_NIGHT = NIGHT + timedelta(days=200)
PARENTS_POST = {"id": 9003, "week": -1, "weekday": 4, "time": "12:00", "from_id": PERSON_VK, "text": "Вопрос родителя"}
PASSWORD = "pass-1234-word"  # the factories' password


def log_in_twice(client, username: str) -> None:
    """A wrong password, then the right one: an attempt and a login record."""
    client.post(reverse("login"), {"username": username, "password": "wrong"})
    client.post(reverse("login"), {"username": username, "password": PASSWORD})


def login_records() -> int:
    return sum(model.objects.count() for model in (AccessAttempt, AccessLog, AccessFailureLog))


@pytest.fixture
def two_nights(settings, run_simulator, client):
    settings.AUDITLOG_RETENTION_DAYS = settings.LOGIN_RECORDS_RETENTION_DAYS = 300
    settings.OTHERS_POSTS_RETENTION_DAYS, settings.CONTACTS_RETENTION_DAYS = 120, 180
    with time_machine.travel(NIGHT, tick=False):
        world = make_world(NIGHT)
        UserFactory(username="old_user")
        log_in_twice(client, "old_user")
    scenario = world.scenario_copy()
    next(g for g in scenario["vk"]["groups"] if g["id"] == SCHOOL_VK).setdefault("posts", []).append(
        copy.deepcopy(PARENTS_POST)
    )
    point_settings(settings, run_simulator(scenario))
    for night in (NIGHT, SECOND_NIGHT):
        with time_machine.travel(night, tick=True):
            run_sweep()
    with time_machine.travel(NIGHT, tick=False):  # the first night also saw the school's phone change
        page = world.pages["school_vk"]
        ChangeEvent.objects.create(
            page=page, organization=page.organization, run=SweepRun.objects.earliest("started_at"), kind=PHONE_CHANGED,
            severity="warning", message="Изменён телефон в сведениях сообщества.",
            old=["+7 (86168) 1-11-11"], new=["+7 (86168) 2-22-22"],
        )
    with time_machine.travel(SECOND_NIGHT, tick=False):
        UserFactory(username="new_user")
        log_in_twice(client, "new_user")
        rules = RuleSettings.load()
        rules.weeks = 5
        rules.save()
    return world


def prune_on(day: datetime) -> dict[str, int]:
    with time_machine.travel(day, tick=False):
        return tasks.retention_prune()


def school_snapshots(world) -> list[Snapshot]:
    return list(Snapshot.objects.filter(page=world.pages["school_vk"]).order_by("taken_at"))


def test_nothing_is_pruned_before_its_time(two_nights):
    posts, records, entries = PagePost.objects.values_list("text", "author_id"), login_records(), LogEntry.objects.count()
    before = list(posts)

    assert prune_on(NIGHT + timedelta(days=100)) == {
        "audit_entries": 0, "login_records": 0, "others_posts": 0, "contacts": 0, "contact_changes": 0
    }
    assert list(posts) == before and login_records() == records and LogEntry.objects.count() == entries
    assert all(snapshot.emails for snapshot in school_snapshots(two_nights))


def test_past_contacts_are_blanked_and_the_latest_read_is_kept(two_nights):
    prune_on(NIGHT + timedelta(days=400))

    first, latest = school_snapshots(two_nights)
    assert (first.emails, first.phones, first.address) == ([], [], "")
    assert latest.emails == [f"school{SCHOOL_VK}@example.ru"] and latest.phones and latest.address
    # What the figures are made of stays: the first night's verdict and the page's state.
    assert first.verdict and PageState.objects.get(page=two_nights.pages["school_vk"]).last_snapshot == latest


def test_a_past_contact_change_keeps_its_message_but_not_the_phones(two_nights):
    event = ChangeEvent.objects.get(kind=PHONE_CHANGED)

    prune_on(NIGHT + timedelta(days=400))

    event.refresh_from_db()
    assert (event.old, event.new) == (None, None)
    assert event.message == "Изменён телефон в сведениях сообщества."


def test_posts_by_other_people_lose_text_and_author_but_still_count(two_nights):
    others = PagePost.objects.filter(page=two_nights.pages["school_vk"], from_community=False)
    own_texts = list(PagePost.objects.filter(from_community=True).values_list("text", flat=True))
    assert others.filter(text="Вопрос родителя", author_id=str(PERSON_VK)).exists()
    count = others.count()

    prune_on(NIGHT + timedelta(days=400))

    assert others.count() == count
    assert list(others.values_list("text", "author_id").distinct()) == [("", "")]
    assert list(PagePost.objects.filter(from_community=True).values_list("text", flat=True)) == own_texts


def test_old_login_records_and_audit_entries_are_deleted_and_newer_ones_kept(two_nights):
    old_records = login_records()

    pruned = prune_on(NIGHT + timedelta(days=400))

    assert pruned["login_records"] > 0 and 0 < login_records() < old_records
    assert not AccessLog.objects.filter(username="old_user").exists()
    assert AccessLog.objects.filter(username="new_user").exists()
    assert not LogEntry.objects.filter(timestamp__lt=NIGHT + timedelta(days=100)).exists()
    assert LogEntry.objects.get_for_object(RuleSettings.load()).filter(action=LogEntry.Action.UPDATE).exists()


def test_a_second_prune_the_same_night_changes_nothing(two_nights):
    first = prune_on(NIGHT + timedelta(days=400))

    assert all(first.values())
    assert prune_on(NIGHT + timedelta(days=400, hours=1)) == dict.fromkeys(first, 0)


def test_the_prune_is_scheduled_nightly():
    task = PeriodicTask.objects.get(task="monitoring.retention_prune")

    assert (task.enabled, task.crontab.hour, task.crontab.minute) == (True, "5", "0")
