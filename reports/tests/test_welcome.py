"""«Что сделать на этой неделе»: the first visit of a staff member explains three steps, in
order, from their own organization's state, until «Понятно»."""

from __future__ import annotations

import datetime
import re
from html import unescape

import time_machine
from django.urls import reverse

from checklist import services
from checklist.models import WorkStatus
from checklist.tests.documents import entry_of, submit
from monitoring.models import PagePost
from monitoring.rules import MOSCOW
from organizations.models import Membership
from reports.tests import world

NOW = datetime.datetime(2025, 3, 13, 10, 0, tzinfo=MOSCOW)  # a Thursday


def url(organization) -> str:
    return reverse("organization-detail", args=[organization.pk])


def steps(response) -> list[str]:
    """The steps as read on the page, with the text of their links."""
    assert response.status_code == 200
    return [
        " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).split())
        for body in re.findall(r"<li[^>]*data-welcome-step>(.*?)</li>", response.content.decode(), re.S)
    ]


def links(response) -> list[str]:
    return re.findall(r'<li[^>]*data-welcome-step>.*?<a href="([^"]+)"', response.content.decode(), re.S)


@time_machine.travel(NOW, tick=False)
def test_a_new_staff_member_reads_three_steps_from_the_organizations_state(actors):
    world.page(actors.org_a, "vk", world.verdict(gov_mark=False))
    world.page(actors.org_a, "ok", world.verdict())
    world.paperwork(actors.org_a, WorkStatus.APPROVED, codes=["order_responsible", "instruction"])
    world.item_due("password_policy", datetime.date(2025, 3, 1))
    world.item_due("qr_codes", datetime.date(2025, 4, 1))
    vk = actors.org_a.pages.get(network="vk")
    PagePost.objects.create(page=vk, external_id="1", date=NOW - datetime.timedelta(hours=2), from_community=True)

    response = actors.client_for(actors.staff_a).get(url(actors.org_a))

    assert steps(response) == [
        "Исправьте замечания к страницам (всего 1), первое — ВКонтакте: нет метки «Госорганизация». Что исправить",
        "Первым загрузите документ «Парольная защита» — срок 01.03.2025 уже прошёл. Остальные (ещё 2) — в чек-листе ниже. "
        "К документу",
        "Публикуйте посты от имени сообщества в каждой соцсети, норма — 3–4 в неделю; на этой неделе пока: "
        "ВКонтакте — 1, Одноклассники — 0. Публикации по неделям",
    ]
    assert links(response) == ["#todo-title", "#item-password_policy", "#charts-title"]
    html = response.content.decode()
    for anchor in ('id="todo-title"', 'id="item-password_policy"', 'id="charts-title"'):
        assert anchor in html


def test_a_returned_document_comes_before_one_due_sooner(actors):
    world.item_due("password_policy", datetime.date(2020, 1, 1))
    entry = entry_of(actors.org_a, "qr_codes")
    submit(entry, actors.staff_a)
    services.entry_return(entry=entry, user=actors.methodologist, comment="Нет QR-кода ОК")

    response = actors.client_for(actors.staff_a).get(url(actors.org_a))

    assert steps(response)[1].startswith("Загрузите заново документ «QR-коды»: методист вернул его на доработку.")
    assert links(response)[1] == "#item-qr_codes"


def test_with_every_document_sent_the_step_says_to_wait_for_the_methodologist(actors):
    world.compliant(actors.org_a)
    submit(entry_of(actors.org_a, "instruction"), actors.staff_a)

    response = actors.client_for(actors.staff_a).get(url(actors.org_a))

    assert steps(response)[:2] == [
        "Страницы в порядке: раз в неделю заглядывайте в «Что исправить» — там появятся новые замечания. Что исправить",
        "Все документы загружены: решение методиста появится в чек-листе у каждого документа. Документы",
    ]


def test_understood_hides_the_steps_for_good_and_they_can_be_opened_again(actors):
    client = actors.client_for(actors.staff_a)

    response = client.post(reverse("welcome-dismiss", args=[actors.org_a.pk]), follow=True)

    assert response.redirect_chain == [(url(actors.org_a), 302)]
    assert steps(response) == []
    assert 'href="?welcome=1#welcome">С чего начать</a>' in response.content.decode()
    assert steps(client.get(url(actors.org_a))) == []
    assert len(steps(client.get(url(actors.org_a) + "?welcome=1"))) == 3
    assert Membership.objects.get(user=actors.staff_a).welcome_dismissed_at is not None
    # One member's «Понятно» is theirs alone.
    assert len(steps(actors.client_for(actors.staff_b).get(url(actors.org_b)))) == 3


def test_the_steps_name_only_the_staff_members_own_documents(actors):
    world.item_due("instruction", datetime.date(2020, 1, 1))
    world.paperwork(actors.org_b, WorkStatus.APPROVED, codes=["instruction"])

    response_b = actors.client_for(actors.staff_b).get(url(actors.org_b))
    response_a = actors.client_for(actors.staff_a).get(url(actors.org_a))

    assert links(response_a)[1] == "#item-instruction"
    assert links(response_b)[1] != "#item-instruction"  # approved there: B is shown its own next one
    assert actors.client_for(actors.staff_b).get(url(actors.org_a)).status_code == 404
    assert actors.client_for(actors.staff_b).post(reverse("welcome-dismiss", args=[actors.org_a.pk])).status_code == 404


def test_a_methodologist_is_not_shown_the_staff_steps_and_cannot_dismiss_them(actors):
    response = actors.client_for(actors.methodologist).get(url(actors.org_a))

    assert steps(response) == []
    assert "С чего начать" not in response.content.decode()
    assert actors.client_for(actors.methodologist).post(reverse("welcome-dismiss", args=[actors.org_a.pk])).status_code == 403


def test_anonymous_visitor_cannot_dismiss(actors):
    response = actors.client_for(None).post(reverse("welcome-dismiss", args=[actors.org_a.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
