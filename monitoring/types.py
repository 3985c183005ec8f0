"""Plain data that crosses the boundary between the API clients and the rules.

Clients (monitoring/clients/) turn VK and OK payloads into these; rule functions
(monitoring/rules.py) judge them. Nothing here knows Django or HTTP.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

VK = "vk"
OK = "ok"
MAX = "max"

HASHTAG_RE = re.compile(r"#[\w@]+", re.UNICODE)


@dataclass(frozen=True)
class Community:
    """What groups.getById (VK) or group.getInfo (OK) says about one community.

    Structured fields hold the values as the API gave them (white space kept);
    the rules decide what counts as present. `sites` gathers VK `site` and every
    `links[].url`, or OK `homepage_url`; the rules drop vk.com / ok.ru hosts.
    """

    network: str
    external_id: str
    screen_name: str = ""
    name: str = ""
    description: str = ""
    address: str = ""
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    sites: tuple[str, ...] = ()
    closed: bool = False
    deactivated: bool = False
    # None when the API response carries no such field: unknown, never a failure.
    gov_mark: bool | None = None
    # VK `wall` == 1 or absent; other VK values mean no one else can post. OK: True.
    wall_open_to_others: bool = True
    # VK contacts[].user_id / OK admin_id: a proxy for "the admins changed".
    contact_ids: tuple[str, ...] = ()
    members_count: int | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Post:
    """One wall post (VK) or topic (OK) as the sweep stores it."""

    network: str
    external_id: str
    date: datetime  # timezone-aware
    # VK from_id == owner_id; OK author_ref names the group.
    from_community: bool
    author_id: str = ""
    # VK only: a community post whose copy_history[0].owner_id > 0.
    repost_of_personal: bool = False
    is_repost: bool = False
    is_pinned: bool = False
    text: str = ""
    attachment_kinds: tuple[str, ...] = ()
    # Largest photo side in pixels over the post's photos, None without photos.
    largest_photo_px: int | None = None
    views: int | None = None
    likes: int | None = None
    reposts: int | None = None
    comments: int | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def hashtags(self) -> tuple[str, ...]:
        return tuple(tag.lower() for tag in HASHTAG_RE.findall(self.text))


@dataclass(frozen=True)
class Comment:
    """One comment on a post (VK `wall.getComments`); a top-level one carries its replies in
    `thread`. Only what the answer rule needs: who, when, whether it still stands."""

    comment_id: str
    from_id: int
    date: datetime  # timezone-aware
    deleted: bool = False
    thread: tuple[Comment, ...] = field(default=(), compare=False)
