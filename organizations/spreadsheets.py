"""Spreadsheet cells that stay what they are (OWASP «CSV Injection»).

Excel, LibreOffice and Google Sheets start a formula at a cell whose text begins with `=`, `+`,
`-` or `@` (a tab or a carriage return ahead of them is skipped), so an imported name
`=HYPERLINK(...)`, a VK post's text or a phone `+7 (861…)` would turn live in an export.
Every CSV and XLSX writer passes its values through `inert`; the registry import refuses
what `is_formula` recognises. The module lives in organizations/ so that the importer and every
exporter (monitoring, reports) may import it without reversing the dependency direction."""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from govpublic.states import State

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


# --- one look for every XLSX export -------------------------------------------------------------
# The dashboard export and the district report's workbook both write their sheets here, so a
# methodologist meets the same header, widths, filters, number formats, state colours and print
# set-up in each (issue 11, item 13).

TEXT, PERCENT, STATUS = "text", "percent", "status"
HEADER_FILL, HEADER_INK = "0A3D7A", "FFFFFF"
MIN_WIDTH, MAX_WIDTH = 8, 60
FORMATS = {datetime.datetime: "DD.MM.YYYY HH:MM", datetime.date: "DD.MM.YYYY", int: "0", float: "0.0"}


@dataclass(frozen=True)
class Column:
    """A column's header and what it holds: `PERCENT` takes a fraction (0.42 shows «42%»);
    `STATUS` takes a `Marked` and keeps its words on the state's fill. Else the value's own
    type decides: numbers and dates stay numbers and dates."""

    title: str
    kind: str = TEXT
    width: int | None = None  # characters; by default from the longest value


@dataclass(frozen=True)
class Marked:
    """A state cell: the words, and the state of govpublic/states.py that colours them."""

    text: str
    state: State


def write_sheet(
    workbook: Workbook, title: str, columns: Sequence[Column | str], rows: Iterable[Sequence[Any]], *, freeze: str = "A2"
) -> Worksheet:
    """A sheet with a header row and `rows`: widths on every column, the header frozen, filtered
    and repeated on each printed page, landscape A4 fitted to the page width."""
    columns = [column if isinstance(column, Column) else Column(str(column)) for column in columns]
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([column.title for column in columns])
    header_font, header_fill = Font(bold=True, color=HEADER_INK), PatternFill("solid", fgColor=HEADER_FILL)
    for cell in sheet[1]:
        cell.font, cell.fill, cell.alignment = header_font, header_fill, Alignment(wrap_text=True, vertical="top")
    # A header wraps onto two or three lines rather than widening its column.
    widths = [min(len(column.title), 18) for column in columns]
    fills: dict[str, tuple[PatternFill, Font]] = {}
    for row_number, values in enumerate(rows, start=2):
        for index, (column, value) in enumerate(zip(columns, values, strict=True)):
            cell = sheet.cell(row=row_number, column=index + 1)
            if isinstance(value, Marked):
                fill, font = fills.setdefault(value.state.code, (
                    PatternFill("solid", fgColor=value.state.fill), Font(bold=True, color=value.state.ink)))
                cell.value, cell.fill, cell.font = inert(value.text), fill, font
                shown = value.text
            elif isinstance(value, datetime.datetime):
                # Excel has no time zones: the local time the portal shows, as a real date.
                cell.value = value.replace(tzinfo=None)
                cell.number_format = FORMATS[datetime.datetime]
                shown = "00.00.0000 00:00"
            else:
                cell.value = inert(value)
                if column.kind == PERCENT and isinstance(value, (int, float)):
                    cell.number_format, shown = "0%", "100%"
                elif type(value) in FORMATS:
                    cell.number_format, shown = FORMATS[type(value)], str(value)
                else:
                    shown = "" if value is None else str(value)
            widths[index] = max(widths[index], len(shown))
    for index, (column, width) in enumerate(zip(columns, widths), start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = column.width or max(MIN_WIDTH, min(MAX_WIDTH, width + 2))
        if width > MAX_WIDTH and not column.width:
            for cell in sheet[letter][1:]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = freeze
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(sheet.max_row, 1)}"
    _print_setup(sheet)
    return sheet


def _print_setup(sheet: Worksheet) -> None:
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages down as the rows need
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:1"


def workbook_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def new_workbook() -> Workbook:
    """An empty workbook (openpyxl's default sheet removed): every sheet comes from `write_sheet`."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    return workbook
