"""Reminders that prevent: the daily e-mail to staff about due and returned documents, the
weekly district picture for methodologists, and the Thursday nudge when a page's current
week is behind the pace. Each is sent once per period, however often its task runs."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core import mail

from checklist import services
from checklist.models import WorkStatus
from checklist.tests.documents import entry_of, submit
from monitoring.models import Notification, PagePost, PageState
from monitoring.rules import MOSCOW
from reports import reminders, tasks
from reports.reminders import week_shortfall
from reports.tests import world
from tests.factories import DistrictFactory, OrganizationFactory, methodologist, staff_of

TODAY = datetime.date(2025, 3, 11)  # a Tuesday
THURSDAY = datetime.datetime(2025, 3, 13, 10, 0, tzinfo=MOSCOW)
THIS_MONDAY = "2025-03-10"


@pytest.fixture
def mailboxes(actors):
    for user, address in ((actors.staff_a, "sosh9@example.ru"), (actors.staff_b, "ds10@example.ru"),
                          (actors.methodologist, "metodist@example.ru")):
        user.email = address
        user.save(update_fields=["email"])
    world.compliant(actors.org_a)
    world.compliant(actors.org_b)
    world.item_due("order_responsible", datetime.date(2022, 12, 1))
    return actors


def sent_to(address: str) -> list:
    return [message for message in mail.outbox if message.to == [address]]


# --- daily reminders to staff -------------------------------------------------------------------


def test_staff_are_reminded_of_an_overdue_order(mailboxes):
    world.paperwork(mailboxes.org_a, WorkStatus.NOT_STARTED, codes=["order_responsible"])

    sent = reminders.send_staff_reminders(TODAY)

    assert sent == 1
    [message] = sent_to("sosh9@example.ru")
    assert message.subject == "Госпаблики: сроки по чек-листу СОШ №9"
    assert "Здравствуйте" in message.body
    assert "Приказ о назначении ответственных за ведение официальных страниц: срок 01.12.2022 истёк" in message.body
    assert f"/org/{mailboxes.org_a.pk}/" in message.body
    assert sent_to("ds10@example.ru") == []


def test_staff_are_reminded_of_a_returned_document_with_the_reason(mailboxes):
    entry = entry_of(mailboxes.org_b, "instruction")
    submit(entry, mailboxes.staff_b)
    services.entry_return(entry=entry, user=mailboxes.methodologist, comment="Нет подписи руководителя.")

    reminders.send_staff_reminders(TODAY)

    [message] = sent_to("ds10@example.ru")
    assert "Утверждена Инструкция по работе с официальными аккаунтами: возвращено на доработку: Нет подписи руководителя." in message.body
    assert sent_to("sosh9@example.ru") == []


def test_a_due_date_within_a_week_is_a_reminder_and_a_later_one_is_not(mailboxes):
    world.paperwork(mailboxes.org_a, WorkStatus.NOT_STARTED, codes=["qr_codes"])
    world.paperwork(mailboxes.org_b, WorkStatus.NOT_STARTED, codes=["qr_codes"])
    world.item_due("qr_codes", TODAY + datetime.timedelta(days=7))

    reminders.send_staff_reminders(TODAY)
    world.item_due("qr_codes", TODAY + datetime.timedelta(days=30))
    reminders.send_staff_reminders(TODAY + datetime.timedelta(days=1))

    assert len(mail.outbox) == 2
    assert "QR-коды на официальные сообщества размещены в организации: срок 18.03.2025" in mail.outbox[0].body


def test_nothing_is_sent_when_everything_is_approved(mailboxes):
    assert reminders.send_staff_reminders(TODAY) == 0
    assert mail.outbox == []


def test_a_document_waiting_for_review_is_not_a_reminder(mailboxes):
    entry = entry_of(mailboxes.org_a, "order_responsible")
    world.paperwork(mailboxes.org_a, WorkStatus.NOT_STARTED, codes=["order_responsible"])
    submit(entry, mailboxes.staff_a)

    reminders.send_staff_reminders(TODAY)

    assert mail.outbox == []


def test_running_twice_the_same_day_sends_nothing_more_and_the_next_day_reminds_again(mailboxes):
    world.paperwork(mailboxes.org_a, WorkStatus.NOT_STARTED, codes=["order_responsible"])

    first = reminders.send_staff_reminders(TODAY)
    second = reminders.send_staff_reminders(TODAY)
    next_day = reminders.send_staff_reminders(TODAY + datetime.timedelta(days=1))

    assert (first, second, next_day) == (1, 0, 1)
    assert len(mail.outbox) == 2
    assert Notification.objects.filter(kind=Notification.Kind.STAFF_REMINDER).count() == 2


def test_the_celery_task_sends_the_days_reminders(mailboxes):
    world.paperwork(mailboxes.org_a, WorkStatus.NOT_STARTED, codes=["order_responsible"])

    assert tasks.staff_reminders.delay().get() == 1
    assert len(sent_to("sosh9@example.ru")) == 1


def test_staff_without_an_address_or_no_longer_active_get_nothing(mailboxes):
    world.paperwork(mailboxes.org_a, WorkStatus.NOT_STARTED, codes=["order_responsible"])
    mailboxes.staff_a.is_active = False
    mailboxes.staff_a.save()
    staff_of(mailboxes.org_a, username="no_mail")

    assert reminders.send_staff_reminders(TODAY) == 0


# --- the weekly district picture ------------------------------------------------------------------


def test_the_weekly_digest_lists_irregular_publishers_and_pending_reviews(mailboxes):
    irregular = OrganizationFactory(short_name="СОШ №4")
    world.compliant(irregular, regular=False)
    world.paperwork(irregular, WorkStatus.NOT_STARTED, codes=["order_responsible"])
    submit(entry_of(mailboxes.org_b, "instruction"), mailboxes.staff_b)
    submit(entry_of(mailboxes.org_a, "qr_codes"), mailboxes.staff_a)

    reminders.send_district_weekly(TODAY)

    [message] = sent_to("metodist@example.ru")
    assert message.subject == "Госпаблики: неделя 2025-W11 в районе"
    assert "Организаций: 3." in message.body
    assert "Документов ждут проверки: 2." in message.body
    assert "Нерегулярно публикуют: СОШ №4." in message.body
    assert "Просрочены документы: СОШ №4." in message.body
    # Page statuses in the reader's words, not the program's codes.
    assert "в порядке — 5" in message.body
    assert "есть замечания — 1" in message.body
    assert "warning" not in message.body and " ok " not in message.body


def test_the_weekly_digest_is_sent_once_a_week(mailboxes):
    assert reminders.send_district_weekly(TODAY) == 1
    assert reminders.send_district_weekly(TODAY + datetime.timedelta(days=2)) == 0
    assert reminders.send_district_weekly(TODAY + datetime.timedelta(days=7)) == 1


def test_a_district_methodologist_gets_the_picture_of_their_district_only(mailboxes):
    other = OrganizationFactory(short_name="СОШ №1 г. Ейска", district=DistrictFactory(name="Ейский район"))
    world.compliant(other, regular=False)
    methodologist(district=mailboxes.org_a.district, username="kush", email="kush@example.ru")

    reminders.send_district_weekly(TODAY)

    [local] = sent_to("kush@example.ru")
    [regional] = sent_to("metodist@example.ru")
    assert "Организаций: 2." in local.body and "Ейска" not in local.body
    assert "Организаций: 3." in regional.body and "Нерегулярно публикуют: СОШ №1 г. Ейска." in regional.body


# --- the Thursday nudge ---------------------------------------------------------------------------


def moscow(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=MOSCOW)


@pytest.mark.parametrize(
    ("now", "posts", "minimum", "behind"),
    [
        (moscow(2025, 3, 13, 10, 0), 1, 3, 1),  # Thursday morning, 1 of 3: behind (2 expected by now)
        (moscow(2025, 3, 13, 10, 0), 2, 3, 0),  # 2 of 3 is on pace
        (moscow(2025, 3, 13, 10, 0), 0, 3, 2),
        (moscow(2025, 3, 13, 0, 30), 1, 3, 1),  # just after midnight in Moscow, still Wednesday in UTC
        (moscow(2025, 3, 10, 10, 0), 0, 3, 0),  # Monday: nothing can be behind yet
        (moscow(2025, 3, 10, 10, 0), 0, 7, 0),
        (moscow(2025, 3, 15, 10, 0), 2, 3, 1),  # Saturday: 3 expected after five days
        (moscow(2025, 3, 16, 10, 0), 0, 3, 3),  # Sunday
        (moscow(2025, 3, 13, 10, 0), 3, 3, 0),  # the minimum is reached
        (moscow(2025, 3, 16, 10, 0), 5, 3, 0),
    ],
)
def test_week_shortfall(now, posts, minimum, behind):
    assert week_shortfall(posts, minimum, now.astimezone(datetime.UTC)) == behind


def current_week(organization, network: str, posts: int, week_start: str = THIS_MONDAY) -> None:
    state = PageState.objects.get(page__organization=organization, page__network=network)
    state.verdict = {**state.verdict, "current_week": {"week_start": week_start, "posts": posts}}
    state.save()


def test_the_nudge_goes_to_staff_of_a_page_behind_this_week(mailboxes):
    current_week(mailboxes.org_a, "vk", 1)
    current_week(mailboxes.org_a, "ok", 3)
    current_week(mailboxes.org_b, "vk", 2)
    current_week(mailboxes.org_b, "ok", 2)

    with time_machine.travel(THURSDAY, tick=False):
        sent = reminders.send_midweek_nudges()

    assert sent == 1
    [message] = sent_to("sosh9@example.ru")
    assert message.subject == "Госпаблики: на этой неделе пока мало публикаций"
    assert "ВКонтакте: опубликовано 1 из 3, до воскресенья нужно ещё 2." in message.body
    assert "Одноклассники" not in message.body


def test_no_nudge_when_the_last_sweep_did_not_see_this_week(mailboxes):
    current_week(mailboxes.org_a, "vk", 0, week_start="2025-03-03")

    with time_machine.travel(THURSDAY, tick=False):
        sent = reminders.send_midweek_nudges()

    assert sent == 0
    assert mail.outbox == []


def test_the_nudge_is_sent_once_a_week(mailboxes):
    current_week(mailboxes.org_a, "vk", 1)

    with time_machine.travel(THURSDAY, tick=False):
        first = reminders.send_midweek_nudges()
    with time_machine.travel(THURSDAY + datetime.timedelta(hours=5), tick=False):
        again = reminders.send_midweek_nudges()
    current_week(mailboxes.org_a, "vk", 0, week_start="2025-03-17")
    with time_machine.travel(THURSDAY + datetime.timedelta(days=7), tick=False):
        next_week = reminders.send_midweek_nudges()

    assert (first, again, next_week) == (1, 0, 1)


def test_no_nudge_on_monday_morning(mailboxes):
    current_week(mailboxes.org_a, "vk", 0)

    with time_machine.travel(moscow(2025, 3, 10, 10, 0), tick=False):
        assert reminders.send_midweek_nudges() == 0


def test_the_nudge_suggests_directions_not_written_about_lately(mailboxes):
    current_week(mailboxes.org_a, "vk", 1)
    vk = mailboxes.org_a.pages.get(network="vk")
    texts = [
        "Команда школы заняла первое место в соревнованиях по футболу. #спорт",
        "Прошло родительское собрание: обсудили питание. #родителям",
        "Инспектор ГИБДД напомнил ребятам правила дорожного движения. #ПДД",
    ]
    for n, text in enumerate(texts):
        PagePost.objects.create(page=vk, external_id=f"{vk.external_id}_{n}", date=THURSDAY - datetime.timedelta(days=n + 1),
                                from_community=True, text=text, hashtags=[t for t in text.split() if t.startswith("#")])

    with time_machine.travel(THURSDAY, tick=False):
        reminders.send_midweek_nudges()

    [message] = sent_to("sosh9@example.ru")
    line = next(line for line in message.body.splitlines() if line.startswith("Направления, о которых за месяц не было публикаций: "))
    assert "Профориентация" in line and "Учёба" in line
    assert "Спорт" not in line and "Безопасность" not in line


def test_the_regional_digest_keeps_two_districts_sosh_1_apart(mailboxes):
    for district in ("Кущевский район", "Ейский район"):
        namesake = OrganizationFactory(short_name="СОШ №1", district=DistrictFactory(name=district))
        world.compliant(namesake, regular=False)

    reminders.send_district_weekly(TODAY)

    [regional] = sent_to("metodist@example.ru")
    assert "Нерегулярно публикуют: СОШ №1 (Ейский район), СОШ №1 (Кущевский район)." in regional.body
