"""The picture of a document in the review queue: page 1 of a PDF or the image, as PNG,
to the same people who may download the file."""

from __future__ import annotations

import io

from django.urls import reverse
from PIL import Image

from checklist import services
from checklist.tests.documents import docx_bytes, entry_of, png_bytes, upload


def url(revision) -> str:
    return reverse("evidence-preview", args=[revision.pk])


def picture(response) -> Image.Image:
    return Image.open(io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content))


def test_methodologist_sees_the_first_page_of_a_pdf_as_a_picture(actors, submitted_a):
    response = actors.client_for(actors.methodologist).get(url(submitted_a.revisions.get()))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    image = picture(response)
    assert image.width == 900 and image.height > image.width  # an A4 page, upright


def test_an_uploaded_image_is_shown_redrawn_as_png(actors):
    entry = entry_of(actors.org_a, "familiarization_journal")
    revision = services.evidence_submit(entry=entry, upload=upload("zhurnal.png", png_bytes((80, 60)), "image/png"), user=actors.staff_a)

    response = actors.client_for(actors.methodologist).get(url(revision))

    assert response.status_code == 200 and picture(response).size == (80, 60)


def test_a_word_document_has_no_picture_and_the_queue_offers_the_download(actors):
    entry = entry_of(actors.org_a, "instruction")
    revision = services.evidence_submit(entry=entry, upload=upload("instrukciya.docx", docx_bytes()), user=actors.staff_a)
    client = actors.client_for(actors.methodologist)

    assert client.get(url(revision)).status_code == 404
    queue = client.get(reverse("review-queue")).content.decode()
    assert url(revision) not in queue and "просмотра нет: скачайте файл" in queue


def test_staff_of_another_organization_cannot_see_the_picture(actors, submitted_a):
    response = actors.client_for(actors.staff_b).get(url(submitted_a.revisions.get()))

    assert response.status_code == 404


def test_anonymous_visitor_is_sent_to_the_login_page(actors, submitted_a):
    response = actors.client_for(None).get(url(submitted_a.revisions.get()))

    assert response.status_code == 302
