"""Comments read through the simulator over HTTP (DESIGN §3.6, issue 13 item 2): every comment
and every reply of a post, one call a post while it fits, threads beyond 10 replies read by
`comment_id`, more than 100 comments paged by `current_level_count`, deleted ones kept as
deleted, 25 posts to an `execute` with a user token, and a post's failure in its place."""

from __future__ import annotations

import pytest

from monitoring.clients import ApiError
from monitoring.tests.conftest import VK_USER_TOKEN

PARENT, OTHER, OWNER = 55, 56, -5


def wall(scenario, *posts) -> dict:
    group = next(g for g in scenario["vk"]["groups"] if g["id"] == 5)
    group["posts"] = [{"id": i + 1, "days_ago": 2, "text": f"Новость {i + 1}", **post} for i, post in enumerate(posts)]
    group.pop("post_series", None)
    return scenario


def test_a_posts_comments_come_with_their_threads_in_one_call(scenario, run_simulator, vk_client):
    handle = run_simulator(wall(scenario, {"comment_list": [
        {"from_id": PARENT, "hours_ago": 30, "thread": [{"from_id": OWNER, "hours_ago": 29}]},
        {"from_id": OTHER, "hours_ago": 5, "deleted": True},
    ]}))

    [(key, comments)] = vk_client(handle).get_comments([(OWNER, 1)]).items()

    assert key == (OWNER, 1)
    assert [(c.from_id, c.deleted, [r.from_id for r in c.thread]) for c in comments] == [
        (PARENT, False, [OWNER]), (OTHER, True, [])]
    assert handle.count("vk", "wall.getComments") == 1


def test_a_thread_longer_than_ten_replies_is_read_whole_by_comment_id(scenario, run_simulator, vk_client):
    replies = [{"from_id": 700 + i, "hours_ago": 40 - i} for i in range(12)] + [{"from_id": OWNER, "hours_ago": 20}]
    handle = run_simulator(wall(scenario, {"comment_list": [{"from_id": PARENT, "hours_ago": 48, "thread": replies}]}))

    [comment] = vk_client(handle).get_comments([(OWNER, 1)])[OWNER, 1]

    assert len(comment.thread) == 13 and comment.thread[-1].from_id == OWNER
    assert handle.count("vk", "wall.getComments") == 2


def test_more_than_a_hundred_comments_are_paged_by_the_top_level_count(scenario, run_simulator, vk_client):
    top = [{"from_id": 1000 + i, "hours_ago": 100 - i / 10, "thread": [{"from_id": OWNER, "hours_ago": 1}]}
           for i in range(130)]
    handle = run_simulator(wall(scenario, {"comment_list": top}))

    comments = vk_client(handle).get_comments([(OWNER, 1)])[OWNER, 1]

    assert [c.from_id for c in comments] == [1000 + i for i in range(130)]
    # `count` says 260 (replies too); paging by it would ask a third, empty page.
    assert handle.count("vk", "wall.getComments") == 2


def test_a_user_token_reads_25_posts_in_one_execute(scenario, run_simulator, vk_client):
    posts = [{"comment_list": [{"from_id": PARENT, "hours_ago": 30}]} for _ in range(30)]
    handle = run_simulator(wall(scenario, *posts))

    results = vk_client(handle, token=VK_USER_TOKEN, token_type="user").get_comments([(OWNER, i) for i in range(1, 31)])

    assert all(len(results[OWNER, post_id]) == 1 for post_id in range(1, 31))
    assert handle.count("vk", "execute") == 2 and handle.count("vk", "wall.getComments") == 0


def test_a_post_that_is_gone_fails_alone(scenario, run_simulator, vk_client):
    handle = run_simulator(wall(scenario, {"comment_list": [{"from_id": PARENT, "hours_ago": 30}]}))

    results = vk_client(handle).get_comments([(OWNER, 1), (OWNER, 99)])

    assert len(results[OWNER, 1]) == 1
    assert isinstance(results[OWNER, 99], ApiError)


@pytest.mark.parametrize("token_type", ["service", "user"])
def test_a_rate_answer_is_waited_out_not_a_fault(scenario, run_simulator, vk_client, token_type):
    scenario = wall(scenario, {"comment_list": [{"from_id": PARENT, "hours_ago": 30}]})
    scenario["faults"] = [{"network": "vk", "method": "wall.getComments", "error_code": 6, "times": 2}]
    handle = run_simulator(scenario)
    token = {"token": VK_USER_TOKEN, "token_type": "user"} if token_type == "user" else {}

    assert len(vk_client(handle, **token).get_comments([(OWNER, 1)])[OWNER, 1]) == 1
