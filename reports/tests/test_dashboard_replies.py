"""The dashboard's tile «Без ответа > 24 ч» (DESIGN §3.6, issue 13): the people's comments
waiting more than a day for the community's answer across the organizations in scope, and at
how many; clicking it shows those organizations (the criterion «Ответы на комментарии за сутки»). It counts exactly what the organization
pages list, and costs no query of its own."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from html import unescape

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from monitoring.models import PageComment, PagePost
from organizations.models import OfficialPage
from reports.tests import world
from reports.tests.test_dashboard import _text, rows
from tests.factories import DistrictFactory, OrganizationFactory, methodologist

URL = reverse("dashboard")


def commented_post(page: OfficialPage, number: int, *, days_ago: float = 2, removed: bool = False) -> str:
    post_id = f"-{page.pk}_{number}"
    now = timezone.now()
    PagePost.objects.create(page=page, external_id=post_id, date=now - timedelta(days=days_ago), from_community=True,
                            text=f"Новость {number}", comments=3, comments_read=3, removed_at=now if removed else None)
    return post_id


def comments(page: OfficialPage, post_id: str, *hours_ago: float, answered: bool = False) -> None:
    for hours in hours_ago:
        PageComment.objects.create(page=page, post_id=post_id, comment_id=f"{post_id}:{hours}:{answered}",
                                   written_at=timezone.now() - timedelta(hours=hours), answered=answered)


@pytest.fixture
def district(actors):
    """СОШ №9 (A): two comments waiting (30 h and 3 days), one answered, one young (5 h), one
    under a post three weeks old, one under a post deleted from the wall.
    д/с №10 (B): one waiting. СОШ №26: one waiting on a VK page whose link was since changed
    (detached), none on its page now. д/с №3: answered comments only."""
    page_a = world.page(actors.org_a, "vk", world.verdict())
    post = commented_post(page_a, 1)
    comments(page_a, post, 30, 72)
    comments(page_a, post, 80, answered=True)
    comments(page_a, post, 5)
    comments(page_a, commented_post(page_a, 2, days_ago=21), 500)
    comments(page_a, commented_post(page_a, 3, removed=True), 40)
    page_b = world.page(actors.org_b, "vk", world.verdict())
    comments(page_b, commented_post(page_b, 1), 26)
    moved = OrganizationFactory(short_name="СОШ №26")
    old_page = world.page(moved, "vk", world.verdict())
    comments(old_page, commented_post(old_page, 1), 48)
    OfficialPage.all_objects.filter(pk=old_page.pk).update(detached_at=timezone.now())
    OfficialPage.objects.create(organization=moved, network="vk", url="https://vk.com/sosh26_new", link_kind="screen_name",
                                link_value="sosh26_new")
    answered = OrganizationFactory(short_name="д/с №3", kind="kindergarten")
    page_c = world.page(answered, "vk", world.verdict())
    comments(page_c, commented_post(page_c, 1), 30, 50, answered=True)
    return {"moved": moved, "answered": answered}


def tile(response) -> str:
    html = response.content.decode()
    found = re.search(r'<li data-tile="replies">(.*?)</li>', html, re.S)
    assert found, "no tile «Без ответа > 24 ч»"
    return _text(found.group(1))


def tile_link(response) -> str:
    html = response.content.decode()
    return unescape(re.search(r'<li data-tile="replies">\s*<a [^>]*href="([^"]*)"', html, re.S).group(1))


def listed_on_organization_page(client, organization) -> int:
    page = client.get(reverse("organization-detail", args=[organization.pk])).content.decode()
    return len(re.findall(r"data-unanswered>", page))


def test_the_tile_counts_the_comments_waiting_more_than_a_day_and_where(actors, district):
    response = actors.client_for(actors.methodologist).get(URL)

    # СОШ №9's two and д/с №10's one; not the answered, the young, the old post's, the deleted
    # post's, nor those of a page no longer registered.
    assert tile(response) == "Комментарии без ответа > 24 ч 3 организаций: 2"


def test_the_tile_agrees_with_the_lists_on_the_organization_pages(actors, district):
    client = actors.client_for(actors.methodologist)
    organizations = [actors.org_a, actors.org_b, district["moved"], district["answered"]]

    listed = [listed_on_organization_page(client, organization) for organization in organizations]

    assert listed == [2, 1, 0, 0]
    assert tile(client.get(URL)).startswith(f"Комментарии без ответа > 24 ч {sum(listed)} ")


def test_clicking_the_tile_shows_only_the_organizations_with_comments_waiting(actors, district):
    client = actors.client_for(actors.methodologist)
    link = tile_link(client.get(URL))
    assert link == "?criterion=vk_replies"

    response = client.get(URL + link)

    assert rows(response) == ["СОШ №9", "д/с №10"]
    html = response.content.decode()
    assert "tile-active" in html.split('data-tile="replies"')[1].split("</li>")[0]
    # The filter form says what is shown: «Не выполнено: Ответы на комментарии за сутки».
    assert '<option value="vk_replies" selected>Ответы на комментарии за сутки</option>' in html
    assert rows(client.get(URL, {"criterion": "vk_replies", "kind": "kindergarten"})) == ["д/с №10"]
    assert tile_link(client.get(URL, {"kind": "school"})) == "?kind=school&criterion=vk_replies"
    assert len(rows(client.get(URL, {"criterion": "nonsense"}))) == 4


def test_a_comment_answered_since_leaves_the_tile_and_the_filter(actors, district):
    PageComment.objects.filter(page__organization=actors.org_b).update(answered=True)
    client = actors.client_for(actors.methodologist)

    assert tile(client.get(URL)) == "Комментарии без ответа > 24 ч 2 организаций: 1"
    assert rows(client.get(URL, {"criterion": "vk_replies"})) == ["СОШ №9"]


def test_without_comments_waiting_the_tile_says_so(actors):
    world.compliant(actors.org_a)

    assert tile(actors.client_for(actors.methodologist).get(URL)) == "Комментарии без ответа > 24 ч 0 на все комментарии ответили"


def test_the_export_has_exactly_the_filtered_rows(actors, district):
    response = actors.client_for(actors.methodologist).get(reverse("dashboard-export", args=["csv"]), {"criterion": "vk_replies"})

    _header, *body = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row[0] for row in body] == ["СОШ №9", "д/с №10"]


@pytest.mark.parametrize("who", ["staff_a", "staff_b"])
def test_staff_cannot_open_the_tile_or_its_filter(actors, district, who):
    client = actors.client_for(getattr(actors, who))

    assert client.get(URL, {"criterion": "vk_replies"}).status_code == 403


def test_a_district_methodologist_counts_only_their_district(actors, district):
    elsewhere = OrganizationFactory(short_name="СОШ №1 г. Ейска", district=DistrictFactory(name="Ейский район"))
    page = world.page(elsewhere, "vk", world.verdict())
    comments(page, commented_post(page, 1), 30, 40, 50)
    local = methodologist(district=actors.org_a.district, username="metodist_kush")

    assert tile(actors.client_for(local).get(URL)) == "Комментарии без ответа > 24 ч 3 организаций: 2"
    assert "СОШ №1 г. Ейска" not in rows(actors.client_for(local).get(URL, {"criterion": "vk_replies"}))
    assert tile(actors.client_for(actors.methodologist).get(URL)) == "Комментарии без ответа > 24 ч 6 организаций: 3"


def test_the_tile_and_its_filter_cost_no_query_of_their_own(actors, district):
    client = actors.client_for(actors.methodologist)
    client.get(URL)  # warm the session and the content-type caches

    def drawn(**query) -> CaptureQueriesContext:
        cache.clear()  # the page and its rows computed, not kept (reports.cache)
        with CaptureQueriesContext(connection) as captured:
            client.get(URL, query)
        return captured

    plain, filtered = drawn(), drawn(criterion="vk_replies")
    searched = drawn(q="СОШ")  # another filter without a week's history
    PageComment.objects.all().delete()
    without_comments = drawn()

    assert len(plain) == len(without_comments)
    assert len(filtered) == len(searched)
