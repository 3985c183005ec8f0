"""A school secretary links her MAX account in a real browser (issue 12, item 4): «Уведомления» →
«Привязать MAX» gives a one-time deep link to the district bot; she presses «Начать» there (a
`bot_started` event with the link's code, pushed into the simulated MAX), the portal takes the
event from `GET /updates`, and the page says MAX is linked; she chooses where messages go."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from monitoring.models import MaxAccount
from monitoring.networks.max.bot import drain_updates
from monitoring.simulator import start_simulator
from tests.browser.conftest import login
from tests.factories import OrganizationFactory, staff_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BOT_TOKEN = "f9LHodD0cOKx-BROWSERbotTOKEN-0123456789abcdef"
HER_MAX_ID = 4_000_777


@pytest.fixture
def max_api(settings):
    simulator = start_simulator({"max": {"tokens": [BOT_TOKEN], "bot": {"user_id": 900001, "username": "kush_edu_bot"}}})
    settings.MAX_API_URL, settings.MAX_BOT_TOKEN, settings.MAX_WEBHOOK_SECRET = simulator.url_max, BOT_TOKEN, ""
    settings.MAX_RATE_LIMIT, settings.RATE_LIMIT_STORAGE_URL = "50/second", ""
    yield simulator
    simulator.stop()


def test_a_secretary_links_max_and_chooses_where_messages_go(page, live_server, max_api, screenshot):
    secretary = staff_of(OrganizationFactory(short_name="СОШ №26"), username="sosh26", password="sosh26-pass-2026",
                         email="sosh26@kush.edu.example")
    login(page, live_server, "sosh26", "sosh26-pass-2026")

    page.locator("[data-user-menu]").click()  # the menu under the person's name
    page.get_by_role("link", name="Уведомления").click()
    page.get_by_role("button", name="Привязать MAX").click()
    link = page.get_by_role("link", name="Открыть бота в MAX").get_attribute("href")
    screenshot("max-link-deep-link")

    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "max.ru", "/kush_edu_bot")
    [code] = parse_qs(parts.query)["start"]
    # She presses «Начать» in MAX: the bot receives bot_started with the code.
    max_api.max_push({"update_type": "bot_started", "chat_id": 77_000, "payload": code,
                      "user": {"user_id": HER_MAX_ID, "first_name": "Секретарь", "is_bot": False}})
    assert drain_updates() == 1
    page.reload()

    expect(page.locator("[data-max-linked]")).to_contain_text("Аккаунт MAX привязан")
    page.get_by_label("только MAX").check()
    page.get_by_role("button", name="Сохранить").click()
    expect(page.get_by_role("status").or_(page.locator(".alert-success"))).to_contain_text("только MAX")
    screenshot("max-link-linked")

    account = MaxAccount.objects.get(user=secretary)
    assert (account.max_user_id, account.deliver) == (HER_MAX_ID, "max")
    assert [m["user_id"] for m in max_api.max_sent()] == [HER_MAX_ID]  # the bot's confirmation
