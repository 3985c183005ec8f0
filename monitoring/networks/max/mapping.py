"""What MAX's objects become (DESIGN §3.5): a Chat is a `Community`, a channel's Message a
`Post`. All MAX times are milliseconds since the epoch, UTC; they become aware datetimes here,
and the rules put them into Moscow weeks."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from monitoring.types import MAX, Community, Post

CHANNEL = "channel"
# MAX calls a picture "image"; the advisories (§3.4) count photos under VK's name.
ATTACHMENT_KINDS = {"image": "photo"}


def moment(milliseconds: Any) -> datetime | None:
    """A MAX time (ms since the epoch, UTC) as an aware datetime; None when it is not a number."""
    if isinstance(milliseconds, bool) or not isinstance(milliseconds, (int, float)):
        return None
    try:
        return datetime.fromtimestamp(milliseconds / 1000, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None


def milliseconds(when: datetime) -> int:
    """An aware datetime as a MAX time."""
    if when.tzinfo is None:
        raise ValueError("a timezone-aware datetime is required")
    return int(when.timestamp() * 1000)


def is_channel(chat: Mapping[str, Any]) -> bool:
    return chat.get("type") == CHANNEL


def community_from_max(chat: Mapping[str, Any]) -> Community:
    """One Chat. MAX has no address, e-mail, phone or site field: the rules find them in the
    description alone, and no mark field at all (`gov_mark` stays unknown). Only the channel's
    administrators post in it, so its "wall" is not open to others."""
    link = _text(chat.get("link"))
    return Community(
        network=MAX,
        external_id=str(chat.get("chat_id", "")),
        screen_name=link.rstrip("/").rsplit("/", 1)[-1].lstrip("@"),
        name=_text(chat.get("title")),
        description=_text(chat.get("description")),
        closed=chat.get("is_public") is not True,
        gov_mark=None,
        wall_open_to_others=False,
        members_count=_count(chat.get("participants_count")),
        raw=dict(chat),
    )


def posts_total(chat: Mapping[str, Any]) -> int | None:
    """The Chat's `messages_count`; None when it does not say."""
    return _count(chat.get("messages_count"))


def post_from_max(message: Mapping[str, Any]) -> Post | None:
    """One message of a channel: every one is a post of the channel (§3.5). None for a message
    without a time, which no week can hold."""
    date = moment(message.get("timestamp"))
    if date is None:
        return None
    body = message.get("body") if isinstance(message.get("body"), Mapping) else {}
    link = message.get("link") if isinstance(message.get("link"), Mapping) else {}
    stat = message.get("stat") if isinstance(message.get("stat"), Mapping) else {}
    attachments = body.get("attachments") if isinstance(body.get("attachments"), list) else []
    kinds = (str(a["type"]) for a in attachments if isinstance(a, Mapping) and a.get("type"))
    return Post(
        network=MAX,
        # A message that only forwards another has no body of its own, hence no `mid`.
        external_id=_text(body.get("mid")) or f"ts{message['timestamp']}",
        date=date,
        from_community=True,
        is_repost=link.get("type") == "forward",
        text=_text(body.get("text")),
        attachment_kinds=tuple(dict.fromkeys(ATTACHMENT_KINDS.get(kind, kind) for kind in kinds)),
        views=_count(stat.get("views")),
        raw=dict(message),
    )


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""
