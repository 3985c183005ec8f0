"""The district report as the department's official letter, in PDF and in DOCX: the same
letterhead, number, addressee, findings, proposals, signature and executor in both."""

from __future__ import annotations

import datetime
import io
import re
import shutil
import subprocess

import docx
import pytest
from django.core.management import call_command
from django.urls import reverse

from conftest import service_unavailable
from reports.models import Letterhead
from reports.tests import world

pytestmark = pytest.mark.django_db


@pytest.fixture
def district(actors):
    """СОШ №9 in order; д/с №10 without the mark on VK and irregular there."""
    world.compliant(actors.org_a)
    world.compliant(
        actors.org_b, gov_mark=False, regular=False,
        weekly_posts=[{"week_start": f"2025-02-{day:02d}", "posts": 1} for day in (10, 17, 24)]
        + [{"week_start": "2025-03-03", "posts": 1}],
    )
    Letterhead.objects.update_or_create(pk=1, defaults=dict(
        body_name="Управление образования администрации Кущевского района",
        contacts="ул. Красная, 1, ст. Кущёвская, 352030\nтел. 8 (86168) 5-00-00, uo@kush.example",
        outgoing_number="01-12/345",
        outgoing_date=datetime.date(2026, 12, 4),
        addressee="Руководителям образовательных организаций\nКущевского района",
        proposals_days=10,
        proposals_responsible="Руководители ОО",
        signer_position="Начальник управления образования",
        signer_name="И. И. Петрова",
        executor_name="Сидорова А. А.",
        executor_phone="8 (86168) 5-11-11",
    ))
    return actors


EXPECTED = [
    "УПРАВЛЕНИЕ ОБРАЗОВАНИЯ АДМИНИСТРАЦИИ КУЩЕВСКОГО РАЙОНА",
    "ул. Красная, 1, ст. Кущёвская, 352030",
    "от 04.12.2026 № 01-12/345",
    "Руководителям образовательных организаций",
    "Справка о ведении госпабликов",
    "1. Сводка",
    "Выводы и предложения",
    "Подтвердить статус «Госорганизация» официальных сообществ во ВКонтакте через Госуслуги (организаций: 1, раздел 2).",
    "Обеспечить регулярные публикации во ВКонтакте — не меньше 3 в неделю (организаций: 1, раздел 5).",
    "до 14.12.2026",
    "Руководители ОО",
    "Начальник управления образования",
    "И. И. Петрова",
    "Исполнитель: Сидорова А. А., тел. 8 (86168) 5-11-11",
]


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]

    def cells(tables):
        for table in tables:
            for row in table.rows:
                for cell in row.cells:
                    parts.extend(p.text for p in cell.paragraphs)
                    cells(cell.tables)

    cells(document.tables)
    return _flat(" ".join(parts))


def _pdf_text(data: bytes) -> str:
    if not shutil.which("pdftotext"):
        service_unavailable("pdftotext (Debian poppler-utils)")
    return _flat(subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode())


def test_the_docx_opens_and_holds_the_whole_letter(district):
    response = district.client_for(district.methodologist).get(reverse("district-report-docx"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="spravka-gospabliki-')
    assert response["Content-Disposition"].endswith('.docx"')
    text = _docx_text(response.content)
    for phrase in EXPECTED:
        assert phrase in text, phrase
    assert "д/с №10" in text  # a finding by name


def test_the_pdf_holds_the_same_letter(district):
    response = district.client_for(district.methodologist).get(reverse("district-report-pdf"))
    text = _pdf_text(response.content)
    for phrase in EXPECTED:
        assert phrase in text, phrase


def test_the_pdf_and_the_docx_have_the_same_sections_in_the_same_order(district):
    client = district.client_for(district.methodologist)
    pdf = _pdf_text(client.get(reverse("district-report-pdf")).content)
    word = _docx_text(client.get(reverse("district-report-docx")).content)
    headings = r"\b\d\. [А-ЯЁ][^.]{3,60}?(?= [А-ЯЁ0-9«])|Выводы и предложения"
    in_word = [h for h in re.findall(headings, word) if h in pdf]
    assert len(in_word) >= 9
    assert [pdf.index(h) for h in in_word] == sorted(pdf.index(h) for h in in_word)


def test_typed_proposals_replace_the_drawn_ones(district):
    Letterhead.objects.filter(pk=1).update(proposals="Провести семинар для ответственных.\n\nОбновить приказы.")
    text = _docx_text(district.client_for(district.methodologist).get(reverse("district-report-docx")).content)
    assert "1 Провести семинар для ответственных. до 14.12.2026 Руководители ОО" in text
    assert "2 Обновить приказы." in text
    assert "Подтвердить статус" not in text


def test_a_blank_number_leaves_room_to_write_it_and_the_date_is_the_days(district):
    Letterhead.objects.filter(pk=1).update(outgoing_number="", outgoing_date=None, executor_name="")
    text = _docx_text(district.client_for(district.methodologist).get(reverse("district-report-docx")).content)
    assert re.search(r"от \d\d\.\d\d\.\d{4} № ______", text)
    assert "Исполнитель: ______________, тел. 8 (86168) 5-11-11" in text


@pytest.mark.parametrize("url_name", ["district-report-docx", "district-report-pdf"])
def test_staff_cannot_download_the_letter(district, url_name):
    assert district.client_for(district.staff_a).get(reverse(url_name)).status_code == 403


def test_the_dashboard_offers_the_docx_next_to_the_pdf(district):
    page = district.client_for(district.methodologist).get(reverse("dashboard")).content.decode()
    pdf, word = page.index(reverse("district-report-pdf")), page.index(reverse("district-report-docx"))
    assert 0 < word - pdf < 400


def test_the_command_writes_the_docx_too(district, tmp_path):
    target = tmp_path / "spravka.docx"
    call_command("district_report", "--format", "docx", "--output", str(target), stdout=io.StringIO())

    assert "Исполнитель: Сидорова А. А." in _docx_text(target.read_bytes())
