"""Small real documents of each accepted format, built in memory, and the ways people
(or attackers) get them wrong. Shared by the upload, service and view tests."""

from __future__ import annotations

import datetime
import io
import zipfile
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from checklist import services
from checklist.models import ChecklistEntry, EvidenceRevision

ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"


def pdf_bytes(text: str = "Prikaz") -> bytes:
    """A one-page PDF that a reader opens; `text` makes each document's bytes unique."""
    return (
        b"%PDF-1.4\n"
        b"1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
        b"2 0 obj <</Type /Pages /Kids [3 0 R] /Count 1>> endobj\n"
        b"3 0 obj <</Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]>> endobj\n"
        b"% " + text.encode() + b"\n"
        b"trailer <</Root 1 0 R>>\n%%EOF\n"
    )


def png_bytes(size: tuple[int, int] = (40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>Инструкция</w:t></w:r></w:p></w:body></w:document>",
        )
    return buffer.getvalue()


def odt_bytes(mimetype: bytes = ODT_MIMETYPE) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        # ODF wants the mimetype first and stored; content.xml compressed as usual.
        archive.writestr(zipfile.ZipInfo("mimetype"), mimetype, compress_type=zipfile.ZIP_STORED)
        archive.writestr(
            "content.xml",
            '<?xml version="1.0"?><office:document-content '
            'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>',
            compress_type=zipfile.ZIP_DEFLATED,
        )
    return buffer.getvalue()


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def pdf_upload(name: str = "prikaz.pdf", text: str = "Prikaz") -> SimpleUploadedFile:
    return upload(name, pdf_bytes(text), "application/pdf")


def entry_of(organization, code: str) -> ChecklistEntry:
    return ChecklistEntry.objects.select_related("item", "organization").get(organization=organization, item__code=code)


def submit(entry: ChecklistEntry, user, *, name: str = "instrukciya.pdf", text: str = "v1") -> EvidenceRevision:
    """Send a valid PDF for review the way staff do; order items get a number and date."""
    details = {}
    if entry.item.needs_document_details:
        details = {"document_number": "15-р", "document_date": datetime.date(2024, 9, 2)}
    return services.evidence_submit(entry=entry, upload=pdf_upload(name, text), user=user, **details)


def stored_files(media_root) -> list:
    """Every file under MEDIA_ROOT (the tests' tmp directory)."""
    root = Path(media_root)
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []
