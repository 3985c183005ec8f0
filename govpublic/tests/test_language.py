"""English mode is complete where the briefing's own words are data (the checklist), and the
admin names every app in Russian; what is stored stays the Russian original."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from checklist.models import ChecklistItem

pytestmark = pytest.mark.django_db


def english(client):
    client.cookies["django_language"] = "en"
    return client


def test_checklist_titles_and_descriptions_follow_the_readers_language(actors):
    page = english(actors.client_for(actors.staff_a)).get(reverse("organization-detail", args=[actors.org_a.pk]))
    html = page.content.decode()

    assert "Order appointing the staff responsible for the official pages" in html
    assert "Upload the order appointing the staff responsible" in html
    assert "Приказ о назначении ответственных" not in html
    russian = actors.client_for(actors.staff_a).get(reverse("organization-detail", args=[actors.org_a.pk]))
    assert "Приказ о назначении ответственных за ведение официальных страниц" in russian.content.decode()


def test_the_matrix_and_the_dashboard_speak_english(actors):
    client = english(actors.client_for(actors.methodologist))

    matrix = client.get(reverse("checklist-matrix")).content.decode()
    dashboard = client.get(reverse("dashboard")).content.decode()

    assert "Familiarization journal" in matrix and "Журнал ознакомления" not in matrix
    assert "Government organization mark on VK" in dashboard
    assert "Result" in dashboard and "Итог" not in dashboard


def test_an_item_saved_while_reading_english_keeps_its_russian_original():
    item = ChecklistItem.objects.get(code="qr_codes")
    with translation.override("en"):
        assert item.short_title == "QR codes"
        item.due_date = None
        item.save()
    stored = ChecklistItem.objects.filter(code="qr_codes").values_list("title", flat=True).get()
    assert stored == "QR-коды на официальные сообщества размещены в организации"


def test_an_edited_title_reads_as_written_in_any_language():
    ChecklistItem.objects.filter(code="instruction").update(title="Инструкция утверждена приказом №5")
    with translation.override("en"):
        assert ChecklistItem.objects.get(code="instruction").title == "Инструкция утверждена приказом №5"


def test_the_admin_names_every_app_in_russian(admin_client):
    html = admin_client.get(reverse("admin:index")).content.decode()

    for russian in ("Журнал изменений", "Защита входа", "Токены API", "Показатели по дням", "Госпаблики — администрирование"):
        assert russian in html
    for english_name in ("Audit log", "Axes", "Knox", "Daily metrics", "Auth tokens", "Django administration"):
        assert english_name not in html


def test_the_automatic_items_explanations_follow_the_readers_language(actors):
    from reports.tests import world

    world.compliant(actors.org_a, missing_info=["email"])
    url = reverse("organization-detail", args=[actors.org_a.pk])

    english_page = english(actors.client_for(actors.staff_a)).get(url).content.decode()
    russian_page = actors.client_for(actors.staff_a).get(url).content.decode()

    def note(html: str) -> str:
        item = re.search(r'<li class="list-group-item" id="item-mandatory_info">(.*?)</li>', html, re.S).group(1)
        return re.search(r'<div class="small text-muted">(.*?)</div>', item, re.S).group(1)

    assert note(russian_page) == "ВКонтакте: не указано: e-mail"
    assert note(english_page) == "VK: missing: email"
