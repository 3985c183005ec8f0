"""Registry import from CSV or XLSX (DESIGN §5): read every row, check everything, and
write only when no row has an error. Rows are numbered as a spreadsheet shows them
(the header is row 1), so «row 7» is the line a person sees in Excel.

Files come as Russian Excel saves them: «CSV UTF-8» (a BOM, semicolons, CRLF) or
«CSV (разделители-запятые)» (Windows-1251, semicolons); the encoding and the delimiter are
detected and named in the summary. A formula is refused wherever it is (a cell starting with
`=`, an XLSX formula cell): its value is not in the file, or is not what the person sees.

A registry of a whole region (27,000 rows) is written in chunks of bulk queries, a fixed number
of queries per chunk, inside one transaction: all or nothing still.

A row is identified by (district, short_name): every district has its «СОШ №1». The district
is the row's `district` cell, else the `--district` given for the whole file; a cell that
names another district than `--district` is a row error, not a silent choice of one. A name
finds its district whatever its case, spaces or «ё» (`district_key`); one nobody has yet is
created. A row that names no district goes to the only district there is — the install's
one, or the one the file names — and is an error when there are several to choose from."""

from __future__ import annotations

import codecs
import copy
import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from auditlog.cid import get_cid
from auditlog.diff import model_instance_diff
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.utils import get_column_letter

from organizations.links import NETWORKS, LinkError, PageLink, parse_page_link
from organizations.models import District, OfficialPage, Organization, district_key, natural_key
from organizations.services import page_set
from organizations.signals import organizations_created
from organizations.spreadsheets import is_formula

COLUMNS = (
    "short_name", "name", "kind", "vk_url", "ok_url", "email", "phone", "address", "website", "max_url", "audience",
    "district",
)
REQUIRED = ("short_name", "name")
MAX_LENGTHS = {"short_name": 100, "name": 500, "phone": 100, "address": 500, "website": 200, "district": 200}
# The district a row-less-of-district file makes on an install that has none yet.
DEFAULT_DISTRICT = gettext_lazy("Основной район")

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
DELIMITERS = (",", ";", "\t")
CHUNK_ROWS = 500
OPTIONAL = ("email", "phone", "address", "website")


@dataclass
class ImportRow:
    number: int
    values: dict[str, str]
    # None when the cell is empty: a new organization gets "other", a known one keeps its kind.
    kind: str | None = None
    links: dict[str, PageLink] = field(default_factory=dict)
    # The row's district as `district_key` gives it, and the name to create it with if it is
    # new; empty when the row's district is in error.
    district: str = ""
    district_name: str = ""


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)
    # How the file was read, for the summary: «CSV, Windows-1251, разделитель «;»».
    source: str = ""


@dataclass
class Table:
    rows: list[tuple[int, dict[str, str]]]
    source: str
    # Column name → its letter in the spreadsheet, to name a cell in a message.
    letters: dict[str, str]


class ImportFileError(Exception):
    """The file as a whole cannot be read (format, encoding, header)."""


def read_table(path: Path) -> Table:
    """Rows as (spreadsheet row number, {column: text}), header normalised to lower case.
    A formula cell of an XLSX reads as its formula (`=…`), so that the check refuses it."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        text, encoding = _decode(path.read_bytes())
        first_line = text.split("\n", 1)[0]
        # The delimiter that splits the header into the most known column names.
        delimiter = max(DELIMITERS, key=lambda candidate: len(_known_columns(first_line, candidate)))
        table = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        source = _("CSV, %(encoding)s, разделитель «%(delimiter)s»") % {
            "encoding": encoding, "delimiter": _("табуляция") if delimiter == "\t" else delimiter,
        }
    elif suffix == ".xlsx":
        from openpyxl import load_workbook

        try:
            # Not data_only: a formula must be seen as one, not as its cached value (or None).
            workbook = load_workbook(path, read_only=True, data_only=False)
        except Exception as error:  # openpyxl raises zip, XML and key errors alike
            raise ImportFileError(_("Не удалось прочитать XLSX: %(error)s") % {"error": error}) from None
        sheet = workbook.worksheets[0]
        table = [[_cell_text(cell) for cell in row] for row in sheet.iter_rows()]
        workbook.close()
        source = "XLSX"
    else:
        raise ImportFileError(_("Поддерживаются только файлы .csv и .xlsx."))
    if not table:
        raise ImportFileError(_("Файл пустой: нужна строка заголовков и строки организаций."))
    header = [str(name).strip().lower() for name in table[0]]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise ImportFileError(
            _("В заголовке нет столбцов: %(missing)s. Ожидаются: %(expected)s (файл прочитан как %(source)s).")
            % {"missing": ", ".join(missing), "expected": ", ".join(COLUMNS), "source": source}
        )
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        if not any(str(cell).strip() for cell in cells):
            continue  # blank lines at the end of a spreadsheet are not rows
        values = {name: (str(cells[i]).strip() if i < len(cells) else "") for i, name in enumerate(header) if name in COLUMNS}
        rows.append((number, values))
    letters = {name: get_column_letter(index) for index, name in enumerate(header, start=1) if name in COLUMNS}
    return Table(rows=rows, source=source, letters=letters)


def _decode(data: bytes) -> tuple[str, str]:
    """The text and the name of its encoding: UTF-8 with or without a BOM, else Windows-1251
    (what Excel's «CSV (разделители-запятые)» writes on a Russian Windows)."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8):].decode("utf-8"), _("UTF-8 с BOM")
        except UnicodeDecodeError:
            raise ImportFileError(_("Файл начинается с метки UTF-8, но дальше не UTF-8: сохраните его заново.")) from None
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1251"), "Windows-1251"
    except UnicodeDecodeError:
        raise ImportFileError(
            _("Кодировка файла не распознана: сохраните его в Excel как «CSV UTF-8» или «CSV (разделители-запятые)».")
        ) from None


def _known_columns(line: str, delimiter: str) -> set[str]:
    cells = next(csv.reader([line], delimiter=delimiter), [])
    return {cell.strip().lower() for cell in cells} & set(COLUMNS)


def _cell_text(cell) -> str:
    value = cell.value
    if value is None:
        return ""
    if cell.data_type == "f":
        return str(getattr(value, "text", value))  # an array formula is an object with its text
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def validate_rows(
    rows: list[tuple[int, dict[str, str]]], *, letters: dict[str, str] | None = None, district: str | None = None
) -> tuple[list[ImportRow], list[str]]:
    """Every row checked; `district` is the `--district` given for the whole file."""
    errors: list[str] = []
    checked: list[ImportRow] = []
    seen_names: dict[tuple[str, str], int] = {}
    seen_links: dict[str, tuple[int, str]] = {}

    def error(number: int, column: str, message: str) -> None:
        errors.append(f"row {number}: {column}: {message}")

    # Name → how it is spelled: the install's districts as stored, then new ones as first typed.
    names = {district_key(name): name for name in District.objects.values_list("name", flat=True)}
    option = " ".join((district or "").split())
    if len(option) > MAX_LENGTHS["district"]:
        # Said once, on the header's row: it is the whole file's district that is wrong.
        limit = _("не длиннее %(limit)d символов") % {"limit": MAX_LENGTHS["district"]}
        return [], [f"row 1: district: --district: {limit}"]
    for name in [option, *(values.get("district", "") for _number, values in rows)]:
        if name and not is_formula(name) and len(name) <= MAX_LENGTHS["district"]:
            names.setdefault(district_key(name), " ".join(name.split()))
    # Where a row naming no district goes: the only district there is, if there is one.
    only = next(iter(names)) if len(names) == 1 else None
    if not names:
        only = district_key(str(DEFAULT_DISTRICT))
        names[only] = str(DEFAULT_DISTRICT)

    for number, values in rows:
        row = ImportRow(number=number, values=values)
        formulas = [column for column, value in values.items() if is_formula(value)]
        for column in formulas:
            formula = values[column]
            error(
                number, column,
                _("в ячейке %(cell)s формула «%(formula)s», а не значение: вставьте в неё само значение "
                  "(в Excel: Копировать → Специальная вставка → Значения)")
                % {"cell": f"{(letters or {}).get(column, '')}{number}",
                   "formula": formula if len(formula) <= 40 else formula[:39] + "…"},
            )
        if formulas:
            continue  # the rest of the row is not what the person sees: its formulas are the error
        for column in REQUIRED:
            if not values.get(column):
                error(number, column, _("обязательное поле не заполнено"))
        for column, limit in MAX_LENGTHS.items():
            if len(values.get(column, "")) > limit:
                error(number, column, _("не длиннее %(limit)d символов") % {"limit": limit})
        cell = " ".join(values.get("district", "").split())
        if cell and option and district_key(cell) != district_key(option):
            error(
                number, "district",
                _("в строке район «%(row)s», а для всего файла задан --district «%(option)s»: "
                  "оставьте что-то одно или исправьте район в строке") % {"row": cell, "option": option},
            )
        elif cell or option:
            if len(cell or option) <= MAX_LENGTHS["district"]:
                row.district = district_key(cell or option)
        elif only is not None:
            row.district = only
        else:
            listed = sorted(names.values())
            error(
                number, "district",
                _("район не указан, а районов несколько (%(districts)s): заполните столбец district "
                  "или задайте район для всего файла параметром --district")
                % {"districts": ", ".join(listed[:3]) + (_(" и ещё %(n)d") % {"n": len(listed) - 3} if len(listed) > 3 else "")},
            )
        row.district_name = names.get(row.district, "")
        short_name = values.get("short_name", "")
        if short_name and row.district:
            # One organization per short name in a district: «СОШ №1» of two districts is two rows.
            identity = (row.district, short_name)
            if identity in seen_names:
                error(number, "short_name", _("повторяет строку %(row)d") % {"row": seen_names[identity]})
            seen_names.setdefault(identity, number)
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
        for network in NETWORKS:
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
        if values.get("audience"):
            audience = parse_audience(values["audience"])
            if audience is None:
                error(number, "audience", _("целое число не меньше нуля (ученики, сотрудники и родители)"))
            else:
                values["audience"] = audience
        # Whatever the model itself refuses (a field's length once «https://» is added, an
        # address too long for the e-mail field) is a row error too, never a crash at write time.
        reported = {line.split(": ")[1] for line in errors if line.startswith(f"row {number}: ")}
        for column, message in _model_errors(row).items():
            if column not in reported:
                error(number, column, message)
        checked.append(row)

    # A link may already belong to an organization that this file does not rename to it.
    urls = {link.url: row for row in checked for link in row.links.values()}
    for page in _pages_by_url(list(urls)):
        row = urls[page.url]
        owner = page.organization
        if (district_key(owner.district.name), owner.short_name) != (row.district, row.values.get("short_name")):
            where = owner.short_name
            if district_key(owner.district.name) != row.district:
                where = f"{owner.short_name} ({owner.district.name})"
            error(row.number, f"{page.network}_url", _("страница уже зарегистрирована за «%(org)s»") % {"org": where})
    errors.sort(key=lambda line: int(line.split(":")[0].split()[1]))
    return checked, errors


def parse_audience(raw: str | int) -> int | None:
    """A whole number of people ≥ 0 as a cell or a form gives it («1200», «1 200», 1200.0);
    None when it is not one."""
    text = "".join(str(raw).split()).replace("\u00a0", "")
    if text.endswith(".0"):
        text = text[:-2]
    return int(text) if text.isdigit() else None


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


def import_organizations(
    path: Path, *, district: str | None = None, progress: Callable[[int, int], None] | None = None
) -> ImportResult:
    """All or nothing: on any error nothing is written (not even a new district) and the
    errors are returned. `district` names the district of every row (`--district`).
    `progress(written, total)` is called after each chunk."""
    try:
        table = read_table(path)
    except ImportFileError as error:
        return ImportResult(errors=[f"row 1: file: {error}"])
    checked, errors = validate_rows(table.rows, letters=table.letters, district=district)
    if errors:
        return ImportResult(errors=errors, source=table.source)
    result = ImportResult(source=table.source)
    with transaction.atomic():
        districts = _districts_ensure(checked)
        for start in range(0, len(checked), CHUNK_ROWS):
            _write_chunk(checked[start:start + CHUNK_ROWS], districts=districts, result=result)
            if progress is not None:
                progress(min(start + CHUNK_ROWS, len(checked)), len(checked))
        if result.errors:
            # A check the validation pass could not foresee failed: still all or nothing.
            transaction.set_rollback(True)
            return ImportResult(errors=result.errors, source=table.source)
    return result


def _districts_ensure(rows: list[ImportRow]) -> dict[str, District]:
    """The rows' districts by `district_key`, the ones nobody has yet created (and audited, as
    a save is)."""
    districts = {district_key(district.name): district for district in District.objects.all()}
    for row in rows:
        if row.district not in districts:
            district = District(name=row.district_name)
            district.full_clean()
            district.save()
            districts[row.district] = district
    return districts


def _write_chunk(rows: list[ImportRow], *, districts: dict[str, District], result: ImportResult) -> None:
    """Bulk queries, a fixed number per chunk whatever its rows: bulk writes send no post_save,
    so the audit rows and the `organizations_created` signal are sent here, in bulk as well."""
    district_of = {row.number: districts[row.district] for row in rows}
    # (district, short name) pairs are few districts × the chunk's names: one query still.
    known = {
        (organization.district_id, organization.short_name): organization
        for organization in Organization.objects.filter(
            district__in={district.pk for district in district_of.values()},
            short_name__in={row.values["short_name"] for row in rows},
        )
    }
    created: list[Organization] = []
    changed: list[tuple[Organization, Organization]] = []  # (before, after)
    organization_of: dict[int, Organization] = {}
    for row in rows:
        values = row.values
        district = district_of[row.number]
        organization = known.get((district.pk, values["short_name"]))
        before = copy.copy(organization)
        if organization is None:
            # What Organization.save() would set: bulk_create does not call it.
            organization = Organization(
                short_name=values["short_name"], district=district, sort_name=natural_key(values["short_name"])
            )
        organization.name = values["name"]
        if row.kind:
            organization.kind = row.kind
        # Empty optional cells never erase what is already known (e.g. a phone typed in the portal).
        for column in OPTIONAL:
            if values.get(column):
                setattr(organization, column, values[column])
        if values.get("audience") not in (None, "") and values["audience"] != organization.audience:
            organization.audience, organization.audience_updated_at = values["audience"], timezone.now()
        try:
            # No query per row: (district, short name) is unique in the file and names the row's
            # own organization, and the district exists (it was read or created just now).
            organization.full_clean(exclude=["district"], validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            result.errors += _row_errors(row.number, error)
            continue
        organization_of[row.number] = organization
        if before is None:
            created.append(organization)
        elif _diff(before, organization):
            changed.append((before, organization))
        else:
            result.updated += 1  # the same values: counted as in the file, nothing to write
    Organization.objects.bulk_create(created)
    Organization.objects.bulk_update(
        [after for _before, after in changed], ["name", "kind", *OPTIONAL, "audience", "audience_updated_at"]
    )
    result.created += len(created)
    result.updated += len(changed)
    _log_bulk(LogEntry.Action.CREATE, [(None, organization) for organization in created])
    _log_bulk(LogEntry.Action.UPDATE, changed)
    if created:
        organizations_created.send(sender=Organization, organizations=created)
    _write_pages(rows, organization_of, result=result)


def _write_pages(rows: list[ImportRow], organization_of: dict[int, Organization], *, result: ImportResult) -> None:
    """A page no database row knows yet, for an organization without a page on that network,
    is created in bulk; any other change of a registration goes through `page_set`, the one
    place that decides what happens to a page's history."""
    wanted = [
        (row, organization_of[row.number], network, link)
        for row in rows if row.number in organization_of
        for network, link in row.links.items()
    ]
    organizations = {organization.pk for _row, organization, _network, _link in wanted}
    registered = {
        (page.organization_id, page.network): page.url
        for page in OfficialPage.objects.filter(organization__in=organizations)
    }
    known_urls = {page.url for page in _pages_by_url([link.url for *_rest, link in wanted])}
    new_pages = []
    for row, organization, network, link in wanted:
        current = registered.get((organization.pk, network))
        if current == link.url:
            continue
        if current is None and link.url not in known_urls:
            page = OfficialPage(
                organization=organization, network=network, url=link.url, link_kind=link.kind, link_value=link.value
            )
            try:
                page.full_clean(exclude=["organization"], validate_unique=False, validate_constraints=False)
            except ValidationError as error:
                result.errors += _row_errors(row.number, error, column=f"{network}_url")
                continue
            new_pages.append(page)
            continue
        try:
            page_set(organization=organization, network=network, link=link)
        except ValidationError as error:
            result.errors += _row_errors(row.number, error, column=f"{network}_url")
    OfficialPage.objects.bulk_create(new_pages)
    _log_bulk(LogEntry.Action.CREATE, [(None, page) for page in new_pages])


def _diff(before, after) -> dict | None:
    """auditlog's old → new of the columns only: its reverse relations (a page's state) would
    cost a query per row and say nothing about an import."""
    fields = [field.name for field in after._meta.concrete_fields]
    return model_instance_diff(
        before, after, fields_to_check=fields, use_json_for_changes=settings.AUDITLOG_STORE_JSON_CHANGES
    )


def _pages_by_url(urls: list[str]) -> list[OfficialPage]:
    """In slices: a query has a parameter limit (SQLite as compiled, 65,535 on PostgreSQL)."""
    pages: list[OfficialPage] = []
    for start in range(0, len(urls), CHUNK_ROWS):
        pages += OfficialPage.objects.filter(url__in=urls[start:start + CHUNK_ROWS]).select_related(
            "organization__district"
        )
    return pages


def _log_bulk(action: int, pairs: list[tuple[object | None, object]]) -> None:
    """The audit rows django-auditlog writes on save, for objects written in bulk (which it
    does not see): the same content type, representation and old → new changes."""
    entries = []
    for before, after in pairs:
        entries.append(
            LogEntry(
                content_type=ContentType.objects.get_for_model(after),
                object_pk=str(after.pk),
                object_id=after.pk,
                object_repr=str(after),
                action=action,
                changes=_diff(before, after),
                cid=get_cid(),
            )
        )
    LogEntry.objects.bulk_create(entries)
