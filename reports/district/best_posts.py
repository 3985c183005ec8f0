"""The sections read from the stored posts of the period: the best posts («Из опыта коллег»)
and the share of posts with hashtags, photos and video on each network."""

from __future__ import annotations

from django.db.models import F, QuerySet, Value
from django.db.models.functions import Coalesce

from monitoring.compliance import NETWORKS
from monitoring.models import PagePost
from monitoring.sweep import post_from_row
from organizations.models import Organization
from reports.district.period import MOSCOW, Period
from reports.district.rows import BestPost, PostStats
from reports.posts import excerpt, has_hashtags, has_photo, has_video, post_url

BEST_POSTS_LIMIT = 6
# One post per organization: the section shows colleagues' practice, not one page's feed.
BEST_POSTS_PER_ORGANIZATION = 1
EXCERPT_LENGTH = 300


def posts_of_period(
    organizations: QuerySet[Organization], period: Period, limit: int
) -> tuple[list[BestPost], list[PostStats]]:
    """One pass over the community's own posts of the period, most engaging first: the most
    likes, reposts and comments, then the most views; among equals a post with hashtags and a
    photo or video (what the briefing praises), then the newer one. A post with neither text
    nor media is nobody's example; reposts are not the organization's own material."""
    rows = (
        PagePost.objects.on_wall()
        .filter(
            page__organization__in=organizations.values("pk"),
            page__detached_at=None,
            from_community=True,
            is_repost=False,
            date__gte=period.starts_at,
            date__lt=period.ends_at,
        )
        .annotate(
            engagement=Coalesce("likes", Value(0)) + Coalesce("reposts", Value(0)) + Coalesce("comments", Value(0))
        )
        .select_related("page__organization")
        .order_by("-engagement", F("views").desc(nulls_last=True), "-date", "pk")
    )
    counts = {network: dict(posts=0, with_hashtags=0, with_photo=0, with_video=0) for network in NETWORKS}
    chosen: list[PagePost] = []
    # Rows come most engaging first; posts equal in reactions and views wait in `equal` until
    # the next differs, then the exemplary among them are taken first.
    equal: list[tuple[bool, PagePost]] = []
    for row in rows.iterator(chunk_size=2000):
        post = post_from_row(row, row.page.network)
        tags, photo, video = has_hashtags(post), has_photo(post), has_video(post)
        stats = counts[post.network]
        stats["posts"] += 1
        stats["with_hashtags"] += tags
        stats["with_photo"] += photo
        stats["with_video"] += video
        if len(chosen) == limit or not (post.text.strip() or photo or video):
            continue
        if equal and (equal[0][1].engagement, equal[0][1].views) != (row.engagement, row.views):
            _take_equal(chosen, equal, limit)
        equal.append((bool(tags and (photo or video)), row))
    _take_equal(chosen, equal, limit)
    best = [_best_post(row) for row in chosen]
    stats = [PostStats(network=network, **counts[network]) for network in NETWORKS]
    return best, stats


def _take_equal(chosen: list[PagePost], equal: list[tuple[bool, PagePost]], limit: int) -> None:
    """Take from posts equal in reactions and views, the exemplary first, and empty the list."""
    for _exemplary, row in sorted(equal, key=lambda pair: not pair[0]):
        _take(chosen, row, limit)
    equal.clear()


def _take(chosen: list[PagePost], row: PagePost, limit: int) -> None:
    """Append unless the list is full or already holds enough of the post's organization."""
    same = sum(other.page.organization_id == row.page.organization_id for other in chosen)
    if len(chosen) < limit and same < BEST_POSTS_PER_ORGANIZATION:
        chosen.append(row)


def _best_post(row: PagePost) -> BestPost:
    page = row.page
    post = post_from_row(row, page.network)
    return BestPost(
        short_name=page.organization.short_name,
        name=page.organization.name,
        network=page.network,
        date=post.date.astimezone(MOSCOW),
        excerpt=excerpt(post.text, EXCERPT_LENGTH),
        hashtags=list(post.hashtags),
        photo=has_photo(post),
        video=has_video(post),
        likes=post.likes or 0,
        reposts=post.reposts or 0,
        comments=post.comments or 0,
        views=post.views,
        url=post_url(post) or page.url,
    )
