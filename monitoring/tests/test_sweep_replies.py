"""Replies and audience through the whole sweep (DESIGN §3.6, issue 13): `manage.py sweep`
against the simulator over HTTP reads the comments of recent commented posts, judges them,
puts the figures in the verdict, and a second night without new comments asks for none."""

from __future__ import annotations

import copy

import pytest

from monitoring.models import PageComment, PageState
from monitoring.tests.sweeping import SCHOOL_VK, point_settings, register, run_sweep, vk_school, world_scenario
from tests.factories import OrganizationFactory

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

    sweep.page = page
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
