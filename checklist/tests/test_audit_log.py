"""The organization's audit log: every change with who made it, for methodologists in scope."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from checklist.tests.documents import entry_of, pdf_upload


def url(organization) -> str:
    return reverse("organization-audit", args=[organization.pk])


def test_methodologist_reads_who_uploaded_and_who_approved(actors):
    entry = entry_of(actors.org_a, "instruction")
    actors.client_for(actors.staff_a).post(
        reverse("evidence-upload", args=[entry.pk]), {"instruction-file": pdf_upload("instrukciya.pdf")}
    )
    actors.client_for(actors.methodologist).post(reverse("entry-approve", args=[entry.pk]))

    response = actors.client_for(actors.methodologist).get(url(actors.org_a))

    assert response.status_code == 200
    content = response.content.decode()
    assert "staff_a" in content and "metodist" in content
    # In Russian, with the labels a methodologist sees elsewhere, not field codes.
    assert "ход работы: Не начато → На проверке" in content
    assert "ход работы: На проверке → Утверждено" in content
    assert "оценка: Неизвестно → Соответствует" in content
    assert "instruction v1" in content and "имя файла: — → instrukciya.pdf" in content
    assert "изменение" in content and "создание" in content
    assert "not_started" not in content and ">update<" not in content


def test_the_log_shows_page_link_changes(actors):
    actors.client_for(actors.staff_a).post(reverse("page-set", args=[actors.org_a.pk, "vk"]), {"url": "vk.com/club123"})

    content = actors.client_for(actors.methodologist).get(url(actors.org_a)).content.decode()

    assert "https://vk.com/club123" in content


def test_the_log_of_one_organization_holds_nothing_of_another(actors):
    entry_b = entry_of(actors.org_b, "instruction")
    actors.client_for(actors.staff_b).post(
        reverse("evidence-upload", args=[entry_b.pk]), {"instruction-file": pdf_upload("sekret_B.pdf")}
    )

    content = actors.client_for(actors.methodologist).get(url(actors.org_a)).content.decode()

    assert "sekret_B.pdf" not in content and "staff_b" not in content
    assert "д/с №10" not in content
    assert "организация: СОШ №9" in content  # A's own creation is there
    assert "краткое название: — → СОШ №9" in content
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
