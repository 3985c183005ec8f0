"""The quality report: which posts count, the shares of hashtags, photos and video, photos of
low resolution, engagement, and the selector `organization_quality` that reads the posts."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from monitoring.models import PagePost
from monitoring.sweep import post_from_row
from monitoring.types import Post
from organizations.models import Organization
from reports.posts import has_hashtags, has_photo, has_video
from reports.quality.directions import CoverageAdvice, coverage_advice
from reports.quality.examples import EXAMPLES_PER_ADVICE, PostExample, example, newest_examples
from reports.quality.spelling import SPELLING_LANGUAGE, SpellingAdvice, SpellingChecker, spelling_advice, spelling_checker

DEFAULT_DAYS = 30
QUALITY_CACHE_SECONDS = 3600

# Photos whose longest side is under this many pixels are "low resolution". VK keeps a
# proportional copy of every photo with the longest side 807 px (size type "y") only when the
# upload is at least that large; below it, the largest copy is the 604 px "x". So under 800 px
# means VK never had more than about its feed-preview size: the photo fills a phone screen
# (a 360-point-wide feed is 1080 physical pixels) or the photo viewer only by being stretched,
# and looks soft — the opposite of the briefing's «хороший фотоматериал».
LOW_RES_MAX_SIDE_PX = 800


@dataclass(frozen=True)
class ShareAdvice:
    """How many posts have hashtags / photos / video. `examples_without` are the posts the
    advice is about; `examples_with` are the ones to follow (for video, the only useful list)."""

    code: str  # "hashtags", "photos", "video"
    label: str
    count: int
    total: int
    examples_without: tuple[PostExample, ...] = ()
    examples_with: tuple[PostExample, ...] = ()

    @property
    def share(self) -> float | None:
        return self.count / self.total if self.total else None

    @property
    def percent(self) -> int | None:
        return round(100 * self.count / self.total) if self.total else None

    @property
    def without(self) -> int:
        return self.total - self.count

    @property
    def advised(self) -> bool:
        # Every post should carry tags and a photo; video only has to appear at all.
        if not self.total:
            return False
        if self.code == "video":
            return self.count == 0
        return self.count < self.total


@dataclass(frozen=True)
class LowResolutionAdvice:
    threshold_px: int
    photo_posts: int  # posts whose largest photo side is known
    unknown_size: int  # posts with photos of unknown size (OK gives no sizes)
    count: int  # posts whose largest photo is under the threshold
    examples: tuple[PostExample, ...] = ()

    @property
    def advised(self) -> bool:
        return self.count > 0


@dataclass(frozen=True)
class EngagementAdvice:
    """Reactions = likes + reposts + comments. Per post over the posts whose counters the
    network gave; per 100 views over the posts whose views it gave (VK yes, OK no)."""

    posts: int  # posts with any counter known
    reactions: int
    posts_with_views: int
    views: int
    reactions_on_viewed: int  # reactions of the posts with views
    best: tuple[PostExample, ...] = ()

    @property
    def per_post(self) -> float | None:
        return self.reactions / self.posts if self.posts else None

    @property
    def per_100_views(self) -> float | None:
        return 100 * self.reactions_on_viewed / self.views if self.views else None


@dataclass(frozen=True)
class QualityReport:
    since: datetime
    until: datetime
    days: int
    posts: int  # community posts of the window that were analysed
    reposts_skipped: int
    spelling: SpellingAdvice
    hashtags: ShareAdvice
    photos: ShareAdvice
    video: ShareAdvice
    low_resolution: LowResolutionAdvice
    engagement: EngagementAdvice
    coverage: CoverageAdvice

    @property
    def shares(self) -> tuple[ShareAdvice, ...]:
        return (self.hashtags, self.photos, self.video)

    @property
    def advice_count(self) -> int:
        parts = (self.spelling, *self.shares, self.low_resolution, self.coverage)
        return sum(1 for part in parts if part.advised)


def posts_in_window(posts: Iterable[Post], *, since: datetime, until: datetime) -> tuple[list[Post], int]:
    """The community's own posts of the window, newest first, and the number of reposts left out."""
    own, reposts = [], 0
    for post in posts:
        if not post.from_community or not since <= post.date <= until:
            continue
        if post.is_repost:
            reposts += 1
        else:
            own.append(post)
    own.sort(key=lambda p: p.date, reverse=True)
    return own, reposts


# ---------------------------------------------------------------------------------------------
# Hashtags, photos, video, resolution, engagement


SHARES: dict[str, tuple[Any, Callable[[Post], bool]]] = {
    "hashtags": (gettext_lazy("С тегами"), has_hashtags),
    "photos": (gettext_lazy("С фотографиями"), has_photo),
    "video": (gettext_lazy("С видео"), has_video),
}


def share_advice(posts: Sequence[Post], code: str) -> ShareAdvice:
    """How many of `posts` (newest first) have the feature `code` (a key of SHARES)."""
    label, test = SHARES[code]
    having = [p for p in posts if test(p)]
    lacking = [p for p in posts if not test(p)]
    return ShareAdvice(
        code=code,
        label=str(label),
        count=len(having),
        total=len(posts),
        examples_without=newest_examples(lacking),
        examples_with=newest_examples(having),
    )


def low_resolution_advice(posts: Sequence[Post], threshold_px: int = LOW_RES_MAX_SIDE_PX) -> LowResolutionAdvice:
    with_photo = [p for p in posts if has_photo(p) or p.largest_photo_px is not None]
    sized = [p for p in with_photo if p.largest_photo_px is not None]
    small = [p for p in sized if p.largest_photo_px < threshold_px]
    return LowResolutionAdvice(
        threshold_px=threshold_px,
        photo_posts=len(sized),
        unknown_size=len(with_photo) - len(sized),
        count=len(small),
        examples=newest_examples(small, detail=lambda p: _("%(px)d px") % {"px": p.largest_photo_px}),
    )


def reactions(post: Post) -> int | None:
    """Likes + reposts + comments; None when the network gave none of the three."""
    counts = [c for c in (post.likes, post.reposts, post.comments) if c is not None]
    return sum(counts) if counts else None


def engagement_advice(posts: Sequence[Post]) -> EngagementAdvice:
    counted = [(p, reactions(p)) for p in posts]
    counted = [(p, r) for p, r in counted if r is not None]
    viewed = [(p, r) for p, r in counted if p.views]
    best = sorted((pr for pr in counted if pr[1] > 0), key=lambda pr: (pr[1], pr[0].date), reverse=True)
    return EngagementAdvice(
        posts=len(counted),
        reactions=sum(r for _p, r in counted),
        posts_with_views=len(viewed),
        views=sum(p.views for p, _r in viewed),
        reactions_on_viewed=sum(r for _p, r in viewed),
        best=tuple(example(p, _("реакций: %(n)d") % {"n": r}) for p, r in best[:EXAMPLES_PER_ADVICE]),
    )


# ---------------------------------------------------------------------------------------------
# The report


def quality_report(
    posts: Iterable[Post],
    *,
    now: datetime,
    days: int = DEFAULT_DAYS,
    checker: SpellingChecker | None,
    spelling_notice: str = "",
) -> QualityReport:
    """Every advice for the community posts of the `days` before `now`."""
    since = now - timedelta(days=days)
    own, reposts = posts_in_window(posts, since=since, until=now)
    return QualityReport(
        since=since,
        until=now,
        days=days,
        posts=len(own),
        reposts_skipped=reposts,
        spelling=spelling_advice(own, checker, spelling_notice),
        hashtags=share_advice(own, "hashtags"),
        photos=share_advice(own, "photos"),
        video=share_advice(own, "video"),
        low_resolution=low_resolution_advice(own),
        engagement=engagement_advice(own),
        coverage=coverage_advice(own),
    )


def organization_quality(
    organization: Organization,
    *,
    now: datetime | None = None,
    days: int = DEFAULT_DAYS,
    spelling_language: str = SPELLING_LANGUAGE,
) -> QualityReport:
    """The quality advice for one organization's pages (VK and OK together), in one query."""
    now = now or timezone.now()
    rows = (
        PagePost.objects.on_wall()
        .filter(
            page__organization=organization,
            page__detached_at=None,
            from_community=True,
            date__gte=now - timedelta(days=days),
            date__lte=now,
        )
        .select_related("page")
        .order_by("-date", "-id")
    )
    posts = [post_from_row(row, row.page.network) for row in rows]
    checker, notice = spelling_checker(spelling_language)
    # The spelling and the topics cost the organization page most of its time, and the report
    # follows from its inputs alone: kept under their digest, so a post read, edited or leaving
    # the window is another key, and the same posts on the same day (the dates it names) are one.
    inputs = repr((posts, days, timezone.localdate(now), spelling_language, checker is None, notice, get_language()))
    key = "reports:quality:" + hashlib.sha256(inputs.encode()).hexdigest()
    report = cache.get(key)
    if report is None:
        report = quality_report(posts, now=now, days=days, checker=checker, spelling_notice=notice)
        cache.set(key, report, QUALITY_CACHE_SECONDS)
    return report
