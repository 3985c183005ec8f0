"""Downloading an uploaded document: only through the permission check, always as an attachment."""

from __future__ import annotations

from urllib.parse import quote

from django.urls import reverse

from checklist.tests.documents import entry_of, pdf_bytes, submit


def url(revision) -> str:
    return reverse("evidence-download", args=[revision.pk])


def test_staff_download_their_document_as_an_attachment_with_its_original_name(actors):
    revision = submit(entry_of(actors.org_a, "instruction"), actors.staff_a, name="instrukciya.pdf", text="A")

    response = actors.client_for(actors.staff_a).get(url(revision))

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="instrukciya.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == pdf_bytes("A")


def test_a_russian_file_name_survives_the_download(actors):
    revision = submit(entry_of(actors.org_a, "instruction"), actors.staff_a, name="Инструкция №2.pdf")

    response = actors.client_for(actors.staff_a).get(url(revision))

    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote('Инструкция №2.pdf')}"


def test_each_version_downloads_its_own_bytes(actors):
    entry = entry_of(actors.org_a, "instruction")
    first = submit(entry, actors.staff_a, text="first")
    second = submit(entry, actors.staff_a, text="second")
    client = actors.client_for(actors.methodologist)

    assert b"".join(client.get(url(first)).streaming_content) == pdf_bytes("first")
    assert b"".join(client.get(url(second)).streaming_content) == pdf_bytes("second")


def test_methodologist_downloads_any_organizations_document(actors):
    revision = submit(entry_of(actors.org_b, "instruction"), actors.staff_b, text="B")

    response = actors.client_for(actors.methodologist).get(url(revision))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf_bytes("B")


def test_staff_cannot_download_another_organizations_document(actors):
    revision = submit(entry_of(actors.org_b, "instruction"), actors.staff_b)

    response = actors.client_for(actors.staff_a).get(url(revision))

    assert response.status_code == 404
    assert "Content-Disposition" not in response


def test_methodologist_of_another_district_cannot_download(actors, outside_methodologist):
    revision = submit(entry_of(actors.org_a, "instruction"), actors.staff_a)

    response = actors.client_for(outside_methodologist).get(url(revision))

    assert response.status_code == 404


def test_anonymous_visitor_is_sent_to_the_login_page(actors):
    revision = submit(entry_of(actors.org_a, "instruction"), actors.staff_a)

    response = actors.client_for(None).get(url(revision))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_file_missing_from_storage_is_not_found_rather_than_an_error(actors):
    revision = submit(entry_of(actors.org_a, "instruction"), actors.staff_a)
    revision.file.storage.delete(revision.file.name)

    response = actors.client_for(actors.staff_a).get(url(revision))

    assert response.status_code == 404


def test_a_revision_that_does_not_exist_is_not_found(actors):
    response = actors.client_for(actors.methodologist).get(reverse("evidence-download", args=[999_999]))

    assert response.status_code == 404


def test_the_download_answers_only_get(actors):
    revision = submit(entry_of(actors.org_a, "instruction"), actors.staff_a)

    response = actors.client_for(actors.staff_a).post(url(revision))

    assert response.status_code == 405
