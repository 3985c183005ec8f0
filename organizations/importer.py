"""Registry import from CSV or XLSX (DESIGN §5): read every row, check everything, and
write only when no row has an error. Rows are numbered as a spreadsheet shows them
(the header is row 1), so «row 7» is the line a person sees in Excel."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.utils.translation import gettext as _

from organizations.links import LinkError, PageLink, parse_page_link
from organizations.models import District, OfficialPage, Organization
from organizations.services import page_set

COLUMNS = ("short_name", "name", "kind", "vk_url", "ok_url", "email", "phone", "address", "website")
REQUIRED = ("short_name", "name")
MAX_LENGTHS = {"short_name": 100, "name": 500, "phone": 100, "address": 500, "website": 200}

KIND_ALIASES = {
    "school": Organization.Kind.SCHOOL,
    "школа": Organization.Kind.SCHOOL,
    "kindergarten": Organization.Kind.KINDERGARTEN,
    "детский сад": Organization.Kind.KINDERGARTEN,
    "additional": Organization.Kind.ADDITIONAL,
    "одо": Organization.Kind.ADDITIONAL,
    "дополнительное образование": Organization.Kind.ADDITIONAL,
    "other": Organization.Kind.OTHER,
    "другое": Organization.Kind.OTHER,
}


@dataclass
class ImportRow:
    number: int
    values: dict[str, str]
    # None when the cell is empty: a new organization gets "other", a known one keeps its kind.
    kind: str | None = None
    links: dict[str, PageLink] = field(default_factory=dict)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)


class ImportFileError(Exception):
    """The file as a whole cannot be read (format, encoding, header)."""


def read_table(path: Path) -> list[tuple[int, dict[str, str]]]:
    """Rows as (spreadsheet row number, {column: text}), header normalised to lower case."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ImportFileError(_("Файл не в кодировке UTF-8. Сохраните CSV как «CSV UTF-8».")) from None
        reader = csv.reader(io.StringIO(text, newline=""))
        table = [row for row in reader]
    elif suffix == ".xlsx":
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises zip, XML and key errors alike
            raise ImportFileError(_("Не удалось прочитать XLSX: %(error)s") % {"error": error}) from None
        sheet = workbook.worksheets[0]
        table = [["" if cell is None else _cell_text(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]
        workbook.close()
    else:
        raise ImportFileError(_("Поддерживаются только файлы .csv и .xlsx."))
    if not table:
        raise ImportFileError(_("Файл пустой: нужна строка заголовков и строки организаций."))
    header = [str(name).strip().lower() for name in table[0]]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise ImportFileError(
            _("В заголовке нет столбцов: %(missing)s. Ожидаются: %(expected)s.")
            % {"missing": ", ".join(missing), "expected": ", ".join(COLUMNS)}
        )
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        if not any(str(cell).strip() for cell in cells):
            continue  # blank lines at the end of a spreadsheet are not rows
        values = {name: (str(cells[i]).strip() if i < len(cells) else "") for i, name in enumerate(header) if name in COLUMNS}
        rows.append((number, values))
    return rows


def _cell_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def validate_rows(rows: list[tuple[int, dict[str, str]]]) -> tuple[list[ImportRow], list[str]]:
    errors: list[str] = []
    checked: list[ImportRow] = []
    seen_names: dict[str, int] = {}
    seen_links: dict[str, tuple[int, str]] = {}

    def error(number: int, column: str, message: str) -> None:
        errors.append(f"row {number}: {column}: {message}")

    for number, values in rows:
        row = ImportRow(number=number, values=values)
        for column in REQUIRED:
            if not values.get(column):
                error(number, column, _("обязательное поле не заполнено"))
        for column, limit in MAX_LENGTHS.items():
            if len(values.get(column, "")) > limit:
                error(number, column, _("не длиннее %(limit)d символов") % {"limit": limit})
        short_name = values.get("short_name", "")
        if short_name:
            if short_name in seen_names:
                error(number, "short_name", _("повторяет строку %(row)d") % {"row": seen_names[short_name]})
            seen_names.setdefault(short_name, number)
        raw_kind = values.get("kind", "")
        if raw_kind:
            kind = KIND_ALIASES.get(" ".join(raw_kind.lower().split()))
            if kind is None:
                error(
                    number, "kind",
                    _("неизвестный тип «%(kind)s»: school, kindergarten, additional, other (или школа, детский сад, ОДО, другое)")
                    % {"kind": raw_kind},
                )
            else:
                row.kind = kind
        for network in ("vk", "ok"):
            column = f"{network}_url"
            raw = values.get(column, "")
            if not raw:
                continue
            try:
                link = parse_page_link(network, raw)
            except LinkError as link_error:
                error(number, column, str(link_error))
                continue
            if link.url in seen_links:
                error(number, column, _("эта страница уже указана в строке %(row)d") % {"row": seen_links[link.url][0]})
                continue
            seen_links[link.url] = (number, short_name)
            row.links[network] = link
        if values.get("email"):
            try:
                EmailValidator()(values["email"])
            except ValidationError:
                error(number, "email", _("некорректный адрес электронной почты"))
        if values.get("website"):
            website = values["website"]
            if "://" not in website:
                website = "https://" + website
            try:
                URLValidator(schemes=["http", "https"])(website)
            except ValidationError:
                error(number, "website", _("некорректный адрес сайта"))
            values["website"] = website
        # Whatever the model itself refuses (a field's length once «https://» is added, an
        # address too long for the e-mail field) is a row error too, never a crash at write time.
        reported = {line.split(": ")[1] for line in errors if line.startswith(f"row {number}: ")}
        for column, message in _model_errors(row).items():
            if column not in reported:
                error(number, column, message)
        checked.append(row)

    # A link may already belong to an organization that this file does not rename to it.
    urls = {link.url: row for row in checked for link in row.links.values()}
    for page in OfficialPage.objects.filter(url__in=urls).select_related("organization"):
        row = urls[page.url]
        if page.organization.short_name != row.values.get("short_name"):
            error(
                row.number, f"{page.network}_url",
                _("страница уже зарегистрирована за «%(org)s»") % {"org": page.organization.short_name},
            )
    errors.sort(key=lambda line: int(line.split(":")[0].split()[1]))
    return checked, errors


def _model_errors(row: ImportRow) -> dict[str, str]:
    """The Organization model's own field checks for the row's values, by column."""
    values = row.values
    candidate = Organization(
        short_name=values.get("short_name", ""),
        name=values.get("name", ""),
        kind=row.kind or Organization.Kind.OTHER,
        **{column: values.get(column, "") for column in ("email", "phone", "address", "website")},
    )
    try:
        candidate.clean_fields(exclude=["district"])
    except ValidationError as error:
        return {
            column: " ".join(str(message) for message in messages)
            for column, messages in error.message_dict.items()
            if column in COLUMNS
        }
    return {}


def _row_errors(number: int, error: ValidationError, *, column: str | None = None) -> list[str]:
    if hasattr(error, "error_dict"):
        return [
            f"row {number}: {column or (name if name in COLUMNS else 'short_name')}: {' '.join(messages)}"
            for name, messages in error.message_dict.items()
        ]
    return [f"row {number}: {column or 'short_name'}: {' '.join(error.messages)}"]


def import_organizations(path: Path, *, district: District) -> ImportResult:
    """All or nothing: on any error nothing is written and the errors are returned."""
    try:
        rows = read_table(path)
    except ImportFileError as error:
        return ImportResult(errors=[f"row 1: file: {error}"])
    checked, errors = validate_rows(rows)
    if errors:
        return ImportResult(errors=errors)
    result = ImportResult()
    with transaction.atomic():
        for row in checked:
            values = row.values
            defaults = {"name": values["name"]}
            # Empty optional cells never erase what is already known (e.g. a phone typed in the portal).
            if row.kind:
                defaults["kind"] = row.kind
            for column in ("email", "phone", "address", "website"):
                if values.get(column):
                    defaults[column] = values[column]
            organization = Organization.objects.filter(short_name=values["short_name"]).first()
            if organization is None:
                organization = Organization(short_name=values["short_name"], district=district)
                result.created += 1
            else:
                result.updated += 1
            for name, value in defaults.items():
                setattr(organization, name, value)
            try:
                organization.full_clean()
            except ValidationError as error:
                result.errors += _row_errors(row.number, error)
                continue
            organization.save()
            for network, link in row.links.items():
                try:
                    page_set(organization=organization, network=network, link=link)
                except ValidationError as error:
                    result.errors += _row_errors(row.number, error, column=f"{network}_url")
        if result.errors:
            # A check the validation pass could not foresee failed: still all or nothing.
            transaction.set_rollback(True)
            return ImportResult(errors=result.errors)
    return result
