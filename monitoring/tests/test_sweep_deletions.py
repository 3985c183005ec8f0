"""DESIGN §3.2 «What stands on the wall now»: a post deleted since an earlier sweep stops
counting — weekly posts, posts by others, reposts from personal pages, and the reports built
on the stored posts — on a later night that reads only what is new as on a first night. The
wall's count tells a later night whether anything older went; only then does it read the
wall again, so a night without deletions costs no extra request.

And «read what can be read»: a list of posts that could be read counts although the other
could not (VK: posts by others without the community's own wall; OK: the feed without the
topic counter).

Each night runs `manage.py sweep` against the simulator over HTTP; between nights the world
changes as it would: posts marked deleted, new ones published.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine

from checklist.models import ChecklistEntry, Verdict
from monitoring.models import PagePost
from monitoring.rules import MOSCOW
from monitoring.tests.sweeping import (
    PERSON_OK,
    PERSON_VK,
    SCHOOL_OK,
    SCHOOL_VK,
    World,
    make_world,
    point_settings,
    run_sweep,
)
from organizations.models import Organization
from reports.district import build_district_report
from reports.district.period import default_period
from reports.quality import organization_quality
from reports.views.organization import weekly_chart

pytestmark = pytest.mark.django_db

# A Wednesday at the nightly hour; the next nights stay in the same week, so every night
# judges the same four weeks (oldest first: weeks -4 … -1 of the scenario).
NIGHT = datetime(2025, 3, 12, 3, 0, tzinfo=MOSCOW)
REGULAR = [4, 4, 4, 4]  # the world's own rhythm on the VK school's wall

# On the VK school's wall (open to others): an exemplary post everyone likes, a repost of a
# staff member's personal post, and a parent's post.
LIKED, REPOST, PARENTS = 9001, 9002, 9003
VK_EXTRA = [
    {"id": LIKED, "week": -2, "weekday": 3, "time": "12:00", "text": "Лучшая новость #школа",
     "attachments": ["photo"], "likes": 900, "views": 5000},
    {"id": REPOST, "week": -3, "weekday": 2, "time": "12:00", "text": "Репост",
     "copy_history": [{"owner_id": PERSON_VK, "id": 5, "text": "Новость со страницы сотрудника"}]},
    {"id": PARENTS, "week": -1, "weekday": 4, "time": "12:00", "from_id": PERSON_VK, "text": "Вопрос родителя"},
]
# In the OK school's feed: a group topic and a member's topic.
GROUP_TOPIC, MEMBER_TOPIC = "91001", "91002"
OK_EXTRA = [
    {"id": GROUP_TOPIC, "week": -2, "weekday": 3, "time": "12:00", "text": "Лучшая новость", "attachments": ["photo"],
     "likes": 900},
    {"id": MEMBER_TOPIC, "week": -1, "weekday": 4, "time": "12:00", "author_ref": f"user:{PERSON_OK}",
     "text": "Вопрос родителя"},
]


class Nights:
    """One world swept night after night; `sweep(day, edit)` serves the world as `edit` left
    it (edits accumulate, as on a real wall) and returns the run and the simulator."""

    def __init__(self, world: World, settings, run_simulator, token_type: str) -> None:
        self.world, self.settings, self.run_simulator, self.token_type = world, settings, run_simulator, token_type
        self.scenario = world.scenario_copy()

    def sweep(self, day: int, edit: Callable[[dict], Any] | None = None):
        if edit is not None:
            edit(self.scenario)
        simulator = self.run_simulator(copy.deepcopy(self.scenario))
        point_settings(self.settings, simulator, VK_TOKEN_TYPE=self.token_type)
        with time_machine.travel(NIGHT + timedelta(days=day), tick=True):
            run = run_sweep()
        return run, simulator

    def verdict(self, key: str) -> dict:
        return self.world.state(key).verdict

    @property
    def school(self) -> Organization:
        return self.world.school


@pytest.fixture
def nights(db, settings, run_simulator) -> Callable[..., Nights]:
    def start(token_type: str = "service", faults: list[dict] = ()) -> Nights:
        world = make_world(NIGHT)
        _vk_group(world.scenario, SCHOOL_VK).setdefault("posts", []).extend(copy.deepcopy(VK_EXTRA))
        _ok_group(world.scenario, SCHOOL_OK).setdefault("topics", []).extend(copy.deepcopy(OK_EXTRA))
        world.scenario["faults"] = list(faults)
        if token_type == "user":
            world.scenario["vk"]["tokens"] = {token: "user" for token in world.scenario["vk"]["tokens"]}
        return Nights(world, settings, run_simulator, token_type)

    return start


def _vk_group(scenario: dict, gid: int) -> dict:
    return next(group for group in scenario["vk"]["groups"] if group["id"] == gid)


def _ok_group(scenario: dict, uid: str) -> dict:
    return next(group for group in scenario["ok"]["groups"] if group["uid"] == uid)


def delete_vk(*ids: int) -> Callable[[dict], None]:
    def edit(scenario: dict) -> None:
        for post in _vk_group(scenario, SCHOOL_VK)["posts"]:
            if post["id"] in ids:
                post["deleted"] = True

    return edit


def delete_ok(*ids: str) -> Callable[[dict], None]:
    def edit(scenario: dict) -> None:
        for topic in _ok_group(scenario, SCHOOL_OK)["topics"]:
            if topic["id"] in ids:
                topic["deleted"] = True

    return edit


def weekly(verdict: dict) -> list[int]:
    return [week["posts"] for week in verdict["weekly_posts"]]


def wall_requests(simulator) -> int:
    """VK requests that read walls: one wall.get each, or an execute carrying up to 25."""
    return simulator.count("vk", "wall.get") + simulator.count("vk", "execute")


@pytest.mark.parametrize("token_type", ["service", "user"])
def test_vk_posts_deleted_between_nights_stop_counting_and_only_that_night_reads_the_wall_again(nights, token_type):
    world = nights(token_type)
    world.sweep(0)
    before = world.verdict("school_vk")
    assert weekly(before) == [4, 5, 5, 4]  # the repost in week -3, the liked post in week -2
    assert (before["reposts_from_personal_pages"], before["posts_not_from_community"]) == (1, 1)

    _run, quiet = world.sweep(1)  # nothing deleted: the small reads stand
    assert world.verdict("school_vk") == before
    walls = wall_requests(quiet)

    second, simulator = world.sweep(2, delete_vk(LIKED, REPOST, PARENTS))

    after = world.verdict("school_vk")
    assert weekly(after) == REGULAR
    assert (after["reposts_from_personal_pages"], after["posts_not_from_community"]) == (0, 0)
    assert after["status"] == "ok" and second.faults == 0
    # Both of the school's lists read again from the horizon; the neighbour's wall is not.
    assert wall_requests(simulator) == walls + (2 if token_type == "service" else 1)
    assert walls == (3 if token_type == "service" else 1)  # school: own posts and others'; neighbour: own
    # The rows stay, as history.
    ids = [f"-{SCHOOL_VK}_{post_id}" for post_id in (LIKED, REPOST, PARENTS)]
    gone = PagePost.objects.filter(page__organization=world.school, page__network="vk", external_id__in=ids)
    assert gone.count() == 3 and not gone.filter(removed_at=None).exists()

    def restore(scenario: dict) -> None:  # VK lets a deleted post be restored, with its date
        for post in _vk_group(scenario, SCHOOL_VK)["posts"]:
            post.pop("deleted", None)

    world.sweep(3, restore)

    assert world.verdict("school_vk") == before
    assert not gone.exclude(removed_at=None).exists()


def test_ok_topics_deleted_between_nights_stop_counting_and_only_that_night_reads_the_feed_again(nights):
    world = nights()
    world.sweep(0)
    before = world.verdict("school_ok")
    assert weekly(before) == [3, 3, 4, 3] and before["posts_not_from_community"] == 1

    _run, quiet = world.sweep(1)
    assert world.verdict("school_ok") == before
    assert quiet.count("ok", "mediatopic.getTopics") == 2  # one small read a group

    _run, simulator = world.sweep(2, delete_ok(GROUP_TOPIC, MEMBER_TOPIC))

    after = world.verdict("school_ok")
    assert weekly(after) == [3, 3, 3, 3] and after["posts_not_from_community"] == 0
    assert after["status"] == "ok"
    assert simulator.count("ok", "mediatopic.getTopics") == 3  # the school's feed once more


def published_tonight(scenario: dict) -> None:
    """A new post and topic on the evening after the first night: inside the next night's small read."""
    evening = (NIGHT + timedelta(hours=18)).isoformat()
    _vk_group(scenario, SCHOOL_VK)["posts"].append({"id": 9100, "date": evening, "text": "Вечерняя новость"})
    _ok_group(scenario, SCHOOL_OK)["topics"].append({"id": "91100", "date": evening, "text": "Вечерняя новость"})


@pytest.mark.parametrize("network", ["vk", "ok"])
def test_a_post_deleted_the_night_another_is_published_is_noticed_though_the_count_is_unchanged(nights, network):
    world = nights()
    world.sweep(0)
    key = f"school_{network}"
    before = world.verdict(key)

    def edit(scenario: dict) -> None:
        published_tonight(scenario)
        (delete_vk(LIKED) if network == "vk" else delete_ok(GROUP_TOPIC))(scenario)

    world.sweep(1, edit)

    after = world.verdict(key)
    assert after["posts_total"] == before["posts_total"]  # one out, one in
    assert weekly(after)[2] == weekly(before)[2] - 1  # week -2 lost its post
    assert after["current_week"]["posts"] == before["current_week"]["posts"] + 1


def reports_of_the_school(world: Nights) -> tuple[list[str], dict, int]:
    """What people see of the school's posts: the district report's «Из опыта коллег», the
    organization page's 12-week chart, and the posts the quality advice is drawn from."""
    school = world.school
    moment = NIGHT + timedelta(days=1, hours=6)  # one moment for both looks: the same periods
    with time_machine.travel(moment, tick=False):
        report = build_district_report(Organization.objects.all(), period=default_period(4))
        chart = weekly_chart(school, moment.date(), ["vk", "ok"])["series"]
    return [post.url for post in report.best_posts], chart, organization_quality(school, now=moment).posts


def test_reports_no_longer_show_a_deleted_post(nights):
    world = nights()
    world.sweep(0)
    best, chart, quality_posts = reports_of_the_school(world)
    liked = f"https://vk.com/wall-{SCHOOL_VK}_{LIKED}"
    assert liked in best

    world.sweep(1, delete_vk(LIKED))

    best_after, chart_after, quality_posts_after = reports_of_the_school(world)
    assert liked not in best_after
    assert chart["vk"][-3] == 5 and chart_after["vk"][-3] == 4  # week -2 of the twelve
    assert chart_after["vk"][:-3] + chart_after["vk"][-2:] == chart["vk"][:-3] + chart["vk"][-2:]
    assert chart_after["ok"] == chart["ok"]
    assert quality_posts_after == quality_posts - 1


def item(world: Nights, code: str) -> ChecklistEntry:
    return ChecklistEntry.objects.get(organization=world.school, item__code=code)


def test_posts_by_others_count_when_the_communitys_own_wall_fails(nights):
    owner_fails = {"network": "vk", "method": "wall.get", "owner_id": str(-SCHOOL_VK), "filter": "owner",
                   "error_code": 10}
    world = nights(faults=[owner_fails])

    world.sweep(0)

    verdict = world.verdict("school_vk")
    assert verdict["posts_not_from_community"] == 1  # read, though the community's posts were not
    assert verdict["weekly_posts"] is None and verdict["status"] == "unknown"
    assert "Не удалось прочитать стену: ошибка API 10" in verdict["error"]
    assert "ВКонтакте: не от имени сообщества: 1" in item(world, "posts_from_community").verdict_note
    assert item(world, "regular_posting").verdict == Verdict.UNKNOWN  # never a false failure


def test_ok_topics_are_read_when_the_topic_counter_fails(nights):
    counter_fails = {"network": "ok", "method": "group.getCounters", "group_id": SCHOOL_OK, "error_code": 2}
    world = nights(faults=[counter_fails])

    world.sweep(0)

    verdict = world.verdict("school_ok")
    assert weekly(verdict) == [3, 3, 4, 3] and verdict["posts_not_from_community"] == 1
    assert verdict["posts_total"] is None and verdict["status"] == "unknown"
    assert "ленту группы" in verdict["error"]
    assert item(world, "min_two_posts").verdict == Verdict.UNKNOWN  # never a false failure


def test_posts_by_others_published_on_a_night_their_read_failed_are_caught_up_the_next(nights):
    world = nights()
    world.sweep(0)

    def parents_post_and_failing_read(scenario: dict) -> None:
        evening = (NIGHT + timedelta(hours=18)).isoformat()
        _vk_group(scenario, SCHOOL_VK)["posts"].append({"id": 9200, "date": evening, "from_id": PERSON_VK,
                                                        "text": "Ещё вопрос родителя"})
        scenario["faults"] = [{"network": "vk", "method": "wall.get", "owner_id": str(-SCHOOL_VK), "filter": "others",
                               "error_code": 10}]

    world.sweep(1, parents_post_and_failing_read)
    assert world.verdict("school_vk")["status"] == "unknown"

    # A week on, that evening is inside the judged weeks. Posts by others are read from the last
    # night that read them, not from the last that read the community's own.
    world.sweep(7, lambda scenario: scenario.update(faults=[]))

    assert world.verdict("school_vk")["posts_not_from_community"] == 2
