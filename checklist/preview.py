"""A picture of an uploaded document for the review queue: the first page of a PDF, or the
image itself, as a PNG no wider than PREVIEW_WIDTH.

Why a rendered PNG and not the PDF in an <iframe>: the download answers with
`Content-Security-Policy: sandbox`, and Chromium refuses to show a PDF in a sandboxed document
(and headless Chromium has no PDF viewer at all); lifting the sandbox would let a PDF's own
scripts run on our origin. A PNG drawn by poppler's `pdftoppm` shows the same in every browser,
on a phone too, and carries nothing active. Images are redrawn by Pillow for the same reason.
Word and OpenDocument files get no picture: the queue links to the download instead."""

from __future__ import annotations

import io
import subprocess
import tempfile
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from PIL import Image

from checklist.models import EvidenceRevision
from organizations.access import get_organization_for_user

PREVIEW_WIDTH = 900
# poppler on a hostile or broken PDF must not hold a web worker: past this the preview is skipped.
RENDER_SECONDS = 15
PREVIEWED_TYPES = ("application/pdf", "image/jpeg", "image/png")


def has_preview(revision: EvidenceRevision) -> bool:
    return revision.content_type in PREVIEWED_TYPES


def pdf_first_page_png(data: bytes) -> bytes | None:
    """Page 1 as PNG, or None when poppler cannot draw it in time."""
    with tempfile.TemporaryDirectory(prefix="preview-") as folder:
        source = Path(folder) / "document.pdf"
        source.write_bytes(data)
        try:
            subprocess.run(
                ["pdftoppm", "-png", "-f", "1", "-l", "1", "-singlefile", "-scale-to-x", str(PREVIEW_WIDTH),
                 "-scale-to-y", "-1", str(source), str(Path(folder) / "page")],
                check=True, capture_output=True, timeout=RENDER_SECONDS,
            )
        except (subprocess.SubprocessError, OSError):
            return None
        page = Path(folder) / "page.png"
        return page.read_bytes() if page.exists() else None


def image_png(data: bytes) -> bytes | None:
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.thumbnail((PREVIEW_WIDTH, PREVIEW_WIDTH * 2))
            buffer = io.BytesIO()
            image.convert("RGB").save(buffer, "PNG")
    except (OSError, ValueError):
        return None
    return buffer.getvalue()


@require_GET
@login_required
@cache_control(private=True, max_age=3600)  # a revision never changes: a new upload is a new row
def evidence_preview(request: HttpRequest, revision_id: int) -> HttpResponse:
    """The same access as the download: 404 for anyone outside the organization's scope."""
    revision = get_object_or_404(EvidenceRevision.objects.select_related("entry"), pk=revision_id)
    get_organization_for_user(request.user, revision.entry.organization_id)
    if not has_preview(revision):
        raise Http404
    try:
        with revision.file.open("rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        raise Http404 from None
    png = pdf_first_page_png(data) if revision.content_type == "application/pdf" else image_png(data)
    if png is None:
        raise Http404
    response = HttpResponse(png, content_type="image/png")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
