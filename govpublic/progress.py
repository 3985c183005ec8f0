"""The progress bar of the long management commands (`sweep`, `import_organizations`)."""

from __future__ import annotations

import sys

WIDTH = 30


def draw_progress(stdout, done: int, total: int) -> None:
    """Redrawn in place on a terminal; a line each time in a log."""
    filled = WIDTH * done // max(total, 1)
    line = f"[{'#' * filled}{'.' * (WIDTH - filled)}] {done}/{total}"
    if stdout.isatty():
        stdout.write("\r" + line, ending="")
        sys.stdout.flush()
    else:
        stdout.write(line)
