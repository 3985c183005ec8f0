"""«Рейтинг госпабликов» (DESIGN §3.6, issue 13 item 3): each component as a share, the score
and its weights, ranks, the monthly row and the change since it, the page with its filters and
sorting, the settings, the district report and the exports."""

from __future__ import annotations

import datetime
import io
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from monitoring.compliance import MISSING, NOT_CHECKED, compliance_export
from monitoring.models import RatingSnapshot, RuleSettings
from monitoring.rating import components, default_weights, ranks, rating_of, record_rating, score
from organizations.models import Organization
from tests.factories import DistrictFactory, OrganizationFactory
from reports.tests import world
from reports.tests.test_tasks_and_settings import SETTINGS, form_data

pytestmark = pytest.mark.django_db

WEIGHTS = default_weights()
FIGURES = {"subscribers": 500, "views_per_post": 150.0, "engagement_rate": 5.0, "comments_answered_share": 1.0}


def good(**overrides):
    return world.verdict(**{**FIGURES, **overrides})


# --- the components, one at a time ----------------------------------------------------------------


def test_a_page_in_order_on_both_networks_with_half_its_audience_subscribed_scores_100():
    values = components({"vk": good(), "ok": good(comments_answered_share=None), "max": MISSING}, 1000, 2)

    assert values == {"mark": 1.0, "info": 1.0, "regularity": 1.0, "from_community": 1.0, "audience": 1.0,
                      "views": 1.0, "engagement": 1.0, "answers": 1.0}
    assert score(values, WEIGHTS) == 100.0


def test_the_law_components_are_the_share_of_pages_that_meet_them_and_a_missing_page_meets_nothing():
    values = components({"vk": good(gov_mark=False, regular=False), "ok": MISSING, "max": MISSING}, 1000, 2)

    assert (values["mark"], values["regularity"], values["info"], values["from_community"]) == (0.0, 0.0, 0.5, 0.5)


def test_a_page_the_api_did_not_answer_for_is_left_out_not_counted_as_failing():
    unknown = world.verdict(gov_mark=None, regular=None, error="ВКонтакте не ответил")
    values = components({"vk": unknown, "ok": good(), "max": MISSING}, 1000, 2)

    assert values["mark"] == 1.0 and values["regularity"] == 1.0  # OK alone judges them


def test_nothing_read_yet_gives_no_score_even_with_an_audience_stated():
    values = components({"vk": NOT_CHECKED, "ok": NOT_CHECKED, "max": MISSING}, None, 2)

    assert values["audience"] == 0.0
    assert score(values, WEIGHTS) is None


def test_the_audience_share_is_full_at_half_the_audience_and_zero_when_the_audience_is_not_stated():
    pages = {"vk": good(subscribers=250), "ok": good(subscribers=100), "max": MISSING}

    assert components(pages, 1000, 2)["audience"] == 0.5  # the best page: 250 ÷ 1000 = 0.25 of the 0.5 that is full
    assert components(pages, 400, 2)["audience"] == 1.0
    assert components(pages, None, 2)["audience"] == 0.0


def test_views_are_measured_against_the_subscribers_and_engagement_against_five_percent():
    pages = {"vk": good(subscribers=1000, views_per_post=60.0, engagement_rate=2.5), "ok": MISSING, "max": MISSING}

    values = components(pages, 2000, 2)

    assert values["views"] == pytest.approx(0.2)  # 6 % of the subscribers ÷ the 30 % that is full
    assert values["engagement"] == 0.5


def test_no_comment_to_answer_leaves_the_component_out_and_the_others_carry_the_score():
    with_answers = components({"vk": good(comments_answered_share=0.5), "ok": good(), "max": MISSING}, 1000, 2)
    without = components({"vk": good(comments_answered_share=None), "ok": good(), "max": MISSING}, 1000, 2)

    assert score(with_answers, WEIGHTS) == 95.0  # 90 of 100 weight at 1, 10 at 0.5
    assert without["answers"] is None and score(without, WEIGHTS) == 100.0


def test_a_weight_of_zero_takes_its_component_out():
    values = components({"vk": good(regular=False), "ok": good(regular=False), "max": MISSING}, 1000, 2)

    assert score(values, WEIGHTS) == 80.0
    assert score(values, {**WEIGHTS, "regularity": 0}) == 100.0


def test_ranks_share_a_place_and_skip_the_next():
    assert ranks([90.0, 80.0, 80.0, 70.0, None]) == [1, 2, 2, 4, None]


# --- the district -------------------------------------------------------------------------------


@pytest.fixture
def district(actors):
    actors.org_a.audience = 1000
    actors.org_a.save()
    world.page(actors.org_a, "vk", good())
    world.page(actors.org_a, "ok", good())
    world.page(actors.org_b, "vk", good(gov_mark=False, regular=False, subscribers=50))
    actors.weak = OrganizationFactory(short_name="ЦДТ", kind="additional")  # nothing registered
    return actors


def page_text(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", unescape(response.content.decode())))


def test_the_rating_page_lists_the_district_best_first_with_places(district):
    text = page_text(district.client_for(district.methodologist), reverse("rating"))

    assert re.search(r"1 СОШ №9 100,0", text)
    assert text.index("СОШ №9") < text.index("д/с №10") < text.index("ЦДТ")
    assert "Изменение за месяц появится" in text


def test_staff_do_not_see_the_district_rating(district):
    assert district.client_for(district.staff_a).get(reverse("rating")).status_code == 403
    assert district.client_for(district.staff_a).get(reverse("rating-export")).status_code == 403


def test_the_page_filters_by_type_and_sorts_by_a_component(district):
    client = district.client_for(district.methodologist)

    text = page_text(client, reverse("rating") + "?kind=kindergarten")
    assert "д/с №10" in text and "СОШ №9" not in text
    rows = re.findall(r'<tr data-org="([^"]+)"', client.get(reverse("rating") + "?sort=c-regularity").content.decode())
    assert rows[0] == "СОШ №9" and rows[-1] == "ЦДТ"


def test_the_page_costs_the_same_queries_for_3_or_20_organizations(district):
    client = district.client_for(district.methodologist)
    client.get(reverse("rating"))  # the session and the settings row exist from here on

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("rating"))
    for number in range(17):
        world.page(OrganizationFactory(short_name=f"СОШ №{100 + number}"), "vk", good())
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("rating"))

    assert len(many) == len(few)


def test_a_finished_sweep_writes_the_month_and_the_next_month_shows_the_change(district):
    last_month = datetime.date(2026, 11, 1)
    record_rating(today=datetime.date(2026, 11, 20))
    RatingSnapshot.objects.filter(organization=district.org_a).update(score=80.0)  # the school was weaker then

    [school] = [row for row in rating_of(Organization.objects.all()) if row.organization == district.org_a]

    assert RatingSnapshot.objects.filter(month=last_month).count() == 3
    assert school.previous_score == 80.0 and school.change == 20.0
    text = page_text(district.client_for(district.methodologist), reverse("rating"))
    assert "+20,0 балла" in text
    exported = compliance_export(Organization.objects.all())["organizations"]
    rating = next(org["rating"] for org in exported if org["short_name"] == "СОШ №9")
    assert (rating["score"], rating["rank"], rating["change"], rating["components"]["mark"]) == (100.0, 1, 20.0, 1.0)


def test_the_weights_change_on_the_settings_page_and_all_zero_is_refused(district):
    client = district.client_for(district.methodologist)

    response = client.post(SETTINGS, form_data({"rating_regularity": 0}))

    assert response.status_code == 302
    assert RuleSettings.load().rating_regularity == 0
    refused = client.post(SETTINGS, form_data({f"rating_{code}": 0 for code in WEIGHTS}))
    assert "Хотя бы одна составляющая рейтинга должна иметь вес больше нуля." in refused.content.decode()
    assert RuleSettings.load().rating_mark == 20  # nothing half-written


def test_the_rating_spreadsheet_and_the_district_report_workbook_carry_the_places(district):
    client = district.client_for(district.methodologist)

    rating = load_workbook(io.BytesIO(client.get(reverse("rating-export")).content)).active
    report = load_workbook(io.BytesIO(client.get(reverse("district-report-xlsx")).content))["Рейтинг госпабликов"]

    for sheet in (rating, report):
        header = [cell.value for cell in sheet[1]]
        first = dict(zip(header, [cell.value for cell in sheet[2]], strict=True))
        assert (first["Место"], first["Краткое название"], first["Балл"]) == (1, "СОШ №9", 100)
        assert [row[1].value for row in sheet.iter_rows(min_row=2)] == ["СОШ №9", "д/с №10", "ЦДТ"]


def test_the_region_ranks_every_district_together_and_narrows_to_one(district):
    elsewhere = OrganizationFactory(short_name="СОШ №9", district=DistrictFactory(name="Ейский район"))
    world.page(elsewhere, "vk", good(regular=False))
    client = district.client_for(district.methodologist)  # the region's: no district of their own

    whole = client.get(reverse("rating")).content.decode()
    narrowed = client.get(reverse("rating") + f"?district={elsewhere.district_id}").content.decode()

    assert re.findall(r'<tr data-org="([^"]+)"', whole).count("СОШ №9") == 2 and "Ейский район" in whole
    assert re.findall(r'<tr data-org="([^"]+)"', narrowed) == ["СОШ №9"]
