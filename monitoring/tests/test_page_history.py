"""A page's history outlives its link (issue 10, «Data kept» 1): staff who clear their link
and enter it again, or change it and back, find every snapshot, post, change and open alert
where it was; a cleared page is neither swept nor counted; the audit log shows each step."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone

from monitoring.compliance import compliance_export
from monitoring.models import ChangeEvent, DailyMetric, PagePost, Snapshot
from monitoring.tests.sweeping import point_settings, run_sweep
from monitoring.tests.test_views import mark_lost, sweep_again, swept  # noqa: F401 (a fixture)
from organizations.models import OfficialPage, Organization
from reports.selectors import dashboard_queryset

pytestmark = pytest.mark.django_db

SCHOOL_LINK = "https://vk.com/club101"


def set_link(actors, link: str) -> None:
    response = actors.client_for(actors.staff_a).post(reverse("page-set", args=[actors.org_a.pk, "vk"]), {"url": link})
    assert response.status_code == 302


def history(page: OfficialPage) -> tuple[int, int, int, int]:
    """Snapshots, posts, change events and open alerts of the page."""
    events = ChangeEvent.objects.filter(page=page)
    return (
        Snapshot.objects.filter(page=page).count(),
        PagePost.objects.filter(page=page).count(),
        events.count(),
        events.filter(acknowledged_at=None).count(),
    )


@pytest.fixture
def alerted(swept, settings, run_simulator):  # noqa: F811
    """Two nights: the second saw the school's VK page lose the mark (an open alert)."""
    sweep_again(swept, settings, run_simulator, edit=mark_lost)
    swept.page = OfficialPage.objects.get(organization=swept.org_a, network="vk")
    swept.before = history(swept.page)
    assert swept.before[0] == 2 and swept.before[1] > 0 and swept.before[3] >= 1
    return swept


def alerts_page(actors) -> str:
    return actors.client_for(actors.staff_a).get(reverse("organization-alerts", args=[actors.org_a.pk])).content.decode()


def test_clearing_the_link_and_entering_it_again_brings_back_the_pages_history(alerted):
    set_link(alerted, "")
    set_link(alerted, SCHOOL_LINK)

    page = OfficialPage.objects.get(organization=alerted.org_a, network="vk")
    assert page.pk == alerted.page.pk
    assert history(page) == alerted.before
    alert = ChangeEvent.objects.filter(page=page, acknowledged_at=None).first()
    assert alert.message.split("\n")[0][:40] in alerts_page(alerted)


def test_a_changed_link_starts_its_own_history_and_changing_back_restores_the_old_one(alerted):
    set_link(alerted, "https://vk.com/club999")

    changed = OfficialPage.objects.get(organization=alerted.org_a, network="vk")
    assert changed.url == "https://vk.com/club999" and history(changed) == (0, 0, 0, 0)

    set_link(alerted, SCHOOL_LINK)

    page = OfficialPage.objects.get(organization=alerted.org_a, network="vk")
    assert page.pk == alerted.page.pk
    assert history(page) == alerted.before


def test_each_link_change_is_in_the_audit_log_with_who_made_it(alerted):
    set_link(alerted, "https://vk.com/club999")
    set_link(alerted, SCHOOL_LINK)

    new = OfficialPage.all_objects.get(organization=alerted.org_a, url="https://vk.com/club999")
    old_log = [entry.changes_dict["detached_at"] for entry in LogEntry.objects.get_for_object(alerted.page).order_by("pk")[1:]]
    # Detached (empty → a date), then attached again (that date → empty).
    assert [(old == "None", new == "None") for old, new in old_log] == [(True, False), (False, True)]
    new_log = list(LogEntry.objects.get_for_object(new).order_by("pk"))
    assert [entry.action for entry in new_log] == [LogEntry.Action.CREATE, LogEntry.Action.UPDATE]
    assert {entry.actor for entry in new_log} == {alerted.staff_a}
    audit = alerted.client_for(alerted.methodologist).get(reverse("organization-audit", args=[alerted.org_a.pk]))
    assert audit.content.decode().count("https://vk.com/club999") >= 1


def test_a_cleared_page_is_neither_swept_nor_counted_but_keeps_its_history(alerted, settings, run_simulator):
    set_link(alerted, "")

    point_settings(settings, run_simulator(alerted.scenario))
    run = run_sweep()

    assert run.pages_total == 3
    assert list(alerted.org_a.pages.values_list("network", flat=True)) == ["ok"]
    assert sum(DailyMetric.objects.get().data["vk"].values()) == 1  # the neighbour's VK page only
    assert history(alerted.page) == alerted.before
    [exported] = compliance_export(Organization.objects.filter(pk=alerted.org_a.pk))["organizations"]
    assert [community["network"] for community in exported["communities"] if community.get("url")] == ["ok"]


def test_the_dashboard_judges_the_new_link_not_the_old_pages_verdict(alerted):
    set_link(alerted, "https://vk.com/club999")

    row = dashboard_queryset(Organization.objects.filter(pk=alerted.org_a.pk), [], timezone.localdate()).get()

    assert (row.vk_has_page, row.vk_status, row.vk_regular, row.vk_irregular) == (True, None, False, False)


def test_deleting_a_page_with_history_is_refused(alerted):
    with pytest.raises(ProtectedError):
        alerted.page.delete()
    assert history(alerted.page) == alerted.before
