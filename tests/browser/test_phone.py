"""At 390 px (a phone) no page of the portal scrolls sideways, the dashboard is a card per
organization, and a cell's reason opens by keyboard focus and by a tap, not only by hover."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from checklist.models import WorkStatus
from monitoring.models import SweepRun
from reports.tests import world
from tests.browser.conftest import ROOT, login
from tests.factories import OrganizationFactory, methodologist, staff_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True,
         "locale": "ru-RU", "timezone_id": "Europe/Moscow"}


@pytest.fixture
def district():
    good = world.compliant(OrganizationFactory(short_name="СОШ №9", name="МБОУ СОШ №9 с очень длинным официальным названием"))
    few = world.compliant(OrganizationFactory(short_name="СОШ №26"), posts_total=1)
    world.paperwork(few, WorkStatus.NOT_STARTED, codes=["order_responsible"])
    world.judge(few)
    methodologist(username="metodist", password="metodist-pass-2026")
    staff_of(few, username="sosh26", password="sosh26-pass-2026")
    run = SweepRun.objects.create(started_at=good.created_at, trigger=SweepRun.Trigger.MANUAL, pages_total=0)
    return {"good": good, "few": few, "run": run}


def keep(page, name: str) -> None:
    folder = Path(os.environ.get("SCREENSHOT_DIR", ROOT / "test-artifacts" / "screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def sideways(page) -> int:
    """How far the page scrolls sideways, in CSS pixels (0 when it fits)."""
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def test_no_page_scrolls_sideways_on_a_phone(browser, live_server, district):
    few, run = district["few"], district["run"]
    context = browser.new_context(**PHONE)
    page = context.new_page()
    login(page, live_server, "metodist", "metodist-pass-2026")
    for path in ["/dashboard/", "/matrix/", "/review/", "/settings/", "/tasks/", f"/org/{few.pk}/",
                 f"/org/{few.pk}/pages/", f"/org/{few.pk}/audit/", f"/sweeps/{run.pk}/", "/accounts/password/",
                 "/accounts/api-tokens/", "/no-such-page/"]:
        page.goto(live_server.url + path)
        assert sideways(page) == 0, path
    page.goto(f"{live_server.url}/dashboard/")
    keep(page, "30-phone-dashboard")

    staff = context.new_page()
    context.clear_cookies()
    login(staff, live_server, "sosh26", "sosh26-pass-2026")
    for path in [f"/org/{few.pk}/", "/tasks/", f"/org/{few.pk}/pages/"]:
        staff.goto(live_server.url + path)
        assert sideways(staff) == 0, path
    staff.goto(f"{live_server.url}/org/{few.pk}/")
    keep(staff, "31-phone-organization-staff")
    context.close()


def test_on_a_phone_the_dashboard_is_a_card_per_organization(browser, live_server, district):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    login(page, live_server, "metodist", "metodist-pass-2026")
    page.goto(f"{live_server.url}/dashboard/")

    card = page.locator(".org-card", has_text="СОШ №26")
    expect(card).to_be_visible()
    expect(card).to_contain_text("нарушение")
    expect(card).to_contain_text("Приказ: срок истёк")
    expect(page.locator("table.matrix")).to_be_hidden()
    # The filters fold away behind one button, and open with it.
    expect(page.get_by_label("Поиск")).to_be_hidden()
    page.get_by_role("button", name="Фильтры и поиск").click()
    expect(page.get_by_label("Поиск")).to_be_visible()
    context.close()


def test_a_cells_reason_opens_by_keyboard_and_by_tap(browser, live_server, district):
    context = browser.new_context(viewport={"width": 1024, "height": 800}, has_touch=True, locale="ru-RU",
                                  timezone_id="Europe/Moscow")
    page = context.new_page()
    login(page, live_server, "metodist", "metodist-pass-2026")
    page.goto(f"{live_server.url}/dashboard/")
    total = page.locator("tr[data-org='СОШ №26'] td[data-column='status']")

    total.focus()
    expect(page.locator(".tooltip")).to_contain_text("срок")
    total.blur()
    expect(page.locator(".tooltip")).to_have_count(0)

    page.locator("tr[data-org='СОШ №26'] td[data-column='item_order_responsible']").tap()
    expect(page.locator(".tooltip")).to_contain_text("истёк")
    context.close()
