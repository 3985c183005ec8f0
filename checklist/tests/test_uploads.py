"""Uploaded documents: what is refused (with a Russian message, nothing stored) and what is kept."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files import File

from checklist import services
from checklist.models import EntryEvent, EvidenceRevision, WorkStatus
from checklist.tests.documents import (
    ODT_MIMETYPE,
    docx_bytes,
    entry_of,
    jpeg_bytes,
    odt_bytes,
    pdf_bytes,
    png_bytes,
    stored_files,
    upload,
)

CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def _zip_without_document() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a word document")
    return buffer.getvalue()


def _odt_with_megabytes_of_mimetype() -> bytes:
    """Declares the right mimetype, padded so that unpacking it costs 30 MB (a zip bomb's trick)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", ODT_MIMETYPE + b" " * (30 * 1024 * 1024), compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


REFUSED = [
    # id, file name, bytes, words the message must contain
    ("exe", "setup.exe", EXECUTABLE, "«.exe» не принимается"),
    ("txt", "zametki.txt", "Просто текст".encode(), "«.txt» не принимается"),
    ("no-extension", "prikaz", pdf_bytes(), "нет расширения"),
    ("executable-renamed-pdf", "prikaz.pdf", EXECUTABLE, "не соответствует расширению «.pdf»"),
    ("text-renamed-docx", "instrukciya.docx", "Инструкция по работе".encode(), "не соответствует расширению «.docx»"),
    ("zip-renamed-docx", "instrukciya.docx", _zip_without_document(), "не соответствует расширению «.docx»"),
    ("zip-with-wrong-mimetype-odt", "instrukciya.odt", odt_bytes(b"application/zip"), "не соответствует"),
    ("text-renamed-png", "foto.png", b"not an image at all", "не соответствует расширению «.png»"),
    ("broken-png", "foto.png", png_bytes()[:16] + b"garbage" * 20, "не соответствует расширению «.png»"),
    ("truncated-png", "foto.png", png_bytes((200, 200))[:60], "не соответствует расширению «.png»"),
    ("pdf-renamed-jpg", "foto.jpg", pdf_bytes(), "не соответствует расширению «.jpg»"),
    ("empty", "prikaz.pdf", b"", "Файл пустой"),
    ("double-extension", "prikaz.php.pdf", pdf_bytes(), "двойное расширение"),
    ("double-extension-upper-case", "PRIKAZ.EXE.PDF", pdf_bytes(), "двойное расширение"),
    ("windows-path-traversal", "..\\evil.pdf", pdf_bytes(), "Недопустимое имя файла"),
    ("hidden-file", ".pdf", pdf_bytes(), "Недопустимое имя файла"),
]


@pytest.fixture
def entry(actors):
    return entry_of(actors.org_a, "instruction")


def assert_nothing_stored(entry, settings) -> None:
    entry.refresh_from_db()
    assert not EvidenceRevision.objects.exists()
    assert not EntryEvent.objects.exists()
    assert entry.status == WorkStatus.NOT_STARTED
    assert stored_files(settings.MEDIA_ROOT) == []


@pytest.mark.parametrize(("name", "data", "message"), [case[1:] for case in REFUSED], ids=[case[0] for case in REFUSED])
def test_a_bad_file_is_refused_with_a_russian_message_and_nothing_is_stored(actors, entry, settings, name, data, message):
    with pytest.raises(ValidationError) as refused:
        services.evidence_submit(entry=entry, upload=upload(name, data), user=actors.staff_a)

    text = " ".join(refused.value.messages)
    assert message in text
    assert CYRILLIC.search(text)
    assert_nothing_stored(entry, settings)


@pytest.mark.parametrize("name", ["../../etc/passwd.pdf", "..\\..\\windows\\evil.pdf", "/etc/passwd.pdf"])
def test_a_file_name_carrying_a_path_is_refused(actors, entry, settings, name):
    # Django's multipart parser strips directories from browser uploads; any other caller of
    # the service (an API, a command) passes the name as it came, so the service refuses it itself.
    with pytest.raises(ValidationError) as refused:
        services.evidence_submit(entry=entry, upload=File(io.BytesIO(pdf_bytes()), name=name), user=actors.staff_a)

    assert "Недопустимое имя файла" in " ".join(refused.value.messages)
    assert_nothing_stored(entry, settings)
    assert not (Path(settings.MEDIA_ROOT).parent / "etc").exists()


def test_a_file_over_the_size_limit_is_refused_with_its_size_and_the_limit(actors, entry, settings):
    settings.UPLOAD_MAX_MB = 1
    data = pdf_bytes() + b"0" * int(1.1 * 1024 * 1024)

    with pytest.raises(ValidationError) as refused:
        services.evidence_submit(entry=entry, upload=upload("prikaz.pdf", data), user=actors.staff_a)

    text = " ".join(refused.value.messages)
    assert "слишком большой" in text
    assert "1.1 МБ" in text and "1 МБ" in text
    assert_nothing_stored(entry, settings)


def test_a_file_just_under_the_size_limit_is_accepted(actors, entry, settings):
    settings.UPLOAD_MAX_MB = 1
    data = pdf_bytes() + b"0" * (1024 * 1024 - len(pdf_bytes()))

    revision = services.evidence_submit(entry=entry, upload=upload("prikaz.pdf", data), user=actors.staff_a)

    assert revision.size == 1024 * 1024


ZIP_BOMB = "распаковывается в слишком большой объём"


def _docx_with_zeros(*sizes: int) -> bytes:
    """A DOCX with one extra part of zeros per size: a few kilobytes that declare a lot."""
    buffer = io.BytesIO(docx_bytes())
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        for number, size in enumerate(sizes):
            archive.writestr(f"word/media/image{number}.bin", bytes(size))
    return buffer.getvalue()


def test_an_odt_whose_mimetype_entry_unpacks_to_megabytes_is_refused(actors, entry, settings):
    with pytest.raises(ValidationError) as refused:
        services.evidence_submit(
            entry=entry, upload=upload("instrukciya.odt", _odt_with_megabytes_of_mimetype()), user=actors.staff_a
        )

    assert ZIP_BOMB in " ".join(refused.value.messages)
    assert_nothing_stored(entry, settings)


def test_a_docx_with_a_part_packed_a_thousand_times_is_refused(actors, entry, settings):
    data = _docx_with_zeros(2 * 1024 * 1024)

    with pytest.raises(ValidationError) as refused:
        services.evidence_submit(entry=entry, upload=upload("instrukciya.docx", data), user=actors.staff_a)

    assert len(data) < 20 * 1024
    text = " ".join(refused.value.messages)
    assert ZIP_BOMB in text and "Сохраните документ заново" in text
    assert_nothing_stored(entry, settings)


def test_a_docx_declaring_more_than_100_mb_in_small_parts_is_refused(actors, entry, settings):
    data = _docx_with_zeros(*[1024 * 1024] * 101)

    with pytest.raises(ValidationError) as refused:
        services.evidence_submit(entry=entry, upload=upload("instrukciya.docx", data), user=actors.staff_a)

    assert "больше 100 МБ" in " ".join(refused.value.messages)
    assert_nothing_stored(entry, settings)


def test_a_docx_with_a_large_photo_is_accepted(actors, entry, settings):
    photo = hashlib.sha256(b"seed").digest() * (2 * 1024 * 1024 // 32)  # barely compressible, like a JPEG
    buffer = io.BytesIO(docx_bytes())
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/media/image1.jpeg", photo, compress_type=zipfile.ZIP_STORED)

    revision = services.evidence_submit(entry=entry, upload=upload("instrukciya.docx", buffer.getvalue()), user=actors.staff_a)

    assert revision.size == len(buffer.getvalue())


ACCEPTED = [
    # id, file name, bytes, content type recorded
    ("pdf", "Приказ о назначении.pdf", pdf_bytes(), "application/pdf"),
    ("pdf-upper-case-extension", "PRIKAZ.PDF", pdf_bytes(), "application/pdf"),
    ("pdf-with-dates-in-the-name", "приказ №15 от 02.09.2024.pdf", pdf_bytes(), "application/pdf"),
    ("png", "plakat.png", png_bytes(), "image/png"),
    ("jpeg", "foto.jpeg", jpeg_bytes(), "image/jpeg"),
    ("docx", "instrukciya.docx", docx_bytes(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("odt", "instrukciya.odt", odt_bytes(), "application/vnd.oasis.opendocument.text"),
    ("doc", "poryadok.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504, "application/msword"),
]


@pytest.mark.parametrize(
    ("name", "data", "content_type"), [case[1:] for case in ACCEPTED], ids=[case[0] for case in ACCEPTED]
)
def test_a_real_document_is_stored_with_its_hash_size_and_type(actors, entry, settings, name, data, content_type):
    revision = services.evidence_submit(entry=entry, upload=upload(name, data), user=actors.staff_a)

    revision.refresh_from_db()
    assert revision.original_name == name
    assert revision.sha256 == hashlib.sha256(data).hexdigest()
    assert revision.size == len(data)
    assert revision.content_type == content_type
    assert revision.uploaded_by == actors.staff_a
    with revision.file.open("rb") as handle:
        assert handle.read() == data


def test_the_stored_file_name_is_random_not_the_uploaders(actors, entry, settings):
    first = services.evidence_submit(entry=entry, upload=upload("секретный приказ.pdf", pdf_bytes("1")), user=actors.staff_a)
    second = services.evidence_submit(entry=entry, upload=upload("секретный приказ.pdf", pdf_bytes("2")), user=actors.staff_a)

    names = [Path(revision.file.name).name for revision in (first, second)]
    for stored in names:
        assert re.fullmatch(r"[0-9a-f]{32}\.pdf", stored)
        assert "приказ" not in stored and "upload" not in stored
    assert names[0] != names[1]
    media_root = Path(settings.MEDIA_ROOT).resolve()
    for path in stored_files(settings.MEDIA_ROOT):
        assert path.resolve().is_relative_to(media_root / "evidence" / str(actors.org_a.pk))
    assert len(stored_files(settings.MEDIA_ROOT)) == 2


def test_an_item_at_its_revision_limit_refuses_the_next_upload(actors, entry, settings):
    settings.EVIDENCE_MAX_REVISIONS = 2
    for text in ("1", "2"):
        services.evidence_submit(entry=entry, upload=upload("prikaz.pdf", pdf_bytes(text)), user=actors.staff_a)
    files_before = stored_files(settings.MEDIA_ROOT)

    with pytest.raises(ValidationError) as refused:
        services.evidence_submit(entry=entry, upload=upload("prikaz.pdf", pdf_bytes("3")), user=actors.staff_a)

    assert "предельное число версий документа (2): больше загрузить нельзя" in " ".join(refused.value.messages)
    assert EvidenceRevision.objects.filter(entry=entry).count() == 2
    assert stored_files(settings.MEDIA_ROOT) == files_before
