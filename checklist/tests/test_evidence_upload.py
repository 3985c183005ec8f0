"""The upload endpoint: staff send a document of their own organization; nobody else can."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from checklist.models import EntryEvent, EvidenceRevision, WorkStatus
from checklist.tests.documents import entry_of, pdf_upload, stored_files, upload


def url(entry) -> str:
    return reverse("evidence-upload", args=[entry.pk])


def post_file(client, entry, file, **fields):
    data = {f"{entry.item.code}-file": file}
    data.update({f"{entry.item.code}-{name}": value for name, value in fields.items()})
    return client.post(url(entry), data, follow=True)


def assert_nothing_stored(entry, settings) -> None:
    entry.refresh_from_db()
    assert entry.status == WorkStatus.NOT_STARTED
    assert not EvidenceRevision.objects.exists()
    assert not EntryEvent.objects.exists()
    assert stored_files(settings.MEDIA_ROOT) == []


@pytest.fixture
def instruction_a(actors):
    return entry_of(actors.org_a, "instruction")


@pytest.fixture
def order_a(actors):
    return entry_of(actors.org_a, "order_responsible")


def test_staff_upload_a_document_and_it_goes_for_review(actors, instruction_a):
    response = post_file(actors.client_for(actors.staff_a), instruction_a, pdf_upload("instrukciya.pdf"))

    assert response.redirect_chain == [(reverse("organization-detail", args=[actors.org_a.pk]) + "#item-instruction", 302)]
    assert "«Инструкция»: версия 1 отправлена на проверку методисту." in response.content.decode()
    revision = EvidenceRevision.objects.get()
    assert (revision.entry, revision.original_name, revision.uploaded_by) == (instruction_a, "instrukciya.pdf", actors.staff_a)
    instruction_a.refresh_from_db()
    assert instruction_a.status == WorkStatus.SUBMITTED


def test_staff_upload_an_order_with_its_number_and_date(actors, order_a):
    post_file(
        actors.client_for(actors.staff_a), order_a, pdf_upload("prikaz.pdf"),
        document_number="15-р", document_date="2024-09-02",
    )

    revision = EvidenceRevision.objects.get()
    assert (revision.document_number, revision.document_date) == ("15-р", datetime.date(2024, 9, 2))


def test_an_order_without_number_and_date_is_refused_naming_the_missing_fields(actors, order_a, settings):
    response = post_file(actors.client_for(actors.staff_a), order_a, pdf_upload("prikaz.pdf"))

    content = response.content.decode()
    assert "Номер документа: Обязательное поле." in content
    assert "Дата документа: Обязательное поле." in content
    assert_nothing_stored(order_a, settings)


def test_an_order_dated_in_the_future_is_refused(actors, order_a, settings):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    response = post_file(
        actors.client_for(actors.staff_a), order_a, pdf_upload(), document_number="1", document_date=tomorrow.isoformat()
    )

    assert "Дата документа не может быть в будущем." in response.content.decode()
    assert_nothing_stored(order_a, settings)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("setup.exe", b"MZ\x90\x00" + b"\x00" * 100, "Формат «.exe» не принимается."),
        ("prikaz.pdf", b"MZ\x90\x00" + b"\x00" * 100, "Содержимое файла не соответствует расширению «.pdf»."),
        ("prikaz.php.pdf", b"%PDF-1.4 fake", "двойное расширение"),
        ("prikaz.pdf", b"", "Отправленный файл пуст."),
    ],
    ids=["exe", "renamed-executable", "double-extension", "empty"],
)
def test_a_bad_file_is_refused_with_the_reason_shown_to_staff(actors, instruction_a, settings, name, data, message):
    response = post_file(actors.client_for(actors.staff_a), instruction_a, upload(name, data))

    assert response.status_code == 200
    content = response.content.decode()
    assert message in content
    assert 'role="alert"' in content
    assert_nothing_stored(instruction_a, settings)


def test_an_upload_without_a_file_is_refused(actors, instruction_a, settings):
    response = actors.client_for(actors.staff_a).post(url(instruction_a), {}, follow=True)

    assert "Файл документа: Обязательное поле." in response.content.decode()
    assert_nothing_stored(instruction_a, settings)


def test_an_oversize_file_is_refused(actors, instruction_a, settings):
    settings.UPLOAD_MAX_MB = 1
    data = b"%PDF-1.4\n" + b"0" * int(1.1 * 1024 * 1024)

    response = post_file(actors.client_for(actors.staff_a), instruction_a, upload("prikaz.pdf", data))

    assert "Файл слишком большой" in response.content.decode()
    assert_nothing_stored(instruction_a, settings)


def test_anonymous_visitor_is_sent_to_the_login_page_and_nothing_is_stored(actors, instruction_a, settings):
    response = actors.client_for(None).post(url(instruction_a), {"instruction-file": pdf_upload()})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert_nothing_stored(instruction_a, settings)


def test_staff_cannot_upload_to_another_organization(actors, settings):
    entry_b = entry_of(actors.org_b, "instruction")

    response = actors.client_for(actors.staff_a).post(url(entry_b), {"instruction-file": pdf_upload()})

    assert response.status_code == 404
    assert_nothing_stored(entry_b, settings)


def test_methodologist_cannot_upload_for_an_organization(actors, instruction_a, settings):
    response = actors.client_for(actors.methodologist).post(url(instruction_a), {"instruction-file": pdf_upload()})

    assert response.status_code == 403
    assert_nothing_stored(instruction_a, settings)


def test_methodologist_of_another_district_gets_not_found(actors, instruction_a, outside_methodologist, settings):
    response = actors.client_for(outside_methodologist).post(url(instruction_a), {"instruction-file": pdf_upload()})

    assert response.status_code == 404
    assert_nothing_stored(instruction_a, settings)


def test_an_entry_that_does_not_exist_is_not_found(actors):
    response = actors.client_for(actors.staff_a).post(reverse("evidence-upload", args=[999_999]))

    assert response.status_code == 404


def test_the_upload_endpoint_answers_only_post(actors, instruction_a):
    response = actors.client_for(actors.staff_a).get(url(instruction_a))

    assert response.status_code == 405
