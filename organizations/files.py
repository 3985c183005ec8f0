"""Files written whole or not at all: an export that fails half-way (a full disk, a crash in
the renderer) never leaves a truncated file over the good one a person had."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _


def write_atomically(path: Path, data: bytes | Callable[[], bytes]) -> None:
    """Write into a temporary file in the same folder, then rename it over `path` (a rename
    within one file system is atomic). `data` may be a function: whatever it raises leaves the
    old file untouched and no temporary file behind. A bad path becomes one Russian line
    (CommandError) instead of a traceback."""
    _check_target(path)
    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise CommandError(_("Не удалось записать %(path)s: %(error)s") % {"path": path, "error": error.strerror}) from None
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data() if callable(data) else data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException as error:
        os.unlink(temporary)
        if isinstance(error, OSError):
            raise CommandError(
                _("Не удалось записать %(path)s: %(error)s") % {"path": path, "error": error.strerror}
            ) from None
        raise


def _check_target(path: Path) -> None:
    if path.is_dir():
        raise CommandError(_("%(path)s — это папка, а нужен путь к файлу.") % {"path": path})
    if not path.parent.is_dir():
        raise CommandError(_("Нет папки для файла: %(path)s") % {"path": path.parent})
