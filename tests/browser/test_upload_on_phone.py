"""A school secretary sends the school's documents from a phone (390 px wide): after the
upload the page stands on the item with the message there; after a refusal what was typed is
still in the form and the error is in view; the first visit explains the week."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login
from tests.factories import OrganizationFactory, staff_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def assert_no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide on a {PHONE['width']} px screen"


@pytest.fixture
def school(page, live_server, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    school = OrganizationFactory(short_name="СОШ №26", name="МБОУ СОШ №26 им. Героя Советского Союза")
    staff_of(school, username="sosh26", password="sosh26-pass-2026")
    page.set_viewport_size(PHONE)
    login(page, live_server, "sosh26", "sosh26-pass-2026")
    return school


def test_on_a_phone_an_upload_lands_on_its_item_with_the_message_there(page, school, tmp_path, screenshot):
    order = tmp_path / "prikaz_45-o.pdf"
    order.write_bytes(MINIMAL_PDF)
    expect(page.get_by_role("heading", name="Что сделать на этой неделе")).to_be_visible()
    page.get_by_role("button", name="Понятно").click()
    expect(page.get_by_role("heading", name="Что сделать на этой неделе")).to_have_count(0)
    assert_no_sideways_scroll(page)

    card = page.locator("#item-order_responsible")
    card.get_by_label("Номер документа").fill("45-о")
    card.get_by_label("Дата документа").fill("2022-11-25")
    card.get_by_label("Файл документа").set_input_files(str(order))
    card.get_by_role("button", name="Загрузить и отправить на проверку").click()

    message = card.get_by_role("status")
    expect(message).to_contain_text("Версия 1 отправлена на проверку методисту.")
    assert page.url.endswith("#item-order_responsible")
    expect(message).to_be_in_viewport()  # after the browser's smooth scroll to the anchor
    expect(card.locator("[data-latest]")).to_contain_text("prikaz_45-o.pdf, № 45-о от 25.11.2022")
    expect(card.get_by_role("button", name="Загрузить и отправить на проверку")).to_be_hidden()
    card.get_by_text("Загрузить новую версию").click()
    expect(card.get_by_role("button", name="Загрузить и отправить на проверку")).to_be_visible()
    assert_no_sideways_scroll(page)
    screenshot("phone-upload-landed-on-item")


def test_on_a_phone_a_refused_upload_keeps_what_was_typed_and_shows_the_error_in_view(
    page, school, tmp_path, screenshot
):
    wrong = tmp_path / "prikaz.exe"
    wrong.write_bytes(b"MZ" + b"\0" * 100)
    card = page.locator("#item-order_responsible")
    card.get_by_label("Номер документа").fill("45-о")
    card.get_by_label("Дата документа").fill("2022-11-25")
    card.get_by_label("Комментарий для методиста").fill("Подписан директором")
    card.get_by_label("Файл документа").set_input_files(str(wrong))
    card.get_by_role("button", name="Загрузить и отправить на проверку").click()

    expect(page.get_by_role("alert").first).to_contain_text("не загружен")
    error = card.locator(".invalid-feedback")
    expect(error).to_contain_text("Формат «.exe» не принимается.")
    expect(card.get_by_label("Файл документа")).to_be_focused()
    expect(card.get_by_label("Файл документа")).to_be_in_viewport()
    expect(card.get_by_label("Номер документа")).to_have_value("45-о")
    expect(card.get_by_label("Дата документа")).to_have_value("2022-11-25")
    expect(card.get_by_label("Комментарий для методиста")).to_have_value("Подписан директором")
    assert_no_sideways_scroll(page)
    screenshot("phone-upload-refused")


def test_on_a_phone_a_file_over_the_limit_is_refused_before_it_is_sent(page, school, tmp_path, settings):
    settings.UPLOAD_MAX_MB = 1
    page.reload()
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024))
    card = page.locator("#item-order_responsible")
    card.get_by_label("Номер документа").fill("45-о")
    card.get_by_label("Файл документа").set_input_files(str(scan))
    card.get_by_role("button", name="Загрузить и отправить на проверку").click()

    file_input = card.get_by_label("Файл документа")
    assert file_input.evaluate("e => e.validationMessage").startswith("Файл больше 1 МБ.")
    assert card.locator("form[enctype]").evaluate("form => form.checkValidity()") is False  # so it is not sent
    assert page.url.endswith(f"/org/{school.pk}/")
    expect(card.get_by_label("Номер документа")).to_have_value("45-о")
