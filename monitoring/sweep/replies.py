"""What a night's read plan needs from the store beyond the posts: which recent VK posts had
their comments read at which count, the judged comments kept per post and each page's answer
count (DESIGN §3.6); and which MAX channels are known to be without the district bot (§3.5)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.db import transaction

from monitoring.audience import REPLY_WINDOW, Replies, is_answered, tally
from monitoring.models import MaxBotChat, PageComment, PagePost, PageState, SweepRun
from monitoring.networks.max.rules import bot_missing_error
from monitoring.reading import PageRead
from organizations.models import OfficialPage


def comment_counts_read(page_ids: list[int], since: datetime) -> dict[int, dict[str, int | None]]:
    """page id → {post id: its comment count at the last read of its comments} for the
    community's posts since `since`, still on the wall. One query."""
    counts: dict[int, dict[str, int | None]] = defaultdict(dict)
    rows = PagePost.objects.on_wall().filter(page_id__in=page_ids, from_community=True, date__gte=since)
    for page_id, external_id, count in rows.values_list("page_id", "external_id", "comments_read"):
        counts[page_id][external_id] = count
    return counts


def store_comments(run: SweepRun, pages: list[tuple[OfficialPage, PageRead]]) -> None:
    """Keep what this read found under each post whose comments were read: its judged comments
    replace the post's earlier ones (a comment gone from the post goes from here), and the
    post's comment count is marked read."""
    for page, read in pages:
        if not read.comments or read.community is None:
            continue
        owner_id = -int(read.community.external_id)
        counts = {post.external_id: post.comments for post in read.posts or []}
        with transaction.atomic():
            for post_id, comments in read.comments.items():
                judged = {}
                for comment in comments:
                    answered = is_answered(comment, owner_id)
                    if answered is not None:
                        judged[comment.comment_id] = (comment, answered)
                PageComment.objects.filter(page=page, post_id=post_id).exclude(comment_id__in=judged).delete()
                known = set(PageComment.objects.filter(page=page, post_id=post_id).values_list("comment_id", flat=True))
                PageComment.objects.bulk_create([
                    PageComment(page=page, post_id=post_id, comment_id=comment_id, written_at=comment.date,
                                answered=answered, first_seen_run=run)
                    for comment_id, (comment, answered) in judged.items() if comment_id not in known
                ])
                for comment_id, (_comment, answered) in judged.items():
                    if comment_id in known:
                        PageComment.objects.filter(page=page, comment_id=comment_id).exclude(answered=answered).update(
                            answered=answered)
                PagePost.objects.filter(page=page, external_id=post_id).update(comments_read=counts.get(post_id))


def replies_by_page(page_ids: list[int], run: SweepRun) -> dict[int, Replies]:
    """page id → the answer count over the judged comments of its community posts of the 14
    days before the run that stand on the wall. One query."""
    since = run.started_at - REPLY_WINDOW
    standing = PagePost.objects.on_wall().filter(page_id__in=page_ids, from_community=True, date__gte=since,
                                                 date__lt=run.started_at)
    judged: dict[int, list] = defaultdict(list)
    keys = set(standing.values_list("page_id", "external_id"))
    for comment in PageComment.objects.filter(page_id__in=page_ids).order_by("written_at"):
        if (comment.page_id, comment.post_id) in keys:
            judged[comment.page_id].append((comment.answered, comment.written_at, comment))
    return {page_id: tally(judged[page_id], run.started_at) for page_id in page_ids}


def channels_without_bot(pages: list[OfficialPage]) -> set[int]:
    """Ids of the MAX pages whose last read was refused for want of the bot, with no
    `bot_added` for their chat since. Two queries."""
    missing = bot_missing_error()
    refused = {
        page_id: (external_id, checked_at)
        for page_id, external_id, checked_at, verdict in PageState.objects.filter(page__in=pages).values_list(
            "page_id", "page__external_id", "checked_at", "verdict"
        )
        if missing in ((verdict or {}).get("error") or "") and external_id.lstrip("-").isdigit() and checked_at
    }
    added = dict(MaxBotChat.objects.filter(
        chat_id__in=[int(external_id) for external_id, _when in refused.values()], removed_at=None
    ).values_list("chat_id", "added_at"))
    return {
        page_id for page_id, (external_id, checked_at) in refused.items()
        if not (int(external_id) in added and added[int(external_id)] >= checked_at)
    }
