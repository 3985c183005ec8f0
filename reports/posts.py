"""A stored post as the reports show it: its address, a one-line excerpt, tags, photo, video.

Shared by the quality advice (reports/quality/) and the district report (reports/district/),
so that «с фото» and a post's link mean the same on the organization page and in the справка.
"""

from __future__ import annotations

from monitoring.types import OK, VK, Post

# Attachment kinds as the clients store them: VK "photo", "album" (a shared photo album, shown
# with its cover), "video", "clip" (short video); OK media "photo", "movie".
PHOTO_KINDS = frozenset({"photo", "album"})
VIDEO_KINDS = frozenset({"video", "clip", "movie"})


def has_hashtags(post: Post) -> bool:
    return bool(post.hashtags)


def has_photo(post: Post) -> bool:
    return not PHOTO_KINDS.isdisjoint(post.attachment_kinds)


def has_video(post: Post) -> bool:
    return not VIDEO_KINDS.isdisjoint(post.attachment_kinds)


def post_url(post: Post) -> str:
    """The post's public address; "" when it cannot be built. VK ids are ``{owner_id}_{post_id}``;
    an OK community topic names its group in ``author_id`` (``group:<gid>``), which the OK client
    stores for every post it counts as the community's own."""
    if post.network == VK and "_" in post.external_id:
        return f"https://vk.com/wall{post.external_id}"
    if post.network == OK and post.author_id.startswith("group:") and post.external_id:
        return f"https://ok.ru/group/{post.author_id.removeprefix('group:')}/topic/{post.external_id}"
    return ""


def excerpt(text: str, limit: int) -> str:
    """The text on one line, cut at a word boundary."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return flat[:limit].rsplit(" ", 1)[0].rstrip(" ,.;:—–-") + "…"
