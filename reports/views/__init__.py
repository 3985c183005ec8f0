"""Views of the reports app, one module per page family; each module has its urlpatterns."""

from django.http import HttpResponse

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def document_response(body: bytes, stem: str, fmt: str) -> HttpResponse:
    """A report or export as a download: a PDF opens in the browser's viewer, the rest are saved."""
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    disposition = "inline" if fmt == "pdf" else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{stem}.{fmt}"'
    return response
