"""The paperwork half of compliance, end to end in a real browser: a school uploads its
order, the methodologist approves it, and the district matrix counts it."""

import pytest
from playwright.sync_api import expect

from checklist.models import ChecklistEntry, WorkStatus
from tests.browser.conftest import login, logout
from tests.factories import OrganizationFactory, methodologist, staff_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def test_staff_uploads_order_and_methodologist_approves_it(
    page, live_server, tmp_path, settings, screenshot, assert_accessible
):
    settings.MEDIA_ROOT = tmp_path / "media"
    school = OrganizationFactory(short_name="СОШ №9", name="МБОУ СОШ №9 им. Полевого П.Г.")
    OrganizationFactory(short_name="СОШ №4")
    staff_of(school, username="sosh9", password="sosh9-pass-2026")
    methodologist(username="metodist", password="metodist-pass-2026")
    order = tmp_path / "prikaz.pdf"
    order.write_bytes(MINIMAL_PDF)

    login(page, live_server, "sosh9", "sosh9-pass-2026")
    expect(page.get_by_role("heading", name="СОШ №9")).to_be_visible()
    assert_accessible("organization page (staff)")
    card = page.locator("#item-order_responsible")
    card.get_by_label("Файл документа").set_input_files(str(order))
    card.get_by_label("Номер документа").fill("45-о")
    card.get_by_label("Дата документа").fill("2022-11-25")
    card.get_by_role("button", name="Загрузить и отправить на проверку").click()
    expect(page.get_by_role("status").first).to_contain_text("отправлена на проверку")
    expect(page.locator("#item-order_responsible [data-status]")).to_have_text("! На проверке")
    screenshot("01-staff-submitted-order")
    logout(page)

    login(page, live_server, "metodist", "metodist-pass-2026")
    page.get_by_role("link", name="Документы на проверке").click()
    expect(page.get_by_text("prikaz.pdf")).to_be_visible()
    assert_accessible("review queue")
    screenshot("02-review-queue")
    page.get_by_role("button", name="Утвердить").click()
    expect(page.get_by_role("status").first).to_contain_text("Утверждено")

    page.get_by_role("link", name="Чек-лист района").click()
    cell = page.locator("tr", has_text="СОШ №9").locator("td[data-code='order_responsible']")
    expect(cell).to_contain_text("✓")
    expect(page.locator("li[data-code='order_responsible']")).to_contain_text("1 из 2")
    assert_accessible("checklist matrix")
    screenshot("03-matrix-after-approval")

    entry = ChecklistEntry.objects.get(organization=school, item__code="order_responsible")
    assert entry.status == WorkStatus.APPROVED
    assert entry.revisions.get().document_number == "45-о"
