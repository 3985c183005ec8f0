"""The organization page and staff's «Мои задачи» keep what they built (reports.cache): the next
look of the same role at the same organization costs fewer queries and shows the same, yet
every change behind the page shows on the very next look, in this worker or another, and no
reader ever gets another organization's page, another role's forms or another reader's CSRF
token."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from checklist.models import WorkStatus
from checklist.tests.documents import entry_of, pdf_upload, submit
from monitoring.models import ChangeEvent, PageComment, PagePost, PageState, SweepRun
from organizations.models import Organization
from reports import cache as data_cache
from reports.tests import world

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def url(organization) -> str:
    return reverse("organization-detail", args=[organization.pk])


def without_tokens(html: str) -> str:
    return TOKEN.sub('name="csrfmiddlewaretoken" value=""', html)


def test_the_second_look_costs_fewer_queries_and_shows_the_same(actors, page_a):
    client = actors.client_for(actors.staff_a)
    client.get(url(page_a))  # the session warmed
    cache.clear()

    with CaptureQueriesContext(connection) as built:
        first = client.get(url(page_a))
    with CaptureQueriesContext(connection) as kept:
        second = client.get(url(page_a))

    assert len(kept) < len(built) - 5, (len(kept), len(built))
    assert without_tokens(second.content.decode()) == without_tokens(first.content.decode())
    assert "kept-hole" not in second.content.decode() and data_cache.CSRF_HOLE not in second.content.decode()


def test_each_reader_gets_their_own_working_csrf_token_in_every_form(actors, page_a):
    colleague = Client(enforce_csrf_checks=True)
    colleague.force_login(actors.staff_a)
    actors.client_for(actors.staff_a).get(url(page_a))  # kept by another session's look
    run = SweepRun.objects.create(started_at=timezone.now(), trigger=SweepRun.Trigger.COMMAND)
    event = ChangeEvent.objects.create(page=page_a.pages.get(network="vk"), organization=page_a, run=run,
                                       kind="name_changed", severity="warning", message="Название изменилось")
    actors.client_for(actors.staff_a).get(url(page_a))

    html = colleague.get(url(page_a)).content.decode()
    acknowledge = re.search(r'action="%s">(.*?)</form>' % re.escape(reverse("alert-acknowledge", args=[event.pk])), html, re.S)
    token = TOKEN.search(acknowledge.group(1)).group(1)

    assert len(TOKEN.findall(html)) > 5
    assert colleague.post(reverse("alert-acknowledge", args=[event.pk]), {"csrfmiddlewaretoken": token}).status_code == 302


def test_staff_of_two_organizations_never_share_a_page(actors, page_a):
    world.compliant(actors.org_b)
    actors.client_for(actors.staff_a).get(url(page_a))

    html_b = actors.client_for(actors.staff_b).get(url(actors.org_b)).content.decode()
    html_a = actors.client_for(actors.staff_a).get(url(page_a)).content.decode()

    assert "д/с №10" in html_b and "СОШ №9" not in html_b
    assert "СОШ №9" in html_a and "д/с №10" not in html_a
    assert actors.client_for(actors.staff_b).get(url(page_a)).status_code == 404


def test_the_methodologist_and_staff_never_share_the_forms_of_their_role(actors, page_a):
    world.paperwork(page_a, WorkStatus.SUBMITTED, codes=["order_responsible"])
    approve = reverse("entry-approve", args=[entry_of(page_a, "order_responsible").pk])
    upload = reverse("evidence-upload", args=[entry_of(page_a, "instruction").pk])

    reviewer = actors.client_for(actors.methodologist).get(url(page_a)).content.decode()
    staff = actors.client_for(actors.staff_a).get(url(page_a)).content.decode()
    reviewer_again = actors.client_for(actors.methodologist).get(url(page_a)).content.decode()

    assert approve in reviewer and upload not in reviewer
    assert without_tokens(reviewer_again) == without_tokens(reviewer)
    assert upload in staff and approve not in staff
    assert "Загрузить и отправить на проверку" in staff and "Загрузить и отправить на проверку" not in reviewer


def test_an_upload_shows_at_once_for_staff_and_the_methodologist(actors, page_a):
    staff, reviewer = actors.client_for(actors.staff_a), actors.client_for(actors.methodologist)
    entry = entry_of(page_a, "instruction")
    assert "instrukciya.pdf" not in staff.get(url(page_a)).content.decode()
    assert "instrukciya.pdf" not in reviewer.get(url(page_a)).content.decode()

    answer = staff.post(reverse("evidence-upload", args=[entry.pk]),
                        {"instruction-file": pdf_upload("instrukciya.pdf")})
    assert answer.status_code == 302

    assert "instrukciya.pdf" in staff.get(url(page_a)).content.decode()
    assert reverse("entry-approve", args=[entry.pk]) in reviewer.get(url(page_a)).content.decode()


def test_an_approval_shows_at_once_though_this_worker_missed_its_signal(actors, page_a):
    entry = entry_of(page_a, "instruction")
    submit(entry, actors.staff_a)
    staff = actors.client_for(actors.staff_a)
    before = staff.get(url(page_a)).content.decode()
    generation = data_cache.generation()

    assert actors.client_for(actors.methodologist).post(reverse("entry-approve", args=[entry.pk])).status_code == 302
    cache.set(data_cache.GENERATION_KEY, generation)  # as the other worker's memory still says
    after = staff.get(url(page_a)).content.decode()

    assert 'data-status="submitted"' in before
    assert 'data-status="submitted"' not in after and 'data-status="approved"' in after


def test_changes_written_without_signals_show_at_once(actors, page_a):
    """Bulk writes (a sweep, the nightly retention, another worker's save) send no signal: the
    page's version is read from the database on each look."""
    client = actors.client_for(actors.staff_a)
    page = page_a.pages.get(network="vk")
    client.get(url(page_a))

    Organization.objects.filter(pk=page_a.pk).update(audience=1234, audience_updated_at=timezone.now())
    assert "1234 чел." in client.get(url(page_a)).content.decode()

    PageState.objects.filter(page=page).update(verdict=world.verdict(gov_mark=False))
    assert "нет метки «Госорганизация»" in client.get(url(page_a)).content.decode()

    run = SweepRun.objects.create(started_at=timezone.now(), trigger=SweepRun.Trigger.COMMAND)
    event = ChangeEvent.objects.bulk_create([ChangeEvent(page=page, organization=page_a, run=run, kind="name_changed",
                                                         severity="warning", message="Название сменилось")])[0]
    assert 'role="alert"' in client.get(url(page_a)).content.decode()
    ChangeEvent.objects.filter(pk=event.pk).update(acknowledged_at=timezone.now())
    assert 'role="alert"' not in client.get(url(page_a)).content.decode()

    chart_before = client.get(url(page_a)).content.decode()
    PagePost.objects.bulk_create([PagePost(page=page, external_id="new-1", date=timezone.now(), from_community=True)])
    assert client.get(url(page_a)).content.decode() != chart_before


def test_a_message_after_an_upload_is_shown_once_and_the_page_is_kept_again(actors, page_a):
    client = actors.client_for(actors.staff_a)
    entry = entry_of(page_a, "instruction")
    client.get(url(page_a))

    client.post(reverse("evidence-upload", args=[entry.pk]), {"instruction-file": pdf_upload()})
    with_message = client.get(url(page_a)).content.decode()
    again = client.get(url(page_a)).content.decode()

    assert "data-item-message" in with_message and "data-item-message" not in again


def test_comments_waiting_for_an_answer_follow_the_clock_not_the_kept_page(actors, page_a):
    page = page_a.pages.get(network="vk")
    now = timezone.now()
    PagePost.objects.create(page=page, external_id=f"-{page.pk}_1", date=now - timedelta(days=2), from_community=True,
                            text="Новость", comments=1, comments_read=1)
    PageComment.objects.create(page=page, post_id=f"-{page.pk}_1", comment_id="1",
                               written_at=now - timedelta(hours=20))
    client = actors.client_for(actors.staff_a)

    before = client.get(url(page_a)).content.decode()
    with time_machine.travel(now + timedelta(hours=5)):
        after = client.get(url(page_a)).content.decode()

    assert "data-unanswered" not in before
    assert "data-unanswered" in after and "ждёт 1\xa0день" in after


def test_a_comment_answered_leaves_the_list_at_once(actors, page_a):
    page = page_a.pages.get(network="vk")
    now = timezone.now()
    PagePost.objects.create(page=page, external_id=f"-{page.pk}_1", date=now - timedelta(days=2), from_community=True,
                            text="Новость", comments=1, comments_read=1)
    PageComment.objects.create(page=page, post_id=f"-{page.pk}_1", comment_id="1", written_at=now - timedelta(hours=30))
    client = actors.client_for(actors.staff_a)
    assert "data-unanswered" in client.get(url(page_a)).content.decode()

    PageComment.objects.filter(page=page).update(answered=True)  # as the sweep's read of the replies writes it

    assert "data-unanswered" not in client.get(url(page_a)).content.decode()


def test_a_new_day_builds_the_page_anew(actors, page_a):
    today = timezone.localdate()
    world.item_due("instruction", today)
    client = actors.client_for(actors.staff_a)
    overdue = f"срок {today:%d.%m.%Y} истёк"

    on_the_day = client.get(url(page_a)).content.decode()
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        the_day_after = client.get(url(page_a)).content.decode()

    assert overdue not in on_the_day
    assert overdue in the_day_after


# --- «Мои задачи» -------------------------------------------------------------------------------

TASKS = reverse("my-tasks")


def test_staffs_tasks_are_kept_and_cost_fewer_queries_the_second_time(actors, page_a):
    client = actors.client_for(actors.staff_a)
    client.get(TASKS)
    cache.clear()

    with CaptureQueriesContext(connection) as built:
        first = client.get(TASKS).content.decode()
    with CaptureQueriesContext(connection) as kept:
        second = client.get(TASKS).content.decode()

    assert len(kept) < len(built), (len(kept), len(built))
    assert without_tokens(second) == without_tokens(first) and "документ не загружен" in second


def test_staff_of_another_organization_get_their_own_tasks(actors, page_a):
    world.compliant(actors.org_b)
    world.paperwork(actors.org_b, WorkStatus.RETURNED, codes=["qr_codes"])
    actors.client_for(actors.staff_a).get(TASKS)

    tasks_b = actors.client_for(actors.staff_b).get(TASKS).content.decode()

    assert "д/с №10" in tasks_b and "СОШ №9" not in tasks_b
    assert f'{url(actors.org_b)}#item-qr_codes' in tasks_b and url(page_a) not in tasks_b


def test_a_document_sent_leaves_the_tasks_at_once(actors, page_a):
    client = actors.client_for(actors.staff_a)
    assert "документ не загружен" in client.get(TASKS).content.decode()

    client.post(reverse("evidence-upload", args=[entry_of(page_a, "instruction").pk]), {"instruction-file": pdf_upload()})

    assert "документ не загружен" not in client.get(TASKS).content.decode()


def test_a_page_judged_anew_in_bulk_shows_in_the_tasks_at_once(actors, page_a):
    client = actors.client_for(actors.staff_a)
    assert "нет метки" not in client.get(TASKS).content.decode()

    PageState.objects.filter(page__organization=page_a, page__network="vk").update(verdict=world.verdict(gov_mark=False))

    assert "нет метки «Госорганизация»" in client.get(TASKS).content.decode()
