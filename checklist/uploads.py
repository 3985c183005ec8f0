"""Checks an uploaded document before anything is stored: the name, the size, that the
bytes really are what the extension says (a renamed executable is refused), and that opening
it is harmless (no zip bomb in a DOCX/ODT, no script or launch action in a PDF)."""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

ALLOWED_EXTENSIONS = ("pdf", "doc", "docx", "odt", "jpg", "jpeg", "png")
# A name like «приказ.php.pdf» is a classic trick to get a script past a check by suffix.
DANGEROUS_INNER_EXTENSIONS = {
    "exe", "com", "bat", "cmd", "scr", "msi", "js", "vbs", "ps1", "sh", "php", "phtml",
    "html", "htm", "svg", "jar", "py", "pl", "cgi", "asp", "aspx", "jsp", "dll", "lnk",
}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "odt": "application/vnd.oasis.opendocument.text",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
}
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# DOCX and ODT are ZIP archives. A real document unpacks to a few times its size; a crafted
# one (a zip bomb) declares gigabytes in kilobytes and fills the disk or memory of whatever
# opens it: the reviewer's editor, a converter. The ratio is judged on parts big enough to
# matter: a small XML part may compress very well without harm.
OFFICE_MAX_UNPACKED_BYTES = 100 * 1024 * 1024
OFFICE_MAX_RATIO = 100
OFFICE_RATIO_FROM_BYTES = 1024 * 1024
# PDF names that make a reader run a script, start a program or carry files inside the
# document. /JS is not among them: three bytes that image data holds by chance every few
# megabytes; a script action names its type /JavaScript anyway.
PDF_ACTIVE_NAMES = frozenset(
    {b"JavaScript", b"Launch", b"EmbeddedFile", b"EmbeddedFiles", b"FileAttachment", b"RichMedia", b"XFA"}
)
# Object streams (PDF 1.5 and later) hold dictionaries compressed; the scan unpacks them,
# up to this much in all.
PDF_MAX_UNPACKED_BYTES = 64 * 1024 * 1024
_PDF_NAME = re.compile(rb"/([^\x00\t\n\f\r ()<>\[\]{}/%]+)")
_PDF_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
# A literal string, one level of parentheses nested: a link such as (https://…/JavaScript)
# is text, not a name.
_PDF_STRING = re.compile(rb"\((?:[^()\\]++|\\.|\((?:[^()\\]++|\\.)*+\))*+\)", re.DOTALL)
_PDF_STREAM = re.compile(rb"(?<!end)stream(?:\r\n|\n)")
# A reader finds an object stream through the cross-reference and needs its /First.
_PDF_OBJECT_STREAM = re.compile(rb"/(?:First|Type\s*/ObjStm)\b")


@dataclass(frozen=True)
class CheckedUpload:
    original_name: str
    extension: str
    content_type: str
    size: int
    sha256: str


def clean_file_name(raw: str) -> str:
    """The last path component only, without control characters, at most 200 characters."""
    name = PureWindowsPath(PurePosixPath(raw or "").name).name
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C")
    return name.strip().strip(".")[-200:]


def check_upload(upload: UploadedFile) -> CheckedUpload:
    """Raise ValidationError (Russian) unless the file is an allowed, intact document."""
    allowed = ", ".join(ALLOWED_EXTENSIONS)
    raw_name = upload.name or ""
    if "/" in raw_name or "\\" in raw_name or raw_name.startswith("."):
        raise ValidationError(_("Недопустимое имя файла: уберите из него пути и начальную точку."))
    name = clean_file_name(raw_name)
    parts = name.lower().split(".")
    if len(parts) < 2 or not parts[0]:
        raise ValidationError(_("У файла нет расширения. Допустимые форматы: %(allowed)s.") % {"allowed": allowed})
    extension = parts[-1]
    if extension not in ALLOWED_EXTENSIONS:
        raise ValidationError(
            _("Формат «.%(ext)s» не принимается. Допустимые форматы: %(allowed)s.") % {"ext": extension, "allowed": allowed}
        )
    if any(part in DANGEROUS_INNER_EXTENSIONS for part in parts[1:-1]):
        raise ValidationError(_("Имя файла содержит двойное расширение. Переименуйте файл, например «prikaz.pdf»."))

    size = upload.size or 0
    if size == 0:
        raise ValidationError(_("Файл пустой. Выберите файл с документом."))
    limit_mb = settings.UPLOAD_MAX_MB
    if size > limit_mb * 1024 * 1024:
        raise ValidationError(
            _("Файл слишком большой: %(size).1f МБ при допустимых %(limit)d МБ.") % {"size": size / 1024 / 1024, "limit": limit_mb}
        )

    digest = hashlib.sha256()
    head = b""
    upload.seek(0)
    for chunk in upload.chunks():
        if len(head) < 16:
            head += chunk[:16]
        digest.update(chunk)
    upload.seek(0)
    if not _content_matches(extension, head, upload):
        raise ValidationError(
            _("Содержимое файла не соответствует расширению «.%(ext)s». Загрузите настоящий документ этого формата.")
            % {"ext": extension}
        )
    if extension == "pdf":
        _refuse_active_pdf(upload)
    upload.seek(0)
    return CheckedUpload(
        original_name=name,
        extension=extension,
        content_type=CONTENT_TYPES[extension],
        size=size,
        sha256=digest.hexdigest(),
    )


def _content_matches(extension: str, head: bytes, upload: UploadedFile) -> bool:
    if extension == "pdf":
        return head.startswith(b"%PDF-")
    if extension == "doc":
        return head.startswith(OLE2_MAGIC)
    if extension in ("jpg", "jpeg"):
        return head.startswith(b"\xff\xd8\xff") and _image_intact(upload)
    if extension == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n") and _image_intact(upload)
    if extension in ("docx", "odt"):
        return head.startswith(b"PK\x03\x04") and _office_zip_matches(extension, upload)
    return False


def _image_intact(upload: UploadedFile) -> bool:
    from PIL import Image

    upload.seek(0)
    try:
        with Image.open(upload) as image:
            image.verify()
    except Exception:  # Pillow raises many types for broken images
        return False
    return True


def _office_zip_matches(extension: str, upload: UploadedFile) -> bool:
    upload.seek(0)
    data = upload.read()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _refuse_zip_bomb(archive)
            names = set(archive.namelist())
            if extension == "docx":
                return "word/document.xml" in names
            if "mimetype" not in names:
                return False
            # Read the entry only when it declares a mimetype's size: a crafted archive can
            # unpack a few kilobytes into gigabytes (a zip bomb) and exhaust the server's memory.
            expected = CONTENT_TYPES["odt"].encode()
            if archive.getinfo("mimetype").file_size > len(expected) + 2:
                return False
            return archive.read("mimetype").strip() == expected
    except (zipfile.BadZipFile, KeyError, OSError):
        return False


def _refuse_zip_bomb(archive: zipfile.ZipFile) -> None:
    """Judged on the sizes the archive declares, before anything in it is unpacked."""
    members = archive.infolist()
    too_big = sum(member.file_size for member in members) > OFFICE_MAX_UNPACKED_BYTES
    too_packed = any(
        member.file_size > OFFICE_RATIO_FROM_BYTES and member.file_size > member.compress_size * OFFICE_MAX_RATIO
        for member in members
    )
    if too_big or too_packed:
        raise ValidationError(
            _("Документ распаковывается в слишком большой объём (больше %(limit)d МБ или в %(ratio)d раз больше "
              "сжатого): так устроены файлы-«бомбы». "
              "Сохраните документ заново в Word или LibreOffice и загрузите снова.")
            % {"limit": OFFICE_MAX_UNPACKED_BYTES // (1024 * 1024), "ratio": OFFICE_MAX_RATIO}
        )


def _refuse_active_pdf(upload: UploadedFile) -> None:
    """Refuse a PDF that would run a script, start a program or unpack a file when opened.

    A scan of names, not a parser: the names outside literal strings (hex escapes such as
    /J#61vaScript undone), in the file and in its object streams compressed with FlateDecode.
    Left unread: object streams of an encrypted PDF or under other filters, and a file built
    to pass a name off as a string; the download is served as an attachment under a
    sandboxing Content-Security-Policy all the same."""
    upload.seek(0)
    data = upload.read()
    budget = PDF_MAX_UNPACKED_BYTES
    found = _pdf_names(data)
    for stream in _PDF_STREAM.finditer(data):
        dictionary = _pdf_unescape(data[max(0, stream.start() - 4096) : stream.start()]).rpartition(b"obj")[2]
        if not _PDF_OBJECT_STREAM.search(dictionary):
            continue
        end = data.find(b"endstream", stream.end())
        end = len(data) if end < 0 else end
        try:
            unpacked = zlib.decompressobj().decompress(memoryview(data)[stream.end() : end], budget + 1)
        except zlib.error:
            continue  # encrypted or under another filter
        budget -= len(unpacked)
        if budget < 0:
            raise ValidationError(
                _("PDF не удалось проверить: его служебные данные слишком велики. "
                  "Сохраните документ заново как PDF и загрузите снова.")
            )
        found |= _pdf_names(unpacked)
    if found & PDF_ACTIVE_NAMES:
        raise ValidationError(
            _("В PDF есть сценарии, запуск программ или вложенные файлы: такой документ опасно открывать. "
              "Сохраните его заново как PDF без сценариев и вложений (например, «Печать» → «Сохранить как PDF») "
              "и загрузите снова.")
        )


def _pdf_names(data: bytes) -> set[bytes]:
    return {_pdf_unescape(name) for name in _PDF_NAME.findall(_PDF_STRING.sub(b" ", data))}


def _pdf_unescape(text: bytes) -> bytes:
    return _PDF_ESCAPE.sub(lambda match: bytes([int(match.group(1), 16)]), text)
