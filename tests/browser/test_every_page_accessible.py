"""Every page a person uses passes axe-core with no serious or critical WCAG 2.1 AA
violation (ГОСТ Р 52872-2019). The dashboard, organization page, tasks, settings and
review queue are checked inside the flows; this covers the rest."""

import pytest

from monitoring.models import SweepRun
from tests.browser.conftest import login
from tests.factories import OrganizationFactory, UserFactory, methodologist

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_page_is_accessible(page, live_server, assert_accessible, screenshot):
    page.goto(f"{live_server.url}/accounts/login/")
    assert_accessible("login page")
    screenshot("20-login")


def test_the_methodologists_secondary_pages_are_accessible(page, live_server, assert_accessible, screenshot):
    school = OrganizationFactory(short_name="СОШ №9")
    methodologist(username="metodist", password="metodist-pass-2026")
    run = SweepRun.objects.create(started_at=school.created_at, trigger=SweepRun.Trigger.MANUAL, pages_total=0)
    login(page, live_server, "metodist", "metodist-pass-2026")
    for path, label in [
        ("/matrix/", "checklist matrix"),
        (f"/org/{school.pk}/audit/", "audit log"),
        (f"/org/{school.pk}/pages/", "page details and alerts"),
        (f"/sweeps/{run.pk}/", "sweep progress"),
    ]:
        page.goto(live_server.url + path)
        assert_accessible(label)
        screenshot("21-" + label.replace(" ", "-"))


def test_a_user_without_a_role_sees_an_accessible_explanation(page, live_server, assert_accessible):
    UserFactory(username="newcomer", password="newcomer-pass-2026")
    login(page, live_server, "newcomer", "newcomer-pass-2026")
    assert "Вам ещё не назначена роль" in page.content()
    assert_accessible("no role page")


def test_a_persons_own_account_pages_are_accessible(page, live_server, assert_accessible, screenshot):
    UserFactory(username="newcomer", password="newcomer-pass-2026")
    login(page, live_server, "newcomer", "newcomer-pass-2026")
    page.locator("[data-user-menu]").click()
    page.get_by_role("link", name="Сменить пароль").click()
    assert_accessible("password change")
    page.get_by_role("link", name="Токены API").click()
    page.get_by_role("button", name="Создать токен").click()
    assert page.locator("[data-token]").inner_text()
    assert_accessible("api tokens")
    screenshot("22-api-tokens")
