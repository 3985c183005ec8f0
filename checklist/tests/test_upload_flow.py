"""What a school secretary sees around an upload: the item after it is sent, the message where
the page lands, the form folded once a version waits or is approved."""

from __future__ import annotations

import re

from django.urls import reverse
from django.utils import timezone

from checklist import services
from checklist.tests.documents import entry_of, pdf_upload, submit


def page(client, organization) -> str:
    return client.get(reverse("organization-detail", args=[organization.pk])).content.decode()


def card(html: str, code: str) -> str:
    start = html.index(f'id="item-{code}"')
    return html[start : html.find('id="item-', start + 1)]


def open_form(card_html: str) -> bool:
    """Whether the upload form stands open, not folded under «Загрузить новую версию»."""
    form_at = card_html.find('enctype="multipart/form-data"')
    details_at = card_html.find("<details class=\"border-top")
    return form_at >= 0 and (details_at < 0 or form_at < details_at)


def test_an_item_not_yet_sent_shows_its_form_open(actors):
    html = card(page(actors.client_for(actors.staff_a), actors.org_a), "instruction")

    assert open_form(html)
    assert "Загрузить новую версию" not in html


def test_a_sent_order_shows_its_file_number_and_date_and_folds_the_form(actors):
    entry = entry_of(actors.org_a, "order_responsible")
    revision = submit(entry, actors.staff_a, name="prikaz_45.pdf")

    html = card(page(actors.client_for(actors.staff_a), actors.org_a), "order_responsible")

    latest = " ".join(re.sub(r"<[^>]+>", " ", re.search(r"<p[^>]*data-latest>(.*?)</p>", html, re.S).group(1)).split())
    assert latest == f"Отправлен на проверку: prikaz_45.pdf , № 15-р от 02.09.2024 (загружен {timezone.localtime(revision.uploaded_at):%d.%m.%Y})"
    assert not open_form(html)
    assert re.search(r"<details class=\"border-top pt-2\">\s*<summary[^>]*>Загрузить новую версию</summary>", html)


def test_an_approved_item_says_so_with_its_latest_version(actors):
    entry = entry_of(actors.org_a, "instruction")
    submit(entry, actors.staff_a, name="instrukciya_v1.pdf", text="1")
    submit(entry, actors.staff_a, name="instrukciya_v2.pdf", text="2")
    services.entry_approve(entry=entry, user=actors.methodologist)

    html = card(page(actors.client_for(actors.staff_a), actors.org_a), "instruction")

    assert re.search(r"Утверждён:\s*<a [^>]*>instrukciya_v2.pdf</a>", html)
    assert not open_form(html)


def test_a_returned_item_shows_its_form_open_again(actors):
    entry = entry_of(actors.org_a, "instruction")
    submit(entry, actors.staff_a)
    services.entry_return(entry=entry, user=actors.methodologist, comment="Нет подписи")

    assert open_form(card(page(actors.client_for(actors.staff_a), actors.org_a), "instruction"))


def test_the_success_message_stands_at_the_item_once_then_goes(actors):
    client = actors.client_for(actors.staff_a)
    entry = entry_of(actors.org_a, "instruction")

    response = client.post(
        reverse("evidence-upload", args=[entry.pk]), {"instruction-file": pdf_upload("instrukciya.pdf")}, follow=True
    )

    html = response.content.decode()
    assert response.redirect_chain[-1][0].endswith("#item-instruction")
    assert "Версия 1 отправлена на проверку методисту." in card(html, "instruction")
    assert "отправлена на проверку" not in html[: html.index('id="item-instruction"')]
    assert "отправлена на проверку методисту" not in page(client, actors.org_a)


def test_a_refused_new_version_opens_its_folded_form_with_the_error(actors):
    entry = entry_of(actors.org_a, "instruction")
    submit(entry, actors.staff_a)

    response = actors.client_for(actors.staff_a).post(
        reverse("evidence-upload", args=[entry.pk]),
        {"instruction-note": "Вторая редакция", "instruction-file": pdf_upload("setup.exe")},
    )

    html = card(response.content.decode(), "instruction")
    assert '<details class="border-top pt-2" open>' in html
    assert "Формат «.exe» не принимается." in html
    assert 'value="Вторая редакция"' in html
    assert entry.revisions.count() == 1


def test_staff_of_another_organization_cannot_see_its_items(actors):
    submit(entry_of(actors.org_a, "order_responsible"), actors.staff_a, name="prikaz_A.pdf")

    response = actors.client_for(actors.staff_b).get(reverse("organization-detail", args=[actors.org_a.pk]))

    assert response.status_code == 404
    assert "prikaz_A.pdf" not in page(actors.client_for(actors.staff_b), actors.org_b)
