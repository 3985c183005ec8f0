"""The figures of DESIGN §3.6, edge by edge: shares and means rounded as people round, views
absent, an unknown audience, MAX without reactions, and comments answered, unanswered or
pending."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from monitoring.audience import (
    audience_share,
    engagement_rate,
    posts_to_read,
    replies,
    views_per_post,
)
from monitoring.types import Comment, Post

RUN = datetime(2026, 12, 4, 21, 0, tzinfo=timezone.utc)  # 00:00 Moscow
OWNER = -101


def post(views=None, likes=None, reposts=None, comments=None, *, days_ago=1.0, from_community=True, pid="1") -> Post:
    return Post(network="vk", external_id=pid, date=RUN - timedelta(days=days_ago), from_community=from_community,
                views=views, likes=likes, reposts=reposts, comments=comments)


def comment(cid, from_id, hours_ago, *, deleted=False, thread=()) -> Comment:
    return Comment(comment_id=cid, from_id=from_id, date=RUN - timedelta(hours=hours_ago), deleted=deleted,
                   thread=tuple(thread))


@pytest.mark.parametrize(
    ("subscribers", "audience", "share"),
    [(310, 1000, 0.31), (1, 8, 0.13), (5, 8, 0.63), (1200, 1000, 1.2), (None, 1000, None), (310, None, None),
     (310, 0, None), (0, 500, 0.0)],
)
def test_audience_share_is_subscribers_over_audience_rounded_half_up(subscribers, audience, share):
    assert audience_share(subscribers, audience) == share


def test_views_per_post_is_the_mean_to_one_decimal_of_posts_that_carry_views():
    assert views_per_post([post(views=100), post(views=101), post(views=None)]) == 100.5
    assert views_per_post([post(views=1), post(views=2), post(views=2), post(views=2)]) == 1.8  # 1.75 up


def test_without_views_there_is_no_mean_and_no_engagement():
    posts = [post(views=None, likes=3, reposts=1, comments=2)]

    assert views_per_post(posts) is None
    assert engagement_rate(posts) is None
    assert views_per_post([]) is None and engagement_rate([]) is None


def test_engagement_is_a_ratio_of_sums_in_percent():
    posts = [post(views=1000, likes=10, reposts=1, comments=2), post(views=3, likes=3, reposts=0, comments=0)]

    # (13 + 3) / 1003 = 1.5952…%: the small post does not weigh as much as the large one.
    assert engagement_rate(posts) == 1.6


def test_engagement_rounds_half_up_to_two_decimals():
    assert engagement_rate([post(views=800, likes=1, reposts=0, comments=0)]) == 0.13  # 0.125 %


def test_a_max_channel_has_views_but_no_engagement():
    posts = [post(views=80), post(views=120)]

    assert views_per_post(posts) == 100.0
    assert engagement_rate(posts) is None


def test_comments_are_read_for_recent_community_posts_whose_count_changed():
    posts = [
        post(comments=2, pid="new"),
        post(comments=0, pid="silent"),
        post(comments=3, pid="old", days_ago=15),
        post(comments=4, pid="others", from_community=False),
        post(comments=5, pid="same"),
        post(comments=6, pid="more"),
    ]

    chosen = posts_to_read(posts, RUN - timedelta(days=14), counts_read={"same": 5, "more": 4})

    assert [p.external_id for p in chosen] == ["new", "more"]


def test_a_comment_answered_deep_in_its_thread_is_answered():
    thread = [comment(f"r{i}", 700 + i, 40) for i in range(12)] + [comment("ours", OWNER, 30)]

    result = replies({"1": [comment("c", 55, 48, thread=thread)]}, OWNER, RUN)

    assert (result.answered, result.comments_unanswered, result.comments_answered_share) == (1, 0, 1.0)


def test_unanswered_after_24_hours_and_pending_before():
    result = replies({"1": [comment("old", 55, 25), comment("young", 56, 23), comment("edge", 57, 24)]}, OWNER, RUN)

    assert [c.comment_id for _post, c in result.unanswered] == ["old"]
    assert result.pending == 2
    assert result.comments_answered_share == 0.0


def test_the_communitys_own_comments_and_deleted_ones_count_for_nothing():
    deleted_answer = comment("gone", OWNER, 20, deleted=True)
    result = replies(
        {"1": [comment("ours", OWNER, 50), comment("removed", 55, 50, deleted=True),
               comment("asked", 56, 50, thread=[deleted_answer])]},
        OWNER, RUN,
    )

    assert (result.answered, result.comments_unanswered, result.pending) == (0, 1, 0)
    assert result.unanswered[0][1].comment_id == "asked"


def test_another_communitys_comment_is_judged_like_a_persons():
    result = replies({"1": [comment("club", -555, 30, thread=[comment("ours", OWNER, 29)])]}, OWNER, RUN)

    assert result.answered == 1


def test_nothing_to_count_is_zero_unanswered_and_no_share():
    result = replies({}, OWNER, RUN)

    assert result.comments_unanswered == 0
    assert result.comments_answered_share is None


def test_the_share_rounds_half_up():
    answered = [comment(f"a{i}", 60 + i, 30, thread=[comment(f"o{i}", OWNER, 29)]) for i in range(5)]
    waiting = [comment(f"u{i}", 80 + i, 30) for i in range(3)]

    assert replies({"1": answered + waiting}, OWNER, RUN).comments_answered_share == 0.63  # 5/8 = 0.625
