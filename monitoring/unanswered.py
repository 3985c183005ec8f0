"""The people's comments waiting for the community's answer (DESIGN §3.6) as queries shared by
the organization page, the dashboard and the alert to staff, so that all three say the same of
a comment. The counting rule itself is `monitoring.audience.tally`'s: not answered, written more
than ANSWER_DUE before the moment judged, under a community post of the REPLY_WINDOW before it
that stands on the wall."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils import timezone

from monitoring.audience import ANSWER_DUE, REPLY_WINDOW
from monitoring.models import PageComment, PagePost, Snapshot, SweepRun
from organizations.models import Network


def _waiting(moment: datetime) -> QuerySet[PageComment]:
    """Comments of registered VK pages with no answer, written more than 24 hours before `moment`."""
    return PageComment.objects.filter(
        page__network=Network.VK, page__detached_at=None, answered=False, written_at__lt=moment - ANSWER_DUE
    )


def _under_standing_post(moment: datetime, **post_filters) -> Exists:
    return Exists(
        PagePost.objects.on_wall().filter(
            page=OuterRef("page"), external_id=OuterRef("post_id"), from_community=True,
            date__gte=moment - REPLY_WINDOW, **post_filters,
        )
    )


def unanswered_comments(now: datetime | None = None) -> QuerySet[PageComment]:
    """What the organization page lists and the dashboard counts: waiting now, as the last
    read of each post's comments found them."""
    now = now or timezone.now()
    return _waiting(now).filter(_under_standing_post(now))


def unanswered_in_run(run: SweepRun) -> QuerySet[PageComment]:
    """The comments `run` counted as unanswered (its verdicts' `comments_unanswered`), where its
    judgement of them is fresh: the page's wall was read in this run, and the post's comments at
    the post's present count. A post whose comments could not be read keeps an older judgement
    (the community may have answered since); its comments are told the night they are read."""
    read_tonight = Snapshot.objects.filter(run=run, page=OuterRef("page"), wall_read=True)
    return _waiting(run.started_at).filter(
        _under_standing_post(run.started_at, date__lt=run.started_at, comments_read=F("comments")),
        Exists(read_tonight),
    )
