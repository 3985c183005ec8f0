"""A PDF that would run a script, start a program or unpack a file when opened is refused,
with a Russian message saying how to save it clean; ordinary PDFs pass."""

from __future__ import annotations

import hashlib
import zlib

import pytest
from django.core.exceptions import ValidationError

from checklist import services, uploads
from checklist.models import EvidenceRevision
from checklist.tests.documents import entry_of, stored_files, upload

ACTIVE = "В PDF есть сценарии, запуск программ или вложенные файлы"
SAVE_CLEAN = "Сохраните его заново как PDF без сценариев и вложений"
PAGES = (
    b"2 0 obj <</Type /Pages /Kids [3 0 R] /Count 1>> endobj\n"
    b"3 0 obj <</Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]>> endobj\n"
)


def pdf(catalog_extra: bytes = b"", *objects: bytes) -> bytes:
    """A one-page PDF whose catalog carries `catalog_extra`, followed by `objects`."""
    return (
        b"%PDF-1.7\n1 0 obj <</Type /Catalog /Pages 2 0 R " + catalog_extra + b">> endobj\n"
        + PAGES + b"".join(objects) + b"trailer <</Root 1 0 R>>\n%%EOF\n"
    )


def stream_object(number: int, dictionary: bytes, data: bytes) -> bytes:
    return (
        b"%d 0 obj <<" % number + dictionary + b" /Length %d>>stream\n" % len(data) + data + b"\nendstream endobj\n"
    )


def object_stream(number: int, content: bytes) -> bytes:
    """An object stream (PDF 1.5+): the objects inside it compressed, out of a plain scan's sight."""
    return stream_object(number, b"/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode", zlib.compress(content))


REFUSED = [
    ("script-on-open", pdf(b"/OpenAction <</S /JavaScript /JS (app.alert\\(1\\))>>")),
    ("launch-on-open", pdf(b"/OpenAction <</S /Launch /F (cmd.exe)>>")),
    ("script-name-hex-escaped", pdf(b"/OpenAction <</S /J#61va#53cript /JS (app.alert\\(1\\))>>")),
    ("script-on-page-open", pdf(b"/AA <</O 4 0 R>>", b"4 0 obj <</S/JavaScript/JS 5 0 R>> endobj\n")),
    ("script-inside-an-object-stream", pdf(b"/OpenAction 5 0 R", object_stream(4, b"5 0 <</S /JavaScript /JS (x)>>"))),
    ("embedded-file", pdf(b"/Names <</EmbeddedFiles <</Names [(a.exe) 4 0 R]>> >>")),
]

ACCEPTED = [
    ("opens-at-page-one", pdf(b"/OpenAction [3 0 R /Fit]")),
    ("link-to-a-page-about-javascript", pdf(b"/OpenAction <</S /URI /URI (https://example.org/Web/JavaScript\\)/Launch)>>")),
    ("plain-object-stream", pdf(b"", object_stream(4, b"5 0 <</Type /Font /Subtype /Type1 /BaseFont /Helvetica>>"))),
    # Image bytes hold any short sequence by chance, "/JS " included: stream data is not names.
    (
        "image-bytes-holding-/JS",
        pdf(b"", stream_object(4, b"/Type /XObject /Subtype /Image", b"\x8f/JS \x01" + hashlib.sha256().digest())),
    ),
]


@pytest.fixture
def entry(actors):
    return entry_of(actors.org_a, "instruction")


def submit(entry, user, data: bytes):
    return services.evidence_submit(entry=entry, upload=upload("prikaz.pdf", data), user=user)


@pytest.mark.parametrize("data", [case[1] for case in REFUSED], ids=[case[0] for case in REFUSED])
def test_a_pdf_with_scripts_launches_or_attachments_is_refused_saying_how_to_fix_it(actors, entry, settings, data):
    with pytest.raises(ValidationError) as refused:
        submit(entry, actors.staff_a, data)

    text = " ".join(refused.value.messages)
    assert ACTIVE in text and SAVE_CLEAN in text
    assert not EvidenceRevision.objects.exists()
    assert stored_files(settings.MEDIA_ROOT) == []


@pytest.mark.parametrize("data", [case[1] for case in ACCEPTED], ids=[case[0] for case in ACCEPTED])
def test_an_ordinary_pdf_is_accepted(actors, entry, data):
    revision = submit(entry, actors.staff_a, data)

    assert revision.size == len(data)


def test_a_pdf_whose_object_stream_unpacks_past_the_scan_budget_is_refused(actors, entry, settings, monkeypatch):
    monkeypatch.setattr(uploads, "PDF_MAX_UNPACKED_BYTES", 1024 * 1024)
    data = pdf(b"", object_stream(4, b"5 0 <<>>" + b" " * (2 * 1024 * 1024)))

    with pytest.raises(ValidationError) as refused:
        submit(entry, actors.staff_a, data)

    assert "PDF не удалось проверить" in " ".join(refused.value.messages)
    assert stored_files(settings.MEDIA_ROOT) == []
