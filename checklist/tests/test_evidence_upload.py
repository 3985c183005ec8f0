"""The upload endpoint: staff send a document of their own organization; nobody else can."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import encode_multipart
from django.urls import reverse
from django.utils import timezone

from checklist import upload_handlers
from checklist.models import EntryEvent, EvidenceRevision, WorkStatus
from checklist.tests.documents import entry_of, pdf_upload, stored_files, upload


def url(entry) -> str:
    return reverse("evidence-upload", args=[entry.pk])


def post_file(client, entry, file, **fields):
    # In the form's order, as a browser sends it: the file last.
    data = {f"{entry.item.code}-{name}": value for name, value in fields.items()}
    data[f"{entry.item.code}-file"] = file
    return client.post(url(entry), data, follow=True)


def card(response, entry) -> str:
    """The HTML of the entry's card on the organization page."""
    content = response.content.decode()
    start = content.index(f'id="item-{entry.item.code}"')
    return content[start : content.find('id="item-', start + 1)]


def field_error(response, entry, name: str) -> str:
    """The error the form shows under one of its fields ("" when none)."""
    html = card(response, entry)
    marker = f'id="error_1_id_{entry.item.code}-{name}"'
    if marker not in html:
        return ""
    start = html.index(marker)
    return re.sub(r"<[^>]+>", "", html[start : html.index("</p>", start)].split(">", 1)[1]).strip()


def field_value(response, entry, name: str) -> str:
    html = card(response, entry)
    tag = re.search(rf'<[^>]*name="{entry.item.code}-{name}"[^>]*>', html).group(0)
    value = re.search(r'value="([^"]*)"', tag)
    return value.group(1) if value else ""


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
    # The message stands in the item's card, where the page lands, and only there.
    assert "Версия 1 отправлена на проверку методисту." in card(response, instruction_a)
    assert response.content.decode().count("отправлена на проверку методисту") == 1
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


def test_an_order_without_number_and_date_is_refused_at_those_fields_keeping_the_comment(actors, order_a, settings):
    response = post_file(actors.client_for(actors.staff_a), order_a, pdf_upload("prikaz.pdf"), note="Подписан директором")

    assert response.redirect_chain == []  # the page answers the post itself: nothing typed is lost
    assert field_error(response, order_a, "document_number") == "Обязательное поле."
    assert field_error(response, order_a, "document_date") == "Обязательное поле."
    assert field_error(response, order_a, "file") == ""
    assert field_value(response, order_a, "note") == "Подписан директором"
    assert "Документ «Приказ» не загружен." in response.content.decode()  # the summary at the top
    assert_nothing_stored(order_a, settings)


def test_an_order_dated_in_the_future_is_refused(actors, order_a, settings):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    response = post_file(
        actors.client_for(actors.staff_a), order_a, pdf_upload(), document_number="1", document_date=tomorrow.isoformat()
    )

    assert field_error(response, order_a, "document_date") == "Дата документа не может быть в будущем."
    assert field_value(response, order_a, "document_number") == "1"
    assert field_value(response, order_a, "document_date") == tomorrow.isoformat()
    assert_nothing_stored(order_a, settings)


def test_a_refused_file_keeps_the_typed_number_date_and_comment(actors, order_a, settings):
    response = post_file(
        actors.client_for(actors.staff_a), order_a, upload("setup.exe", b"MZ" + b"\x00" * 100),
        document_number="45-о", document_date="2022-11-25", note="Новая редакция",
    )

    assert field_error(response, order_a, "file").startswith("Формат «.exe» не принимается.")
    assert [field_value(response, order_a, name) for name in ("document_number", "document_date", "note")] == [
        "45-о", "2022-11-25", "Новая редакция"]
    assert "autofocus" in re.search(r'<input[^>]*name="order_responsible-file"[^>]*>', card(response, order_a)).group(0)
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
    assert message in field_error(response, instruction_a, "file")
    assert 'role="alert"' in response.content.decode()
    assert_nothing_stored(instruction_a, settings)


def test_an_upload_without_a_file_is_refused(actors, instruction_a, settings):
    response = actors.client_for(actors.staff_a).post(url(instruction_a), {}, follow=True)

    assert field_error(response, instruction_a, "file") == "Обязательное поле."
    assert_nothing_stored(instruction_a, settings)


def test_an_oversize_file_is_refused(actors, instruction_a, settings):
    settings.UPLOAD_MAX_MB = 1
    data = b"%PDF-1.4\n" + b"0" * int(1.1 * 1024 * 1024)

    response = post_file(actors.client_for(actors.staff_a), instruction_a, upload("prikaz.pdf", data), note="Скан")

    assert field_error(response, instruction_a, "file").startswith("Файл больше 1 МБ.")
    assert field_value(response, instruction_a, "note") == "Скан"
    assert_nothing_stored(instruction_a, settings)


class CountingBody(io.BytesIO):
    """A request body that counts how many of its bytes the server read."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk

    def readline(self, size: int | None = -1) -> bytes:
        line = super().readline(size)
        self.bytes_read += len(line)
        return line


def send_streamed(client, entry, file_bytes: bytes, csrf_token: str = "", note: str = ""):
    """Post a form the way a browser does (the CSRF token first, then the form's fields in
    their order, the file last), the body served as a stream that counts what was read of it."""
    boundary = "StreamedBoundary"
    fields = {"csrfmiddlewaretoken": csrf_token} if csrf_token else {}
    fields[f"{entry.item.code}-note"] = note
    fields[f"{entry.item.code}-file"] = SimpleUploadedFile("prikaz.pdf", file_bytes)
    body = encode_multipart(boundary, fields)
    stream = CountingBody(body)
    response = client.post(
        url(entry), body, content_type=f"multipart/form-data; boundary={boundary}", **{"wsgi.input": stream}
    )
    assert response.status_code == 200
    return stream, response


def page_text(client, entry) -> str:
    return client.get(reverse("organization-detail", args=[entry.organization_id])).content.decode()


def test_the_upload_form_says_the_size_limit(actors, instruction_a, settings):
    settings.UPLOAD_MAX_MB = 15

    assert "PDF, DOC, DOCX, ODT, JPG или PNG, не больше 15 МБ." in page_text(actors.client_for(actors.staff_a), instruction_a)


def test_an_upload_announced_over_the_limit_is_refused_reading_only_the_fields_before_the_file(
    actors, instruction_a, settings
):
    settings.UPLOAD_MAX_MB = 1
    client = actors.client_for(actors.staff_a)

    body, response = send_streamed(client, instruction_a, b"%PDF-1.4\n" + b"0" * (3 * 1024 * 1024), note="Скан")

    assert body.bytes_read < 256 * 1024  # the fields and the file's first chunk, not its megabytes
    assert field_error(response, instruction_a, "file").startswith("Файл больше 1 МБ.")
    assert field_value(response, instruction_a, "note") == "Скан"
    assert_nothing_stored(instruction_a, settings)


def test_a_file_passing_the_limit_as_it_streams_in_stops_the_reading_there(actors, instruction_a, settings, monkeypatch):
    # A body whose announced length fits (here: the form's allowance made huge) but whose
    # file does not: the reading stops at the limit, not at the end of the body.
    settings.UPLOAD_MAX_MB = 1
    monkeypatch.setattr(upload_handlers, "FORM_OVERHEAD_BYTES", 100 * 1024 * 1024)
    client = Client(enforce_csrf_checks=True)
    client.force_login(actors.staff_a)
    page_text(client, instruction_a)  # the page sets the CSRF cookie its forms carry

    body, response = send_streamed(
        client, instruction_a, b"%PDF-1.4\n" + b"0" * (6 * 1024 * 1024), csrf_token=client.cookies["csrftoken"].value,
        note="Скан",
    )

    assert body.bytes_read < 2 * 1024 * 1024
    assert field_error(response, instruction_a, "file").startswith("Файл больше 1 МБ.")
    assert field_value(response, instruction_a, "note") == "Скан"
    assert_nothing_stored(instruction_a, settings)


def test_an_announced_oversize_upload_without_the_csrf_token_is_refused(actors, instruction_a, settings):
    settings.UPLOAD_MAX_MB = 1
    client = Client(enforce_csrf_checks=True)
    client.force_login(actors.staff_a)
    data = {"instruction-file": upload("prikaz.pdf", b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024))}

    assert client.post(url(instruction_a), data).status_code == 403
    assert_nothing_stored(instruction_a, settings)


def test_an_upload_without_the_csrf_token_is_still_refused(actors, instruction_a, settings):
    client = Client(enforce_csrf_checks=True)
    client.force_login(actors.staff_a)

    response = client.post(url(instruction_a), {f"{instruction_a.item.code}-file": pdf_upload()})

    assert response.status_code == 403
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
