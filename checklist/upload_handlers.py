"""The size limit of an upload, kept while the body streams in: Django's own handlers would
receive a file of any size into a temporary file before the form could refuse it."""

from __future__ import annotations

from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest

MIB = 1024 * 1024
# What the upload form adds around the file in the body: the CSRF token, the document's
# number, date and note (at most 1,000 characters) and the multipart boundaries.
FORM_OVERHEAD_BYTES = 64 * 1024


class UploadSizeLimit(FileUploadHandler):
    """First of the request's upload handlers: passes each chunk on to the others and stops
    reading the body as soon as the files in it pass `limit_bytes`, so that neither memory,
    nor the temporary folder, nor the worker's time goes to the rest. `exceeded` tells the
    view why the form then has no file."""

    def __init__(self, request: HttpRequest, limit_bytes: int) -> None:
        super().__init__(request)
        self.limit_bytes = limit_bytes
        self.received = 0
        self.exceeded = False

    def declared_too_big(self) -> bool:
        """Whether the body the client announces (Content-Length) cannot fit the limit:
        then it is refused before a byte of it is read."""
        try:
            declared = int(self.request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return False  # Django reads no body at all without a valid length
        return declared > self.limit_bytes + FORM_OVERHEAD_BYTES

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit_bytes:
            self.exceeded = True
            # The rest of the body is left unread rather than drained.
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the handlers after this one build the file
