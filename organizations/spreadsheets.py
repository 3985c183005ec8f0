"""Spreadsheet cells that stay what they are (OWASP «CSV Injection»).

Excel, LibreOffice and Google Sheets start a formula at a cell whose text begins with `=`, `+`,
`-` or `@` (a tab or a carriage return ahead of them is skipped), so an imported name
`=HYPERLINK(...)`, a VK post's text or a phone `+7 (861…)` would turn live in an export.
Every CSV and XLSX writer passes its values through `inert`; the registry import refuses
what `is_formula` recognises. The module lives in organizations/ so that the importer and every
exporter (monitoring, reports) may import it without reversing the dependency direction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(value: Any) -> Any:
    """Text that a spreadsheet would read as a formula gets OWASP's leading apostrophe;
    numbers, dates and empty cells stay as they are, so sums and sorting keep working."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def inert_row(values: Iterable[Any]) -> list[Any]:
    return [inert(value) for value in values]


def is_formula(text: str) -> bool:
    """A registry cell holding a formula instead of a value (only `=`: `+7 …` is a phone)."""
    return text.startswith("=")
