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
        raise _unwritable(path, error) from None
    try:
        # mkstemp makes the file private (0600); the export gets the mode any new file would get.
        os.fchmod(handle, _new_file_mode())
        with os.fdopen(handle, "wb") as file:
            file.write(data() if callable(data) else data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException as error:
        os.unlink(temporary)
        if isinstance(error, OSError):
            raise _unwritable(path, error) from None
        raise


def _new_file_mode() -> int:
    umask = os.umask(0o022)  # the only way to read it is to set it; a command runs one thread
    os.umask(umask)
    return 0o666 & ~umask


def _unwritable(path: Path, error: OSError) -> CommandError:
    return CommandError(_("Не удалось записать %(path)s: %(error)s") % {"path": path, "error": error.strerror})


def _check_target(path: Path) -> None:
    if path.is_dir():
        raise CommandError(_("%(path)s — это папка, а нужен путь к файлу.") % {"path": path})
    if not path.parent.is_dir():
        raise CommandError(_("Нет папки для файла: %(path)s") % {"path": path.parent})
