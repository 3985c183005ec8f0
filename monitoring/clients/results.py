"""Small results of the clients that ``monitoring.types`` does not cover.

``Community`` and ``Post`` live in ``monitoring.types`` (shared with the rules);
these are about reading: what a link points to, and what one wall read returned.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from monitoring.types import VK, Post

# VK utils.resolveScreenName types (schema enum: user, group, page, application,
# vk_app, community_application); "event" comes from /event<id> links.
VK_COMMUNITY_KINDS = frozenset({"group", "page", "event"})


@dataclass(frozen=True)
class Resolved:
    """What a registered link points to.

    ``kind`` is the API's type in lower case, except that OK's ``PROFILE``/``USER``
    become ``"user"`` so both networks say the same about personal pages.
    """

    network: str
    kind: str
    object_id: str

    @property
    def is_community(self) -> bool:
        if self.network == VK:
            return self.kind in VK_COMMUNITY_KINDS
        return self.kind == "group"


@dataclass(frozen=True)
class WallRequest:
    """One wall to read: VK ``owner_id`` (negative for a community) and how far back.

    ``filter`` is "owner" (community posts: the total and the window) or "others"
    (posts by anyone else, only worth asking where the wall is open to others).
    ``count`` is the page size to ask for (None: the client's own); a read that expects
    only a few new posts asks for a few, and pages on if they are all new.
    """

    owner_id: int
    since: datetime
    filter: str = "owner"
    count: int | None = None

    @classmethod
    def for_community(
        cls, group_id: int | str, since: datetime, filter: str = "owner", count: int | None = None
    ) -> "WallRequest":
        return cls(owner_id=-abs(int(group_id)), since=since, filter=filter, count=count)


class WallPosts(NamedTuple):
    """``total``: VK's ``count`` for the filter (all community posts with filter=owner);
    ``posts``: those dated at or after ``since``, newest first (a pinned one included
    only when it is inside the window)."""

    total: int
    posts: list[Post]


@dataclass
class WallCursor:
    """Progress of one wall read across pages (and across execute batches)."""

    request: WallRequest
    offset: int = 0
    total: int | None = None
    posts: list[Post] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    done: bool = False
