"""The organization page at /org/<pk>/: who sees it, «Что исправить» in the words of the
verdicts, alerts, the 12-week chart per network, and a query count that does not grow
with the posts and events behind it."""

from __future__ import annotations

import datetime
import itertools
import json
import re
from html import unescape

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from checklist import services
from checklist.models import WorkStatus
from checklist.tests.documents import entry_of, submit
from monitoring.models import ChangeEvent, PagePost, SweepRun
from monitoring.rules import MOSCOW
from reports.tests import world

# A Thursday, 10:00 in Moscow; its week began on Monday 10 March.
NOW = datetime.datetime(2025, 3, 13, 10, 0, tzinfo=MOSCOW)


def url(organization) -> str:
    return reverse("organization-detail", args=[organization.pk])


def todos(response) -> list[str]:
    """«Что исправить» as read on the page: one string per item, severity first."""
    assert response.status_code == 200
    html = response.content.decode()
    section = re.search(r'<section class="mb-4" aria-labelledby="todo-title">(.*?)</section>', html, re.S).group(1)
    return [
        f"{severity}: " + " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).split())
        for severity, body in re.findall(r'data-todo="(\w+)">(.*?)</li>', section, re.S)
    ]


def chart(response) -> dict:
    found = re.search(r'<script id="chart-data" type="application/json">(.*?)</script>', response.content.decode(), re.S)
    assert found, "no chart data on the page"
    return json.loads(found.group(1))


# --- access ---------------------------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_the_login_page(actors):
    response = actors.client_for(None).get(url(actors.org_a))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url(actors.org_a)}"


def test_staff_see_their_own_organization(actors):
    response = actors.client_for(actors.staff_a).get(url(actors.org_a))

    assert response.status_code == 200
    assert "<h1" in response.content.decode() and "СОШ №9" in response.content.decode()


def test_staff_cannot_see_another_organization(actors):
    assert actors.client_for(actors.staff_a).get(url(actors.org_b)).status_code == 404
    assert actors.client_for(actors.staff_b).get(url(actors.org_a)).status_code == 404


# --- «Что исправить» ----------------------------------------------------------------------------


def test_an_organization_with_nothing_wrong_is_told_so(actors):
    world.compliant(actors.org_a)

    response = actors.client_for(actors.staff_a).get(url(actors.org_a))

    assert todos(response) == []
    assert "Замечаний нет" in response.content.decode()


def test_a_pages_values_kept_from_an_earlier_sweep_are_marked_with_their_date(actors):
    world.wall_unread_tonight(actors.org_a)

    html = actors.client_for(actors.staff_a).get(url(actors.org_a)).content.decode()

    note = re.search(r'data-stale="vk">(.*?)</span>', html)
    assert note and unescape(note.group(1)) == "Устарело: публикаций всего, по неделям, текущая неделя, регулярность, публикации не от имени сообщества (данные от 11.03.2025 06:00)"
    assert 'data-stale="ok"' not in html  # no OK page: nothing kept


def test_a_missing_mark_comes_with_the_gosuslugi_instruction(actors):
    world.compliant(actors.org_a, gov_mark=False)

    items = todos(actors.client_for(actors.staff_a).get(url(actors.org_a)))

    assert len(items) == 1
    assert items[0].startswith("fail: ВКонтакте: нет метки «Госорганизация».")
    assert "Подтвердить статус через Госуслуги" in items[0]


def test_missing_information_is_named_field_by_field(actors):
    world.compliant(actors.org_a, missing_info=["email", "site"])

    items = todos(actors.client_for(actors.staff_a).get(url(actors.org_a)))

    assert items == ["warning: ВКонтакте: не указано: e-mail, сайт. Заполните «Основную информацию» и контакты сообщества. перейти"]


def test_irregular_posting_shows_the_weeks_and_the_norm(actors):
    weeks = [{"week_start": day, "posts": n} for day, n in
             (("2025-02-10", 4), ("2025-02-17", 2), ("2025-02-24", 3), ("2025-03-03", 1))]
    world.compliant(actors.org_a, regular=False, weekly_posts=weeks)

    items = todos(actors.client_for(actors.staff_a).get(url(actors.org_a)))

    assert len(items) == 1
    assert "ВКонтакте: публикации нерегулярны (по неделям: 4, 2, 3, 1)." in items[0]
    assert "3–4 публикации каждую неделю" in items[0]


def test_a_missing_page_is_the_first_thing_to_fix(actors):
    world.page(actors.org_a, "vk", world.verdict(regular=False))
    world.paperwork(actors.org_a)

    items = todos(actors.client_for(actors.staff_a).get(url(actors.org_a)))

    assert items[0].startswith("fail: Одноклассники: официальная страница не указана.")
    assert items[1].startswith("warning: ВКонтакте: публикации нерегулярны")


def test_a_returned_document_shows_the_methodologists_comment(actors):
    world.compliant(actors.org_a)
    entry = entry_of(actors.org_a, "instruction")
    submit(entry, actors.staff_a)
    services.entry_return(entry=entry, user=actors.methodologist, comment="Нет подписи руководителя и даты утверждения.")

    items = todos(actors.client_for(actors.staff_a).get(url(actors.org_a)))

    assert len(items) == 1
    assert items[0].startswith("fail: «Утверждена Инструкция по работе с официальными аккаунтами» возвращено на доработку")
    assert "Нет подписи руководителя и даты утверждения." in items[0]


def test_only_the_latest_return_comment_is_shown(actors):
    world.compliant(actors.org_a)
    entry = entry_of(actors.org_a, "instruction")
    submit(entry, actors.staff_a, text="v1")
    services.entry_return(entry=entry, user=actors.methodologist, comment="Нет подписи.")
    submit(entry, actors.staff_a, text="v2")
    services.entry_return(entry=entry, user=actors.methodologist, comment="Нет даты утверждения.")

    items = todos(actors.client_for(actors.staff_a).get(url(actors.org_a)))

    assert "Нет даты утверждения." in items[0]
    assert "Нет подписи." not in items[0]


def test_an_overdue_order_names_its_due_date(actors):
    world.compliant(actors.org_a)
    world.paperwork(actors.org_a, WorkStatus.NOT_STARTED, codes=["order_responsible"])
    world.item_due("order_responsible", datetime.date(2022, 12, 1))

    items = todos(actors.client_for(actors.staff_a).get(url(actors.org_a)))

    assert items == [
        "fail: «Приказ о назначении ответственных за ведение официальных страниц»: срок 01.12.2022 истёк. "
        "Загрузите приказ о назначении ответственных лиц за ведение и информационное наполнение официальных страниц "
        "организации в социальных сетях (270-ФЗ). Укажите его номер и дату. перейти"
    ]


def test_a_document_waiting_for_review_asks_nothing_of_the_staff(actors):
    world.compliant(actors.org_a)
    submit(entry_of(actors.org_a, "instruction"), actors.staff_a)

    assert todos(actors.client_for(actors.staff_a).get(url(actors.org_a))) == []


def test_failures_come_before_warnings(actors):
    world.compliant(actors.org_a, missing_info=["phone"])
    world.paperwork(actors.org_a, WorkStatus.NOT_STARTED, codes=["order_responsible"])

    items = todos(actors.client_for(actors.staff_a).get(url(actors.org_a)))

    assert [item.split(":")[0] for item in items] == ["fail", "warning"]


# --- alerts -------------------------------------------------------------------------------------


def test_an_alert_is_shown_until_staff_acknowledge_it(actors):
    world.compliant(actors.org_a)
    run = SweepRun.objects.create(started_at=NOW, trigger=SweepRun.Trigger.COMMAND)
    page = actors.org_a.pages.get(network="vk")
    event = ChangeEvent.objects.create(page=page, organization=actors.org_a, run=run, kind="name_changed",
                                       severity="warning", message="Название сообщества изменилось: метку могут снять.")
    client = actors.client_for(actors.staff_a)

    before = client.get(url(actors.org_a)).content.decode()
    acknowledged = client.post(reverse("alert-acknowledge", args=[event.pk]))
    after = client.get(url(actors.org_a)).content.decode()

    assert 'role="alert"' in before and "Название сообщества изменилось" in before
    assert reverse("alert-acknowledge", args=[event.pk]) in before
    assert acknowledged.status_code == 302
    assert 'role="alert"' not in after
    assert "Название сообщества изменилось" in after  # still in the history


# --- the chart ----------------------------------------------------------------------------------


POST_IDS = itertools.count(1)


def post(page, moment: datetime.datetime, *, from_community: bool = True) -> PagePost:
    return PagePost.objects.create(page=page, external_id=str(next(POST_IDS)), date=moment, from_community=from_community)


def moscow(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=MOSCOW)


def test_the_chart_counts_community_posts_per_moscow_week_with_the_current_week_last(actors):
    world.compliant(actors.org_a)
    vk = actors.org_a.pages.get(network="vk")
    ok = actors.org_a.pages.get(network="ok")
    post(vk, moscow(2025, 3, 10, 0, 30))  # Monday just after midnight: this week (Sunday 21:30 UTC)
    post(vk, moscow(2025, 3, 13, 9, 0))
    post(vk, moscow(2025, 3, 9, 23, 30))  # Sunday night: last week
    post(vk, moscow(2025, 3, 3, 12, 0))
    post(vk, moscow(2025, 3, 4, 12, 0), from_community=False)  # a parent's post: not the community's
    post(vk, moscow(2024, 12, 23, 8, 0))  # the oldest of the twelve weeks
    post(vk, moscow(2024, 12, 22, 23, 0))  # the week before: out of the chart
    post(ok, moscow(2025, 2, 18, 15, 0))
    post(ok, moscow(2025, 2, 19, 15, 0))

    with time_machine.travel(NOW, tick=False):
        data = chart(actors.client_for(actors.staff_a).get(url(actors.org_a)))

    assert len(data["labels"]) == 12
    assert data["labels"][0] == "23.12"
    assert data["labels"][-1] == "10.03"
    assert data["current_index"] == 11
    assert data["series"]["vk"] == [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2]
    assert data["series"]["ok"] == [0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0]
    assert (data["norm_min"], data["norm_target"]) == (3, 4)


def test_the_chart_draws_the_norm_from_the_settings(actors):
    from monitoring.models import RuleSettings

    RuleSettings.objects.update_or_create(pk=1, defaults={"posts_per_week_min": 2, "posts_per_week_target": 5})

    data = chart(actors.client_for(actors.staff_a).get(url(actors.org_a)))

    assert (data["norm_min"], data["norm_target"]) == (2, 5)


def test_the_charts_numbers_are_also_a_table_for_screen_readers(actors):
    world.compliant(actors.org_a)
    post(actors.org_a.pages.get(network="vk"), moscow(2025, 3, 11, 9, 0))
    post(actors.org_a.pages.get(network="ok"), moscow(2025, 3, 4, 9, 0))

    with time_machine.travel(NOW, tick=False):
        html = actors.client_for(actors.staff_a).get(url(actors.org_a)).content.decode()

    table = re.search(r'<div class="visually-hidden"><table>(.*?)</table>', html, re.S).group(1)
    rows = [" ".join(unescape(re.sub(r"<[^>]+>", " ", row)).split()) for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)]
    assert rows[0] == "Неделя с ВКонтакте Одноклассники"
    assert len(rows) == 13
    assert rows[-2] == "03.03 0 1"
    assert rows[-1] == "10.03 (текущая, не оценивается) 1 0"


def test_qr_codes_come_in_the_pages_order(actors):
    world.compliant(actors.org_a)

    html = actors.client_for(actors.staff_a).get(url(actors.org_a)).content.decode()
    qr = re.search(r'<section id="qr".*?</section>', html, re.S).group(0)

    assert qr.index("qr/vk.png") < qr.index("qr/ok.png")


def test_an_approved_documents_upload_form_waits_folded(actors):
    world.compliant(actors.org_a)
    world.paperwork(actors.org_a, WorkStatus.NOT_STARTED, codes=["instruction"])

    html = actors.client_for(actors.staff_a).get(url(actors.org_a)).content.decode()
    card = lambda code: re.search(r'<div class="card mb-3" id="item-%s">(.*?)<div class="card mb-3"' % code, html, re.S).group(1)

    assert re.search(r"<details[^>]*>\s*<summary[^>]*>Загрузить новую версию</summary>\s*<div[^>]*>\s*<form",
                     card("order_responsible"))
    assert "Загрузить новую версию" not in card("instruction")
    assert reverse("evidence-upload", args=[entry_of(actors.org_a, "instruction").pk]) in card("instruction")


def test_a_page_without_a_link_gets_no_chart_canvas(actors):
    world.page(actors.org_a, "vk", world.verdict())

    html = actors.client_for(actors.staff_a).get(url(actors.org_a)).content.decode()

    assert 'id="chart-vk"' in html
    assert 'id="chart-ok"' not in html


# --- the query budget -----------------------------------------------------------------------------


def _history(organization, staff, methodologist, *, posts: int, events: int, returns: int) -> None:
    """Posts on both pages, alerts from separate sweeps, documents sent back and forth."""
    for network in ("vk", "ok"):
        page = organization.pages.get(network=network)
        for n in range(posts):
            post(page, NOW - datetime.timedelta(hours=7 * n))
    vk = organization.pages.get(network="vk")
    for n in range(events):
        started = NOW - datetime.timedelta(days=n)
        run = SweepRun.objects.create(started_at=started, finished_at=started, status="finished", trigger=SweepRun.Trigger.COMMAND)
        ChangeEvent.objects.create(page=vk, organization=organization, run=run, kind="name_changed",
                                   severity="warning", message=f"Изменение {n}")
    for code in ("instruction", "password_policy", "qr_codes"):
        entry = entry_of(organization, code)
        for version in range(returns):
            submit(entry, staff, text=f"{code}{posts}{version}")
            services.entry_return(entry=entry, user=methodologist, comment=f"Исправить {version}")


@pytest.mark.parametrize("who", ["staff_a", "methodologist"])
def test_the_page_costs_the_same_few_queries_however_long_its_history(actors, who):
    world.compliant(actors.org_a)
    _history(actors.org_a, actors.staff_a, actors.methodologist, posts=2, events=1, returns=1)
    client = actors.client_for(getattr(actors, who))
    client.get(url(actors.org_a))  # warm the session and the caches

    # The page built, not the one kept from the look before (reports.cache; test_organization_cache).
    cache.clear()
    with CaptureQueriesContext(connection) as short:
        client.get(url(actors.org_a))
    _history(actors.org_a, actors.staff_a, actors.methodologist, posts=150, events=40, returns=4)
    cache.clear()
    with CaptureQueriesContext(connection) as long:
        response = client.get(url(actors.org_a))

    assert response.status_code == 200
    assert response.content.decode().count('role="alert"') == 41
    queries = "\n".join(q["sql"][:160] for q in long.captured_queries)
    assert len(short) == len(long), queries
    # the audience section adds its history and its waiting comments; a page to be kept whole for
    # its reader reads their rows and the versions it is kept against first (reports.cache.keep_page):
    # the organization's, and a methodologist's menu count's
    assert len(long) <= 21, queries


def test_without_the_bot_token_the_max_card_says_why_it_is_not_read(actors, settings):
    from organizations.models import OfficialPage

    settings.MAX_BOT_TOKEN = ""
    OfficialPage.objects.create(organization=actors.org_a, network="max", url="https://max.ru/sosh9_gos",
                                link_kind="name", link_value="sosh9_gos")
    url = reverse("organization-detail", args=[actors.org_a.pk])

    html = actors.client_for(actors.staff_a).get(url).content.decode()
    assert html.count("data-max-unread") == 1
    assert "не задан токен бота района (MAX_BOT_TOKEN)" in html

    settings.MAX_BOT_TOKEN = "district-bot-token"
    assert "data-max-unread" not in actors.client_for(actors.staff_a).get(url).content.decode()
