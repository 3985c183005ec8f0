"""Replies and audience through the whole sweep (DESIGN §3.6, issue 13): `manage.py sweep`
against the simulator over HTTP reads the comments of recent commented posts, judges them,
puts the figures in the verdict, and a second night without new comments asks for none."""

from __future__ import annotations

import copy
from datetime import timedelta
import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from monitoring.models import PageComment, PageState
from monitoring.tests.sweeping import SCHOOL_VK, point_settings, register, run_sweep, vk_school, world_scenario
from tests.factories import OrganizationFactory, staff_of

pytestmark = pytest.mark.django_db

OWNER = -SCHOOL_VK
PARENT, ANOTHER = 501, 502


def recent_posts(**extra) -> list[dict]:
    """Three posts of this week and last: one answered, one unanswered for days, one young."""
    return [
        {"days_ago": 3, "text": "Собрание родителей", "views": 200, "likes": 10, "reposts": 2, "comment_list": [
            {"from_id": PARENT, "hours_ago": 60, "text": "Во сколько?", "thread": [{"from_id": OWNER, "hours_ago": 59}]},
            {"from_id": ANOTHER, "hours_ago": 50, "text": "А где?"},
        ]},
        {"days_ago": 2, "text": "Экскурсия", "views": 100, "likes": 4, "reposts": 0, "comment_list": [
            {"from_id": PARENT, "hours_ago": 5, "text": "Спасибо!"},
        ]},
        {"days_ago": 20, "text": "Старое", "views": 300, "likes": 0, "reposts": 0, "comment_list": [
            {"from_id": ANOTHER, "hours_ago": 400, "text": "Давно"},
        ]},
        *extra.get("more", []),
    ]


@pytest.fixture
def night(settings, run_simulator):
    school = OrganizationFactory(short_name="СОШ №101", name="МБОУ СОШ №101", audience=600)
    page = register(school, "vk", f"https://vk.com/club{SCHOOL_VK}")
    base = world_scenario()
    base["ok"]["groups"] = []
    group = vk_school(SCHOOL_VK, "МБОУ СОШ №101")
    base["vk"]["groups"] = [group]

    def sweep(posts: list[dict]):
        scenario = copy.deepcopy(base)
        scenario["vk"]["groups"][0]["posts"] = posts
        simulator = run_simulator(scenario)
        point_settings(settings, simulator)
        run_sweep("--network", "vk")
        return simulator, PageState.objects.get(page=page).verdict

    sweep.page, sweep.school = page, school
    return sweep


def test_the_first_night_reads_recent_comments_and_judges_them(night):
    simulator, verdict = night(recent_posts())

    # The 20-day-old post is outside the 14 days: its comments are not asked for.
    assert simulator.count("vk", "wall.getComments") == 2
    assert verdict["comments_unanswered"] == 1  # «А где?», 50 hours without an answer
    assert verdict["comments_answered_share"] == 0.5  # the young «Спасибо!» is pending
    assert list(PageComment.objects.filter(page=night.page, answered=False).values_list("written_at", flat=True))


def test_a_second_night_without_new_comments_asks_for_none(night):
    night(recent_posts())

    simulator, verdict = night(recent_posts())

    assert simulator.count("vk", "wall.getComments") == 0
    assert verdict["comments_unanswered"] == 1


def test_a_new_answer_is_read_and_counted(night):
    night(recent_posts())
    posts = recent_posts()
    posts[0]["comment_list"][1]["thread"] = [{"from_id": OWNER, "hours_ago": 1, "text": "В актовом зале."}]

    simulator, verdict = night(posts)

    assert simulator.count("vk", "wall.getComments") == 1
    assert (verdict["comments_unanswered"], verdict["comments_answered_share"]) == (0, 1.0)


def test_the_verdict_carries_the_audience_figures(night):
    _simulator, verdict = night(recent_posts())

    assert verdict["subscribers"] == 300
    assert verdict["audience_share"] == 0.5  # 300 of the 600 the school states
    # The window's community posts: the series' and the three above, views and reactions summed.
    assert verdict["views_per_post"] is not None and verdict["engagement_rate"] is not None


def page_of(school, user) -> str:
    client = Client()
    client.force_login(user)
    return unescape(client.get(reverse("organization-detail", args=[school.pk])).content.decode())


def test_the_organization_page_lists_the_comment_waiting_for_an_answer_with_its_link(night):
    night(recent_posts())
    staff = staff_of(night.school)

    page = page_of(night.school, staff)

    [item] = re.findall(r"<li[^>]*data-unanswered>.*?</li>", page, re.S)
    comment = PageComment.objects.get(answered=False, written_at__lt=timezone.now() - timedelta(hours=24))
    assert f'href="https://vk.com/wall{OWNER}_{comment.post_id.split("_")[1]}?reply={comment.comment_id}"' in item
    assert "Комментарий к записи «Собрание родителей»" in item and "ждёт 2" in item  # written 50 hours ago
    assert re.search(r'data-figure="comments_unanswered">1<', page)
    assert re.search(r'data-figure="audience_share">50 %<', page)


def test_staff_state_their_audience_and_a_bad_number_is_refused(night):
    night(recent_posts())
    staff = staff_of(night.school)
    client = Client()
    client.force_login(staff)
    url = reverse("audience-update", args=[night.school.pk])

    page = unescape(client.post(url, {"audience": "много"}, follow=True).content.decode())

    assert "Укажите целое число людей, например 850." in page
    night.school.refresh_from_db()
    assert night.school.audience == 600
    client.post(url, {"audience": "1 200"})
    night.school.refresh_from_db()
    assert (night.school.audience, night.school.audience_updated_at is not None) == (1200, True)


def test_staff_of_another_organization_cannot_state_its_audience(night):
    night(recent_posts())
    stranger = staff_of(OrganizationFactory(short_name="СОШ №102"))
    client = Client()
    client.force_login(stranger)

    response = client.post(reverse("audience-update", args=[night.school.pk]), {"audience": "5"})

    assert response.status_code == 404
    night.school.refresh_from_db()
    assert night.school.audience == 600
