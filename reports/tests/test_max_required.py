"""The district's `max_required` (DESIGN §3.5, issue 12 item 2), switched on the settings page:
off, a MAX channel is shown and exported but counts for nothing; on, a missing or failing
channel counts, and every checklist gains «Канал в MAX» — at once, without a sweep."""

from __future__ import annotations

from html import unescape

import pytest
from django.urls import reverse

from checklist.models import ChecklistEntry, ChecklistItem, Verdict
from monitoring.compliance import compliance_export
from monitoring.models import PageState, RuleSettings
from monitoring.networks.max.rules import max_status
from organizations.models import OfficialPage, Organization
from reports.tests import world
from reports.tests.test_tasks_and_settings import SETTINGS, form_data

pytestmark = pytest.mark.django_db


def max_channel(organization, **overrides) -> OfficialPage:
    """A MAX channel as a sweep judged it (§3.5): no mark, no posts by others."""
    verdict = world.verdict(gov_mark=None, posts_not_from_community=None, reposts_from_personal_pages=None, **overrides)
    verdict["status"] = max_status(verdict)
    page = OfficialPage.objects.create(organization=organization, network="max", url=f"https://max.ru/org{organization.pk}_gos",
                                       link_kind="name", link_value=f"org{organization.pk}_gos")
    PageState.objects.create(page=page, status=verdict["status"], verdict=verdict, checked_at=world.CHECKED_AT)
    return page


def switch(actors, on: bool):
    data = form_data()
    if on:
        data["max_required"] = "on"
    response = actors.client_for(actors.methodologist).post(SETTINGS, data)
    assert response.status_code == 302, response.content.decode()[:2000]


def export_of(organization) -> dict:
    return compliance_export(Organization.objects.filter(pk=organization.pk))["organizations"][0]


@pytest.fixture
def district(actors):
    world.compliant(actors.org_a)
    max_channel(actors.org_a, closed=True)  # a failing channel
    world.compliant(actors.org_b)  # no channel at all
    return actors


def test_off_a_failing_channel_is_shown_and_exported_but_counts_for_nothing(district):
    school, kindergarten = export_of(district.org_a), export_of(district.org_b)

    assert school["status"] == "ok"
    assert [c["network"] for c in school["communities"]] == ["vk", "ok", "max"]
    assert school["communities"][2]["status"] == "fail"
    assert [c["network"] for c in kindergarten["communities"]] == ["vk", "ok"]  # no channel, no entry
    assert not ChecklistItem.objects.filter(code="max_channel").exists()
    assert "max_channel" not in [item["code"] for item in school["checklist"]]


def test_on_the_failing_and_the_missing_channel_count_and_the_checklist_gains_the_item(district):
    switch(district, on=True)

    assert RuleSettings.load().max_required is True
    school, kindergarten = export_of(district.org_a), export_of(district.org_b)
    assert (school["status"], kindergarten["status"]) == ("fail", "fail")
    assert kindergarten["communities"][2] == {"network": "max", "url": None, "missing": True, "status": "fail", "stale": None}
    entries = {e.organization_id: e for e in ChecklistEntry.objects.filter(item__code="max_channel")}
    assert entries[district.org_a.pk].verdict == Verdict.NON_COMPLIANT
    assert "канал не публичный" in entries[district.org_a.pk].verdict_note
    assert entries[district.org_b.pk].verdict == Verdict.NON_COMPLIANT
    page = unescape(district.client_for(district.staff_b).get(reverse("organization-detail", args=[district.org_b.pk])).content.decode())
    assert "Официальный канал в MAX" in page and "Канал в MAX не указан — в районе он обязателен." in page


def test_switching_off_again_takes_the_item_away_everywhere(district):
    switch(district, on=True)

    switch(district, on=False)

    assert not ChecklistEntry.objects.filter(item__code="max_channel").exists()
    assert export_of(district.org_b)["status"] == "ok"
    matrix = district.client_for(district.methodologist).get(reverse("checklist-matrix")).content.decode()
    assert "Канал MAX" not in matrix


def test_a_good_channel_makes_the_item_compliant(actors):
    world.compliant(actors.org_a)
    max_channel(actors.org_a)

    switch(actors, on=True)

    entry = ChecklistEntry.objects.get(organization=actors.org_a, item__code="max_channel")
    assert (entry.verdict, export_of(actors.org_a)["status"]) == (Verdict.COMPLIANT, "ok")


def test_staff_cannot_switch_it(actors):
    data = {**form_data(), "max_required": "on"}

    assert actors.client_for(actors.staff_a).post(SETTINGS, data).status_code == 403
    assert RuleSettings.load().max_required is False


def test_the_settings_page_explains_the_switch(actors):
    page = unescape(actors.client_for(actors.methodologist).get(SETTINGS).content.decode())

    assert "Канал в MAX обязателен в районе" in page
    assert "Выключено: канал в MAX показывается, но на итог не влияет." in page


# --- the dashboard's MAX column ------------------------------------------------------------------

from reports.tests.test_dashboard import cell, rows  # noqa: E402


def dashboard(actors, **query):
    return actors.client_for(actors.methodologist).get(reverse("dashboard"), query)


def test_the_dashboard_shows_the_channel_without_counting_it_while_max_is_recommended(district):
    response = dashboard(district)

    assert cell(response, "СОШ №9", "max_page")[0] == "cell-fail"
    assert cell(response, "СОШ №9", "status")[0] == "cell-ok"  # the failing channel does not count
    assert cell(response, "д/с №10", "max_page") == ("cell-absent", "канала в MAX нет; он рекомендуется, на итог не влияет")
    assert "рекомендуется" in response.content.decode()
    # «Проблемы в соцсети: MAX» lists the organization whose channel has one, not the one without a channel.
    assert rows(dashboard(district, network="max")) == ["СОШ №9"]


def test_required_the_channel_counts_and_a_missing_one_is_named_in_the_total(district):
    switch(district, on=True)

    response = dashboard(district)

    assert cell(response, "СОШ №9", "status")[0] == "cell-fail"
    kindergarten = cell(response, "д/с №10", "status")
    assert kindergarten[0] == "cell-fail" and "нет канала в MAX" in kindergarten[1]
    assert len(rows(dashboard(district, network="max"))) == 2


def test_the_district_report_has_a_max_section_that_says_whether_the_channel_is_required(district):
    from reports.district.content import body_blocks
    from reports.district.sections import build_district_report

    report = build_district_report(Organization.objects.all())
    channels = report.max_channels

    assert (channels.required, channels.channels, channels.organizations_total) == (False, 1, 2)
    assert [(i.short_name, i.detail) for i in channels.issues] == [("СОШ №9", "канал закрыт")]
    text = " ".join(getattr(block, "text", "") for block in body_blocks(report) if hasattr(block, "text"))
    assert "Канал в MAX рекомендуется" in text
    switch(district, on=True)

    channels = build_district_report(Organization.objects.all()).max_channels

    assert channels.required is True
    assert ("д/с №10", "канал не указан") in [(i.short_name, i.detail) for i in channels.issues]
