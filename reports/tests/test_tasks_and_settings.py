"""«Мои задачи» for each role, and the methodologist's settings: thresholds and due dates."""

from __future__ import annotations

import datetime
import re
from html import unescape

import pytest

from auditlog.models import LogEntry
from django.urls import reverse

from checklist import services
from checklist.models import ChecklistItem, WorkStatus
from checklist.tests.documents import entry_of, submit
from monitoring.models import RuleSettings
from monitoring.rating import default_weights
from reports.models import Letterhead
from reports.tests import world
from tests.factories import DistrictFactory, OrganizationFactory, UserFactory, methodologist

TASKS = reverse("my-tasks")
SETTINGS = reverse("rule-settings")


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    main = re.search(r'<main id="main"[^>]*>(.*)</main>', response.content.decode(), re.S).group(1)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", main)).split()).replace(" :", ":")


@pytest.fixture
def behind(actors):
    """СОШ №9 has not sent its order (due 01.12.2022) and had its instruction returned;
    д/с №10 has everything approved."""
    world.compliant(actors.org_a)
    world.compliant(actors.org_b)
    world.item_due("order_responsible", datetime.date(2022, 12, 1))
    world.paperwork(actors.org_a, WorkStatus.NOT_STARTED, codes=["order_responsible"])
    entry = entry_of(actors.org_a, "instruction")
    submit(entry, actors.staff_a)
    services.entry_return(entry=entry, user=actors.methodologist, comment="Нет подписи руководителя.")
    return actors


# --- «Мои задачи» -------------------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_the_login_page(actors):
    for url in (TASKS, SETTINGS):
        response = actors.client_for(None).get(url)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={url}"


def test_staff_see_their_own_todos_and_due_dates(behind):
    page = text(behind.client_for(behind.staff_a).get(TASKS))

    assert "«Приказ о назначении ответственных за ведение официальных страниц»: срок 01.12.2022 истёк." in page
    assert "Замечание методиста: Нет подписи руководителя." in page
    row = re.search(r"Приказ о назначении ответственных за ведение официальных страниц ✗ Не начато (\S+) (\w+)", page)
    assert row and row.groups() == ("01.12.2022", "просрочено")


def test_staff_see_nothing_of_another_organization(behind):
    page = text(behind.client_for(behind.staff_b).get(TASKS))

    assert "д/с №10" in page
    assert "Все задачи выполнены." in page
    assert "СОШ №9" not in page and "Нет подписи" not in page


def test_a_user_without_a_role_is_sent_home(actors):
    response = actors.client_for(UserFactory(username="nobody")).get(TASKS)

    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_the_methodologist_sees_the_pending_reviews_and_who_is_behind(behind):
    submit(entry_of(behind.org_b, "qr_codes"), behind.staff_b)
    submit(entry_of(behind.org_a, "password_policy"), behind.staff_a)

    response = behind.client_for(behind.methodologist).get(TASKS)
    page = text(response)

    assert "Документов ждут проверки: 2" in page
    assert reverse("review-queue") in response.content.decode()
    assert "СОШ №9: Приказ (срок 01.12.2022 истёк); Инструкция (возвращено на доработку: Нет подписи руководителя.)" in page
    assert "д/с №10" not in page


def test_the_methodologist_reads_who_is_behind_in_the_dashboards_order(behind):
    for name, kind in (("д/с №2", "kindergarten"), ("СОШ №10", "school"), ("ЦДТ", "additional")):
        world.paperwork(OrganizationFactory(short_name=name, kind=kind), WorkStatus.NOT_STARTED)
    world.paperwork(behind.org_b, WorkStatus.NOT_STARTED, codes=["order_responsible"])

    html = behind.client_for(behind.methodologist).get(TASKS).content.decode()
    names = re.findall(r'<li><a href="/org/\d+/">([^<]+)</a>', html)

    assert names == ["СОШ №9", "СОШ №10", "д/с №2", "д/с №10", "ЦДТ"]


def test_a_district_methodologist_sees_only_their_district_behind(behind):
    other = OrganizationFactory(short_name="СОШ №1 г. Ейска", district=DistrictFactory(name="Ейский район"))
    world.paperwork(other, WorkStatus.NOT_STARTED)
    submit(entry_of(other, "instruction"), behind.staff_a)
    local = methodologist(district=behind.org_a.district, username="kush")

    page = text(behind.client_for(local).get(TASKS))

    assert "Ейска" not in page
    assert "Документов ждут проверки: 0" in page


def test_the_methodologist_with_nobody_behind_is_told_so(actors):
    world.compliant(actors.org_a)
    world.compliant(actors.org_b)

    page = text(actors.client_for(actors.methodologist).get(TASKS))

    assert "Таких нет." in page


# --- settings -----------------------------------------------------------------------------------


def form_data(rules: dict | None = None, due: dict | None = None) -> dict:
    values = {"weeks": 4, "posts_per_week_min": 3, "posts_per_week_target": 4, "posts_total_min": 2,
              "raw_retention_days": 90, **{f"rating_{code}": weight for code, weight in default_weights().items()},
              **(rules or {})}
    items = list(ChecklistItem.objects.filter(mode=ChecklistItem.Mode.MANUAL).order_by("position"))
    letter = {"letter-body_name": "Управление образования", "letter-addressee": "Руководителям ОО",
              "letter-proposals_days": 14, "letter-proposals_responsible": "Руководители ОО"}
    data = {**values, **letter}
    for item in items:
        value = (due or {}).get(item.code, item.due_date)
        data[f"due-{item.code}"] = value.isoformat() if value else ""
    return data


def test_staff_cannot_open_or_change_the_settings(actors):
    client = actors.client_for(actors.staff_a)

    assert client.get(SETTINGS).status_code == 403
    assert client.post(SETTINGS, form_data({"posts_per_week_min": 1})).status_code == 403
    assert RuleSettings.load().posts_per_week_min == 3


def test_the_methodologist_sees_the_current_thresholds_and_due_dates(actors):
    world.item_due("order_responsible", datetime.date(2022, 12, 1))

    response = actors.client_for(actors.methodologist).get(SETTINGS)
    html = response.content.decode()

    assert response.status_code == 200
    assert re.search(r'name="posts_per_week_min" value="3"', html)
    assert re.search(r'name="posts_per_week_target" value="4"', html)
    assert 'value="2022-12-01"' in html


def test_the_methodologist_saves_thresholds_and_due_dates(actors):
    client = actors.client_for(actors.methodologist)

    response = client.post(
        SETTINGS,
        form_data({"weeks": 6, "posts_per_week_min": 2, "posts_per_week_target": 5, "posts_total_min": 3},
                  {"instruction": datetime.date(2026, 9, 1), "order_responsible": None}),
        follow=True,
    )

    assert "Настройки сохранены" in text(response)
    rules = RuleSettings.load()
    assert (rules.weeks, rules.posts_per_week_min, rules.posts_per_week_target, rules.posts_total_min) == (6, 2, 5, 3)
    assert ChecklistItem.objects.get(code="instruction").due_date == datetime.date(2026, 9, 1)
    assert ChecklistItem.objects.get(code="order_responsible").due_date is None


def test_a_threshold_change_is_in_the_audit_log_old_to_new_with_who_made_it(actors):
    RuleSettings.load()

    actors.client_for(actors.methodologist).post(SETTINGS, form_data({"posts_per_week_min": 2, "weeks": 6}))

    [entry] = LogEntry.objects.get_for_object(RuleSettings.load()).filter(action=LogEntry.Action.UPDATE)
    assert entry.actor == actors.methodologist
    assert entry.changes_dict == {"posts_per_week_min": ["3", "2"], "weeks": ["4", "6"]}


def test_a_new_due_date_changes_what_the_dashboard_calls_overdue(actors):
    world.compliant(actors.org_a)
    world.paperwork(actors.org_a, WorkStatus.NOT_STARTED, codes=["qr_codes"])
    client = actors.client_for(actors.methodologist)

    client.post(SETTINGS, form_data(due={"qr_codes": datetime.date(2020, 1, 1)}))
    response = client.get(reverse("dashboard"), {"status": "fail"})

    assert 'data-org="СОШ №9"' in response.content.decode()


def test_a_target_below_the_minimum_is_refused_in_russian_and_nothing_is_written(actors):
    before = ChecklistItem.objects.get(code="instruction").due_date
    client = actors.client_for(actors.methodologist)

    response = client.post(
        SETTINGS,
        form_data({"posts_per_week_min": 5, "posts_per_week_target": 3, "weeks": 8},
                  {"instruction": datetime.date(2026, 9, 1)}),
    )

    assert response.status_code == 200
    assert "Цель публикаций в неделю не может быть меньше минимума." in text(response)
    rules = RuleSettings.load()
    assert (rules.weeks, rules.posts_per_week_min, rules.posts_per_week_target) == (4, 3, 4)
    assert ChecklistItem.objects.get(code="instruction").due_date == before


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("weeks", 0, "Окно — от 1 до 12 недель."), ("weeks", 13, "Окно — от 1 до 12 недель."),
     ("raw_retention_days", 3, "Храните исходные ответы хотя бы 7 дней.")],
)
def test_out_of_range_thresholds_are_refused(actors, field, value, message):
    response = actors.client_for(actors.methodologist).post(SETTINGS, form_data({field: value}))

    assert message in text(response)
    assert getattr(RuleSettings.load(), field) == getattr(RuleSettings(), field)


def test_a_bad_due_date_is_refused_and_the_thresholds_are_not_saved(actors):
    data = form_data({"posts_per_week_min": 2})
    data["due-instruction"] = "31.02.2026"

    response = actors.client_for(actors.methodologist).post(SETTINGS, data)

    assert response.status_code == 200
    assert "Исправьте ошибки в форме." in text(response)
    assert RuleSettings.load().posts_per_week_min == 3


def test_each_threshold_says_what_it_does_and_its_default(actors):
    html = actors.client_for(actors.methodologist).get(SETTINGS).content.decode()

    for name, default in (("weeks", 4), ("posts_per_week_min", 3), ("posts_per_week_target", 4),
                          ("posts_total_min", 2), ("raw_retention_days", 90)):
        help_text = re.search(rf'id="id_{name}_helptext">([^<]+)<', html).group(1)
        assert f"По умолчанию — {default}." in unescape(help_text), name
        assert re.search(rf'<input[^>]*name="{name}"[^>]*aria-describedby="id_{name}_helptext"', html), name


def test_a_refusal_stands_at_its_field(actors):
    response = actors.client_for(actors.methodologist).post(
        SETTINGS, form_data({"posts_per_week_min": 5, "posts_per_week_target": 3})
    )
    html = response.content.decode()

    field = re.search(r'<input[^>]*name="posts_per_week_target"[^>]*>', html).group(0)
    assert "is-invalid" in field and 'aria-invalid="true"' in field
    error = re.search(r'id="id_posts_per_week_target_error">([^<]+)<', html).group(1)
    assert error == "Цель публикаций в неделю не может быть меньше минимума."
    assert 'name="posts_per_week_min" value="5"' in html  # what was typed stays


def test_the_methodologist_saves_the_letterhead_with_the_thresholds(actors):
    data = form_data({"posts_per_week_min": 2})
    data.update({"letter-outgoing_number": "01-12/7", "letter-signer_name": "И. И. Петрова",
                 "letter-executor_phone": "8 (86168) 5-11-11", "letter-outgoing_date": "2026-12-04"})

    actors.client_for(actors.methodologist).post(SETTINGS, data)

    letterhead = Letterhead.load()
    assert (letterhead.outgoing_number, letterhead.signer_name, letterhead.outgoing_date) == (
        "01-12/7", "И. И. Петрова", datetime.date(2026, 12, 4))
    assert RuleSettings.load().posts_per_week_min == 2


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("letter-proposals_days", "0", "Срок — от 1 до 365 дней."),
     ("letter-outgoing_date", "31.02.2026", "Введите правильную дату."),
     ("letter-body_name", "", "Обязательное поле.")],
)
def test_a_bad_letterhead_field_is_refused_at_it_and_nothing_is_saved(actors, field, value, message):
    data = form_data({"posts_per_week_min": 2})
    data.update({"letter-signer_name": "И. И. Петрова", field: value})

    response = actors.client_for(actors.methodologist).post(SETTINGS, data)

    html = response.content.decode()
    assert re.search(rf'id="id_{field}_error">{re.escape(message)}<', html), html[:0]
    assert RuleSettings.load().posts_per_week_min == 3
    assert Letterhead.load().signer_name == ""
