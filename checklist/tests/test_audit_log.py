"""The organization's audit log: every change with who made it, for methodologists in scope."""

from __future__ import annotations

import datetime
import re
from html import unescape

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from checklist.tests.documents import entry_of, pdf_upload


def text(response) -> str:
    """The page's words as a person reads them (tags and entities aside)."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def url(organization) -> str:
    return reverse("organization-audit", args=[organization.pk])


def name(user, first: str, last: str) -> None:
    user.first_name, user.last_name = first, last
    user.save()


def test_the_log_reads_as_sentences_with_names_labels_and_moscow_time(actors):
    name(actors.methodologist, "Ирина Ивановна", "Иванова")
    name(actors.staff_a, "Пётр", "Сидоров")
    entry = entry_of(actors.org_a, "order_responsible")
    with time_machine.travel(datetime.datetime(2026, 12, 3, 11, 0, tzinfo=datetime.UTC), tick=False):
        actors.client_for(actors.staff_a).post(
            reverse("evidence-upload", args=[entry.pk]),
            {"order_responsible-file": pdf_upload("prikaz_15.pdf"), "order_responsible-document_number": "15-р",
             "order_responsible-document_date": "02.09.2024"},
        )
    with time_machine.travel(datetime.datetime(2026, 12, 3, 11, 5, tzinfo=datetime.UTC), tick=False):
        actors.client_for(actors.methodologist).post(reverse("entry-approve", args=[entry.pk]))

    content = text(actors.client_for(actors.methodologist).get(url(actors.org_a)))

    title = entry.item.title
    assert f"Иванова И. И. утвердила документ «{title}» СОШ №9 — 03.12.2026 14:05" in content
    assert f"Сидоров П. отправил на проверку документ «{title}» СОШ №9 — 03.12.2026 14:00" in content
    assert f"Сидоров П. загрузил файл «prikaz_15.pdf» (версия 1) к пункту «{title}» СОШ №9" in content
    assert "Организация СОШ №9 внесена в реестр" in content
    # No field codes, storage paths, checksums or English action names.
    for raw in ("order_responsible", "evidence/", ".pdf v1", "sha256", "SHA-256", "not_started", "submitted", "update", "create"):
        assert raw not in content, raw


def test_a_returned_document_and_a_page_link_read_as_sentences(actors):
    name(actors.methodologist, "Олег", "Петров")
    entry = entry_of(actors.org_a, "instruction")
    actors.client_for(actors.staff_a).post(
        reverse("evidence-upload", args=[entry.pk]), {"instruction-file": pdf_upload("instrukciya.pdf")}
    )
    actors.client_for(actors.methodologist).post(reverse("entry-return", args=[entry.pk]), {"comment": "Нет подписи"})
    actors.client_for(actors.staff_a).post(reverse("page-set", args=[actors.org_a.pk, "vk"]), {"url": "vk.com/club123"})

    content = text(actors.client_for(actors.methodologist).get(url(actors.org_a)))

    assert f"Петров О. вернул на доработку документ «{entry.item.title}» СОШ №9 с комментарием «Нет подписи»" in content
    # An account with no surname keeps its login as its name.
    assert "staff_a указал страницу ВКонтакте СОШ №9: https://vk.com/club123" in content


def test_the_log_of_one_organization_holds_nothing_of_another(actors):
    entry_b = entry_of(actors.org_b, "instruction")
    actors.client_for(actors.staff_b).post(
        reverse("evidence-upload", args=[entry_b.pk]), {"instruction-file": pdf_upload("sekret_B.pdf")}
    )

    content = text(actors.client_for(actors.methodologist).get(url(actors.org_a)))

    assert "sekret_B.pdf" not in content and "staff_b" not in content
    assert "д/с №10" not in content
    assert "Организация СОШ №9 внесена в реестр" in content  # A's own creation is there
    assert ".None" not in content  # auditlog's reverse-relation noise is left out


def test_staff_cannot_read_their_own_organizations_log(actors):
    response = actors.client_for(actors.staff_a).get(url(actors.org_a))

    assert response.status_code == 403


def test_staff_cannot_see_another_organizations_log(actors):
    response = actors.client_for(actors.staff_a).get(url(actors.org_b))

    assert response.status_code == 404


def test_methodologist_of_another_district_cannot_see_the_log(actors, outside_methodologist):
    response = actors.client_for(outside_methodologist).get(url(actors.org_a))

    assert response.status_code == 404


def test_anonymous_visitor_is_sent_to_the_login_page(actors):
    response = actors.client_for(None).get(url(actors.org_a))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_log_answers_only_get(actors):
    response = actors.client_for(actors.methodologist).post(url(actors.org_a))

    assert response.status_code == 405


def test_the_log_is_built_in_the_same_number_of_queries_however_long_it_is(actors):
    entry = entry_of(actors.org_a, "instruction")
    staff, methodologist = actors.client_for(actors.staff_a), actors.client_for(actors.methodologist)

    def round_trip(number: int) -> None:
        staff.post(reverse("evidence-upload", args=[entry.pk]), {"instruction-file": pdf_upload(f"v{number}.pdf")})
        methodologist.post(reverse("entry-approve", args=[entry.pk]))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert methodologist.get(url(actors.org_a)).status_code == 200
        return len(captured)

    round_trip(1)
    after_one = queries()
    for number in range(2, 7):
        round_trip(number)
    after_six = queries()

    assert after_six == after_one
    assert "v6.pdf" in methodologist.get(url(actors.org_a)).content.decode()
