"""Audience, engagement and replies (DESIGN §3.6) as pure functions: advisories beside the law's
verdicts, and the parts of the district rating. Nothing here knows Django or HTTP.

Every figure is of the posts that stand on the wall now (§3.2 «What stands on the wall now»);
a ratio is rounded half up, as people round, not to the nearest even digit."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

from monitoring.types import Comment, Post

REPLY_WINDOW = timedelta(days=14)  # posts whose comments are read
ANSWER_DUE = timedelta(hours=24)  # a comment older than this without an answer is unanswered


def rounded(value: float | Decimal, places: int) -> float:
    """`value` rounded half up to `places` decimals."""
    return float(Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def audience_share(subscribers: int | None, audience: int | None) -> float | None:
    """Subscribers ÷ the organization's stated audience, two decimals; None when either is
    unknown (an audience of 0 is no audience to share)."""
    if subscribers is None or not audience:
        return None
    return rounded(Decimal(subscribers) / Decimal(audience), 2)


def views_per_post(posts: Iterable[Post]) -> float | None:
    """Mean views of the window's community posts that carry a view count, one decimal; None
    when none does (OK without views, an empty window)."""
    views = [post.views for post in posts if post.views is not None]
    if not views:
        return None
    return rounded(Decimal(sum(views)) / Decimal(len(views)), 1)


def engagement_rate(posts: Iterable[Post]) -> float | None:
    """Likes, reposts and comments over views of the same posts (a ratio of sums), in percent,
    two decimals. None without views, or where the network gives no reactions (MAX)."""
    viewed = [post for post in posts if post.views is not None]
    reacted = [post for post in viewed if (post.likes, post.reposts, post.comments) != (None, None, None)]
    total_views = sum(post.views for post in reacted)
    if not reacted or not total_views:
        return None
    reactions = sum((post.likes or 0) + (post.reposts or 0) + (post.comments or 0) for post in reacted)
    return rounded(Decimal(reactions) * 100 / Decimal(total_views), 2)


# --- replies ----------------------------------------------------------------------------------


T = TypeVar("T")


@dataclass(frozen=True)
class Replies:
    """The answer count of a page's recent commented posts (§3.6)."""

    answered: int
    unanswered: tuple[Any, ...]  # what was listed with each unanswered comment, oldest first
    pending: int

    @property
    def comments_unanswered(self) -> int:
        return len(self.unanswered)

    @property
    def comments_answered_share(self) -> float | None:
        judged = self.answered + len(self.unanswered)
        return rounded(Decimal(self.answered) / Decimal(judged), 2) if judged else None


def posts_to_read(posts: Iterable[Post], since: datetime, counts_read: Mapping[str, int | None] | None = None) -> list[Post]:
    """The community's posts since `since` (the run's start less 14 days) whose comments are
    worth reading: some comments, and a count other than at their last read (`counts_read`:
    post id → count)."""
    counts_read = counts_read or {}
    return [
        post for post in posts
        if post.from_community and post.date >= since and (post.comments or 0) > 0
        and counts_read.get(post.external_id) != post.comments
    ]


def is_answered(comment: Comment, owner_id: int) -> bool | None:
    """Whether the community's comment stands anywhere in the thread of this top-level
    comment; None when it is not judged at all: deleted, or the community's own. A deleted
    answer answers nothing; a comment by another community counts as a person's."""
    if comment.deleted or comment.from_id == owner_id:
        return None
    return any(reply.from_id == owner_id and not reply.deleted for reply in comment.thread)


def tally(judged: Iterable[tuple[bool, datetime, T]], run_started: datetime) -> Replies:
    """Count judged comments (answered?, written at, what to list): an unanswered one is
    counted once written more than 24 hours before the run; a younger one is pending."""
    due = run_started - ANSWER_DUE
    answered, pending, unanswered = 0, 0, []
    for was_answered, written_at, item in judged:
        if was_answered:
            answered += 1
        elif written_at < due:
            unanswered.append((written_at, item))
        else:
            pending += 1
    unanswered.sort(key=lambda pair: pair[0])
    return Replies(answered=answered, unanswered=tuple(item for _when, item in unanswered), pending=pending)


def replies(threads: Mapping[str, Sequence[Comment]], owner_id: int, run_started: datetime) -> Replies:
    """The answer count of comments read now (post id → its top-level comments)."""
    judged = []
    for post_id, comments in threads.items():
        for comment in comments:
            answered = is_answered(comment, owner_id)
            if answered is not None:
                judged.append((answered, comment.date, (post_id, comment)))
    return tally(judged, run_started)


# --- a page's figures -------------------------------------------------------------------------

FIGURES = ("subscribers", "audience_share", "views_per_post", "engagement_rate", "comments_unanswered",
           "comments_answered_share")


def page_figures(
    verdict: Mapping[str, Any],
    previous: Mapping[str, Any] | None,
    *,
    subscribers: int | None,
    window_posts: Sequence[Post] | None,
    audience: int | None,
    replies_read: Replies | None,
) -> dict[str, Any]:
    """The §3.6 keys of a page's verdict. What this sweep did not read keeps its last known
    value, as the verdict's fields do (`subscribers` None: the info was not read;
    `window_posts` None: the wall was not read). A personal or deactivated page has none; a
    closed one has its subscribers only; `replies_read` None: not a network with replies."""
    previous = previous or {}
    if verdict.get("is_community") is False or verdict.get("deactivated"):
        return dict.fromkeys(FIGURES)
    if subscribers is None:
        subscribers = previous.get("subscribers")
    figures: dict[str, Any] = {"subscribers": subscribers, "audience_share": audience_share(subscribers, audience)}
    if verdict.get("closed"):
        return {**dict.fromkeys(FIGURES), **figures}
    if window_posts is None:
        figures.update({key: previous.get(key) for key in ("views_per_post", "engagement_rate")})
    else:
        own = [post for post in window_posts if post.from_community]
        figures.update(views_per_post=views_per_post(own), engagement_rate=engagement_rate(own))
    if replies_read is None:
        figures.update(comments_unanswered=None, comments_answered_share=None)
    else:
        figures.update(comments_unanswered=replies_read.comments_unanswered,
                       comments_answered_share=replies_read.comments_answered_share)
    return figures
