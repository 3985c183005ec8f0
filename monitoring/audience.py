"""Audience, engagement and replies (DESIGN §3.6) as pure functions: advisories beside the law's
verdicts, and the parts of the district rating. Nothing here knows Django or HTTP.

Every figure is of the posts that stand on the wall now (§3.2 «What stands on the wall now»);
a ratio is rounded half up, as people round, not to the nearest even digit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

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


@dataclass(frozen=True)
class Replies:
    """The answer count of a page's recent commented posts (§3.6)."""

    answered: int
    unanswered: tuple[tuple[str, Comment], ...]  # (post id, comment), oldest first
    pending: int

    @property
    def comments_unanswered(self) -> int:
        return len(self.unanswered)

    @property
    def comments_answered_share(self) -> float | None:
        judged = self.answered + len(self.unanswered)
        return rounded(Decimal(self.answered) / Decimal(judged), 2) if judged else None


def posts_to_read(posts: Iterable[Post], run_started: datetime, counts_read: dict[str, int] | None = None) -> list[Post]:
    """The community's posts of the 14 days before the run whose comments are worth reading:
    some comments, and a count not the one read last time (`counts_read`: post id → count)."""
    since = run_started - REPLY_WINDOW
    counts_read = counts_read or {}
    return [
        post for post in posts
        if post.from_community and since <= post.date < run_started and (post.comments or 0) > 0
        and counts_read.get(post.external_id) != post.comments
    ]


def replies(threads: dict[str, Sequence[Comment]], owner_id: int, run_started: datetime) -> Replies:
    """Judge each top-level comment that is not the community's: answered when the community's
    comment stands anywhere in its thread; else unanswered once written more than 24 hours
    before the run, else pending. Deleted comments count for nothing, answers included; a
    comment by another community counts as a person's."""
    due = run_started - ANSWER_DUE
    answered, pending, unanswered = 0, 0, []
    for post_id, comments in threads.items():
        for comment in comments:
            if comment.deleted or comment.from_id == owner_id:
                continue
            if any(reply.from_id == owner_id and not reply.deleted for reply in comment.thread):
                answered += 1
            elif comment.date < due:
                unanswered.append((post_id, comment))
            else:
                pending += 1
    unanswered.sort(key=lambda item: item[1].date)
    return Replies(answered=answered, unanswered=tuple(unanswered), pending=pending)
