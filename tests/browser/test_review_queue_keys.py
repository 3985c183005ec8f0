"""The review queue by keyboard in a real browser: J/K move between documents, R puts the
cursor in «Что исправить», A approves and lands on the next document, and letters typed in
the comment stay text."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from checklist import services
from checklist.models import ChecklistEntry, WorkStatus
from checklist.tests.documents import entry_of, submit, upload
from organizations.models import Membership
from tests.browser.conftest import login
from tests.factories import OrganizationFactory, UserFactory, staff_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def three_waiting(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    user = UserFactory(username="metodist_keys", first_name="Ирина", last_name="Иванова")
    Membership.objects.create(user=user, role=Membership.Role.METHODOLOGIST)
    entries = []
    for number in (1, 2, 3):
        organization = OrganizationFactory(short_name=f"СОШ №{number}", kind="school")
        entry = entry_of(organization, "instruction")
        submit(entry, staff_of(organization), name=f"instrukciya_{number}.pdf", text=str(number))
        entries.append(entry)
    return entries


def current(page) -> str:
    return page.locator(".queue-current").get_attribute("id")


def test_the_methodologist_reviews_the_queue_by_keyboard(page, live_server, three_waiting, assert_accessible, screenshot):
    first, second, third = three_waiting
    login(page, live_server, "metodist_keys", "pass-1234-word")
    page.goto(f"{live_server.url}/review/")
    expect(page.get_by_text("J / K — следующий / предыдущий", exact=False)).to_be_visible()
    assert current(page) == f"entry-{first.pk}"
    # The first document's page is drawn beside it (a real PNG, not a broken image).
    page.wait_for_load_state("networkidle")
    assert page.locator(f"#entry-{first.pk} .queue-preview img").evaluate("image => image.complete && image.naturalWidth") == 900

    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    assert current(page) == f"entry-{second.pk}"

    page.keyboard.press("r")
    comment = page.locator(f"#return-{second.pk}")
    expect(comment).to_be_focused()
    page.keyboard.type("a j k r")  # text, not commands
    expect(comment).to_have_value("a j k r")
    assert ChecklistEntry.objects.get(pk=second.pk).status == WorkStatus.SUBMITTED

    comment.blur()
    page.keyboard.press("a")
    page.wait_for_url(f"**/review/#entry-{third.pk}")
    assert ChecklistEntry.objects.get(pk=second.pk).status == WorkStatus.APPROVED
    assert current(page) == f"entry-{third.pk}"
    expect(page.get_by_role("status")).to_contain_text("Утверждено")
    assert_accessible("review queue by keyboard")
    screenshot("review-queue-keys")


def test_a_pdf_that_cannot_be_drawn_says_so_instead_of_a_broken_image(page, live_server, three_waiting):
    first = three_waiting[0]
    broken = services.evidence_submit(
        entry=entry_of(first.organization, "password_policy"),
        upload=upload("poryadok.pdf", b"%PDF-1.4\nnot really a document\n%%EOF\n", "application/pdf"),
        user=staff_of(first.organization),
    )
    login(page, live_server, "metodist_keys", "pass-1234-word")
    page.goto(f"{live_server.url}/review/#entry-{broken.entry_id}")

    preview = page.locator(f"#entry-{broken.entry_id} .queue-preview")
    expect(preview).to_contain_text("Просмотр этого файла построить не удалось: скачайте его.")
    assert preview.locator("img").count() == 0
