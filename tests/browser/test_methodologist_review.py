"""The methodologist's morning in a real browser, on the demo district swept through the
VK/OK simulator over HTTP: the dashboard, the filter that shows the briefing's sixteen
irregular publishers, СОШ №6 with its weekly chart drawn, the exports, and every page
of the review work checked with axe-core."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.urls import NoReverseMatch, reverse
from openpyxl import load_workbook
from playwright.sync_api import expect

from monitoring.demo import build_scenario, demo_settings
from monitoring.simulator.server import start_simulator
from organizations.demo_facts import VK_IRREGULAR
from tests.browser.conftest import login, logout

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Far above the real 3/s: the test is about the pages, not the rate limit.
FAST_RATE = 50

CHART_PIXELS = """(network) => {
  const canvas = document.getElementById("chart-" + network);
  if (!canvas) return null;
  const blank = document.createElement("canvas");
  blank.width = canvas.width;
  blank.height = canvas.height;
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0, bars = 0;
  for (let i = 0; i < pixels.length; i += 4) {
    if (pixels[i + 3] > 0) painted++;
    // The VK bars' colour, #0a3d7a.
    if (pixels[i] === 10 && pixels[i + 1] === 61 && pixels[i + 2] === 122 && pixels[i + 3] === 255) bars++;
  }
  return {width: canvas.width, height: canvas.height, differs: canvas.toDataURL() !== blank.toDataURL(), painted, bars};
}"""


@pytest.fixture
def demo_district(settings, tmp_path):
    """The demo registry, its paperwork and one sweep of the simulator's demo scenario."""
    settings.MEDIA_ROOT = tmp_path / "media"
    scenario = build_scenario()
    scenario["vk"]["requests_per_second"] = FAST_RATE
    scenario["ok"]["requests_per_second"] = FAST_RATE
    simulator = start_simulator(scenario)
    try:
        for name, value in demo_settings(simulator.url_vk, simulator.url_ok).items():
            setattr(settings, name, value)
        settings.VK_RATE_LIMIT = settings.OK_RATE_LIMIT = f"{FAST_RATE}/second"
        settings.RATE_LIMIT_STORAGE_URL = ""
        call_command("demo_setup", stdout=io.StringIO())
        call_command("demo_paperwork", stdout=io.StringIO())
        call_command("sweep", stdout=io.StringIO())
    finally:
        simulator.stop()


def shown_organizations(page) -> set[str]:
    return set(page.locator("tr[data-org]").evaluate_all("rows => rows.map(row => row.dataset.org)"))


def test_methodologist_finds_the_irregular_publishers_and_exports_them(
    page, live_server, demo_district, screenshot, assert_accessible
):
    login(page, live_server, "metodist", "metodist-demo-2026")

    # The dashboard: all 52, the marks counted in the briefing's words.
    expect(page.get_by_role("heading", name="Госпаблики района")).to_be_visible()
    for code, label, figure in [("vk_gov_mark", "Метка «Госорганизация» ВКонтакте", "52 из 52"),
                                ("ok_gov_mark", "Метка «Госорганизация» в Одноклассниках", "23 из 52")]:
        expect(page.locator(f"li[data-total='{code}'] .tile-label")).to_have_text(label)
        expect(page.locator(f"li[data-total='{code}'] .tile-figure")).to_have_text(figure)
    assert len(shown_organizations(page)) == 52
    assert_accessible("dashboard")
    screenshot("10-dashboard")

    # «Не выполнено: Регулярность ВКонтакте» → exactly the briefing's sixteen.
    page.get_by_label("Не выполнено").select_option(label="Регулярность ВКонтакте")
    page.get_by_role("button", name="Показать").click()
    page.wait_for_load_state("networkidle")
    assert "criterion=vk_regular" in page.url
    assert shown_organizations(page) == VK_IRREGULAR
    expect(page.get_by_text("Найдено организаций: 16")).to_be_visible()
    assert_accessible("dashboard, filtered")
    screenshot("11-dashboard-vk-irregular")

    # The same sixteen from the tile: a click on «Регулярные публикации ВКонтакте».
    page.goto(f"{live_server.url}/dashboard/")
    page.locator("li[data-total='vk_regular'] a").click()
    page.wait_for_load_state("networkidle")
    assert shown_organizations(page) == VK_IRREGULAR
    page.get_by_role("link", name="Excel (XLSX)").wait_for()

    # The export carries exactly the filtered rows.
    with page.expect_download() as download:
        page.get_by_role("link", name="Excel (XLSX)").click()
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    exported = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(exported) == sorted(VK_IRREGULAR)
    assert download.value.suggested_filename.endswith(".xlsx")

    # The district report, when it is there, downloads as a PDF with the session.
    try:
        report_url = reverse("district-report-pdf")
    except NoReverseMatch:
        report_url = None
    if report_url:
        link = page.get_by_role("link", name="Справка для совещания (PDF)")
        expect(link).to_have_attribute("href", report_url)
        report = page.context.request.get(live_server.url + report_url)
        assert report.ok
        assert report.headers["content-type"] == "application/pdf"
        assert report.body().startswith(b"%PDF")

    # СОШ №6: the reposts from a personal page, and the VK chart actually drawn.
    page.get_by_role("link", name="СОШ №6", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("СОШ №6")
    expect(page.locator("[data-todo]", has_text="новости репостятся с личных страниц")).to_be_visible()
    expect(page.locator("[data-todo]", has_text="ВКонтакте: публикации нерегулярны (по неделям: 3, 2, 4, 1)")).to_be_visible()
    page.locator("#chart-vk").scroll_into_view_if_needed()
    drawn = page.evaluate(CHART_PIXELS, "vk")
    assert drawn is not None, "no VK chart on the page"
    assert drawn["width"] > 0 and drawn["height"] > 0
    assert drawn["differs"], "the VK chart canvas is blank"
    assert drawn["bars"] > 50, drawn
    assert page.evaluate(CHART_PIXELS, "ok")["differs"]
    assert_accessible("organization page (methodologist)")
    qr_codes = page.locator("#qr img")
    qr_codes.last.scroll_into_view_if_needed()
    page.wait_for_function("() => [...document.querySelectorAll('#qr img')].every(img => img.complete)")
    assert qr_codes.evaluate_all("images => images.map(image => image.naturalWidth > 0)") == [True, True]
    screenshot("12-organization-sosh6")

    page.get_by_role("link", name="Мои задачи").click()
    expect(page.get_by_role("heading", name="Мои задачи")).to_be_visible()
    assert_accessible("my tasks (methodologist)")
    screenshot("13-my-tasks-methodologist")

    page.get_by_role("link", name="Настройки").click()
    expect(page.get_by_role("heading", name="Настройки проверки")).to_be_visible()
    assert_accessible("settings")
    screenshot("14-settings")

    page.get_by_role("link", name="Документы на проверке").click()
    expect(page.get_by_role("heading", name="Документы на проверке")).to_be_visible()
    assert page.get_by_role("button", name="Утвердить").count() > 0
    assert_accessible("review queue")
    screenshot("15-review-queue")
    logout(page)

    # The staff's side of the same district.
    login(page, live_server, "sosh26", "sosh26-demo-2026")
    expect(page.get_by_role("heading", level=1)).to_contain_text("СОШ №26")
    expect(page.locator("[data-todo]", has_text="ВКонтакте: меньше двух публикаций")).to_be_visible()
    assert_accessible("organization page (staff)")
    screenshot("16-organization-sosh26-staff")
    page.get_by_role("link", name="Мои задачи").click()
    assert_accessible("my tasks (staff)")
    screenshot("17-my-tasks-staff")
